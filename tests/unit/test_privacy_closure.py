"""Closure and destruction cover every text about the case (covenant 1.10: at afschaling the
file is cleaned of all information no longer needed, and in the end it leaves the house's
system; issue 16 point 6).

A case is taken through intake, triage, a meeting with minutes and a plan of action, with a
distinct canary string in every text field that holds something about the family, and with
a draft of every kind. Closing it with every removal chosen must leave none of those
canaries in any text column of the vault (only what the closure deliberately keeps: the
subjects' names, the case coordinator's name and the decision written at closure) and none
in what the services read back for the case afterwards. Destruction must then leave none of
them, kept ones included, in any decrypted page of the file.

The finding of the review (commit 7ca920e): with every removal chosen the minutes, the plan
actions' texts and the agenda goal were left, and the preview did not mention them.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import String, Text, select, update

import app.store.schema  # noqa: F401  (every area's tables)
from app.domain import closure as closure_domain
from app.domain.cases import Subject, SubjectRole
from app.domain.closure import (ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome,
                                Removal)
from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category, SharingTerms
from app.domain.intake import InformationInput, IntakeOutcome, Referral
from app.domain.life_domains import LifeDomain
from app.domain.meetings import (AgendaDraft, DecisionType, DraftItem, EntryInput, EntryKind,
                                 ItemKind)
from app.domain.plan import Goal, InformationNeed, new_key
from app.domain.protocols import Protocol
from app.domain.triage import Route, RoutingDecision, WideningAnswer
from app.services import case_view
from app.services import cases as case_service
from app.services import closure as closure_service
from app.services import drafts as draft_store
from app.services import followup, handouts, intake, triage
from app.services import meetings as meeting_service
from app.services import meeting_live as live_service
from app.services import minutes as minutes_service
from app.services import plan as plan_service
from app.services import retention as retention_service
from app.store.case_tables import cases, information_items
from app.store.personal import case_tables, personal_fields
from app.store.sealed import plain_type
from app.store.tables import metadata
from app.store.triage_tables import routing_decisions
from app.vault.vault import OpenVault

from tests.unit.retention_fixtures import director_vault, party_id  # noqa: F401
from tests.unit.test_retention_destruction import decrypted_database, decrypted_wal, found

CLOSED_ON = date.today()


def _bsn(prefix: str) -> str:
    """A BSN that passes the eleven test, starting with ``prefix`` (8 digits)."""
    for last in range(10):
        digits = [int(c) for c in prefix + str(last)]
        if (sum(d * w for d, w in zip(digits[:8], range(9, 1, -1))) - digits[8]) % 11 == 0:
            return prefix + str(last)
    return _bsn(str(int(prefix) + 1))


#: One canary per field that can hold something about the family. Removed at closure (with
#: every removal chosen), and at destruction.
REMOVED = {
    "subjects.bsn": _bsn("97358642"),
    "subjects.address": "Kanariegracht 17 KNR-ADRES",
    "cases.reason": "KNR-AANMELDREDEN vader dreigt met geweld",
    "cases.question": "KNR-VRAAG wat kan het ZVH doen",
    "cases.referring_contact": "KNR-CONTACT wijkagent Vogelzang",
    "cases.external_ref": "KNR-EXTREF-4711",
    "cases.decline_reason": "KNR-AFWIJSREDEN",
    "cases.decline_advice": "KNR-AFWIJSADVIES",
    "life_domain_problems.description": "KNR-LEEFGEBIED huurschuld bij Staedion",
    "criteria_answers.motivation": "KNR-MOTIVATIE meerdere domeinen",
    "information_items.text": "KNR-POLITIE aangifte huiselijk geweld 12 mei",
    "information_items.use_restriction": "KNR-BEPERKING niet aan betrokkenen",
    "widening_requests.answered_by": "KNR-ANTWOORDER brigadier Merel",
    "routing_decisions.goal": "KNR-ROUTEDOEL veiligheid van de kinderen Kanarie",
    "routing_decisions.themes": "KNR-ROUTETHEMA",
    "routing_decisions.reason": "KNR-ROUTEREDEN",
    "routing_decisions.elsewhere_chain": "KNR-KETEN",
    "agenda_items.goal": "KNR-AGENDADOEL gezin Kanarie veilig",
    "agenda_items.themes": "KNR-AGENDATHEMA",
    "invitations.contribution": "KNR-BIJDRAGE politie licht aangifte toe",
    "minutes_entries.text": "KNR-NOTULEN politie meldt aangifte huiselijk geweld",
    "minutes_entries.action": "KNR-AFSPRAAK huisbezoek bij moeder Kanarie",
    "minutes_entries.owner": "KNR-UITVOERDER",
    "plans.closure_criteria": "KNR-AFSCHAALCRITERIUM kinderen veilig thuis",
    "plans.next_meeting_note": "KNR-VOLGENDOVERLEG",
    "plan_goals.description": "KNR-PLANDOEL moeder houdt de woning",
    "plan_actions.description": "KNR-ACTIE schuldhulp aanvragen voor Kanarie",
    "plan_actions.owner": "KNR-ACTIEHOUDER oom Kanarie",
    "plan_information_needs.description": "KNR-INFOBEHOEFTE",
    "plan_action_notes.text": "KNR-VOORTGANG moeder heeft gebeld",
    "drafts.plan": "KNR-CONCEPT-PLAN",
    "drafts.triage": "KNR-CONCEPT-TRIAGE",
    "drafts.intake": "KNR-CONCEPT-INTAKE",
    "drafts.closure": "KNR-CONCEPT-AFSCHALING",
    "drafts.agenda": "KNR-CONCEPT-AGENDA",
    "drafts.live": "KNR-CONCEPT-NOTULEN",
}

#: Kept at closure by design (README: until the retention period ends), gone at destruction.
KEPT = {
    "subjects.given_names": "Kanarina",
    "subjects.surname": "Vogelaarsdochter",
    "partner.surname": "Vogelaarspartner",
    "plans.coordinator_person": "KNR-COORDINATOR Sanne",
    "case_closures.reason": "KNR-AFSCHAALBESLUIT",
}


@dataclasses.dataclass(frozen=True)
class World:
    case_id: int
    number: str
    meeting_id: int
    item_id: int
    other_number: str


def build_world(vault: OpenVault) -> World:
    """The canary case, through the services of every area, and a neighbour case."""
    police = party_id(vault, "politie")
    municipality = party_id(vault, "gemeente-den-haag")
    received = date.today() - timedelta(days=60)
    referral = Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=municipality,
        received=received, reason=REMOVED["cases.reason"], question=REMOVED["cases.question"],
        subjects=(Subject(KEPT["subjects.given_names"], KEPT["subjects.surname"],
                          date(1984, 2, 3), SubjectRole.MAIN_SUBJECT, REMOVED["subjects.bsn"],
                          REMOVED["subjects.address"]),
                  Subject("Jan", KEPT["partner.surname"], date(1982, 7, 8),
                          SubjectRole.PARTNER)),
        life_domains={LifeDomain.FINANCES: REMOVED["life_domain_problems.description"]},
        referring_contact=REMOVED["cases.referring_contact"],
        external_ref=REMOVED["cases.external_ref"],
        information=(InformationInput(
            police, received, Category.POLICE, REMOVED["information_items.text"],
            SharingTerms(frozenset({municipality}), False, False,
                         REMOVED["information_items.use_restriction"])),))
    number = intake.register_referral(vault, referral, start_intake=True)
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT, [
        CriterionAnswer(c, True, REMOVED["criteria_answers.motivation"]) for c in Criterion])
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
        item_id = int(conn.execute(select(information_items.c.id).where(
            information_items.c.case_id == case_id)).scalar_one())
    ggz = party_id(vault, "parnassia-groep")
    request = triage.request_widening(vault, number, item_id, party_id=ggz)
    triage.answer_widening(vault, number, request, WideningAnswer.NO, date.today(),
                           REMOVED["widening_requests.answered_by"])
    triage.decide_routing(vault, number, RoutingDecision(
        Route.TO_MEETING, goal=REMOVED["routing_decisions.goal"],
        themes=(REMOVED["routing_decisions.themes"],),
        decision_types=(DecisionType.IMAGE_FORMING,),
        invitees=frozenset({police, municipality})))

    starts = datetime.now().replace(microsecond=0) - timedelta(hours=1)
    meeting_id = meeting_service.plan_meeting(vault, AgendaDraft(
        starts_at=starts, place="Zaal 3, ZVH Haaglanden", chair="A. de Regisseur", items=[
            DraftItem(case_id, number, "", ItemKind.FIRST, 20, REMOVED["agenda_items.goal"],
                      [REMOVED["agenda_items.themes"]], [DecisionType.IMAGE_FORMING],
                      {police: REMOVED["invitations.contribution"],
                       municipality: "Toelichting"})]))
    meeting = meeting_service.get_meeting(vault, meeting_id)
    agenda_item = meeting.items[0].id
    live_service.start_meeting(vault, meeting_id)
    live_service.start_item(vault, agenda_item)
    minutes_service.add_entry(vault, agenda_item, EntryInput(
        EntryKind.NOTE, REMOVED["minutes_entries.text"]))
    minutes_service.add_entry(vault, agenda_item, EntryInput(
        EntryKind.ACTION, REMOVED["minutes_entries.action"], municipality,
        REMOVED["minutes_entries.owner"], date.today() + timedelta(days=30)))
    minutes_service.add_entry(vault, agenda_item, EntryInput(
        EntryKind.COORDINATOR, "", municipality, KEPT["plans.coordinator_person"]))
    minutes_service.add_entry(vault, agenda_item, EntryInput(
        EntryKind.CLOSURE_CRITERIA, REMOVED["plans.closure_criteria"]))
    minutes_service.finish_item(vault, agenda_item)
    minutes_service.end_meeting(vault, meeting_id)

    plan = plan_service.get_plan(vault, number)
    goal = Goal(new_key(), LifeDomain.FINANCES, REMOVED["plan_goals.description"])
    action = dataclasses.replace(plan.actions[0], key=new_key(),
                                 description=REMOVED["plan_actions.description"],
                                 owner=REMOVED["plan_actions.owner"],
                                 goal_key=goal.key)
    plan = dataclasses.replace(
        plan, goals=(goal,), actions=plan.actions + (action,),
        information_needs=(InformationNeed(new_key(), police,
                                           REMOVED["plan_information_needs.description"]),),
        next_meeting=date.today() + timedelta(days=60),
        next_meeting_note=REMOVED["plans.next_meeting_note"])
    plan_service.save_plan(vault, plan)
    plan_service.add_progress_note(vault, number, action.key, REMOVED["plan_action_notes.text"])

    # A draft of every kind that can hold work on the case.
    plan = plan_service.get_plan(vault, number)
    plan_service.save_plan_draft(vault, dataclasses.replace(
        plan, next_meeting_note=REMOVED["drafts.plan"]))
    draft_store.put(vault, "triage", number, {"goal": REMOVED["drafts.triage"]})
    draft_store.put(vault, "intake", number, {"reason": REMOVED["drafts.intake"]})
    context = closure_service.closure_context(vault, number)
    closure_service.save_closure_draft(vault, number, dataclasses.replace(
        context.initial_decision(), reason=REMOVED["drafts.closure"]))
    neighbour = intake.register_referral(vault, Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=municipality,
        received=received, reason="Buren", question="Vraag",
        subjects=(Subject("Bert", "Blijftstaan", date(1970, 1, 1), SubjectRole.MAIN_SUBJECT),)))
    with vault.read() as conn:
        neighbour_id = case_service.case_id_for(conn, neighbour)
    meeting_service.save_agenda_draft(vault, AgendaDraft(
        starts_at=starts + timedelta(days=14), place="Zaal 4", chair="A. de Regisseur", items=[
            DraftItem(case_id, number, "K.V.", ItemKind.FOLLOW_UP, 20, REMOVED["drafts.agenda"]),
            DraftItem(neighbour_id, neighbour, "B.B.", ItemKind.FIRST, 20, "Buurdoel")]))
    minutes_service.save_live_draft(vault, meeting_id, {
        "item": agenda_item, "kind": "note", "text": REMOVED["drafts.live"]})

    # Fields this route does not fill (a declined case's texts, a routing elsewhere's)
    # are written directly: the closure must clear whatever they hold.
    with vault.begin() as conn:
        conn.execute(update(cases).where(cases.c.id == case_id).values(
            decline_reason=REMOVED["cases.decline_reason"],
            decline_advice=REMOVED["cases.decline_advice"]))
        conn.execute(update(routing_decisions).where(routing_decisions.c.case_id == case_id)
                     .values(reason=REMOVED["routing_decisions.reason"],
                             elsewhere_chain=REMOVED["routing_decisions.elsewhere_chain"]))
    return World(case_id, number, meeting_id, agenda_item, neighbour)


def every_text(vault: OpenVault) -> str:
    """Every text column of every table of the vault, as one string."""
    parts: list[str] = []
    with vault.read() as conn:
        for table in metadata.sorted_tables:
            columns = [c for c in table.c if isinstance(plain_type(c.type), (String, Text))]
            if not columns:
                continue
            for row in conn.execute(select(*columns)):
                parts.extend(str(v) for v in row if v is not None)
    return "\n".join(parts)


def in_text(text: str, canary: str) -> bool:
    # JSON bodies escape nothing here (ensure_ascii=False) but be safe about it
    return canary in text or json.dumps(canary)[1:-1] in text


def close_with_everything(vault: OpenVault, number: str) -> closure_service.ClosureResult:
    context = closure_service.closure_context(vault, number)
    decision = ClosureDecision(
        criteria=tuple(CriterionCheck(c.criterion, True, "") for c in context.criteria),
        reason=KEPT["case_closures.reason"],
        agreement=CoordinatorAgreement("Sanne de Vries", party_id(vault, "gemeente-den-haag"),
                                       CLOSED_ON),
        outcome=Outcome.GOALS_REACHED,
        extra_removals=frozenset(closure_domain.OPTIONAL_REMOVALS))
    shown = closure_service.preview(vault, number, decision.extra_removals)
    return closure_service.close_case(vault, number, decision, shown, today=CLOSED_ON)


def read_back(vault: OpenVault, world: World) -> dict[str, Any]:
    """What the services read for the case after its closure (every screen's data)."""
    found: dict[str, Any] = {
        "case screen": case_view.open_case(vault, world.number),
        "case": case_service.get_case(vault, world.number),
        "cases table": [r for r in case_service.list_cases(vault) if world.number in repr(r)],
        "meetings": meeting_service.list_meetings(vault),
        "meeting": meeting_service.get_meeting(vault, world.meeting_id),
        "live minutes": minutes_service.entries(vault, world.item_id),
        "stored minutes": minutes_service.case_minutes(vault, world.number),
        "agenda draft": meeting_service.load_agenda_draft(vault),
        "live draft": minutes_service.load_live_draft(vault, world.meeting_id),
        "plan": plan_service.get_plan(vault, world.number),
        "plan history": plan_service.history(vault, world.number),
        "open actions": followup.open_actions(vault),
        "closure record": closure_service.closure_of(vault, world.number),
        "drafts": [draft_store.get(vault, kind, world.number)
                   for kind in ("plan", "triage", "intake", "closure")],
        "routing": triage.routing_decision(vault, world.case_id),
    }
    found["plan versions"] = [plan_service.plan_version(vault, world.number, v.version)
                              for v in found["plan history"]]
    with vault.read() as conn:
        found["handout facts"] = handouts.load_facts(conn, world.number)
    return found


def test_every_text_of_the_case_is_seeded(director_vault: OpenVault) -> None:  # noqa: F811
    """The world really holds each canary (a check that cannot fail proves nothing)."""
    vault = director_vault
    build_world(vault)
    text = every_text(vault)
    missing = [f for f, c in {**REMOVED, **KEPT}.items() if not in_text(text, c)]
    assert missing == ["case_closures.reason"]          # written at the closure itself


def test_closure_with_everything_chosen_leaves_no_text_about_the_case(
        director_vault: OpenVault) -> None:  # noqa: F811
    """Covenant 1.10: closing cleans the file of everything no longer needed; with every
    removal chosen, only the subjects' names, the coordinator and the decision stay."""
    vault = director_vault
    world = build_world(vault)
    close_with_everything(vault, world.number)

    text = every_text(vault)
    left = [f for f, c in REMOVED.items() if in_text(text, c)]
    assert left == [], f"still in the vault after closure: {left}"
    kept = [f for f, c in KEPT.items() if in_text(text, c)]
    assert sorted(kept) == sorted(KEPT)

    screens = {name: repr(value) for name, value in read_back(vault, world).items()}
    leaks = [(name, f) for name, shown in screens.items() for f, c in REMOVED.items()
             if in_text(shown, c)]
    assert leaks == []
    # The case is still found by name (for subject access), no longer by its BSN.
    assert KEPT["subjects.surname"] in screens["case screen"]
    folded = case_service.fold_query(REMOVED["subjects.bsn"])
    assert not [r for r in case_service.list_cases(vault)
                if case_service.row_matches(r, folded)]
    # The neighbour's part of the agenda being prepared stays; the closed case's is gone.
    agenda = meeting_service.load_agenda_draft(vault)
    assert agenda is not None and [i.case_number for i in agenda.items] == [world.other_number]
    assert minutes_service.load_live_draft(vault, world.meeting_id) is None


def test_the_preview_lists_every_kind_with_its_count(
        director_vault: OpenVault) -> None:  # noqa: F811
    """The closure preview names each kind that goes and how many, before anything goes."""
    vault = director_vault
    world = build_world(vault)
    shown = closure_service.preview(vault, world.number, closure_domain.OPTIONAL_REMOVALS)
    counts = shown.summary()
    assert set(counts) == {r.value for r in Removal}
    assert counts[Removal.MINUTES.value] == 4 + 1          # four entries, one stored minutes
    assert counts[Removal.DRAFTS.value] == 6               # plan, triage, intake, closure,
    drafts_line = shown.line(Removal.DRAFTS)               # the agenda and the live minutes
    assert drafts_line is not None and len(drafts_line.details) == 6
    assert counts[Removal.AGENDA_TEXTS.value] == 1 + 2     # one item, two contributions asked
    assert counts[Removal.ROUTING_TEXTS.value] == 4        # goal, themes, reason, chain
    plan_line = shown.line(Removal.PLAN_TEXTS)
    assert plan_line is not None and plan_line.count >= 2 + 1 + 2
    assert counts[Removal.PLAN_DETAILS.value] == 2         # one note, one information need
    # The defaults alone already take the minutes and the drafts.
    default = closure_service.preview(vault, world.number)
    assert {Removal.MINUTES, Removal.DRAFTS} <= set(default.removals)


def test_destruction_leaves_no_canary_in_any_page(director_vault: OpenVault) -> None:  # noqa: F811
    """Covenant 1.10, 'finally disappears from the system': after the retention period no
    canary, kept ones included, is in any decrypted page of the file or its WAL."""
    vault = director_vault
    world = build_world(vault)
    key = vault.data_key
    db = vault.vault.db_path
    wal = db.with_name(db.name + "-wal")
    retention_service.compact(vault)
    pages = decrypted_database(db, key)
    unseen = [f for f, c in {**REMOVED, **KEPT}.items() if not found(pages, c)]
    assert unseen == ["case_closures.reason"], f"the decryptor did not find {unseen}"

    # Closing removes from the file, not only from the tables: secure_delete overwrites
    # what the closure deletes or replaces, and the closure empties the WAL.
    result = close_with_everything(vault, world.number)
    pages = decrypted_database(db, key) + decrypted_wal(wal, key)
    assert [f for f, c in KEPT.items() if not found(pages, c)] == []
    left = [f for f, c in REMOVED.items() if found(pages, c)]
    assert left == [], f"still in the file after closure: {left}"
    destroyed = retention_service.purge_due(vault, today=result.destroy_on)
    assert destroyed == [world.number]
    pages = decrypted_database(db, key) + decrypted_wal(wal, key)
    left = [f for f, c in {**REMOVED, **KEPT}.items() if found(pages, c)]
    assert left == [], f"still in the file after destruction: {left}"
    assert found(pages, "Blijftstaan") and found(pages, "Buurdoel")


@pytest.mark.parametrize("kind", list(closure_domain.OPTIONAL_REMOVALS))
def test_an_optional_kind_not_chosen_is_kept(director_vault: OpenVault,  # noqa: F811
                                             kind: Removal) -> None:
    """Only what the preview showed goes: leaving one optional kind unticked keeps it."""
    vault = director_vault
    world = build_world(vault)
    context = closure_service.closure_context(vault, world.number)
    decision = ClosureDecision(
        criteria=tuple(CriterionCheck(c.criterion, True, "") for c in context.criteria),
        agreement=CoordinatorAgreement("Sanne de Vries", party_id(vault, "gemeente-den-haag"),
                                       CLOSED_ON),
        outcome=Outcome.GOALS_REACHED,
        extra_removals=frozenset(closure_domain.OPTIONAL_REMOVALS) - {kind})
    shown = closure_service.preview(vault, world.number, decision.extra_removals)
    closure_service.close_case(vault, world.number, decision, shown, today=CLOSED_ON)
    text = every_text(vault)
    fields = [f for f, r in closure_service.CASE_TEXT_FIELDS.items() if r is kind]
    kept = [f for f in fields if f in REMOVED and in_text(text, REMOVED[f])]
    assert kept, f"nothing of {kind} was kept"


def _case_tables() -> set[str]:
    """Every table that belongs to a case: it has a ``case_id`` or a foreign key to a
    table that does (a party is not a case's)."""
    owned = {"cases"}
    grown = True
    while grown:
        grown = False
        for table in metadata.sorted_tables:
            if table.name in owned:
                continue
            if "case_id" in table.c or any(
                    fk.column.table.name in owned for fk in table.foreign_keys):
                owned.add(table.name)
                grown = True
    return owned | {"drafts"}   # drafts name the case in object_id / their payload


def test_every_text_column_of_a_case_is_decided() -> None:
    """A new text column of a case's table must be given a place in the closure: removed
    by one of the kinds, or kept for a stated reason (this test fails until it is)."""
    decided = closure_service.CASE_TEXT_FIELDS
    columns = {f"{t.name}.{c.name}" for t in metadata.sorted_tables if t.name in _case_tables()
               for c in t.c if isinstance(plain_type(c.type), (String, Text))}
    assert sorted(columns - set(decided)) == []
    assert sorted(set(decided) - columns) == []
    # Each removable personal field (as declared next to its table) has a canary in the
    # world above (so the tests cover it).
    personal = set(personal_fields(case_tables(metadata)))
    free_text = {f for f, r in decided.items() if isinstance(r, Removal) and f in personal}
    covered = {f for f in free_text if f in REMOVED or f.startswith(("drafts.",
                                                                     "case_minutes.",
                                                                     "plan_versions.",
                                                                     "case_search."))}
    assert sorted(free_text - covered) == []
