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


# -- the permission matrix: who may do what ------------------------------------------------
#
# Every *action* has exactly one row here: each service entry point (a public function of
# ``app.services.*`` that takes the open vault, named ``module.function``) and each command
# of ``casuskamer`` that unlocks a vault (named ``casuskamer VERB``). A row names the
# permissions that let a role do it: a role may when it holds any one of them; a row
# without permissions is open to every account. The entry points check their row at their
# start (``app.vault.access.entry_point``), the commands right after the unlock
# (``app.cli.common.unlock``); a refusal is audited (``denied``, with the action) and is
# one line. Where one entry point serves several roles with different shapes (the Cases
# list gives the information centre initials only), the row says who may call it and the
# service decides the shape. ``tests/unit/test_permission_matrix.py`` calls every entry
# point and command under every role and expects exactly this answer; a new one without a
# row fails there (and a decorated entry point without a row fails at import). README.md's
# "Who may do what" table is :func:`matrix_markdown`.

#: Open to every account that can unlock the vault.
ANY_ACCOUNT: frozenset[Permission] = frozenset()


def _p(*permissions: Permission) -> frozenset[Permission]:
    return frozenset(permissions)


_ACCOUNTS = _p(Permission.MANAGE_ACCOUNTS)
_PARTIES = _p(Permission.MANAGE_PARTIES)
_SETTINGS = _p(Permission.MANAGE_SETTINGS)
_SEE_PARTIES = _p(Permission.VIEW_PARTIES)
_REGISTER = _p(Permission.REGISTER_REFERRAL)
_WORK = _p(Permission.CASE_WORK)
_REGISTER_VIEW = _p(Permission.VIEW_CASES)
_SUBSTANCE = _p(Permission.CASE_SUBSTANCE)
_LOGISTICS = _p(Permission.MEETING_LOGISTICS)
_FIGURES = _p(Permission.VIEW_FIGURES)
_BACKUP = _p(Permission.BACKUP)
_AUDIT = _p(Permission.READ_AUDIT)
#: synthetic cases: registering referrals, or an administrator filling a demo vault
_FILL = _p(Permission.REGISTER_REFERRAL, Permission.MANAGE_SETTINGS)
#: drafts: an intake being typed (a referral), or case work (triage, agenda, minutes, plan,
#: closure)
_DRAFTS = _p(Permission.REGISTER_REFERRAL, Permission.CASE_WORK)

#: The commands of ``casuskamer`` that unlock a vault, and what each needs.
COMMAND_ACTIONS: dict[str, frozenset[Permission]] = {
    "casuskamer verify": ANY_ACCOUNT,            # integrity results only, no case data
    "casuskamer backup": _BACKUP,
    "casuskamer restore": _BACKUP,               # checked on the vault it replaces and on
    #                                              the restored one (app.vault.maintenance)
    "casuskamer demo": _SETTINGS,                # adding to an existing vault
    "casuskamer config": _SETTINGS,
    "casuskamer users add": _ACCOUNTS,
    "casuskamer users passwd": ANY_ACCOUNT,      # one's own passphrase
    "casuskamer users revoke": _ACCOUNTS,
    "casuskamer users list": _ACCOUNTS,
    "casuskamer users rekey": _ACCOUNTS,
    "casuskamer parties list": _SEE_PARTIES,
    "casuskamer import": _REGISTER,
    "casuskamer export handout": _WORK,
    "casuskamer export plan": _WORK,
    "casuskamer export handouts": _WORK,
    "casuskamer export agenda": _WORK,
    "casuskamer export subject": _WORK,
    "casuskamer export receipt": _REGISTER,
    "casuskamer export triage-outcome": _WORK,
    "casuskamer purge": ANY_ACCOUNT,             # the destruction every unlock runs anyway
    "casuskamer report": _FIGURES,
    "casuskamer audit": _AUDIT,
    "casuskamer cases list": _REGISTER_VIEW,     # the centre: initials only
    "casuskamer cases show": _SUBSTANCE,
    "casuskamer meetings list": _REGISTER_VIEW,
    "casuskamer meetings show": _REGISTER_VIEW,  # the centre: logistics only
    "casuskamer disclosures": _REGISTER_VIEW,
}

#: Commands that open no existing vault, so there is no account to check.
COMMANDS_WITHOUT_VAULT: dict[str, str] = {
    "casuskamer init": "creates a new vault; its first account is the administrator",
    "casuskamer upgrade": "the house server's migration owner, no account: the server "
                          "checks the owner role",
    "casuskamer demo": "on a new folder: creates a demo vault, as its administrator",
    "casuskamer migrate": "reads the vault folder with an administrator's slot, checked "
                          "in app.vault.move; writes the server as its migration owner",
    "casuskamer --help": "prints the usage",
    "casuskamer gui": "starts the desktop program, which unlocks on its own screen",
}

#: The service entry points (``module.function`` in ``app.services``) and what each needs.
SERVICE_ACTIONS: dict[str, frozenset[Permission]] = {
    # accounts and the data key
    "accounts.account_notices": ANY_ACCOUNT,     # one's own: process directors and
    #                                              administrators get them, others none
    "accounts.add_account": _ACCOUNTS,
    "accounts.change_data_key": _ACCOUNTS,
    "accounts.change_passphrase": ANY_ACCOUNT,   # one's own
    "accounts.list_accounts": _ACCOUNTS,
    "accounts.revoke_account": _ACCOUNTS,
    # a meeting's agenda for one party (goals and contributions: the director's)
    "agenda.export_agenda": _WORK,
    "agenda.party_agenda": _SUBSTANCE,
    "agenda.party_agenda_view": _WORK,
    # the audit log
    "audit_log.accounts": _AUDIT,
    "audit_log.count": _AUDIT,
    "audit_log.export": _AUDIT,
    "audit_log.iter_rows": _AUDIT,
    "audit_log.log_search": ANY_ACCOUNT,         # records one's own search
    "audit_log.read_page": _AUDIT,
    # the case screen and the register
    "case_view.copy_subject_field": _SUBSTANCE,
    "case_view.open_case": _SUBSTANCE,
    # a copy to the clipboard (ui.clipboard): the kind of field and the case, never the value
    "clipboard_log.record_copy": ANY_ACCOUNT,
    "cases.get_case": _SUBSTANCE,
    "cases.list_cases": _REGISTER_VIEW,          # the centre: initials only
    # closure
    "closure.close_case": _WORK,
    "closure.closure_context": _WORK,
    "closure.closure_figures": _FIGURES,
    "closure.closure_of": _SUBSTANCE,
    "closure.discard_closure_draft": _WORK,
    "closure.load_closure_draft": _WORK,
    "closure.preview": _WORK,
    "closure.save_closure_draft": _WORK,
    # demo data
    "demo_activity.fill": _SETTINGS,
    "synthetic.bulk_insert_cases": _FILL,
    "synthetic.bulk_insert_checked": _FILL,
    "synthetic.fill_demo": _FILL,
    # the disclosure log
    "disclosures.case_disclosures": _REGISTER_VIEW,
    "disclosures.period_disclosures": _REGISTER_VIEW,
    # one's own drafts (only the account that wrote a draft reads it); every kind is a
    # referral being registered or case work (the house server's grants on drafts alike)
    "drafts.drop": _DRAFTS,
    "drafts.get": _DRAFTS,
    "drafts.put": _DRAFTS,
    # figures
    "figures.available_years": _FIGURES,
    "figures.compute": _FIGURES,
    "figures.figures_for_display": _FIGURES,
    "figures.export_annual_report": _FIGURES,
    # follow-up of the plans' actions
    "followup.open_actions": _SUBSTANCE,
    "followup.overdue_notice": ANY_ACCOUNT,      # counts; zero without case substance
    "followup.record_progress": _WORK,
    # handouts and the plan as PDF
    "handouts.disclosures": _REGISTER_VIEW,
    "handouts.export_handout": _WORK,
    "handouts.export_handouts": _WORK,
    "handouts.export_handouts_for_invited": _WORK,
    "handouts.export_plan": _WORK,
    "handouts.handout_file_name": _WORK,
    "handouts.on_agenda": _REGISTER_VIEW,
    "handouts.outlook": _REGISTER_VIEW,
    "handouts.recipients": _REGISTER_VIEW,
    "handouts.resolve_party": _SEE_PARTIES,
    # referral and intake
    "intake.already_known": _REGISTER_VIEW,
    "intake.case_as_draft": _SUBSTANCE,   # the reload after an edit conflict
    "intake.decide_intake": _WORK,
    "intake.discard_draft": _REGISTER,
    "intake.draft_for_case": _SUBSTANCE,
    "intake.eligible_parties": _REGISTER,
    "intake.intake_context": _REGISTER,
    "intake.list_drafts": _REGISTER,
    "intake.load_draft": _REGISTER,
    "intake.register_referral": _REGISTER,
    "intake.save_draft": _REGISTER,
    "intake.start_intake": _WORK,
    "intake.submit_intake": _REGISTER,           # accepting or declining: case work too
    "referral_import.import_referrals": _REGISTER,
    "referral_import.party_names": _REGISTER,
    # the referral as houses practise it (issue 24): partners to invite, informing the
    # subject, and what goes back to the referring party
    "referral_contacts.case_informing": _SUBSTANCE,
    "referral_contacts.case_invitees_of": _SUBSTANCE,
    "referral_contacts.informing_flags": _WORK,
    "referral_contacts.informing_lines": _WORK,
    "referral_contacts.informing_summary": _WORK,
    "referral_contacts.proposed_invitees": _WORK,
    "referral_contacts.set_informing": _WORK,
    "referral_receipts.export_receipt": _REGISTER,       # counts and the case number only
    "referral_receipts.export_triage_outcome": _WORK,
    "referral_receipts.receipt_view": _REGISTER,
    "referral_receipts.triage_outcome_view": _WORK,
    # the case meeting
    "meeting_room.load_room": _WORK,
    "meeting_room.refresh": _WORK,
    "case_meetings.case_meetings": _SUBSTANCE,     # a case's own agenda items (cases show)
    "meetings.add_item": _WORK,
    "meetings.candidate_cases": _SUBSTANCE,
    "meetings.discard_agenda_draft": _WORK,
    "meetings.get_meeting": _REGISTER_VIEW,      # the centre: logistics only
    "meetings.invitee_choices": _REGISTER_VIEW,
    "meetings.list_meetings": _REGISTER_VIEW,
    "meetings.load_agenda_draft": _WORK,
    "meetings.move_item": _WORK,
    "meetings.party_names": _SEE_PARTIES,
    "meetings.plan_meeting": _WORK,
    "meetings.remove_item": _WORK,
    "meetings.reorder": _WORK,
    "meetings.save_agenda_draft": _WORK,
    "meetings.set_invitations": _WORK,
    "meetings.update_item": _WORK,
    "meetings.update_meeting": _LOGISTICS,
    # the meeting live: attendance, the meeting and its items started
    "meeting_live.accept_confidentiality": _LOGISTICS,
    "meeting_live.add_attendee": _LOGISTICS,
    "meeting_live.attendee_left": _LOGISTICS,
    "meeting_live.list_attendees": _REGISTER_VIEW,
    "meeting_live.remove_attendee": _LOGISTICS,
    # absent for one case: that person's party no longer keeps the room's screen of the case
    # empty, a decision of who sees what (covenant 12.2 f and h): the process director's
    "meeting_live.set_absent_for_item": _WORK,
    "meeting_live.start_item": _WORK,
    "meeting_live.start_meeting": _WORK,
    # the minutes and the hand-over to the plan
    "minutes.add_entry": _WORK,
    "minutes.case_minutes": _SUBSTANCE,
    "minutes.discard_live_draft": _WORK,
    "minutes.edit_entry": _WORK,
    "minutes.end_meeting": _WORK,
    "minutes.entries": _SUBSTANCE,
    "minutes.finish_item": _WORK,
    "minutes.hand_over_to_plan": _WORK,
    "minutes.load_live_draft": _WORK,
    "minutes.remove_entry": _WORK,
    "minutes.save_live_draft": _WORK,
    # the party register
    "parties.add_party": _PARTIES,
    "parties.contacts": _SEE_PARTIES,
    "parties.end_participation": _PARTIES,
    "parties.export_bijlage1": _PARTIES,
    "parties.find_party_by_name": _SEE_PARTIES,
    "parties.get_party": _SEE_PARTIES,
    "parties.history": _SEE_PARTIES,
    "parties.host_municipality": _SEE_PARTIES,
    "parties.list_parties": _SEE_PARTIES,
    "parties.record_accession": _PARTIES,
    "parties.record_signature": _PARTIES,
    "parties.record_steering_group_agreement": _PARTIES,
    "parties.remove_contact": _PARTIES,
    "parties.save_contact": _PARTIES,
    "parties.seed_parties": _PARTIES,
    "parties.set_memberships": _PARTIES,
    "parties.standing": _SEE_PARTIES,
    "parties.standings": _SEE_PARTIES,
    "parties.update_details": _PARTIES,
    "seeding.seed_new_vault": _SETTINGS,
    # the session step after unlock (seed data of a new vault, the retention purge)
    "session.after_unlock": ANY_ACCOUNT,
    # the plan of action
    "plan.add_progress_note": _WORK,
    "plan.discard_plan_draft": _WORK,
    "plan.entitled_parties": _REGISTER_VIEW,
    "plan.get_plan": _SUBSTANCE,
    "plan.history": _SUBSTANCE,
    "plan.load_plan_draft": _WORK,
    "plan.party_name_map": _SEE_PARTIES,
    "plan.plan_version": _SUBSTANCE,
    "plan.record_agreement": _WORK,
    "plan.save_plan": _WORK,
    "plan.save_plan_draft": _WORK,
    "plan.set_action_status": _WORK,
    # retention: the destruction the law requires runs at every unlock, whoever unlocks
    "retention.checkpoint": ANY_ACCOUNT,         # file maintenance: reads and shows nothing
    "retention.compact": ANY_ACCOUNT,
    "retention.purge_due": ANY_ACCOUNT,
    "retention.retention_periods": ANY_ACCOUNT,  # no personal data
    "retention.set_retention_period": _SETTINGS,
    # the subject-access export (AVG art. 15)
    "subject_access.draft_subject_access": _WORK,
    "subject_access.export_subject_access": _WORK,
    "subject_access.find_subject": _WORK,
    "subject_access.read_review": _WORK,
    "subject_access.subject_access_report": _WORK,
    "subject_access.write_draft": _WORK,
    # triage
    "triage.add_item": _WORK,
    "triage.answer_widening": _WORK,
    "triage.decide_routing": _WORK,
    "triage.discard_draft": _WORK,
    "triage.load_draft": _WORK,
    "triage.record_answer": _WORK,
    "triage.record_query": _WORK,
    "triage.request_widening": _WORK,
    "triage.routing_decision": _SUBSTANCE,
    "triage.save_draft": _WORK,
    "triage.triage_context": _WORK,
    "triage.withdraw_query": _WORK,
}

#: The whole matrix: every action and the permissions that allow it.
ACTIONS: dict[str, frozenset[Permission]] = {**COMMAND_ACTIONS, **SERVICE_ACTIONS}


def needs(action: str) -> frozenset[Permission]:
    """The permissions that allow ``action`` (any one of them; none: every account).
    ``KeyError`` for an action without a row."""
    return ACTIONS[action]


def allowed(role: Role, action: str) -> bool:
    """The matrix's answer: may ``role`` do ``action``?"""
    wanted = ACTIONS[action]
    return not wanted or bool(wanted & GRANTS[role])


#: Where the house server's grants hold more narrowly than the matrix (one matrix for both
#: engines; a vault file's key opens every table): on the server the action needs this
#: permission as well. The service checks it first (``app.vault.access.check_on_server``,
#: audited as the matrix's refusals are), so the server's own refusal stays the second wall.
SERVER_NEEDS: dict[str, Permission] = {
    # reads and destroys every case's rows: on the server the dossier's cleaning is the
    # case work's (a documented server choice; covenant 1.10 and 12.1); the session step of
    # the other roles leaves it to the next process director's unlock
    "retention.purge_due": Permission.CASE_WORK,
    # recognises the synthetic cases made before by their external references
    "synthetic.fill_demo": Permission.CASE_WORK,
    # writes every case table: no made-up activity on a house server
    "demo_activity.fill": Permission.CASE_WORK,
}


#: What a service says when :data:`SERVER_NEEDS` refuses (``{role}``: the acting role's name),
#: and the kind of object its ``denied`` audit row names; ``@entry_point`` applies both, so
#: an entry above needs no call of its own in the service.
SERVER_REFUSALS: dict[str, tuple[str, str]] = {
    "retention.purge_due": (N_(
        "On the house server, cases whose retention period has passed are destroyed in a "
        "process director's session (at its unlock); your role ({role}) does not do "
        "that."), "case"),
    "synthetic.fill_demo": (N_(
        "On the house server synthetic cases are added only in a process director's "
        "session; your role ({role}) does not do that."), "case"),
    "demo_activity.fill": (N_(
        "A house server gets no made-up activity; casuskamer demo makes a demo vault of its "
        "own to try the program."), "demo"),
}
#: the words for an entry of SERVER_NEEDS without its own
SERVER_REFUSAL_DEFAULT = N_("Your role ({role}) may not do this on the house server.")


def allowed_on_server(role: Role, action: str) -> bool:
    """The answer on the house server: the matrix's, narrowed by :data:`SERVER_NEEDS`."""
    needs = SERVER_NEEDS.get(action)
    return allowed(role, action) and (needs is None or needs in GRANTS[role])


def matrix() -> dict[str, dict[Role, bool]]:
    """Role x action, every action in the matrix's order."""
    return {action: {role: allowed(role, action) for role in Role} for action in ACTIONS}


def matrix_markdown() -> str:
    """The matrix as the Markdown table README.md shows (English, generated: do not edit
    the README's copy by hand)."""
    header = ["Action", "Needs", *(ROLE_LABELS[role] for role in Role)]
    lines = ["<!-- generated from app/domain/roles.py by `python -m app.domain.roles`; "
             "tests/unit/test_permission_matrix.py checks it -->",
             "",
             "| " + " | ".join(header) + " |",
             "|" + "|".join(["---", "---", *(":-:" for _r in Role)]) + "|"]
    for action, row in matrix().items():
        wanted = ACTIONS[action]
        need = (" or ".join(f"`{p.value}`" for p in sorted(wanted)) if wanted
                else "any account")
        marks = ["yes" if row[role] else "-" for role in Role]
        lines.append(f"| `{action}` | {need} | " + " | ".join(marks) + " |")
    lines.append("")
    lines.append("Commands that open no existing vault (nobody to check): "
                 + "; ".join(f"`{name}` ({why})" for name, why
                             in COMMANDS_WITHOUT_VAULT.items()) + ".")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - prints the README's table
    print(matrix_markdown(), end="")
