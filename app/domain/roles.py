"""Account roles and what each may do. The one place role rules live.

Case data comes in two layers. ``VIEW_CASES`` is the case register and the meetings'
logistics: case numbers, states, protocol, dates, the referring party, the main subject's
initials, meetings with their place, chair, invitees and attendance. ``CASE_SUBSTANCE`` is
what is said about the people: subjects' names, BSN, birth dates and addresses, the
referral's reason and question, information items, triage's routing (goal, themes), the
agenda's goals and themes and what each party is asked to bring, minutes, plan texts and
progress notes, the closure record. Only the process director has it; the information
centre keeps the register and the logistics and registers new referrals, and the services
refuse it the substance (``OpenVault.require`` audits each refusal) or hand it a
logistics-only shape where one read serves both (the Cases list, a meeting's agenda).
"""

from __future__ import annotations

from enum import StrEnum

from app.i18n import N_, _


class Role(StrEnum):
    ADMIN = "admin"
    PROCESS_DIRECTOR = "process_director"
    INFORMATION_CENTRE = "information_centre"
    MANAGER = "manager"

    @property
    def label(self) -> str:
        return _(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.ADMIN: N_("Administrator"),
    Role.PROCESS_DIRECTOR: N_("Process director"),
    Role.INFORMATION_CENTRE: N_("Information centre"),
    Role.MANAGER: N_("Manager"),
}


class Permission(StrEnum):
    MANAGE_ACCOUNTS = "manage_accounts"
    MANAGE_PARTIES = "manage_parties"
    MANAGE_SETTINGS = "manage_settings"
    VIEW_PARTIES = "view_parties"
    REGISTER_REFERRAL = "register_referral"
    CASE_WORK = "case_work"                  # intake decisions, triage, plans, closure
    VIEW_CASES = "view_cases"                # the case register: numbers, states, dates,
    #                                          the main subject's initials (no other detail)
    CASE_SUBSTANCE = "case_substance"        # minutes, plan texts, information items,
    #                                          agenda goals, subjects' personal details
    MEETING_LOGISTICS = "meeting_logistics"
    VIEW_FIGURES = "view_figures"            # aggregate figures, never a name
    BACKUP = "backup"
    READ_AUDIT = "read_audit"                # the audit log, for the privacy officer


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset({Permission.MANAGE_ACCOUNTS, Permission.MANAGE_PARTIES,
                           Permission.MANAGE_SETTINGS, Permission.VIEW_PARTIES,
                           Permission.BACKUP, Permission.VIEW_FIGURES,
                           Permission.READ_AUDIT}),
    Role.PROCESS_DIRECTOR: frozenset({Permission.VIEW_PARTIES, Permission.REGISTER_REFERRAL,
                                      Permission.CASE_WORK, Permission.VIEW_CASES,
                                      Permission.CASE_SUBSTANCE,
                                      Permission.MEETING_LOGISTICS, Permission.VIEW_FIGURES}),
    # Referrals it types in or imports, the case register and the meetings' logistics;
    # never the substance (see the module docstring).
    Role.INFORMATION_CENTRE: frozenset({Permission.VIEW_PARTIES, Permission.REGISTER_REFERRAL,
                                        Permission.VIEW_CASES,
                                        Permission.MEETING_LOGISTICS}),
    Role.MANAGER: frozenset({Permission.VIEW_FIGURES}),
}


def may(role: Role, permission: Permission) -> bool:
    return permission in GRANTS[role]
