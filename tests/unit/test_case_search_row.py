"""The Cases table's search row (``case_search``) stays in step with the subjects it is made
of: a BSN that closure removed is neither kept in the row nor found by the search box, in
a case closed through the service and in the demo's closed cases."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app.domain.closure import ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome
from app.domain.lifecycle import CaseState
from app.services import cases as case_service
from app.services import closure as closure_service
from app.services import demo_activity
from app.store.case_tables import cases, subjects
from app.vault.vault import OpenVault
from tests.unit.retention_fixtures import director_vault, make_case, party_id  # noqa: F401

DAY = date(2025, 9, 1)


def _found_by(vault: OpenVault, text: str) -> list[str]:
    words = case_service.fold_query(text).split()
    return [r.number for r in case_service.list_cases(vault)
            if all(w in r.search_key for w in words)]


def test_closing_with_bsn_removal_drops_the_bsn_from_the_search_row(
        director_vault: OpenVault) -> None:  # noqa: F811
    vault = director_vault
    made = make_case(vault, surname="Jansen", bsn="111222333")
    kept = make_case(vault, surname="Bakker", bsn="999888777")
    assert _found_by(vault, "111 222 333") == [made.number]

    context = closure_service.closure_context(vault, made.number, today=DAY)
    decision = ClosureDecision(
        criteria=tuple(CriterionCheck(c.criterion, True, "ok") for c in context.criteria),
        agreement=CoordinatorAgreement("Sanne de Vries", party_id(vault, "gemeente-den-haag"),
                                       DAY),
        outcome=Outcome.GOALS_REACHED)
    closure_service.close_case(vault, made.number, decision, context.preview, today=DAY)

    # The vault no longer holds the BSN, so neither the search row nor the search box has it.
    assert _found_by(vault, "111222333") == []
    row = next(r for r in case_service.list_cases(vault) if r.number == made.number)
    assert "111222333" not in row.search_key
    # Names still find the closed case; the other case keeps its BSN.
    assert _found_by(vault, "jansen piet") == [made.number]
    assert _found_by(vault, "999888777") == [kept.number]


def test_the_demos_closed_cases_have_no_bsn_in_their_search_row(admin_vault: OpenVault) -> None:
    demo_activity.fill(admin_vault, cases=120, seed=5, today=date(2026, 3, 1))
    with admin_vault.read() as conn:
        closed = {r.id: r.number for r in conn.execute(
            select(cases.c.id, cases.c.number).where(cases.c.state == CaseState.CLOSED.value))}
        stored = {r.case_id: r.search_key for r in conn.exec_driver_sql(
            "SELECT case_id, search_key FROM case_search")}
        bsns = {(r.case_id, r.bsn) for r in conn.execute(
            select(subjects.c.case_id, subjects.c.bsn).where(subjects.c.bsn.is_not(None)))}
    assert closed, "the demo has closed cases"
    for case_id in closed:
        # Every nine-digit part of a closed case's search row would be a kept BSN.
        assert not any(len(p) == 9 and p.isdigit() for p in stored[case_id].split())
    for case_id, bsn in bsns:
        assert bsn in stored[case_id]
