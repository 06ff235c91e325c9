"""Exports as use cases: one party's handout, the full plan, and handouts for every party
invited to a case's meeting; each export recorded in the disclosure log.

Every handout's content is decided by ``app.sharing.handout.compose``, which asks the sharing
policy; this module only loads the facts, writes the file and logs it. A party that may
receive nothing is refused with the policy's reason (and the refusal is logged), never
given an empty PDF.

Handouts are made only for a case on a meeting's agenda, for the parties invited to the
case's *current* meeting (the latest meeting it is on; ``app.services.sharing_context``),
and never for a case that is declined, routed elsewhere, closed or destroyed (covenant
12.2e, 9.2). Until that meeting has started (its live mode begun, or else its planned start
passed) a handout holds only the pre-meeting view (12.2f); from the start on, what the
suppliers shared. ``meeting_id`` may name only the current meeting: an older meeting's
invitees do not receive today's handout.

The disclosure log is the audit log: each exported file gets a row ``export.handout`` or
``export.plan`` on the case number with ``detail`` = kind, recipient party id, SHA-256 of
the file as written, whether it is password-protected, the meeting id and whether the
meeting had started. The file is rendered first, then written to a hidden part file; it
takes its name only after its disclosure row is committed, so that no handout leaves the
house unrecorded. A refusal is logged with ``result="denied"`` and the reason.

File names hold no personal data: ``ZVH-2026-0042_handout_<party-short>.pdf``.

A batch is protected per recipient: each party's file gets that party's own password
(``app.services.handout_passwords``), never one password for the batch; the disclosure rows
say how the batch was protected (``protection``: per_recipient, or declined by the user),
never the password.

``export_handouts_for_invited`` takes a progress callback and a cancel check so the desktop
program can run it on a worker thread; it never touches Qt.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection

from app.domain.roles import Permission
from app.domain.views import HandoutView, MeetingRef, PlanView
from app.errors import NotFound, ValidationError
from app.export import pdf
from app.export.handout import file_name, render_handout
from app.export.plan_pdf import render_full_plan
from app.i18n import _
from app.services import cases as case_service
from app.services import parties as party_service
from app.services.plan import load_plan
from app.services.sharing_context import case_context, current_meeting
from app.sharing.handout import CaseFacts, HandoutRefused, compose, refusal_message
from app.sharing.policy import Reason, may_receive_handout
from app.store import audit as audit_rows
from app.store import meetings as meeting_rows
from app.store import parties as party_rows
from app.store import settings
from app.vault.vault import OpenVault
from app.vault.access import entry_point

DEFAULT_HOUSE = "Zorg- en Veiligheidshuis Haaglanden"

Progress = Callable[[int, int, str], None]
Cancelled = Callable[[], bool]
#: a batch's passwords: the one password of each recipient party
PasswordFor = Callable[[int], str]


@dataclass(frozen=True)
class ExportResult:
    path: Path
    sha256: str
    kind: str                     # handout | plan
    party_id: int | None
    encrypted: bool
    #: for a handout: made after the start of the case meeting (else before it)
    meeting_started: bool | None = None


@dataclass(frozen=True)
class Refusal:
    party_id: int
    party: str
    reason: Reason
    message: str


@dataclass
class BatchResult:
    exported: list[ExportResult] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    cancelled: bool = False


# -- facts -----------------------------------------------------------------------------

def house_name(conn: Connection) -> str:
    """The house's name for the PDFs: the vault's ``house_name`` setting, or the default."""
    value = settings.value(conn, "house_name")
    return str(value) if value else DEFAULT_HOUSE


def agenda_for(conn: Connection, case_id: int, meeting_id: int | None,
               now: datetime | None = None
               ) -> tuple[frozenset[int] | None, MeetingRef | None]:
    """The parties invited to the case's current meeting (the latest it is on), and that
    meeting; (None, None) while the case is on no agenda.

    ``meeting_id`` may name only the current meeting: an older meeting's invitees do not
    receive today's handout (``ValidationError``), and a meeting the case is not on is
    ``NotFound``.
    """
    current = current_meeting(conn, case_id, now)
    if meeting_id is not None:
        if current is None or not meeting_rows.case_on_agenda(conn, meeting_id, case_id):
            raise NotFound(_("This case is not on the agenda of meeting {id}.")
                           .format(id=meeting_id))
        if meeting_id != current.meeting_id:
            raise ValidationError(_("Meeting {id} is not the case's current meeting "
                                    "(meeting {current}); handouts are made for the current "
                                    "meeting only.")
                                  .format(id=meeting_id, current=current.meeting_id),
                                  field="meeting")
    if current is None:
        return None, None
    return current.invited, MeetingRef(current.meeting_id, current.starts_at, current.place)


@entry_point
def on_agenda(vault: OpenVault, number_or_id: str | int, meeting_id: int | None = None) -> bool:
    """Whether the case is on a meeting's agenda (so that its invitees get handouts)."""
    vault.require(Permission.VIEW_CASES, "case", str(number_or_id))
    with vault.read() as conn:
        invited, _meeting = agenda_for(conn, case_service.case_id_for(conn, number_or_id),
                                       meeting_id)
    return invited is not None


def load_facts(conn: Connection, number_or_id: str | int, meeting_id: int | None = None,
               on: date | None = None, now: datetime | None = None) -> CaseFacts:
    """Everything the handouts of a case are composed from (unfiltered): the case, its
    current meeting's invitees, whether that meeting has started, and the case's state.

    ``now`` is the moment the meeting's start is compared with (default: now); ``on`` the
    day standings are taken on (default: ``now``'s day)."""
    moment = now or datetime.now()
    case_id = case_service.case_id_for(conn, number_or_id)
    case = case_service.load_case(conn, case_id)
    invited, meeting = agenda_for(conn, case_id, meeting_id, moment)
    context = case_context(conn, case_id, on or moment.date(), moment)
    names = party_rows.names(conn)
    return CaseFacts(
        house=house_name(conn), case_id=case_id, case_number=case.number,
        protocol=case.protocol, received=case.received, subjects=case.subjects,
        plan=load_plan(conn, case_id), items=tuple(case_service.information_items(conn, case_id)),
        party_names=names, standings=party_service.standings(conn), invited=invited,
        on=context.on, meeting=meeting, state=context.state,
        meeting_started=context.meeting_started)


def _short_names(conn: Connection) -> dict[int, str]:
    return party_rows.short_names(conn)


@entry_point
def resolve_party(vault: OpenVault, name: str) -> int:
    """A party id from its name or short name (case ignored); ``NotFound`` otherwise."""
    wanted = " ".join(name.split()).casefold()
    with vault.read() as conn:
        for pid, full, short in party_rows.all_names(conn):
            if wanted in (full.casefold(), short.casefold()):
                return pid
    raise NotFound(_("There is no party named {name}.").format(name=name))


# -- writing and logging ---------------------------------------------------------------

def _write_logged(vault: OpenVault, out: Path, data: bytes, action: str, number: str,
                  detail: dict[str, object]) -> str:
    digest = pdf.sha256(data)
    out = Path(out)
    # The file takes its name only after its disclosure row is committed: not recorded
    # (an error, or a crash at any moment) means not handed out.
    with pdf.published_after(out, data), vault.begin() as conn:
        vault.log(conn, action, "case", number, detail={**detail, "sha256": digest})
    return digest


def _refuse(vault: OpenVault, number: str, party_id: int, refused: HandoutRefused) -> None:
    vault.log_now("export.handout", "case", number, result="denied",
                  detail={"kind": "handout", "party_id": party_id,
                          "reason": refused.reason.value})


def _compose_or_refuse(vault: OpenVault, facts: CaseFacts, party_id: int) -> HandoutView:
    try:
        return compose(facts, party_id)
    except HandoutRefused as refused:
        _refuse(vault, facts.case_number, party_id, refused)
        raise


def _read_facts(vault: OpenVault, number_or_id: str | int, meeting_id: int | None,
                on: date | None, now: datetime | None,
                party_id: int | None = None) -> CaseFacts:
    """The case's facts; a ``--meeting`` that is not the case's current meeting is refused
    and the refusal logged (an older meeting's invitees get no handout)."""
    try:
        with vault.read() as conn:
            return load_facts(conn, number_or_id, meeting_id, on, now)
    except ValidationError as exc:
        if exc.field == "meeting":
            vault.log_now("export.handout", "case", str(number_or_id), result="denied",
                          detail={"kind": "handout", "party_id": party_id,
                                  "meeting_id": meeting_id, "reason": "not_current_meeting"})
        raise


def _detail(facts: CaseFacts, handout: HandoutView, encrypted: bool) -> dict[str, object]:
    detail: dict[str, object] = {"kind": "handout", "party_id": handout.recipient_id,
                                 "encrypted": encrypted, "items": len(handout.items),
                                 "plan_version": handout.plan.version,
                                 "meeting_started": handout.meeting_started}
    if facts.meeting is not None:
        detail["meeting_id"] = facts.meeting.id
    return detail


@entry_point
def export_handout(vault: OpenVault, number_or_id: str | int, party_id: int, out: Path, *,
                   meeting_id: int | None = None, password: str | None = None,
                   declined: bool = False,
                   on: date | None = None, now: datetime | None = None) -> ExportResult:
    """Write one party's handout to ``out``; ``HandoutRefused`` if it may receive nothing
    (nothing written, the refusal logged). ``password``: that party's own; ``declined``
    records in the disclosure row that the user chose an unprotected file."""
    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    if password is not None:
        pdf.check_password(password)
    facts = _read_facts(vault, number_or_id, meeting_id, on, now, party_id)
    handout = _compose_or_refuse(vault, facts, party_id)
    data = render_handout(handout, password)
    detail = _detail(facts, handout, password is not None)
    if password is not None:                  # how it was protected, never the password
        detail["protection"] = "per_recipient"
    elif declined:
        detail["protection"] = "declined"
    digest = _write_logged(vault, out, data, "export.handout", facts.case_number, detail)
    return ExportResult(Path(out), digest, "handout", party_id, password is not None,
                        handout.meeting_started)


@entry_point
def export_plan(vault: OpenVault, number_or_id: str | int, out: Path, *,
                password: str | None = None, on: date | None = None) -> ExportResult:
    """Write the full plan (for the process director's file) to ``out``."""
    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    if password is not None:
        pdf.check_password(password)
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number_or_id)
        case = case_service.load_case(conn, case_id)
        names = party_rows.names(conn)
        doc = PlanView(house=house_name(conn), case_number=case.number,
                       protocol=case.protocol, subjects=case.subjects,
                       plan=load_plan(conn, case_id), party_names=names,
                       printed_on=on or date.today())
    data = render_full_plan(doc, password)
    digest = _write_logged(vault, out, data, "export.plan", case.number, {
        "kind": "plan", "party_id": None, "encrypted": password is not None,
        "plan_version": doc.plan.version})
    return ExportResult(Path(out), digest, "plan", None, password is not None)


@dataclass(frozen=True)
class Recipient:
    party_id: int
    name: str
    short_name: str
    allowed: bool
    reason: Reason


@dataclass(frozen=True)
class Outlook:
    """What the handouts of a case would be now, before anything is made: the case's current
    meeting, whether it has started (before it: the pre-meeting view), and each invitee with
    the policy's answer. A case on no agenda has no recipients (``on_agenda`` False)."""

    case_number: str
    meeting: MeetingRef | None
    meeting_started: bool
    on_agenda: bool
    recipients: tuple[Recipient, ...]

    @property
    def reason(self) -> Reason | None:
        """Why nobody gets a handout, when that holds for the whole case."""
        return None if self.on_agenda else Reason.NOT_ON_AGENDA


@entry_point
def outlook(vault: OpenVault, number_or_id: str | int, meeting_id: int | None = None,
            on: date | None = None, now: datetime | None = None) -> Outlook:
    """Who would get a handout: the invitees of the case's current meeting, each with the
    policy's answer (``may_receive_handout``). Before the case is on an agenda: nobody."""
    vault.require(Permission.VIEW_CASES, "case", str(number_or_id))
    moment = now or datetime.now()
    # the register only (number, protocol, state, the current meeting and its invitees):
    # who is entitled to a handout at all does not depend on the case's substance, and
    # the information centre's role on the house server reads none of it
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number_or_id)
        _state, number = case_service.current_state(conn, case_id)
        invited, meeting = agenda_for(conn, case_id, meeting_id, moment)
        context = case_context(conn, case_id, on or moment.date(), moment, subjects=False)
        names = party_rows.names(conn)
        standings = party_service.standings(conn)
        shorts = _short_names(conn)
    candidates = sorted(invited or (), key=lambda pid: names.get(pid, "").casefold())
    found = []
    for pid in candidates:
        answer = may_receive_handout(pid, context, standings)
        found.append(Recipient(pid, names.get(pid, str(pid)), shorts.get(pid, str(pid)),
                               answer.allowed, answer.reason))
    return Outlook(number, meeting, context.meeting_started, invited is not None,
                   tuple(found))


@entry_point
def recipients(vault: OpenVault, number_or_id: str | int, meeting_id: int | None = None,
               on: date | None = None, now: datetime | None = None) -> list[Recipient]:
    """Who would get a handout (see :func:`outlook`); empty before the case is on an
    agenda."""
    return list(outlook(vault, number_or_id, meeting_id, on, now).recipients)


@entry_point
def export_handouts(vault: OpenVault, number_or_id: str | int, party_ids: Iterable[int],
                    out_dir: Path, *, meeting_id: int | None = None,
                    passwords: PasswordFor | None = None, declined: bool = False,
                    progress: Progress | None = None,
                    cancelled: Cancelled | None = None, on: date | None = None,
                    now: datetime | None = None) -> BatchResult:
    """One handout per party in ``party_ids``, into ``out_dir`` (one file each).

    ``passwords(party_id)`` gives each party's own password (never one for the batch:
    ``app.services.handout_passwords``); without it the files are not protected, and
    ``declined`` records in each file's disclosure row that the user chose so.
    Parties that may receive nothing are listed in ``refused`` with the policy's reason.
    ``progress(done, total, file_name)`` is called after each party; when ``cancelled()``
    answers True the run stops between two files (files already written stay, and are
    logged). Safe to run on a worker thread: no Qt, its own transactions.
    """
    out_dir, facts, shorts = _prepare_batch(vault, number_or_id, out_dir, meeting_id, on, now)
    return _batch(vault, facts, shorts, list(party_ids), out_dir, passwords, declined,
                  progress, cancelled)


def _prepare_batch(vault: OpenVault, number_or_id: str | int, out_dir: Path,
                   meeting_id: int | None, on: date | None,
                   now: datetime | None = None) -> tuple[Path, CaseFacts, dict[int, str]]:
    """What every batch checks and reads first: the role, the folder, the case's facts and
    the parties' short names."""
    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        raise ValidationError(_("The folder {folder} does not exist.").format(folder=out_dir),
                              field="out_dir")
    facts = _read_facts(vault, number_or_id, meeting_id, on, now)
    with vault.read() as conn:
        return out_dir, facts, _short_names(conn)


def _batch(vault: OpenVault, facts: CaseFacts, shorts: dict[int, str], party_ids: list[int],
           out_dir: Path, passwords: PasswordFor | None, declined: bool,
           progress: Progress | None, cancelled: Cancelled | None) -> BatchResult:
    ordered = sorted(party_ids, key=lambda p: facts.party_names.get(p, "").casefold())
    result = BatchResult()
    total = len(ordered)
    for done, party_id in enumerate(ordered, start=1):
        if cancelled is not None and cancelled():
            result.cancelled = True
            break
        name = facts.party_names.get(party_id, str(party_id))
        try:
            handout = _compose_or_refuse(vault, facts, party_id)
        except HandoutRefused as refused:
            result.refused.append(Refusal(party_id, name, refused.reason,
                                          refusal_message(name, refused.reason)))
            if progress is not None:
                progress(done, total, "")
            continue
        target = out_dir / file_name(facts.case_number, shorts.get(party_id, str(party_id)))
        password = passwords(party_id) if passwords is not None else None
        if password is not None:
            pdf.check_password(password)
        data = render_handout(handout, password)
        detail = {**_detail(facts, handout, password is not None), "batch": True}
        # how the batch was protected, never the password itself
        if password is not None:
            detail["protection"] = "per_recipient"
        elif declined:
            detail["protection"] = "declined"
        digest = _write_logged(vault, target, data, "export.handout", facts.case_number,
                               detail)
        result.exported.append(ExportResult(target, digest, "handout", party_id,
                                            password is not None, handout.meeting_started))
        if progress is not None:
            progress(done, total, target.name)
    return result


@entry_point
def export_handouts_for_invited(vault: OpenVault, number_or_id: str | int, out_dir: Path, *,
                                meeting_id: int | None = None,
                                passwords: PasswordFor | None = None,
                                declined: bool = False,
                                progress: Progress | None = None,
                                cancelled: Cancelled | None = None,
                                on: date | None = None,
                                now: datetime | None = None) -> BatchResult:
    """One handout per party invited to the case's current meeting (see
    :func:`export_handouts`). A case on no agenda has no invitees: ``ValidationError``, and
    the refusal is logged."""
    out_dir, facts, shorts = _prepare_batch(vault, number_or_id, out_dir, meeting_id, on, now)
    if facts.invited is None:
        vault.log_now("export.handout", "case", facts.case_number, result="denied",
                      detail={"kind": "handout", "party_id": None, "batch": True,
                              "reason": Reason.NOT_ON_AGENDA.value})
        raise ValidationError(_("Case {number} is not on a meeting's agenda, so nobody is "
                                "invited yet. Make handouts one party at a time.")
                              .format(number=facts.case_number), field="meeting")
    return _batch(vault, facts, shorts, list(facts.invited), out_dir, passwords, declined,
                  progress, cancelled)


@entry_point
def handout_file_name(vault: OpenVault, number_or_id: str | int, party_id: int) -> str:
    """The suggested file name for one party's handout (no personal data)."""
    with vault.read() as conn:
        _state, number = case_service.current_state(
            conn, case_service.case_id_for(conn, number_or_id))
        short = _short_names(conn).get(party_id)
    if short is None:
        raise NotFound(_("There is no party with number {id}.").format(id=party_id))
    return file_name(number, short)


@entry_point
def disclosures(vault: OpenVault, number: str) -> list[dict[str, object]]:
    """What went to whom and when for one case: the disclosure log's rows."""
    import json

    vault.require(Permission.VIEW_CASES, "case", number)
    with vault.read() as conn:
        rows = audit_rows.rows_about_case(conn, number, ["export.handout", "export.plan"])
    return [{"at": r[0], "actor": r[1], "action": r[2], "result": r[3], **json.loads(r[4])}
            for r in rows]
