"""The information centre's work on the house server under its column grants (issue 22,
point 3): the server refuses the centre's role the substance columns of ``cases`` and
``agenda_items`` (tests/unit/test_pg_grants_columns.py), and everything the permission
matrix gives the centre still works there: the Cases list (initials only), the meetings and
a meeting's agenda (logistics only), "already known" (number, state and dates only, through
the server's function over the blind indexes, without any grant on the subjects), registering
a referral (refused a second time by its external reference), the disclosure log, the
hand-outs' outlook and the referral's receipt (tests/unit/test_pg_centre_outlook_receipt.py).
What does not work there yet is listed, with its reason, in NOT_YET_ON_SERVER (nothing now);
what the server refuses the centre by a documented choice in BY_CHOICE_ON_SERVER.

Written from the matrix (app/domain/roles.py: what the centre may do) and the covenant's
division of the work, on the one-case world of tests/unit/service_world.py, made by a process
director on a fresh house of the suite (tests/pg_engine.py). On e9db4e2 "already known" and
registering a referral as the centre were refused by the server (the role may not read the
subjects, nor delete the new case's rows its registration replaced)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.protocols import Protocol
from app.domain.roles import SERVICE_ACTIONS, Role, allowed
from app.errors import CasuskamerError, PermissionDenied, ValidationError
from app.services import cases as case_service
from app.services import handouts, intake, meetings
from app.vault.vault import OpenVault
from tests.unit.meeting_fixtures import MUNICIPALITY, party_ids
from tests.unit.service_world import (CANARIES, CANARY_BIRTH_DATE, CANARY_BSN, World,
                                      arguments, as_centre, build_world, service_functions)


@pytest.fixture
def world(suite_house: Any, tmp_path: Path) -> Iterator[World]:
    admin = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                       exclusive=False)
    try:
        made = build_world(admin, tmp_path)
        yield made
    finally:
        for opened in (admin,):
            if opened.is_open:
                opened.lock(audit_it=False)


@pytest.fixture
def centre(world: World) -> Iterator[OpenVault]:
    opened = as_centre(world.vault)
    assert opened.actor.role is Role.INFORMATION_CENTRE
    yield opened


def _call(vault: OpenVault, fn: Any, values: dict[str, Any]) -> Exception | None:
    kwargs = {p.name: values.get(p.name)
              for p in list(inspect.signature(fn).parameters.values())[1:]
              if p.default is inspect.Parameter.empty
              and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
    try:
        result = fn(vault, **kwargs)
        if isinstance(result, Iterator):
            list(result)
    except Exception as exc:  # noqa: BLE001 - the test sorts them below
        return exc
    return None


#: What the matrix gives the centre that its role cannot do on the server yet, each with
#: its reason (the test fails when one starts to work: take it off then).
NOT_YET_ON_SERVER: dict[str, str] = {}
#: What the server refuses the centre by a documented choice (tests/pg_suite_marks
#: SERVER_CHOICE, the README's protection section, docs/house-server.md), with its reason.
BY_CHOICE_ON_SERVER = {
    "retention.purge_due": "the retention purge destroys case rows: on the server it runs in "
                           "the sessions of the roles that work on the cases (covenant 1.10, "
                           "12.1: the dossier's cleaning is the process director's), never "
                           "with the centre's role (tests/unit/test_pg_centre_purge_choice.py); "
                           "the service refuses it first (app.domain.roles.SERVER_NEEDS)",
}


def test_every_service_call_the_matrix_gives_the_centre_is_let_through_by_the_server(
        world: World, centre: OpenVault) -> None:
    """Each entry point the matrix opens to the centre, called as the centre on the server:
    none is refused by the server (its refusal is PermissionDenied, as the role check's),
    but those still listed in NOT_YET_ON_SERVER and those refused by choice."""
    functions = service_functions()
    values = {**arguments(world, {}), "payload": {}, "item_ids": [world.held_item_id]}
    refused = {}
    for name in sorted(SERVICE_ACTIONS):
        if not allowed(Role.INFORMATION_CENTRE, name) or name.startswith("synthetic."):
            continue  # the demo's bulk insert is not on the server yet (tests/pg_suite_marks)
        outcome = _call(centre, functions[name], values)
        if isinstance(outcome, PermissionDenied):
            refused[name] = str(outcome)
        elif outcome is not None and not isinstance(outcome, (CasuskamerError, TypeError,
                                                              AttributeError, ValueError)):
            refused[name] = repr(outcome)
    assert sorted(refused) == sorted({**NOT_YET_ON_SERVER, **BY_CHOICE_ON_SERVER}), refused


def test_the_centres_screens_show_the_register_and_the_logistics(world: World,
                                                                centre: OpenVault) -> None:
    listed = {row.number: row for row in case_service.list_cases(centre)}
    assert world.number in listed
    assert CANARIES["surname"] not in repr(listed[world.number])
    assert {m.id for m in meetings.list_meetings(centre)} == {world.held_meeting_id,
                                                              world.planned_meeting_id}
    agenda = meetings.get_meeting(centre, world.planned_meeting_id)
    assert [item.case_number for item in agenda.items] == [world.number]
    shown = repr(agenda)
    for field in ("follow_up_goal", "agenda_theme", "contribution", "reason", "question"):
        assert CANARIES[field] not in shown, field
    assert handouts.on_agenda(centre, world.number, world.planned_meeting_id)


def test_already_known_as_the_centre_gives_number_state_and_dates_only(
        world: World, centre: OpenVault) -> None:
    by_bsn = intake.already_known(centre, bsn=CANARY_BSN)
    assert [k.number for k in by_bsn] == [world.number]
    by_name = intake.already_known(centre, surname=CANARIES["surname"].upper(),
                                   birth_date=CANARY_BIRTH_DATE)
    assert [k.number for k in by_name] == [world.number]
    assert intake.already_known(centre, bsn=CANARY_BSN, exclude_case=world.number) == []
    assert intake.already_known(centre, surname="Onbekend", birth_date=date(1990, 1, 1)) == []
    assert by_bsn[0].received == date.today() - timedelta(days=20)
    assert by_bsn[0].closed_at is None


def test_the_centre_registers_a_referral_finds_it_already_known_and_refuses_it_twice(
        world: World, centre: OpenVault) -> None:
    ids = party_ids(centre)
    number = intake.register_referral(centre, Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=ids[MUNICIPALITY],
        received=date.today() - timedelta(days=1), reason="Zorgen om het gezin",
        question="Afstemming", external_ref="GEM-2026-77",
        subjects=(Subject("Pim", "Tester", date(1980, 5, 5), SubjectRole.MAIN_SUBJECT),)))
    assert number in {row.number for row in case_service.list_cases(centre)}
    assert [k.number for k in intake.already_known(
        centre, surname="tester", birth_date=date(1980, 5, 5))] == [number]
    # a second registration of the same referral is refused by its external reference
    with pytest.raises(ValidationError):
        intake.register_referral(centre, Referral(
            protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=ids[MUNICIPALITY],
            received=date.today(), reason="Nogmaals", question="Nogmaals",
            external_ref="GEM-2026-77",
            subjects=(Subject("Pim", "Tester", date(1980, 5, 5), SubjectRole.MAIN_SUBJECT),)))
