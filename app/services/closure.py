"""Closing a case (afschaling) as a use case: what the closure wizard shows, and the one call
that closes.

What ``ui/closure`` calls, in order:

1. :func:`closure_context` once: the case number, the plan's closure criteria as unanswered
   checks, the case coordinator from the plan (to prefill the agreement), the parties to
   choose from, the default preview and the retention period.
2. :func:`preview` again whenever the process director ticks an extra kind of data to
   remove; the screen shows exactly what it returns.
3. :func:`close_case` once, with the decision and the preview that was shown. In ONE
   transaction it checks the decision (``app.domain.closure.check``) and the lifecycle,
   recomputes the preview and refuses if the case changed since it was shown, removes
   exactly the rows the preview listed, records the decision and the tombstone, sets the
   case ``closed`` (which starts its retention clock) and audits ``case.close`` with counts
   only.

What each kind covers is :data:`CASE_TEXT_FIELDS`: every text column of a case's tables with
the kind that removes it or the reason it stays (a test enumerates the schema against it).
Drafts are found by :func:`case_drafts` (named after the case, minutes being typed on its
agenda item, its part of an agenda being prepared); destruction uses the same function.
After closing, the WAL is checkpointed, so the removed texts are gone from the file too.

:func:`closure_figures` gives the aggregate figures over closed and destroyed cases alike,
from the tombstones, so that a destroyed case still counts.

Roles: the closure needs ``CASE_WORK`` (the process director); the figures need
``VIEW_FIGURES``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_

import app.store.schema  # noqa: F401  (every area's tables, for the row counts)
from app.store import cases as case_rows
from app.store import meetings as meeting_rows
from app.store import plan as plan_rows
from app.store import items as item_rows
from app.store import parties as party_rows
from app.store import triage as triage_rows
from app.store import subjects as subject_rows
from app.domain.cases import SubjectRole
from app.domain.closure import (
    DEFAULT_REMOVALS,
    REMOVED_TEXT,
    ClosureDecision,
    ClosurePreview,
    CoordinatorAgreement,
    CriterionCheck,
    Outcome,
    PreviewLine,
    Removal,
    check,
    criteria_from_plan,
    decision_from_payload,
    decision_payload,
)
from app.domain.criteria import Criterion
from app.domain.information import Category
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState, TransitionFacts, transition
from app.domain.plan import ActionStatus
from app.domain.protocols import Protocol
from app.domain.retention import RetentionPeriod, destroy_on
from app.domain.roles import Permission
from app.errors import TransitionRefused, ValidationError
from app.i18n import N_, _
from app.services import cases as case_service
from app.services import drafts as draft_store
from app.services import retention as retention_service
from app.services.tombstones import case_drafts, remove_case_drafts, tombstone_values
from app.store.case_tables import (
    information_items,
)
from app.store.personal import case_tables, is_personal, personal_fields, text_columns
from app.store.tables import metadata
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point


@dataclass(frozen=True)
class PartyChoice:
    id: int
    name: str


@dataclass(frozen=True)
class ClosureContext:
    """What the closure wizard needs to start."""

    case_id: int
    case_number: str
    protocol: Protocol
    state: CaseState
    criteria: tuple[CriterionCheck, ...]
    coordinator: CoordinatorAgreement
    parties: tuple[PartyChoice, ...]
    preview: ClosurePreview
    retention: RetentionPeriod
    today: date
    #: the plan's actions still open or in progress (closing asks first when there are any)
    open_actions: int = 0

    @property
    def destroy_on_if_closed_today(self) -> date:
        return destroy_on(self.today, self.retention.months)

    def initial_decision(self) -> ClosureDecision:
        return ClosureDecision(criteria=self.criteria, agreement=self.coordinator)


# -- reading --------------------------------------------------------------------------------

def _plan_row(conn: Connection, case_id: int) -> Any:
    return plan_rows.plan_of_case(conn, case_id)


def _party_choices(conn: Connection, today: date) -> tuple[PartyChoice, ...]:
    from app.services import parties as party_service

    standings = party_service.standings(conn)
    return tuple(PartyChoice(party_id, name)
                 for party_id, name in party_rows.names_by_name(conn)
                 if party_id in standings and standings[party_id].is_active(today))


# -- what belongs to the case ------------------------------------------------------------------

#: Every text column of a table that belongs to a case, and what closure does with it: the
#: :class:`Removal` that removes it (or replaces it with :data:`REMOVED_TEXT`), or why it is
#: kept until destruction. Which columns are personal is declared next to each table
#: (``app.store.personal``): a column declared not personal is kept as it is
#: (:data:`KEPT_NOT_PERSONAL`) unless a kind below removes its rows; every column declared
#: personal must be named below, which :func:`undecided_personal_fields` checks (and a test
#: with it). Destruction removes every row of these tables that belongs to the case,
#: whatever this says.
KEPT_NOT_PERSONAL = "not personal"   # a number, state, key, enum value or acting account
KEPT_NAMES = "subjects' names"    # for a subject-access request during retention
KEPT_PROFESSIONAL = "professional"  # the case coordinator's name (a professional)
KEPT_DECISION = "closure record"  # the decision written at closure

#: a contact person to invite: blanked at every closure unless the same person is among the
#: party register's own contacts (``app.services.referral_contacts.remove_at_closure``)
KEPT_CONTACT_IF_REGISTERED = "contact in the party register"
BLANKED_AT_CLOSURE = "blanked at every closure"

#: What closure does with each personal column, and with the columns not personal whose rows
#: a kind removes.
_CLOSURE_RULES: dict[str, Removal | str] = {
    "cases.referring_contact": Removal.REFERRAL_TEXTS, "cases.reason": Removal.REFERRAL_TEXTS,
    "cases.question": Removal.REFERRAL_TEXTS, "cases.external_ref": Removal.REFERRAL_TEXTS,
    "cases.decline_reason": Removal.REFERRAL_TEXTS,
    "cases.decline_advice": Removal.REFERRAL_TEXTS,
    "subjects.given_names": KEPT_NAMES, "subjects.surname": KEPT_NAMES,
    "subjects.surname_key": KEPT_NAMES, "subjects.name_key": KEPT_NAMES,
    "subjects.bsn": Removal.SUBJECT_BSNS,
    "subjects.address": Removal.SUBJECT_ADDRESSES,
    "case_search.main_subject": KEPT_NAMES,
    "case_search.search_key": Removal.SUBJECT_BSNS,     # rebuilt without the BSNs
    "life_domain_problems.description": Removal.LIFE_DOMAIN_TEXTS,
    "criteria_answers.motivation": Removal.CRITERIA_MOTIVATIONS,
    "information_items.category": Removal.INFORMATION_ITEMS,
    "information_items.text": Removal.INFORMATION_ITEMS,
    "information_items.use_restriction": Removal.INFORMATION_ITEMS,
    "widening_requests.requested_by": Removal.INFORMATION_ITEMS,
    "widening_requests.answer": Removal.INFORMATION_ITEMS,
    "widening_requests.answered_by": Removal.INFORMATION_ITEMS,
    "widening_requests.recorded_by": Removal.INFORMATION_ITEMS,
    "routing_decisions.goal": Removal.ROUTING_TEXTS,
    "routing_decisions.themes": Removal.ROUTING_TEXTS,
    "routing_decisions.reason": Removal.ROUTING_TEXTS,
    "routing_decisions.elsewhere_chain": Removal.ROUTING_TEXTS,
    "agenda_items.goal": Removal.AGENDA_TEXTS, "agenda_items.themes": Removal.AGENDA_TEXTS,
    "invitations.contribution": Removal.AGENDA_TEXTS,
    "minutes_entries.kind": Removal.MINUTES, "minutes_entries.text": Removal.MINUTES,
    "minutes_entries.owner": Removal.MINUTES, "minutes_entries.created_by": Removal.MINUTES,
    "minutes_entries.plan_key": Removal.MINUTES,
    "case_minutes.stored_by": Removal.MINUTES, "case_minutes.body": Removal.MINUTES,
    "plans.coordinator_person": KEPT_PROFESSIONAL,
    "plans.closure_criteria": Removal.PLAN_TEXTS,
    "plans.next_meeting_note": Removal.PLAN_TEXTS,
    "plan_goals.description": Removal.PLAN_TEXTS,
    "plan_actions.description": Removal.PLAN_TEXTS, "plan_actions.owner": Removal.PLAN_TEXTS,
    "plan_versions.snapshot": Removal.PLAN_TEXTS,        # the details: PLAN_DETAILS
    "plan_action_notes.author": Removal.PLAN_DETAILS,
    "plan_action_notes.text": Removal.PLAN_DETAILS,
    "plan_information_needs.key": Removal.PLAN_DETAILS,
    "plan_information_needs.description": Removal.PLAN_DETAILS,
    "case_closures.coordinator_name": KEPT_DECISION,
    "case_closures.criteria": KEPT_DECISION,   # met or not and the notes; the criteria's
    "case_closures.reason": KEPT_DECISION,     # own texts only if the plan texts stay
    "case_closures.plan_summary": KEPT_DECISION,   # without goals if the plan texts go
    "drafts.kind": Removal.DRAFTS, "drafts.owner": Removal.DRAFTS,
    "drafts.object_id": Removal.DRAFTS, "drafts.title": Removal.DRAFTS,
    "drafts.payload": Removal.DRAFTS,
    # the referral's partners to invite and the subjects' informing (issue 24)
    "case_invitees.contact_name": KEPT_CONTACT_IF_REGISTERED,
    "case_invitees.contact_role": KEPT_CONTACT_IF_REGISTERED,
    "case_invitees.phone": KEPT_CONTACT_IF_REGISTERED,
    "case_invitees.email": KEPT_CONTACT_IF_REGISTERED,
    "subject_informing.ground_text": BLANKED_AT_CLOSURE,
}


def undecided_personal_fields() -> list[str]:
    """Personal columns of a case's tables (as declared in ``app/store``) that closure has
    no rule for: each must be removed by a kind or kept for a stated reason."""
    return [f for f in personal_fields(case_tables(metadata)) if f not in _CLOSURE_RULES]


CASE_TEXT_FIELDS: dict[str, Removal | str] = {
    **{f"{t.name}.{c.name}": KEPT_NOT_PERSONAL for t in case_tables(metadata)
       for c in text_columns(t) if is_personal(c) is False},
    **_CLOSURE_RULES,
}


DRAFT_KIND_LABELS = {
    "plan": N_("Plan of action"), "triage": N_("Triage"), "intake": N_("Intake"),
    "closure": N_("Closure"), "agenda_wizard": N_("Agenda being prepared"),
    "meeting_live": N_("Minutes being typed"),
}


def draft_kind_label(kind: str) -> str:
    return _(DRAFT_KIND_LABELS[kind]) if kind in DRAFT_KIND_LABELS else kind


def _payload(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _plan_text_refs(conn: Connection, case_id: int) -> tuple[list[str], list[str]]:
    """The rows and fields of the plan whose texts :data:`Removal.PLAN_TEXTS` replaces."""
    plan = _plan_row(conn, case_id)
    if plan is None:
        return [], []
    plan_id = int(plan["id"])
    goals = plan_rows.goal_ids(conn, plan_id)
    actions = plan_rows.action_ids(conn, plan_id)
    versions = plan_rows.version_ids(conn, plan_id)
    ids = ([f"plan_goals:{i}" for i in goals] + [f"plan_actions:{i}" for i in actions]
           + [f"plan_versions:{i}" for i in versions])
    details = []
    if goals:
        details.append(_("Goals: {n}").format(n=len(goals)))
    if actions:
        details.append(_("Actions: {n}").format(n=len(actions)))
    for column_name, label in (("closure_criteria", _("Closure criteria")),
                               ("next_meeting_note", _("Note on the next meeting"))):
        if plan[column_name]:
            ids.append(f"plans.{column_name}:{plan_id}")
            details.append(label)
    if versions:
        details.append(_("Saved versions: {n}").format(n=len(versions)))
    return ids, details


def compute_preview(conn: Connection, case_id: int, number: str,
                    removals: Iterable[Removal]) -> ClosurePreview:
    """What closing with ``removals`` removes from the case now, row by row."""
    wanted = set(removals)
    lines: list[PreviewLine] = []
    for removal in Removal:
        if removal not in wanted:
            continue
        ids: list[str] = []
        details: list[str] = []
        if removal is Removal.INFORMATION_ITEMS:
            counts: Counter[str] = Counter()
            for item_id, category in item_rows.categories(conn, case_id):
                ids.append(f"information_items:{item_id}")
                counts[Category(category).label] += 1
            details = [f"{label}: {n}" for label, n in sorted(counts.items())]
            widenings = triage_rows.widening_count(conn, case_id)
            if widenings:
                details.append(_("Requests to widen terms: {n}").format(n=widenings))
        elif removal is Removal.LIFE_DOMAIN_TEXTS:
            for row_id, domain in case_rows.life_domain_rows(conn, case_id):
                ids.append(f"life_domain_problems:{row_id}")
                details.append(LifeDomain(domain).label)
        elif removal in (Removal.SUBJECT_ADDRESSES, Removal.SUBJECT_BSNS):
            field: subject_rows.Removable = ("address" if removal is Removal.SUBJECT_ADDRESSES
                                             else "bsn")
            for row_id, role in subject_rows.holding(conn, case_id, field):
                ids.append(f"subjects:{row_id}")
                details.append(SubjectRole(role).label)
        elif removal is Removal.REFERRAL_TEXTS:
            row = case_rows.case_row(conn, case_id)
            labels = {"reason": _("Reason for referral"), "question": _("Question"),
                      "referring_contact": _("Contact at the referring party"),
                      "external_ref": _("External reference"),
                      "decline_reason": _("Reason for declining"),
                      "decline_advice": _("Advice to the referring party")}
            for column_name, label in labels.items():
                if row is not None and row[column_name]:
                    ids.append(f"cases.{column_name}:{case_id}")
                    details.append(label)
        elif removal is Removal.CRITERIA_MOTIVATIONS:
            order = {c.value: i for i, c in enumerate(Criterion)}
            for criterion, motivation in case_rows.criteria_motivations(conn, case_id):
                if motivation:
                    ids.append(f"criteria_answers:{order.get(criterion, -1)}:{criterion}")
                    details.append(Criterion(criterion).title)
        elif removal is Removal.PLAN_DETAILS:
            plan = _plan_row(conn, case_id)
            if plan is not None:
                notes = plan_rows.note_ids(conn, int(plan["id"]))
                needs = plan_rows.need_ids(conn, int(plan["id"]))
                ids.extend(f"plan_action_notes:{i}" for i in notes)
                ids.extend(f"plan_information_needs:{i}" for i in needs)
                if notes:
                    details.append(_("Progress notes: {n}").format(n=len(notes)))
                if needs:
                    details.append(_("Information needs: {n}").format(n=len(needs)))
        elif removal is Removal.MINUTES:
            entry_ids = meeting_rows.entry_ids(conn, case_id)
            stored_ids = meeting_rows.stored_minutes_ids(conn, case_id)
            ids.extend(f"minutes_entries:{i}" for i in entry_ids)
            ids.extend(f"case_minutes:{i}" for i in stored_ids)
            if entry_ids:
                details.append(_("Entries: {n}").format(n=len(entry_ids)))
            if stored_ids:
                details.append(_("Stored minutes: {n}").format(n=len(stored_ids)))
        elif removal is Removal.DRAFTS:
            kinds: Counter[str] = Counter()
            for found in case_drafts(conn, case_id, number):
                ids.append(found.ref)
                kinds[draft_kind_label(found.kind)] += 1
            details = [f"{label}: {n}" for label, n in sorted(kinds.items())]
        elif removal is Removal.PLAN_TEXTS:
            ids, details = _plan_text_refs(conn, case_id)
        elif removal is Removal.AGENDA_TEXTS:
            item_ids = meeting_rows.agenda_item_ids(conn, case_id)
            asked = meeting_rows.contributions_asked(conn, item_ids, REMOVED_TEXT)
            ids.extend(f"agenda_items:{i}" for i in item_ids)
            ids.extend(f"invitations:{item}:{party}" for item, party in asked)
            if item_ids:
                details.append(_("Agenda items: {n}").format(n=len(item_ids)))
            if asked:
                details.append(_("Contributions asked: {n}").format(n=len(asked)))
        elif removal is Removal.ROUTING_TEXTS:
            row = triage_rows.routing_row(conn, case_id)
            labels = {"goal": _("Goal"), "themes": _("Themes"), "reason": _("Reason"),
                      "elsewhere_chain": _("Other chain")}
            for column_name, label in labels.items():
                if row is not None and row[column_name] not in ("", "[]", REMOVED_TEXT):
                    ids.append(f"routing_decisions.{column_name}:{case_id}")
                    details.append(label)
        lines.append(PreviewLine(removal, tuple(ids), tuple(details)))
    return ClosurePreview(number, tuple(lines))


@entry_point
def closure_context(vault: OpenVault, case: str | int,
                    today: date | None = None) -> ClosureContext:
    """Everything the closure wizard starts from (audited as ``case.closure_open``)."""
    vault.require(Permission.CASE_WORK, "case", str(case))
    today = today or date.today()
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, case)
        state, number = case_service.current_state(conn, case_id)
        protocol = Protocol(case_rows.protocol_of(conn, case_id))
        plan = _plan_row(conn, case_id)
        criteria = criteria_from_plan(plan["closure_criteria"] if plan else "")
        coordinator = CoordinatorAgreement(
            name=(plan["coordinator_person"] or "") if plan else "",
            party_id=plan["coordinator_party_id"] if plan else None)
        preview_now = compute_preview(conn, case_id, number, DEFAULT_REMOVALS)
        choices = _party_choices(conn, today)
        period = retention_service.period_for(conn, protocol)
        still_open = _open_action_count(conn, plan["id"]) if plan else 0
    vault.log_now("case.closure_open", "case", number)
    return ClosureContext(case_id, number, protocol, state, criteria, coordinator, choices,
                          preview_now, period, today, still_open)


def _open_action_count(conn: Connection, plan_id: int) -> int:
    """How many of the plan's actions are open or in progress."""
    return plan_rows.count_actions(conn, plan_id, [ActionStatus.OPEN.value,
                                                   ActionStatus.IN_PROGRESS.value])


# -- the wizard's answers kept over a lock ----------------------------------------------------

CLOSURE_DRAFT_KIND = draft_store.CLOSURE


@entry_point
def save_closure_draft(vault: OpenVault, number: str, decision: ClosureDecision) -> int:
    """Keep the wizard's answers (this account, this case) when the program locks; closing
    the case removes the draft (with every other draft of it)."""
    vault.require(Permission.CASE_WORK, "case", number)
    return draft_store.put(vault, CLOSURE_DRAFT_KIND, number, decision_payload(decision))


@entry_point
def load_closure_draft(vault: OpenVault, context: ClosureContext) -> ClosureDecision | None:
    """This account's kept answers for the case, laid over its criteria as they are now."""
    vault.require(Permission.CASE_WORK, "case", context.case_number)
    stored = draft_store.get(vault, CLOSURE_DRAFT_KIND, context.case_number)
    return None if stored is None else decision_from_payload(stored.payload, context.criteria)


@entry_point
def discard_closure_draft(vault: OpenVault, number: str) -> None:
    vault.require(Permission.CASE_WORK, "case", number)
    draft_store.drop(vault, CLOSURE_DRAFT_KIND, number)


@entry_point
def preview(vault: OpenVault, case: str | int,
            extra: Iterable[Removal] = ()) -> ClosurePreview:
    """The preview with the default removals and ``extra`` ones."""
    vault.require(Permission.CASE_WORK, "case", str(case))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, case)
        _state, number = case_service.current_state(conn, case_id)
        return compute_preview(conn, case_id, number, set(DEFAULT_REMOVALS) | set(extra))


# -- the plan's summary kept -----------------------------------------------------------------

def _plan_summary(conn: Connection, case_id: int, with_texts: bool = True) -> str:
    """The plan's summary kept after closing: goals per life domain (with their texts unless
    the plan's texts are removed) and the actions' status."""
    plan = _plan_row(conn, case_id)
    if plan is None:
        return ""
    lines = [f"{LifeDomain(d).label}: {text}" if with_texts else LifeDomain(d).label
             for d, text in plan_rows.goal_texts(conn, int(plan["id"]))]
    status_counts = Counter(plan_rows.action_statuses(conn, int(plan["id"])))
    if status_counts:
        lines.append(", ".join(f"{ActionStatus(s).label}: {n}"
                               for s, n in sorted(status_counts.items())))
    return "\n".join(lines)


# -- removing -------------------------------------------------------------------------------

def _ids(line: PreviewLine, table: str) -> list[int]:
    prefix = table + ":"
    return [int(ref[len(prefix):].split(":")[0]) for ref in line.row_ids
            if ref.startswith(prefix)]


def apply_preview(conn: Connection, case_id: int, shown: ClosurePreview) -> None:
    """Remove exactly the rows and fields ``shown`` lists (already checked to be current)."""
    for line in shown.lines:
        if line.removal is Removal.INFORMATION_ITEMS:
            ids = _ids(line, "information_items")
            if ids:
                retention_service.delete_rows(conn, information_items, and_(
                    information_items.c.case_id == case_id, information_items.c.id.in_(ids)))
        elif line.removal is Removal.LIFE_DOMAIN_TEXTS:
            case_rows.delete_life_domains(conn, case_id, _ids(line, "life_domain_problems"))
        elif line.removal is Removal.SUBJECT_ADDRESSES:
            subject_rows.clear(conn, case_id, _ids(line, "subjects"), "address")
        elif line.removal is Removal.SUBJECT_BSNS:
            subject_rows.clear(conn, case_id, _ids(line, "subjects"), "bsn")
            # The Cases table's search row held those BSNs too.
            case_service.refresh_case_search(conn, case_id)
        elif line.removal is Removal.REFERRAL_TEXTS:
            columns = [ref.split(":")[0].split(".", 1)[1] for ref in line.row_ids]
            case_rows.blank_fields(conn, case_id, columns)
        elif line.removal is Removal.CRITERIA_MOTIVATIONS:
            names = [ref.rsplit(":", 1)[1] for ref in line.row_ids]
            case_rows.clear_motivations(conn, case_id, names)
        elif line.removal is Removal.PLAN_DETAILS:
            plan = _plan_row(conn, case_id)
            if plan is not None:
                plan_rows.delete_notes(conn, int(plan["id"]), _ids(line, "plan_action_notes"))
                plan_rows.delete_needs(conn, int(plan["id"]),
                                       _ids(line, "plan_information_needs"))
                # The versions hold the same notes and needs as snapshots: keep only the
                # summary-level parts of each (goals, actions without notes).
                _strip_versions(conn, int(plan["id"]))
        elif line.removal is Removal.PLAN_TEXTS:
            _blank_plan_texts(conn, case_id, line)
        elif line.removal is Removal.MINUTES:
            meeting_rows.delete_minutes(conn, case_id, _ids(line, "minutes_entries"),
                                        _ids(line, "case_minutes"))
        elif line.removal is Removal.DRAFTS:
            # whatever drafts of the case exist now (the preview's references are per kind,
            # account and object, so a draft saved again since is the same one)
            remove_case_drafts(conn, case_id, shown.case_number)
        elif line.removal is Removal.AGENDA_TEXTS:
            meeting_rows.blank_agenda_texts(conn, case_id, _ids(line, "agenda_items"),
                                            REMOVED_TEXT)
        elif line.removal is Removal.ROUTING_TEXTS:
            columns = [ref.split(":")[0].split(".", 1)[1] for ref in line.row_ids]
            blank = {"goal": REMOVED_TEXT, "themes": "[]", "reason": "",
                     "elsewhere_chain": ""}
            if columns:
                triage_rows.set_routing_fields(conn, case_id, {c: blank[c] for c in columns})


def _blank_plan_texts(conn: Connection, case_id: int, line: PreviewLine) -> None:
    """Replace the plan's texts (every version's too) with :data:`REMOVED_TEXT` or nothing;
    the life domains, parties, due dates and statuses stay for the summary."""
    plan = _plan_row(conn, case_id)
    if plan is None:
        return
    plan_id = int(plan["id"])
    plan_rows.blank_goals(conn, plan_id, _ids(line, "plan_goals"), REMOVED_TEXT)
    plan_rows.blank_actions(conn, plan_id, _ids(line, "plan_actions"), REMOVED_TEXT)
    plan_rows.blank_plan_fields(conn, plan_id, [ref.split(":")[0].split(".", 1)[1]
                                                for ref in line.row_ids
                                                if ref.startswith("plans.")])
    for version_id, snapshot in plan_rows.snapshots(conn, plan_id,
                                                    _ids(line, "plan_versions")):
        data = _payload(snapshot)
        for goal in data.get("goals", []):
            goal["description"] = REMOVED_TEXT
        for action in data.get("actions", []):
            action["description"] = REMOVED_TEXT
            action["owner"] = ""
        data["closure_criteria"] = ""
        data["next_meeting_note"] = ""
        plan_rows.set_snapshot(conn, version_id, json.dumps(data, ensure_ascii=False))


def _strip_versions(conn: Connection, plan_id: int) -> None:
    for version_id, snapshot in plan_rows.snapshots(conn, plan_id):
        try:
            data = json.loads(snapshot)
        except ValueError:
            data = {}
        for action in data.get("actions", []):
            action["notes"] = []
        data["information_needs"] = []
        plan_rows.set_snapshot(conn, version_id, json.dumps(data, ensure_ascii=False))


# -- closing --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClosureResult:
    case_number: str
    closed_on: date
    destroy_on: date
    removed: dict[str, int]


@entry_point
def close_case(vault: OpenVault, case: str | int, decision: ClosureDecision,
               shown: ClosurePreview, today: date | None = None) -> ClosureResult:
    """Close the case: check, clean exactly what ``shown`` listed, start the retention clock.

    Refuses (``ValidationError``) a decision without the coordinator's agreement, without an
    outcome, or with criteria unmarked; refuses (``TransitionRefused``) a case that is not in
    progress, or one that changed since ``shown`` was computed.
    """
    vault.require(Permission.CASE_WORK, "case", str(case))
    today = today or date.today()
    now = utcnow()
    with vault.begin() as conn:
        known = {p.id for p in _party_choices(conn, today)}
        check(decision, today, frozenset(known))
        case_id = case_service.case_id_for(conn, case)
        state, number = case_service.current_state(conn, case_id)
        transition(state, CaseState.CLOSED, TransitionFacts(
            closure_criteria_met=decision.criteria_met, closure_reason=decision.reason))
        if shown.case_number != number or set(shown.removals) != set(decision.removals):
            raise ValidationError(_("The preview shown does not belong to this closure; "
                                    "look at the preview again."), field="removals")
        current = compute_preview(conn, case_id, number, decision.removals)
        if current.fingerprint() != shown.fingerprint():
            raise TransitionRefused(_("Case {number} changed since the preview was shown; "
                                      "look at the preview again before closing.")
                                    .format(number=number))
        plan_texts_go = Removal.PLAN_TEXTS in decision.removals
        summary = _plan_summary(conn, case_id, with_texts=not plan_texts_go)
        assert decision.outcome is not None  # check() refuses a decision without one
        case_service.set_state(conn, case_id, CaseState.CLOSED, now,
                               outcome=decision.outcome.value)
        tomb = tombstone_values(conn, case_id, decision)
        apply_preview(conn, case_id, current)
        # contact persons to invite go with the case unless the register has them (issue 24)
        from app.services.referral_contacts import remove_at_closure

        contacts_blanked = remove_at_closure(conn, case_id)
        drafts_line = current.line(Removal.DRAFTS)
        drafts_removed = drafts_line.count if drafts_line is not None else 0
        case_rows.write_closure_record(conn, case_id, {
            "decided_on": today, "decided_by": vault.actor.account,
            "coordinator_name": " ".join(decision.agreement.name.split()),
            "coordinator_party_id": decision.agreement.party_id,
            "coordinator_agreed_on": decision.agreement.agreed_on,
            "outcome": decision.outcome.value,
            # the criteria are the plan's texts: they go with them (met or not stays)
            "criteria": json.dumps([{"criterion": REMOVED_TEXT if plan_texts_go
                                     else c.criterion, "met": c.met, "note": c.note}
                                    for c in decision.criteria], ensure_ascii=False),
            "reason": decision.reason.strip(), "removed": json.dumps(current.summary()),
            "plan_summary": summary, "retention_starts": today})
        tomb["closed_on"] = today
        tomb["ended_on"] = today
        case_rows.write_tombstone(conn, tomb)
        period = retention_service.period_for(conn, Protocol(tomb["protocol"]))
        due = destroy_on(today, period.months)
        vault.log(conn, "case.close", "case", number, detail={
            "outcome": decision.outcome.value, "removed": current.summary(),
            "criteria_met": decision.criteria_met, "destroy_on": due.isoformat(),
            "coordinator_party_id": decision.agreement.party_id, "drafts": drafts_removed,
            "contacts_blanked": contacts_blanked})
    # What was removed is gone from the database's pages (secure_delete); the WAL still
    # holds the pages as they were written before: fold it in and empty it.
    retention_service.checkpoint(vault)
    return ClosureResult(number, today, due, current.summary())


@entry_point
def closure_of(vault: OpenVault, case: str | int) -> dict[str, Any] | None:
    """The recorded closure decision of a closed case (None when not closed)."""
    vault.require(Permission.CASE_SUBSTANCE, "case", str(case))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, case)
        _state, number = case_service.current_state(conn, case_id)
        row = case_rows.closure_record(conn, case_id)
    vault.log_now("case.closure_read", "case", number, detail={"closed": row is not None})
    if row is None:
        return None
    result = dict(row)
    result["criteria"] = json.loads(row["criteria"])
    result["removed"] = json.loads(row["removed"])
    result["outcome"] = Outcome(row["outcome"])
    return result


# -- figures --------------------------------------------------------------------------------

@dataclass(frozen=True)
class ClosureFigures:
    """Aggregate figures over cases that ended in a period (closed or destroyed alike)."""

    ended: int
    closed: int
    destroyed: int
    by_outcome: dict[str, int]
    by_protocol: dict[str, int]
    by_referring_party_type: dict[str, int]
    actions_total: int
    actions_done: int
    actions_done_on_time: int
    average_days_referral_to_closure: float | None


@entry_point
def closure_figures(vault: OpenVault, start: date, end: date) -> ClosureFigures:
    """Figures over the cases that ended between ``start`` and ``end`` (inclusive), read
    from the tombstones, so destruction does not change them. No names, only counts."""
    vault.require(Permission.VIEW_FIGURES, "figures", "-")
    with vault.read() as conn:
        rows = case_rows.tombstones_ended_between(conn, start, end)
    days = [(r["closed_on"] - r["referred_on"]).days for r in rows if r["closed_on"]]
    figures = ClosureFigures(
        ended=len(rows),
        closed=sum(1 for r in rows if r["final_state"] == CaseState.CLOSED.value),
        destroyed=sum(1 for r in rows if r["destroyed_on"] is not None),
        by_outcome=dict(Counter(r["outcome"] for r in rows if r["outcome"])),
        by_protocol=dict(Counter(r["protocol"] for r in rows)),
        by_referring_party_type=dict(Counter(r["referring_party_type"] or "-" for r in rows)),
        actions_total=sum(r["actions_total"] for r in rows),
        actions_done=sum(r["actions_done"] for r in rows),
        actions_done_on_time=sum(r["actions_done_on_time"] for r in rows),
        average_days_referral_to_closure=(sum(days) / len(days)) if days else None)
    vault.log_now("figures.closure", "figures", "-", detail={"ended": figures.ended})
    return figures
