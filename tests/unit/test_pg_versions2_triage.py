"""A triage query's answer under several sessions (issue 22, point 4; review gap G2): two
process directors (two windows, or two workstations on the house server) hold the same case
in triage; the second answer for the same party, recorded on what it read before the first
was saved, is refused with the account and moment of the first, and nothing of it is written:
never a silent overwrite of a colleague's answer. On the house server too (``pytest
--engine=postgresql``: ``admin_vault`` is a house there)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.intake import IntakeOutcome
from app.domain.roles import Role
from app.domain.triage import QueryAnswer
from app.errors import EditConflict
from app.services import intake, triage
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.pg_engine import audit_reader
from tests.unit.handout_cases import as_process_director, make_case, party_ids

TODAY = date.today()
MET = [CriterionAnswer(c, True, "Ja, zie aanmelding") for c in Criterion]
GGZ = "Parnassia Groep"


@pytest.fixture
def two_directors(admin_vault: OpenVault) -> tuple[OpenVault, OpenVault, str, int]:
    """A case in triage with the GGZ asked three days ago; the process director and a
    colleague (another process director, another session)."""
    director = as_process_director(admin_vault)
    ggz = party_ids(director)[GGZ]
    number = make_case(director)
    intake.decide_intake(director, number, IntakeOutcome.ACCEPT, MET)
    triage.record_query(director, number, ggz, TODAY - timedelta(days=3), today=TODAY)
    colleague = unlock_as(director, Role.PROCESS_DIRECTOR, "collega")
    return director, colleague, number, ggz


def _query(vault: OpenVault, number: str, party_id: int) -> object:
    ctx = triage.triage_context(vault, number, TODAY, audit=False)
    return next(q for q in ctx.queries if q.party_id == party_id)


def _answers_recorded(vault: OpenVault, number: str) -> int:
    with audit_reader(vault) as conn:
        return sum(1 for _ in conn.execute(select(audit_log.c.id).where(
            audit_log.c.action == "triage.answer", audit_log.c.object_id == number,
            audit_log.c.result == "ok")))


def test_the_second_answer_for_a_party_is_refused_with_who_and_when(
        two_directors: tuple[OpenVault, OpenVault, str, int]) -> None:
    director, colleague, number, ggz = two_directors
    mine = _query(director, number, ggz)
    theirs = _query(colleague, number, ggz)
    before = datetime.utcnow() - timedelta(minutes=1)

    triage.record_answer(colleague, number, ggz, QueryAnswer.KNOWN,
                         TODAY - timedelta(days=1), TODAY,
                         version=theirs.version)  # type: ignore[attr-defined]
    with pytest.raises(EditConflict) as refused:
        triage.record_answer(director, number, ggz, QueryAnswer.DECLINED,
                             TODAY, TODAY, version=mine.version)  # type: ignore[attr-defined]

    assert refused.value.by_account == "collega"
    assert isinstance(refused.value.at, datetime) and refused.value.at >= before
    assert "collega" in str(refused.value)
    # nothing of the refused answer was written: the colleague's stands, with its date,
    # and only the colleague's answer is in the audit log
    now = _query(director, number, ggz)
    assert (now.answer, now.answered_on) == (  # type: ignore[attr-defined]
        QueryAnswer.KNOWN, TODAY - timedelta(days=1))
    assert _answers_recorded(director, number) == 1
    # read again, the director's answer goes through (a choice made on what is there)
    triage.record_answer(director, number, ggz, QueryAnswer.DECLINED, TODAY, TODAY,
                         version=now.version)  # type: ignore[attr-defined]
    after = _query(colleague, number, ggz)
    assert (after.answer, after.answered_on) == (  # type: ignore[attr-defined]
        QueryAnswer.DECLINED, TODAY)


def test_an_answer_on_a_query_asked_again_meanwhile_is_refused(
        two_directors: tuple[OpenVault, OpenVault, str, int]) -> None:
    """Asked again by a colleague (the date moved), an answer recorded on the old read is
    refused as a change in the meantime, not judged against a date the user never saw."""
    director, colleague, number, ggz = two_directors
    mine = _query(director, number, ggz)
    triage.record_query(colleague, number, ggz, TODAY, today=TODAY)
    with pytest.raises(EditConflict) as refused:
        triage.record_answer(director, number, ggz, QueryAnswer.KNOWN,
                             TODAY - timedelta(days=2), TODAY,
                             version=mine.version)  # type: ignore[attr-defined]
    assert refused.value.by_account == "collega"
    now = _query(director, number, ggz)
    assert (now.asked_on, now.answer) == (TODAY, None)  # type: ignore[attr-defined]
    assert _answers_recorded(director, number) == 0


def test_one_s_own_answers_follow_each_other_after_the_re_read(
        two_directors: tuple[OpenVault, OpenVault, str, int]) -> None:
    """The wizard re-reads after each save: a correction of one's own answer needs no
    reload, and each save moves the version on."""
    director, _colleague, number, ggz = two_directors
    first = _query(director, number, ggz)
    triage.record_answer(director, number, ggz, QueryAnswer.NOT_KNOWN, TODAY, TODAY,
                         version=first.version)  # type: ignore[attr-defined]
    second = _query(director, number, ggz)
    assert second.version == first.version + 1  # type: ignore[attr-defined]
    triage.record_answer(director, number, ggz, QueryAnswer.KNOWN, TODAY, TODAY,
                         version=second.version)  # type: ignore[attr-defined]
    assert _query(director, number, ggz).answer is QueryAnswer.KNOWN  # type: ignore[attr-defined]
