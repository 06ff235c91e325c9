"""Referral and intake as use cases: drafts of the intake wizard, registering a referral,
the "already known" check, and the intake decision (accept for triage, decline, or keep as
draft).

What the ``ui/`` intake wizard calls, in order:

1. :func:`intake_context` once (today and the party register, for ``app.domain.intake``'s
   step validation) and :func:`eligible_parties` for the party list of a protocol.
2. :func:`save_draft` on every page and on lock (returns the draft id to pass next time);
   :func:`list_drafts`, :func:`load_draft`, :func:`discard_draft` for the Cases screen.
   :func:`draft_for_case` starts the intake of a case that is already registered (imported).
3. :func:`already_known` per subject (shows only case number, status and dates).
4. :func:`submit_intake` once, on the summary page, with the chosen ``IntakeOutcome``: the
   case is created or updated, the criteria stored and the decision taken in ONE
   transaction, and the draft removed.

Roles: registering needs ``REGISTER_REFERRAL``; an intake decision needs ``CASE_WORK``;
the "already known" check needs ``VIEW_CASES``. Each change and search is audited with case
numbers only (never the searched name or BSN).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from app.domain.bsn import normalise_bsn, passes_eleven_test
from app.domain.cases import Case, fold_for_search
from app.domain.criteria import CriterionAnswer, all_answered, is_complex_case
from app.domain.intake import (
    DRAFT_KIND,
    CriterionEntry,
    IntakeContext,
    IntakeDraft,
    IntakeOutcome,
    IntakeStep,
    Referral,
    SubjectEntry,
    to_referral,
    validate_outcome,
)
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState, TransitionFacts, transition
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.errors import NotFound, ValidationError
from app.formatting import format_moment
from app.i18n import _
from app.services import cases as case_store
from app.services import drafts as draft_store
from app.services import parties as party_service
from app.services import triage as triage_service
from app.store import cases as case_rows
from app.store import subjects as subject_rows
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point

# -- what the wizard needs to know ----------------------------------------------------------

@entry_point
def intake_context(vault: OpenVault, today: date | None = None) -> IntakeContext:
    """Today and every party's standing, for ``validate_step`` / ``to_referral``."""
    return IntakeContext(today=today or date.today(), standings=party_service.standings(vault))


@dataclass(frozen=True)
class PartyChoice:
    id: int
    name: str


@entry_point
def eligible_parties(vault: OpenVault, protocol: Protocol, on: date | None = None
                     ) -> list[PartyChoice]:
    """The parties that may refer under ``protocol`` on ``on``: active and members."""
    found = party_service.list_parties(vault, protocol=Protocol(protocol),
                                       active_on=on or date.today())
    return [PartyChoice(p.id, p.name) for p in found]


# -- drafts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class DraftInfo:
    id: int
    case_number: str | None      # set for the intake of a registered case
    step: IntakeStep
    updated_at: datetime

    @property
    def label(self) -> str:
        """How the draft is listed (no personal data in it)."""
        if self.case_number:
            return _("Intake of {number} (draft)").format(number=self.case_number)
        return _("New referral (draft, {when})").format(when=format_moment(self.updated_at))


def _require_draft_rights(vault: OpenVault) -> None:
    vault.require(Permission.REGISTER_REFERRAL, "draft", "-")


@entry_point
def save_draft(vault: OpenVault, draft: IntakeDraft, draft_id: int | None = None) -> int:
    """Store the wizard's state (valid or not) for this account; returns the draft id.

    With ``draft_id`` the draft is overwritten; a draft for a registered case is kept once
    per account and case; an account may keep several drafts of new referrals.
    """
    _require_draft_rights(vault)
    return draft_store.put(vault, DRAFT_KIND, draft.case_number, draft.to_payload(),
                           title=draft.case_number or "", draft_id=draft_id, several=True)


@entry_point
def list_drafts(vault: OpenVault) -> list[DraftInfo]:
    """This account's intake drafts, newest first."""
    _require_draft_rights(vault)
    with vault.read() as conn:
        stored = draft_store.drafts_of_kind(conn, DRAFT_KIND, vault.actor.account)
    return [DraftInfo(d.id, d.object_id, IntakeStep(IntakeDraft.from_payload(d.payload).step),
                      d.updated_at) for d in stored]


@entry_point
def load_draft(vault: OpenVault, draft_id: int) -> IntakeDraft:
    """Reopen one of this account's drafts (audited as a read)."""
    _require_draft_rights(vault)
    stored = draft_store.get(vault, DRAFT_KIND, None, draft_id=draft_id)
    if stored is None:
        raise NotFound(_("This draft no longer exists."))
    return IntakeDraft.from_payload(stored.payload)


@entry_point
def discard_draft(vault: OpenVault, draft_id: int) -> None:
    _require_draft_rights(vault)
    draft_store.drop(vault, DRAFT_KIND, None, draft_id=draft_id)


@entry_point
def draft_for_case(vault: OpenVault, number: str) -> tuple[IntakeDraft, int | None]:
    """The intake draft for a registered case: this account's saved draft if there is one,
    else a new one filled from the case. Returns ``(draft, draft_id or None)``."""
    case = case_store.get_case(vault, number)
    if case.state not in (CaseState.REFERRED, CaseState.INTAKE):
        raise ValidationError(_("Case {number} is past intake.").format(number=case.number))
    saved = draft_store.get(vault, DRAFT_KIND, case.number)   # audited as draft.open
    if saved is not None:
        return IntakeDraft.from_payload(saved.payload), saved.id
    return _draft_of(vault, case), None


@entry_point
def case_as_draft(vault: OpenVault, number: str) -> IntakeDraft:
    """The registered case as it is now, as an intake draft, whatever draft this account
    saved: what the wizard reloads when its submission was refused because another session
    rewrote the registration meanwhile (issue 22, point 4). Carries the case's current
    version; the caller keeps its own typed values to show beside it."""
    case = case_store.get_case(vault, number)
    if case.state not in (CaseState.REFERRED, CaseState.INTAKE):
        raise ValidationError(_("Case {number} is past intake.").format(number=case.number))
    return _draft_of(vault, case)


def _draft_of(vault: OpenVault, case: Case) -> IntakeDraft:
    """A new intake draft filled from ``case`` (read at ``case.version``)."""
    draft = IntakeDraft(
        protocol=case.protocol.value, referring_party_id=case.referring_party_id,
        referring_contact=case.referring_contact, received=case.received.isoformat(),
        subjects=[SubjectEntry.from_subject(s) for s in case.subjects], reason=case.reason,
        life_domains={d.value: t for d, t in case.life_domains.items()},
        question=case.question, external_ref=case.external_ref, case_number=case.number,
        step=IntakeStep.CRITERIA.value, case_version=case.version)
    for answer in case.criteria:
        draft.criteria[answer.criterion.value] = CriterionEntry(answer.met, answer.motivation)
    # issue 24: the partners to invite and the informing, as the case holds them
    from app.domain.intake import InformingEntry, InviteeEntry
    from app.services import referral_contacts

    draft.invitees = [InviteeEntry(i.party_id, i.contact_name, i.contact_role, i.phone,
                                   i.email)
                      for i in referral_contacts.case_invitees_of(vault, case.number)]
    draft.informing = [
        InformingEntry() if v is None else InformingEntry(
            "yes" if v.informed else "no",
            v.informed_on.isoformat() if v.informed_on else "", v.informed_by_party_id,
            v.ground.value if v.ground else "", v.ground_text,
            v.review_on.isoformat() if v.review_on else "")
        for v in referral_contacts.case_informing(vault, case.number).values()]
    return draft


# -- "already known" ------------------------------------------------------------------------

@dataclass(frozen=True)
class KnownCase:
    """A case the house still holds that has a subject matching the check. Deliberately no
    name, role or other detail: the number, the status and the dates only."""

    number: str
    state: CaseState
    received: date
    closed_at: datetime | None


@entry_point
def already_known(vault: OpenVault, *, bsn: str | None = None, surname: str | None = None,
                  birth_date: date | None = None, exclude_case: str | None = None
                  ) -> list[KnownCase]:
    """Cases still held (open or ended, not destroyed) with a subject that has this BSN, or
    this surname (accents and case ignored) with this birth date.

    Audited as ``case.search`` with the kind of check and the number of hits, never the
    searched values.
    """
    vault.require(Permission.VIEW_CASES, "case", "-")
    by = []
    wanted_bsn = None
    if bsn and bsn.strip():
        clean = normalise_bsn(bsn)
        if passes_eleven_test(clean):
            wanted_bsn = clean
            by.append("bsn")
    surname_key = None
    if surname and surname.strip() and birth_date is not None:
        surname_key = fold_for_search(surname)
        by.append("surname_birth_date")
    if not by:
        return []
    with vault.read() as conn:
        rows = case_rows.with_subject(conn, bsn=wanted_bsn, surname_key=surname_key,
                                      birth_date=birth_date, exclude_number=exclude_case)
    found = [KnownCase(r[0], CaseState(r[1]), r[2], r[3]) for r in rows]
    vault.log_now("case.search", "case", "-", detail={"by": by, "hits": len(found),
                                                      "numbers": [k.number for k in found]})
    return found


# -- registering and deciding ---------------------------------------------------------------

@entry_point
def register_referral(vault: OpenVault, referral: Referral, *, start_intake: bool = False
                      ) -> str:
    """Create a case from a checked referral, in ``referred`` (or straight in ``intake``);
    returns its number. Items another party supplied are held at the narrowest terms until
    that party confirms what the referral asked (``triage.insert_referral``)."""
    vault.require(Permission.REGISTER_REFERRAL, "case", "-")
    with vault.begin() as conn:
        _check_external_ref(conn, referral.external_ref)
        _case_id, number, _waiting = triage_service.insert_referral(
            conn, vault, referral, CaseState.INTAKE if start_intake else CaseState.REFERRED)
    return number


def _check_external_ref(conn: Connection, external_ref: str | None) -> None:
    if external_ref and case_store.known_external_refs(conn, [external_ref]):
        raise ValidationError(_("A referral with this external reference was already "
                                "registered."), field="external_ref")


def _decide(conn: Connection, vault: OpenVault, case_id: int, outcome: IntakeOutcome,
            answers: list[CriterionAnswer], decline_reason: str, decline_advice: str,
            now: datetime) -> CaseState:
    """The intake decision on a registered case, inside the caller's transaction."""
    state, number = case_store.current_state(conn, case_id)
    if state is CaseState.REFERRED:
        state = transition(state, CaseState.INTAKE)
        case_store.set_state(conn, case_id, state, now)
    target = CaseState.TRIAGE if outcome is IntakeOutcome.ACCEPT else CaseState.DECLINED
    facts = TransitionFacts(criteria_answered=all_answered(answers),
                            criteria_met=is_complex_case(answers),
                            decline_reason=decline_reason, decline_advice=decline_advice)
    new_state = transition(state, target, facts)
    case_store.save_criteria(conn, case_id, answers, vault.actor.account, now)
    declined = new_state is CaseState.DECLINED
    case_store.set_state(
        conn, case_id, new_state, now,
        intake_decision="declined" if declined else "accepted",
        intake_decided_by=vault.actor.account,
        decline_reason=decline_reason.strip() if declined else None,
        decline_advice=decline_advice.strip() if declined else None)
    vault.log(conn, "case.intake_decision", "case", number,
              detail={"decision": "declined" if declined else "accepted",
                      "state": new_state.value})
    return new_state


@entry_point
def decide_intake(vault: OpenVault, number: str, outcome: IntakeOutcome,
                  answers: list[CriterionAnswer], decline_reason: str = "",
                  decline_advice: str = "") -> CaseState:
    """Accept a registered case for triage or decline it; returns the new state.

    ``TransitionRefused`` (with the reasons in words) when the criteria are not all answered,
    when accepting a case the answers call not complex, or declining without reason and
    advice.
    """
    outcome = IntakeOutcome(outcome)
    if outcome not in (IntakeOutcome.ACCEPT, IntakeOutcome.DECLINE):
        raise ValidationError(_("Choose to accept or decline."), field="outcome")
    vault.require(Permission.CASE_WORK, "case", number)
    with vault.begin() as conn:
        case_id = case_store.case_id_for(conn, number)
        return _decide(conn, vault, case_id, outcome, answers, decline_reason,
                       decline_advice, utcnow())


@entry_point
def start_intake(vault: OpenVault, number: str) -> None:
    """Move a referred case into intake (when the process director takes it up)."""
    vault.require(Permission.CASE_WORK, "case", number)
    with vault.begin() as conn:
        case_id = case_store.case_id_for(conn, number)
        state, number = case_store.current_state(conn, case_id)
        case_store.set_state(conn, case_id, transition(state, CaseState.INTAKE), utcnow())
        vault.log(conn, "case.intake_start", "case", number)


@dataclass(frozen=True)
class SubmitResult:
    outcome: IntakeOutcome
    case_number: str | None      # None when kept as draft
    state: CaseState | None
    draft_id: int | None         # the draft's id when kept as draft


@entry_point
def submit_intake(vault: OpenVault, draft: IntakeDraft, outcome: IntakeOutcome,
                  draft_id: int | None = None, ctx: IntakeContext | None = None
                  ) -> SubmitResult:
    """The wizard's one final call.

    ``KEEP_DRAFT`` saves the draft. ``REGISTER`` creates the case in ``referred``. ``ACCEPT``
    and ``DECLINE`` create the case (or update the registered case the draft belongs to),
    store the criteria answers and take the decision, all in one transaction; the draft is
    removed. Field problems raise ``ValidationError`` naming the field.
    """
    outcome = IntakeOutcome(outcome)
    if outcome is IntakeOutcome.KEEP_DRAFT:
        saved = save_draft(vault, draft, draft_id)
        return SubmitResult(outcome, draft.case_number, None, saved)
    if outcome is IntakeOutcome.REGISTER:
        vault.require(Permission.REGISTER_REFERRAL, "case", draft.case_number or "-")
    else:
        vault.require(Permission.CASE_WORK, "case", draft.case_number or "-")
    ctx = ctx or intake_context(vault)
    referral = to_referral(draft, ctx)
    problems = validate_outcome(draft, outcome)
    # Missing criteria are the lifecycle's to refuse (with the reasons in words); the rest
    # are field problems.
    field_problems = [p for p in problems if not p.field.startswith("criteria")]
    if field_problems:
        raise field_problems[0].as_validation_error()
    now = utcnow()
    with vault.begin() as conn:
        if draft.case_number is None:
            _check_external_ref(conn, referral.external_ref)
            case_id, number = case_store.insert_case(conn, vault, referral,
                                                     CaseState.REFERRED, now)
        else:
            case_id = case_store.case_id_for(conn, draft.case_number)
            state, number = case_store.current_state(conn, case_id)
            if state not in (CaseState.REFERRED, CaseState.INTAKE):
                raise ValidationError(_("Case {number} is past intake.").format(number=number))
            # the registration as the draft read it (issue 22, point 4): rewritten by another
            # session since, EditConflict and nothing of this submission is written
            _update_keeping_concerns(conn, case_id, referral, now,
                                     version=1 if draft.case_version is None
                                     else draft.case_version, by=vault.actor.account)
            vault.log(conn, "case.update", "case", number, detail={"what": "referral"})
        state = CaseState.REFERRED
        if outcome is not IntakeOutcome.REGISTER:
            state = _decide(conn, vault, case_id, outcome, draft.criterion_answers(),
                            draft.decline_reason, draft.decline_advice, now)
        else:
            state, _number = case_store.current_state(conn, case_id)
        if draft_id is not None:
            draft_store.drop(vault, DRAFT_KIND, None, conn, draft_id=draft_id)
        if draft.case_number is not None:
            draft_store.drop(vault, DRAFT_KIND, draft.case_number, conn)
    return SubmitResult(outcome, number, state, None)


def _subject_rows(conn: Connection, case_id: int) -> list[tuple[int, int, str, date, str]]:
    """``(id, position, folded name, birth date, bsn)`` of the case's subjects."""
    return [(int(r.id), int(r.position), fold_for_search(f"{r.given_names} {r.surname}"),
             r.birth_date, r.bsn or "")
            for r in subject_rows.rows_of_case(conn, case_id)]


def _update_keeping_concerns(conn: Connection, case_id: int, referral: Referral,
                             now: datetime, *, version: int | None = None,
                             by: str = "-") -> None:
    """Rewrite the registered case's referral data, keeping whom its information items
    concern. The subjects are written anew (new ids), so each item's subjects are carried
    over: the same BSN, else the same name and birth date, else the same place in the list.
    An item left with none of its subjects concerns the whole household again (the reading
    that puts it before the process director in a subject-access review)."""
    concerned = {it.id: it.concerns for it in case_store.information_items(conn, case_id)
                 if it.concerns is not None}
    before = _subject_rows(conn, case_id)
    case_store.update_registration(conn, case_id, referral, now, version=version, by=by)
    if not concerned:
        return
    after = _subject_rows(conn, case_id)
    moved: dict[int, int] = {}
    for match in (lambda o, n: bool(o[4]) and o[4] == n[4],
                  lambda o, n: (o[2], o[3]) == (n[2], n[3]),
                  lambda o, n: o[1] == n[1]):
        for old in before:
            if old[0] in moved:
                continue
            new = next((n for n in after if n[0] not in moved.values() and match(old, n)),
                       None)
            if new is not None:
                moved[old[0]] = new[0]
    for item_id, concerns in concerned.items():
        kept = frozenset(moved[s] for s in concerns if s in moved)
        case_store.set_item_concerns(conn, item_id, kept or None)


def life_domain_labels() -> list[tuple[str, str]]:
    """``(key, label)`` for every life domain, in order (for the wizard's page)."""
    return [(d.value, d.label) for d in LifeDomain]
