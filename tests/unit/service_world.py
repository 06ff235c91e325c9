"""A small vault with one case through its whole life, and every public service function of
``app.services`` found by introspection: shared by the tests that call every entry point
under a role (``test_privacy_roles``: nothing of the substance reaches the information
centre; ``test_permission_matrix``: every role gets exactly the matrix's answer).

The case is made by a process director through the services: referred, accepted, routed to
a meeting, held in one meeting (attendance, minutes, hand-over to the plan), its plan saved
with a progress note, and on the agenda of the next meeting. A text planted in each field
about the people (``CANARIES``) lets a test look for them in whatever a service returns.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import json
import pkgutil
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

import app.services
from app.domain.cases import Subject, SubjectRole
from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category, SharingTerms
from app.domain.intake import InformationInput, IntakeOutcome, Referral
from app.domain.life_domains import LifeDomain
from app.domain.meetings import (AgendaDraft, DecisionType, DraftItem, EntryInput, EntryKind,
                                 ItemKind)
from app.domain.plan import Goal, InformationNeed
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.domain.triage import Route, RoutingDecision
from app.errors import CasuskamerError
from app.services import cases as case_service
from app.services import intake, meetings, triage
from app.services import meeting_live
from app.services import minutes as meeting_minutes
from app.services import plan as plan_service
from app.services.case_view import CopyField
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.pg_engine import audit_reader
from tests.unit.meeting_fixtures import GGZ, MUNICIPALITY, POLICE, party_ids

TODAY = date.today()

#: A text planted in each field about the people or the case; none may reach the centre.
CANARIES = {
    "given_names": "Xandrivogel",
    "surname": "Kanariepiet",
    "partner": "Zwaluwstaart",
    "address": "Kanariestraat 13",
    "reason": "KANARIE-AANMELDREDEN",
    "question": "KANARIE-HULPVRAAG",
    "life_domain": "KANARIE-LEVENSDOMEIN",
    "criterion": "KANARIE-MOTIVATIE",
    "item_police": "KANARIE-POLITIE-ITEM",
    "item_care": "KANARIE-ZORG-ITEM",
    "triage_goal": "KANARIE-TRIAGEDOEL",
    "triage_theme": "KANARIE-TRIAGETHEMA",
    "agenda_goal": "KANARIE-AGENDADOEL",
    "agenda_theme": "KANARIE-AGENDATHEMA",
    "contribution": "KANARIE-BIJDRAGE",
    "follow_up_goal": "KANARIE-VERVOLGDOEL",
    "minutes_action": "KANARIE-AFSPRAAK",
    "minutes_decision": "KANARIE-BESLUIT",
    "minutes_note": "KANARIE-NOTITIE",
    "closure_criteria": "KANARIE-AFSLUITCRITERIUM",
    "plan_goal": "KANARIE-PLANDOEL",
    "information_need": "KANARIE-INFORMATIEBEHOEFTE",
    "next_meeting_note": "KANARIE-VOLGEND-OVERLEG",
    "progress_note": "KANARIE-VOORTGANG",
}
#: BSN and birth date of the main subject (valid by the eleven-test; an unusual day).
CANARY_BSN = "111222333"
CANARY_BIRTH_DATE = date(1931, 7, 19)


@dataclasses.dataclass
class World:
    """One case with a canary in every field, held in one meeting and on the agenda of the
    next; the ids a service function may be called with."""

    vault: OpenVault
    number: str
    case_id: int
    subject_id: int
    held_meeting_id: int
    planned_meeting_id: int
    held_item_id: int
    planned_item_id: int
    attendee_id: int
    party_id: int
    party_name: str
    tmp: Path


def as_director(vault: OpenVault) -> OpenVault:
    """The vault unlocked by the process director, who goes on with it (and holds the
    folder); ``vault`` itself when a process director unlocked it."""
    if vault.actor.role is Role.PROCESS_DIRECTOR:
        return vault
    return unlock_as(vault, Role.PROCESS_DIRECTOR, hold_folder=True)


def as_centre(vault: OpenVault) -> OpenVault:
    """The vault unlocked by the information centre (a second session beside ``vault``)."""
    return unlock_as(vault, Role.INFORMATION_CENTRE)


def build_world(vault: OpenVault, tmp: Path) -> World:
    """The canary case, made by a process director through the services."""
    vault = as_director(vault)
    ids = party_ids(vault)
    c = CANARIES
    referral = Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=ids[MUNICIPALITY],
        received=TODAY - timedelta(days=20), reason=c["reason"], question=c["question"],
        subjects=(Subject(c["given_names"], c["surname"], CANARY_BIRTH_DATE,
                          SubjectRole.MAIN_SUBJECT, bsn=CANARY_BSN, address=c["address"]),
                  Subject(c["partner"], c["surname"], date(1933, 3, 3), SubjectRole.PARTNER)),
        life_domains={LifeDomain.HOUSING: c["life_domain"]},
        information=(
            InformationInput(ids[POLICE], TODAY - timedelta(days=21), Category.POLICE,
                             c["item_police"], SharingTerms(frozenset({ids[GGZ]}))),
            InformationInput(ids[GGZ], TODAY - timedelta(days=21), Category.SPECIAL,
                             c["item_care"], SharingTerms(frozenset({ids[POLICE]})))))
    number = intake.register_referral(vault, referral)
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT,
                         [CriterionAnswer(k, True, c["criterion"]) for k in Criterion])
    triage.decide_routing(vault, number, RoutingDecision(
        Route.TO_MEETING, goal=c["triage_goal"], themes=(c["triage_theme"],),
        decision_types=(DecisionType.DECIDING,), invitees=frozenset({ids[POLICE], ids[GGZ]})))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
        subject_id = case_service.load_case(conn, case_id).subjects[0].id
    assert subject_id is not None
    invited = {ids[POLICE]: c["contribution"], ids[GGZ]: c["contribution"]}
    starts = datetime.combine(TODAY + timedelta(days=1), datetime.min.time()).replace(hour=10)
    held = meetings.plan_meeting(vault, AgendaDraft(
        starts_at=starts, place="Zaal 1", chair="A. de Voorzitter", items=[
            DraftItem(case_id, number, "", ItemKind.FIRST, 30, c["agenda_goal"],
                      [c["agenda_theme"]], [DecisionType.DECIDING], dict(invited))]))
    held_item = meetings.get_meeting(vault, held).items[0].id
    meeting_live.start_meeting(vault, held)
    attendee = meeting_live.add_attendee(vault, held, "Mw. K. Jansen", ids[POLICE], "Wijkagent")
    meeting_live.accept_confidentiality(vault, attendee)
    meeting_live.start_item(vault, held_item)
    meeting_minutes.add_entry(vault, held_item, EntryInput(
        EntryKind.ACTION, c["minutes_action"], ids[POLICE], "K. Jansen",
        TODAY + timedelta(days=14)))
    meeting_minutes.add_entry(vault, held_item,
                              EntryInput(EntryKind.DECISION, c["minutes_decision"]))
    meeting_minutes.add_entry(vault, held_item, EntryInput(EntryKind.NOTE, c["minutes_note"]))
    meeting_minutes.add_entry(vault, held_item, EntryInput(EntryKind.CLOSURE_CRITERIA,
                                                    c["closure_criteria"]))
    meeting_minutes.finish_item(vault, held_item)
    meeting_minutes.end_meeting(vault, held)
    plan = plan_service.get_plan(vault, number)
    plan = plan_service.save_plan(vault, dataclasses.replace(
        plan, goals=(Goal("g1", LifeDomain.HOUSING, c["plan_goal"]),),
        information_needs=(InformationNeed("n1", ids[GGZ], c["information_need"]),),
        next_meeting_note=c["next_meeting_note"]))
    plan_service.add_progress_note(vault, number, plan.actions[0].key, c["progress_note"])
    planned = meetings.plan_meeting(vault, AgendaDraft(
        starts_at=starts + timedelta(days=14), place="Zaal 2", chair="A. de Voorzitter",
        items=[DraftItem(case_id, number, "", ItemKind.FOLLOW_UP, 20, c["follow_up_goal"],
                         [c["agenda_theme"]], [DecisionType.JUDGING], dict(invited))]))
    planned_item = meetings.get_meeting(vault, planned).items[0].id
    return World(vault, number, case_id, subject_id, held, planned, held_item, planned_item,
                 attendee, ids[POLICE], POLICE, tmp)




# -- every public service function, by introspection -------------------------------------------

# -- every public service function, by introspection -------------------------------------------

def service_functions() -> dict[str, Callable[..., Any]]:
    """Every public function of ``app.services.*`` whose first parameter is the open vault
    (``vault``, or ``source`` where a connection is accepted as well)."""
    found: dict[str, Callable[..., Any]] = {}
    for module_info in pkgutil.iter_modules(app.services.__path__):
        module = importlib.import_module(f"app.services.{module_info.name}")
        for name, fn in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or fn.__module__ != module.__name__:
                continue
            params = list(inspect.signature(fn).parameters)
            if params and params[0] in ("vault", "source"):
                found[f"{module_info.name}.{name}"] = fn
    return found


def arguments(world: World, extra: dict[str, Any]) -> dict[str, Any]:
    """A value for each parameter a service function may need, by the parameter's name."""
    w = world
    return {
        "number": w.number, "number_or_id": w.number, "case": w.number, "case_id": w.case_id,
        "meeting_id": w.planned_meeting_id, "item_id": w.held_item_id,
        "to_meeting_id": w.held_meeting_id, "party_id": w.party_id, "name": w.party_name,
        "party_ids": [w.party_id], "attendee_id": w.attendee_id, "subject_id": w.subject_id,
        "version": 1,
        "on": TODAY, "today": TODAY, "start": TODAY - timedelta(days=365), "end": TODAY,
        "year": TODAY.year, "protocol": Protocol.INTEGRALE_VEILIGHEID, "kind": "plan",
        "object_id": w.number, "field": CopyField.BSN, "draft_id": 1, "out": w.tmp / "out.pdf",
        "out_dir": w.tmp, "path": w.tmp / "out.pdf", "review": None, "query": w.number,
        "area": "cases", "hits": 1, "fmt": "csv",
        # the demo's checked chunk (synthetic.bulk_insert_checked): an empty one
        "chunk": _empty_chunk(), "states": [], **extra}


def _empty_chunk() -> Any:
    from app.services.synthetic import CheckedChunk

    return CheckedChunk(referrals=[], parsed=[])


def director_made(world: World) -> dict[str, Any]:
    """Values only the process director can make (a closure context, a meeting room, a
    subject match), handed to the centre as if it had got hold of them."""
    from app.services import closure, meeting_room, subject_access
    director = unlock_as(world.vault, Role.PROCESS_DIRECTOR)  # the folder stays with world.vault
    made: dict[str, Any] = {}
    for key, make in (("context", lambda: closure.closure_context(director, world.number)),
                      ("room", lambda: meeting_room.load_room(director,
                                                              world.planned_meeting_id)),
                      ("match", lambda: subject_access.find_subject(director,
                                                                    bsn=CANARY_BSN))):
        try:
            made[key] = make()
        except CasuskamerError:
            made[key] = None
    return made


def call(fn: Callable[..., Any], values: dict[str, Any]) -> Any:
    """Call ``fn`` with the vault and a value for each of its required parameters (None for
    a parameter :func:`arguments` does not know: a function that refuses the role refuses
    before it looks at it; one that does not, and fails on None, fails the test with the
    parameter's name)."""
    params = list(inspect.signature(fn).parameters.values())[1:]
    kwargs = {}
    unknown = []
    for p in params:
        if p.default is not inspect.Parameter.empty or p.kind in (p.VAR_POSITIONAL,
                                                                  p.VAR_KEYWORD):
            continue
        if p.name not in values:
            unknown.append(p.name)
        kwargs[p.name] = values.get(p.name)
    try:
        result = fn(values["vault"], **kwargs)
        # a generator runs (and checks the role) only when read
        return list(result) if isinstance(result, Iterator) else result
    except CasuskamerError:
        raise
    except Exception as exc:
        raise AssertionError(f"{fn.__module__}.{fn.__name__} failed ({exc!r}); parameters "
                             f"without a test value: {unknown} (add them to arguments())"
                             ) from exc


def denied_rows(vault: OpenVault) -> list[tuple[str, str, dict[str, Any]]]:
    # as the house's administrator reads the log: on the server a role reads no other row
    with audit_reader(vault) as conn:
        return [(r[0], r[1], json.loads(r[2] or "{}")) for r in conn.execute(
            select(audit_log.c.role, audit_log.c.action, audit_log.c.detail)
            .where(audit_log.c.result == "denied").order_by(audit_log.c.id))]
