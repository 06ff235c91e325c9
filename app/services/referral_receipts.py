"""What goes back to the referring party (issue 24): the receipt of a referral and the
triage outcome, each a PDF for the party that referred the case and for no one else.

Like every export: the service reads the vault, asks the sharing policy
(``app.sharing.policy.may_receive_referrer_output``: only the referring party, while it is
a party of the covenant), builds a frozen view (``app.domain.referral_views``) that holds
only that referral's own facts, lets ``app.export.receipt_pdf`` render it, and records the
file in the disclosure log (``export.receipt`` / ``export.triage_outcome`` on the case
number: kind, recipient party id, SHA-256, encrypted) before it takes its name. A refused
recipient is logged (``result="denied"``, the policy's reason) and gets no file.

The receipt: the case number, the date received and what was received (the fields filled
in, how many subjects, life domains, partners to invite, the referrer's own items and the
number of other parties' items; no text, no name). The triage outcome: taken on (with the
case meeting's date, when planned), advice only (with the advice: where the case is handled
and the reason given in triage), or declined (with the reason and the advice of intake).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection

from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.domain.referral_views import ReceiptView, TriageOutcome, TriageOutcomeView
from app.domain.roles import Permission
from app.domain.triage import Route
from app.errors import PermissionDenied, ValidationError
from app.export import pdf
from app.export.receipt_pdf import render_receipt, render_triage_outcome
from app.i18n import _
from app.services import cases as case_service
from app.services import parties as party_service
from app.services.handouts import ExportResult, house_name
from app.services.referral_contacts import load_invitees
from app.services.sharing_context import current_meeting
from app.sharing.policy import ReferrerOutput, may_receive_referrer_output
from app.store import parties as party_rows
from app.store import receipts as receipt_rows
from app.store import triage as triage_rows
from app.vault.access import entry_point
from app.vault.vault import OpenVault

#: The disclosure log's actions of these two files (``app.services.disclosures``).
RECEIPT_ACTION = "export.receipt"
OUTCOME_ACTION = "export.triage_outcome"


class ReferrerRefused(PermissionDenied):
    """The recipient is not the case's referring party (or left the covenant)."""

    def __init__(self, message: str, number: str, reason: str) -> None:
        super().__init__(message)
        self.number = number
        self.reason = reason


def file_name(number: str, kind: str) -> str:
    """No personal data: ``ZVH-2026-0042_receipt.pdf``, ``..._triage-outcome.pdf``."""
    return f"{number}_{kind}.pdf"


def _referrer(conn: Connection, referring_party_id: int | None, party_id: int | None,
              output: ReferrerOutput, on: date, number: str) -> tuple[int, str]:
    """The recipient as the policy allows it; a refusal is logged and raised."""
    recipient = referring_party_id if party_id is None else party_id
    standings = party_service.standings(conn)
    entitled = may_receive_referrer_output(recipient or 0, output, referring_party_id,
                                           standings, on)
    if not entitled:
        raise ReferrerRefused(_("{what} of case {number} goes only to the party that "
                                "referred it: {reason}.")
                              .format(what=_("The receipt") if output is ReferrerOutput.RECEIPT
                                      else _("The triage outcome"), number=number,
                                      reason=entitled.reason.label),
                              number, entitled.reason.value)
    assert recipient is not None
    return recipient, party_rows.names(conn, [recipient]).get(recipient, "")


def _fields(counts: receipt_rows.Counts, invitees: int) -> tuple[str, ...]:
    found = [_("referring party")]
    if counts.contact_given:
        found.append(_("contact person"))
    found.append(_("date received"))
    if counts.reason_given:
        found.append(_("reason"))
    if counts.question_given:
        found.append(_("question"))
    if counts.life_domains:
        found.append(_("life domains"))
    found.append(_("subjects"))
    if counts.informing:
        found.append(_("informing the subjects"))
    if invitees:
        found.append(_("partners to invite"))
    return tuple(found)


def _receipt(conn: Connection, vault: OpenVault, number_or_id: str | int,
             party_id: int | None, on: date) -> ReceiptView:
    # the register and counts only: who registers referrals (the information centre) makes
    # the receipt, and its role on the house server reads none of the referral's substance
    case_id = case_service.case_id_for(conn, number_or_id)
    case = receipt_rows.register(conn, case_id)
    if case is None:
        case_service.current_state(conn, case_id)  # NotFound with the usual words
        raise AssertionError("unreachable")
    recipient, name = _referrer(conn, case.referring_party_id, party_id,
                                ReferrerOutput.RECEIPT, on, case.number)
    counts = receipt_rows.counts(conn, case_id, recipient)
    invitees = load_invitees(conn, case_id)
    return ReceiptView(
        house=house_name(conn), case_number=case.number, recipient_id=recipient,
        recipient=name, protocol=Protocol(case.protocol), received=case.received,
        external_ref=case.external_ref, fields=_fields(counts, len(invitees)),
        subjects=counts.subjects, invitees=len(invitees),
        life_domains=counts.life_domains, own_items=counts.own_items,
        other_items=counts.items - counts.own_items, printed_on=on)


def _log_refusal(vault: OpenVault, action: str, refused: ReferrerRefused,
                 party_id: int | None) -> None:
    vault.log_now(action, "case", refused.number, result="denied",
                  detail={"kind": action.split(".", 1)[1], "party_id": party_id,
                          "reason": refused.reason})


@entry_point
def receipt_view(vault: OpenVault, number_or_id: str | int, party_id: int | None = None,
                 on: date | None = None) -> ReceiptView:
    """The receipt as it would be sent (for a preview); ``party_id`` None: the referring
    party. Refused (``ReferrerRefused``) for any other party."""
    vault.require(Permission.REGISTER_REFERRAL, "case", str(number_or_id))
    try:
        with vault.read() as conn:
            return _receipt(conn, vault, number_or_id, party_id, on or date.today())
    except ReferrerRefused as refused:
        _log_refusal(vault, RECEIPT_ACTION, refused, party_id)
        raise


def _write_logged(vault: OpenVault, out: Path, data: bytes, action: str, number: str,
                  detail: dict[str, object]) -> str:
    digest = pdf.sha256(data)
    # the file takes its name only after its disclosure row is committed
    with pdf.published_after(Path(out), data), vault.begin() as conn:
        vault.log(conn, action, "case", number, detail={**detail, "sha256": digest})
    return digest


@entry_point
def export_receipt(vault: OpenVault, number_or_id: str | int, out: Path, *,
                   party_id: int | None = None, password: str | None = None,
                   on: date | None = None) -> ExportResult:
    """Write the receipt for the referring party to ``out`` and record it in the
    disclosure log."""
    vault.require(Permission.REGISTER_REFERRAL, "case", str(number_or_id))
    if password is not None:
        pdf.check_password(password)
    try:
        with vault.read() as conn:
            doc = _receipt(conn, vault, number_or_id, party_id, on or date.today())
    except ReferrerRefused as refused:
        _log_refusal(vault, RECEIPT_ACTION, refused, party_id)
        raise
    data = render_receipt(doc, password)
    digest = _write_logged(vault, out, data, RECEIPT_ACTION, doc.case_number, {
        "kind": "receipt", "party_id": doc.recipient_id, "encrypted": password is not None,
        "subjects": doc.subjects, "items": doc.own_items + doc.other_items})
    return ExportResult(Path(out), digest, "receipt", doc.recipient_id, password is not None)


def _outcome(conn: Connection, vault: OpenVault, number_or_id: str | int,
             party_id: int | None, on: date, now: datetime | None) -> TriageOutcomeView:
    case_id = case_service.case_id_for(conn, number_or_id)
    case = case_service.load_case(conn, case_id)
    recipient, name = _referrer(conn, case.referring_party_id, party_id,
                                ReferrerOutput.TRIAGE_OUTCOME, on, case.number)
    routing = triage_rows.routing_row(conn, case_id)
    common = {"house": house_name(conn), "case_number": case.number,
              "recipient_id": recipient, "recipient": name, "protocol": case.protocol,
              "received": case.received, "external_ref": case.external_ref,
              "printed_on": on}
    if case.state is CaseState.DECLINED:
        decided = case.intake_decided_at.date() if case.intake_decided_at else None
        return TriageOutcomeView(**common, outcome=TriageOutcome.DECLINED,  # type: ignore[arg-type]
                                 decided_on=decided, reason=case.decline_reason or "",
                                 advice=case.decline_advice or "")
    if routing is None:
        raise ValidationError(_("Case {number} has no triage outcome yet.")
                              .format(number=case.number), field="case")
    if Route(routing["route"]) is Route.ELSEWHERE:
        where = ""
        if routing["elsewhere_party_id"] is not None:
            elsewhere = int(routing["elsewhere_party_id"])
            where = party_rows.names(conn, [elsewhere]).get(elsewhere, "")
        chain = str(routing["elsewhere_chain"] or "")
        place = ", ".join(p for p in (where, chain) if p)
        advice = "\n".join(p for p in (
            _("Handled by: {place}").format(place=place) if place else "",
            str(routing["reason"] or "")) if p)
        return TriageOutcomeView(**common, outcome=TriageOutcome.ADVICE_ONLY,  # type: ignore[arg-type]
                                 decided_on=routing["decided_on"], advice=advice)
    meeting = current_meeting(conn, case_id, now)
    return TriageOutcomeView(**common, outcome=TriageOutcome.TAKEN_ON,  # type: ignore[arg-type]
                             decided_on=routing["decided_on"],
                             meeting_at=meeting.starts_at if meeting else None)


@entry_point
def triage_outcome_view(vault: OpenVault, number_or_id: str | int,
                        party_id: int | None = None, on: date | None = None
                        ) -> TriageOutcomeView:
    """The triage outcome as it would be sent (for a preview)."""
    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    try:
        with vault.read() as conn:
            return _outcome(conn, vault, number_or_id, party_id, on or date.today(), None)
    except ReferrerRefused as refused:
        _log_refusal(vault, OUTCOME_ACTION, refused, party_id)
        raise


@entry_point
def export_triage_outcome(vault: OpenVault, number_or_id: str | int, out: Path, *,
                          party_id: int | None = None, password: str | None = None,
                          on: date | None = None,
                          now: datetime | None = None) -> ExportResult:
    """Write the triage outcome for the referring party to ``out`` and record it in the
    disclosure log. A case without an outcome yet is refused (``ValidationError``)."""
    vault.require(Permission.CASE_WORK, "case", str(number_or_id))
    if password is not None:
        pdf.check_password(password)
    try:
        with vault.read() as conn:
            doc = _outcome(conn, vault, number_or_id, party_id, on or date.today(), now)
    except ReferrerRefused as refused:
        _log_refusal(vault, OUTCOME_ACTION, refused, party_id)
        raise
    data = render_triage_outcome(doc, password)
    digest = _write_logged(vault, out, data, OUTCOME_ACTION, doc.case_number, {
        "kind": "triage_outcome", "party_id": doc.recipient_id,
        "encrypted": password is not None, "outcome": doc.outcome.value})
    return ExportResult(Path(out), digest, "triage_outcome", doc.recipient_id,
                        password is not None)
