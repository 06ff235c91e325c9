"""The pair index follows a corrected birth date (issue 22, point 2: "already known" looks up
surname plus birth date through a blind index; docs/house-server.md: "the program writes the
surname key and the birth date together").

A process director corrects a subject's birth date in the registration (the intake wizard's
draft of the registered case, submitted again): on the house server "already known" then
finds the case by surname and the corrected birth date (the server's function over the
pair's blind index), no longer by the old one, and the process director's ``verify`` finds
every pair index fitting its values. On the vault file the same answers
(there the look-up is SQL on the opened values), so the rule holds on both engines.

The server case uses the session's throwaway PostgreSQL; skipped with the reason where no
PostgreSQL 15+ binaries are installed."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from app.domain.intake import IntakeOutcome
from app.services import intake
from tests.unit.test_pg_services import (DIRECTOR, DIRECTOR_PASS, ENGINES, House, _referral,
                                         _server_house, _sqlcipher_house)

OLD, NEW = date(1980, 5, 17), date(1980, 7, 15)


@pytest.fixture(params=ENGINES)
def house(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[House]:
    if request.param == "postgresql":
        made = _server_house(request.getfixturevalue("pg_server"))
    else:
        made = _sqlcipher_house(tmp_path / "kluis")
    yield made
    for opened in made.opened:
        if opened.is_open:
            opened.lock(audit_it=False)


def _numbers(found: list[intake.KnownCase]) -> list[str]:
    return sorted(k.number for k in found)


def test_a_corrected_birth_date_is_found_and_the_old_one_no_longer(house: House) -> None:
    director = house.unlock(DIRECTOR, DIRECTOR_PASS)
    referral = _referral(director, "Verbrugge-Ouwehand", None)
    assert referral.subjects[0].birth_date == OLD
    number = intake.register_referral(director, referral)
    assert _numbers(intake.already_known(director, surname="verbrugge-ouwehand",
                                         birth_date=OLD)) == [number]

    draft, draft_id = intake.draft_for_case(director, number)
    subject = dataclasses.replace(draft.subjects[0], birth_date=NEW.isoformat())
    draft = dataclasses.replace(draft, subjects=[subject, *draft.subjects[1:]])
    intake.submit_intake(director, draft, IntakeOutcome.REGISTER, draft_id)

    assert _numbers(intake.already_known(director, surname="Verbrugge-Ouwehand",
                                         birth_date=NEW)) == [number]
    assert intake.already_known(director, surname="Verbrugge-Ouwehand", birth_date=OLD) == []
    if house.engine == "postgresql":
        from app.vault.server_admin import verify_server

        report = verify_server(director)
        assert [p for p in report.problems if "subjects" in p] == []
