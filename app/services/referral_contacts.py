"""The partners to invite and the informing of the subjects of a case (issue 24), stored in
the vault (``app.store.referral_tables``, through the repository ``app.store.referrals``).

* Written with the case: :func:`store_referral_extras` inside the transaction that writes a
  referral's subjects (``app.services.cases.replace_case_details``: registration, import,
  intake), replacing what was there.
* Read by the services that show the case (:func:`load_invitees`, :func:`load_informing`)
  and by triage (:func:`uninformed_without_ground`: the subjects to flag).
* Changed in triage (:func:`set_informing`): the process director records what the
  referring party reports later (informed after all, a new date to look again).
* Closure (:func:`remove_at_closure`): every contact person is blanked unless the same
  person is among the party register's own contacts; the party to invite stays (no
  personal data). A ground "in words" is blanked too. Destruction removes the rows with the
  case (``app.services.retention.destroy_case`` follows every key to ``cases``).

Nothing here decides who sees a contact: the invitees are shown where the case is shown
(the process director's screens, ``CASE_SUBSTANCE``); whom to invite to a meeting is still
the sharing policy's (``app.sharing.policy.may_be_invited``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlalchemy import Connection

from app.domain.intake import Referral
from app.domain.lifecycle import CaseState
from app.domain.referral_contacts import (
    Ground,
    Informing,
    Invitee,
    check_informing,
    in_register,
    lacking_ground,
)
from app.domain.roles import Permission
from app.domain.standing import PartyStanding
from app.errors import NotFound, TransitionRefused
from app.i18n import _
from app.store import cases as case_rows
from app.store import parties as party_rows
from app.store import referrals as referral_rows
from app.store import subjects as subject_rows
from app.vault.access import entry_point
from app.vault.vault import OpenVault


def _case_id(conn: Connection, number_or_id: str | int) -> int:
    """The case's id by number (``ZVH-2026-0042``) or id; ``NotFound`` otherwise. (Not
    ``app.services.cases.case_id_for``: that module writes through this one.)"""
    text = str(number_or_id).strip().upper()
    found = (case_rows.id_if_exists(conn, int(text)) if text.isdigit()
             else case_rows.id_by_number(conn, text))
    if found is None:
        raise NotFound(_("There is no case {number}.").format(number=number_or_id))
    return int(found)


def store_referral_extras(conn: Connection, case_id: int, referral: Referral, *,
                          fresh: bool = False, subject_ids: Sequence[int] | None = None
                          ) -> None:
    """Write the referral's invitees and its subjects' informing (replacing earlier rows;
    ``fresh``: a case made in this transaction, which has none), inside the caller's
    transaction, after the subjects were written (in order); ``subject_ids``: their ids in
    that order, as the insert gave them (read back when None: who registers referrals may
    not read the subjects on the house server)."""
    referral_rows.replace_invitees(conn, case_id, [
        {"position": i, "party_id": inv.party_id, "contact_name": inv.contact_name,
         "contact_role": inv.contact_role, "phone": inv.phone, "email": inv.email}
        for i, inv in enumerate(referral.invitees)], fresh=fresh)
    rows = []
    if any(value is not None for value in referral.informing):
        ids = (list(subject_ids) if subject_ids is not None
               else subject_rows.ids_in_order(conn, case_id))
        rows = [_informing_row(case_id, subject_id, value)
                for subject_id, value in zip(ids, referral.informing, strict=False)
                if value is not None]
    referral_rows.replace_informing(conn, case_id, rows, fresh=fresh)


def _informing_row(case_id: int, subject_id: int, value: Informing) -> dict[str, object]:
    return {"subject_id": subject_id, "case_id": case_id, "informed": value.informed,
            "informed_on": value.informed_on,
            "informed_by_party_id": value.informed_by_party_id,
            "ground": value.ground.value if value.ground else None,
            "ground_text": value.ground_text, "review_on": value.review_on}


def load_invitees(conn: Connection, case_id: int) -> list[Invitee]:
    """The partners to invite of a case, in the referral's order (no audit)."""
    return [Invitee(int(r["party_id"]), r["contact_name"], r["contact_role"], r["phone"],
                    r["email"], int(r["id"]))
            for r in referral_rows.invitee_rows(conn, case_id)]


def load_informing(conn: Connection, case_id: int) -> dict[int, Informing | None]:
    """Per subject id of the case (in the subjects' order): its informing, None where
    nothing is recorded (no audit)."""
    found = {int(r["subject_id"]): Informing(
        bool(r["informed"]), r["informed_on"], r["informed_by_party_id"],
        Ground(r["ground"]) if r["ground"] else None, r["ground_text"] or "", r["review_on"])
        for r in referral_rows.informing_rows(conn, case_id)}
    return {subject_id: found.get(subject_id)
            for subject_id in subject_rows.ids_in_order(conn, case_id)}


def uninformed_without_ground(conn: Connection, case_id: int) -> list[int]:
    """The subject ids triage flags: not informed and no ground recorded (or nothing
    recorded at all)."""
    return lacking_ground(load_informing(conn, case_id))


@entry_point
def case_invitees_of(vault: OpenVault, number_or_id: str | int) -> list[Invitee]:
    """The partners to invite of a case with their contact persons (the process director's
    screens; ``CASE_SUBSTANCE``, as the case itself)."""
    vault.require(Permission.CASE_SUBSTANCE, "case", str(number_or_id))
    with vault.read() as conn:
        case_id = _case_id(conn, number_or_id)
        return load_invitees(conn, case_id)


@entry_point
def case_informing(vault: OpenVault, number_or_id: str | int
                   ) -> dict[int, Informing | None]:
    """Per subject id: informed, or the ground not to (``CASE_SUBSTANCE``)."""
    vault.require(Permission.CASE_SUBSTANCE, "case", str(number_or_id))
    with vault.read() as conn:
        case_id = _case_id(conn, number_or_id)
        return load_informing(conn, case_id)


@entry_point
def informing_flags(vault: OpenVault, number_or_id: str | int) -> list[int]:
    """The subject ids triage flags (see :func:`uninformed_without_ground`)."""
    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    with vault.read() as conn:
        return uninformed_without_ground(conn, _case_id(conn, number_or_id))


@entry_point
def set_informing(vault: OpenVault, number_or_id: str | int, subject_id: int, *,
                  informed: bool | None, informed_on: date | None = None,
                  informed_by_party_id: int | None = None, ground: str | None = None,
                  ground_text: str = "", review_on: date | None = None,
                  today: date | None = None,
                  standings: Mapping[int, PartyStanding] | None = None) -> Informing:
    """Record one subject's informing (the process director, e.g. in triage): "not
    informed" without a ground is refused, naming the field. Audited as
    ``subject.informing`` with the subject id and the ground's code only."""
    from app.services import parties as party_service

    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    today = today or date.today()
    standings = standings if standings is not None else party_service.standings(vault)
    value = check_informing(informed, informed_on, informed_by_party_id, ground, ground_text,
                            review_on, today=today, standings=standings, prefix="informing")
    with vault.begin() as conn:
        case_id = _case_id(conn, number_or_id)
        number = case_rows.number_of(conn, case_id)
        found = case_rows.state_and_number(conn, case_id)
        if found is not None and found[0] in (CaseState.CLOSED.value,
                                              CaseState.DESTROYED.value):
            # closure blanked the grounds in words: nothing personal comes back after it
            raise TransitionRefused(_("Case {number} has ended: its subjects' informing can "
                                      "no longer be changed.").format(number=number))
        if not subject_rows.is_of_case(conn, case_id, subject_id):
            raise NotFound(_("This subject is not a subject of case {number}.")
                           .format(number=number))
        referral_rows.set_informing(conn, subject_id, _informing_row(case_id, subject_id, value))
        vault.log(conn, "subject.informing", "case", number, detail={
            "subject_id": subject_id, "informed": value.informed,
            "ground": value.ground.value if value.ground else None})
    return value


def register_contacts(conn: Connection) -> list[tuple[int, str, str]]:
    """``(party_id, name, email)`` of every contact person in the party register."""
    return referral_rows.register_contacts(conn)


def remove_at_closure(conn: Connection, case_id: int) -> int:
    """Blank the case's contact persons that are not in the party register's own contacts
    and every ground "in words"; returns how many contact persons were blanked. Inside the
    closure's transaction (``app.services.closure.close_case``)."""
    register = register_contacts(conn)
    blanked = 0
    for invitee in load_invitees(conn, case_id):
        if (invitee.id is not None and invitee.has_contact
                and not in_register(invitee, register)):
            referral_rows.blank_invitee_contact(conn, invitee.id)
            blanked += 1
    referral_rows.blank_ground_texts(conn, case_id)
    return blanked


def invitee_parties(conn: Connection, case_id: int) -> list[int]:
    """The party ids the referral proposes to invite, in its order (for the agenda wizard
    and triage, which ask the sharing policy about each)."""
    return [inv.party_id for inv in load_invitees(conn, case_id)]


@entry_point
def proposed_invitees(vault: OpenVault, number_or_id: str | int) -> list[int]:
    """The party ids the referral proposes to invite (no contact details: ``CASE_WORK``).
    Every caller still asks the sharing policy whether each may be invited."""
    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    with vault.read() as conn:
        return invitee_parties(conn, _case_id(conn, number_or_id))


@entry_point
def informing_lines(vault: OpenVault, subject_ids: tuple[int, ...] | list[int]) -> list[str]:
    """For the subject-access review (AVG 15): per subject id, the case number and whether
    the subject was informed or the ground not to ("ZVH-2026-0042: Not informed: running
    criminal investigation; look again on ..."). ``CASE_WORK``; audited by the review."""
    vault.require(Permission.CASE_WORK, "subject", "-")
    with vault.read() as conn:
        names = party_rows.names(conn)
        lines = []
        for subject_id in subject_ids:
            found = subject_rows.case_of(conn, subject_id)
            if found is None:
                continue
            case_id, number = found
            value = load_informing(conn, case_id).get(subject_id)
            text = value.describe(names) if value is not None else _("nothing recorded")
            lines.append(f"{number}: {text}")
    return lines


@entry_point
def informing_summary(vault: OpenVault, number_or_id: str | int) -> list[str]:
    """One line per subject for the meeting's director screen: the subject's role and
    whether they were informed or the ground not to (no name: that screen shows initials).
    ``CASE_WORK``; read only, no audit row (the screen's own opening is audited)."""
    from app.domain.cases import SubjectRole

    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    with vault.read() as conn:
        case_id = _case_id(conn, number_or_id)
        names = party_rows.names(conn)
        roles = subject_rows.roles_of_case(conn, case_id)
        informing = load_informing(conn, case_id)
    return [f"{SubjectRole(roles[sid]).label}: "
            f"{value.describe(names) if value is not None else _('nothing recorded')}"
            for sid, value in informing.items()]
