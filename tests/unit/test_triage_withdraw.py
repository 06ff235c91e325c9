"""Withdrawing a triage query recorded by mistake: it goes while unanswered, and is refused
with the reason (never a silent no-op) once answered, by anyone, or when never asked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.domain.triage import QueryAnswer
from app.errors import ValidationError
from app.services import triage
from app.store.tables import audit_log
from app.store.triage_tables import triage_queries
from tests.pg_engine import audit_reader
from tests.unit.test_triage import TODAY, world  # noqa: F401 - the fixture

ASKED = TODAY - timedelta(days=3)


def _queries(vault) -> int:  # type: ignore[no-untyped-def]
    with vault.read() as conn:
        return int(conn.execute(select(func.count()).select_from(triage_queries)).scalar_one())


def _withdrawals(vault) -> int:  # type: ignore[no-untyped-def]
    with audit_reader(vault) as conn:
        return int(conn.execute(select(func.count()).select_from(audit_log).where(
            audit_log.c.action == "triage.query_withdrawn")).scalar_one())


def test_an_unanswered_query_is_withdrawn_and_audited(world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    vault, ids, number = world
    triage.record_query(vault, number, ids["Parnassia Groep"], ASKED, today=TODAY)
    before = _queries(vault)
    triage.withdraw_query(vault, number, ids["Parnassia Groep"])
    assert _queries(vault) == before - 1
    assert _withdrawals(vault) == 1


def test_an_answered_query_is_refused_with_the_reason_and_kept(world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    vault, ids, number = world
    ggz = ids["Parnassia Groep"]
    triage.record_query(vault, number, ggz, ASKED, today=TODAY)
    # the answer a colleague recorded while this director still saw the query open
    triage.record_answer(vault, number, ggz, QueryAnswer.KNOWN, TODAY - timedelta(days=1),
                         today=TODAY)
    before = _queries(vault)
    with pytest.raises(ValidationError) as refused:
        triage.withdraw_query(vault, number, ggz)
    assert refused.value.field == "party"
    assert "answer" in str(refused.value).lower() or "antwoord" in str(refused.value).lower()
    assert _queries(vault) == before
    assert _withdrawals(vault) == 0
    answers = {q.party_id: q.answer for q in
               triage.triage_context(vault, number, today=TODAY).queries}
    assert answers[ggz] is QueryAnswer.KNOWN


def test_a_party_never_asked_is_refused_not_ignored(world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    vault, ids, number = world
    with pytest.raises(ValidationError) as refused:
        triage.withdraw_query(vault, number, ids["Veilig Thuis"])
    assert refused.value.field == "party"
    assert _withdrawals(vault) == 0


