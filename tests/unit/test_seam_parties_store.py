"""One persistence seam (issue 20, point 4) for the party register, triage and retention: the
SQL lives in ``app/store`` (parties, triage, retention, settings), and closing a case and
destroying it no longer import each other (the one circle between them is broken)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

from app.domain.parties import EndReason
from app.services import parties as party_service
from app.store import parties as party_rows
from app.store import retention as retention_rows
from app.store import settings
from app.vault.vault import OpenVault

ROOT = Path(__file__).resolve().parents[2]


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_destruction_does_not_reach_back_into_closure() -> None:
    # closure uses retention (the period, the deletion, the checkpoint); retention must not
    # use closure, not even inside a function: what both need lives in services.tombstones
    assert "app.services.closure" not in imported_modules(ROOT / "app/services/retention.py")
    shared = imported_modules(ROOT / "app/services/tombstones.py")
    assert not shared & {"app.services.closure", "app.services.retention"}


def test_the_repository_answers_the_register_s_names(admin_vault: OpenVault) -> None:
    with admin_vault.read() as conn:
        every = party_rows.names(conn)
        om = next(i for i, n in every.items() if n == "Openbaar Ministerie")
        assert len(every) == 34                      # the covenant's signatories
        assert party_rows.names(conn, [om]) == {om: "Openbaar Ministerie"}
        assert party_rows.names(conn, []) == {}
        assert party_rows.exists(conn, om)
        assert not party_rows.exists(conn, max(every) + 1)
        by_name = [n for _i, n in party_rows.names_by_name(conn)]
        assert by_name == sorted(every.values())
        assert settings.value(conn, "no such setting") is None


def test_a_withdrawal_closes_the_memberships_in_the_store(admin_vault: OpenVault) -> None:
    om = party_service.find_party_by_name(admin_vault, "Openbaar Ministerie")
    assert om is not None
    party_service.end_participation(admin_vault, om.id, date(2026, 3, 1), EndReason.WITHDRAWAL)
    with admin_vault.read() as conn:
        rows = party_rows.membership_rows(conn, [om.id])
        assert rows, "the memberships before the withdrawal stay on record"
        # the last day of every membership is the day before the withdrawal (art. 21.3)
        assert {r["end"] for r in rows} == {date(2026, 2, 28)}
        assert party_rows.row(conn, om.id)["active_until"] == date(2026, 2, 28)


def test_the_generic_deletion_finds_every_table_that_refers_to_a_case(
        admin_vault: OpenVault) -> None:
    from app.store.case_tables import cases

    with admin_vault.read() as conn:
        present = retention_rows.present_tables(conn)
    children = {t.name for t, _c, _p in retention_rows.referencing(cases, present)}
    # the areas that hang off a case: its people, items, triage, plan, meetings, closure
    assert {"subjects", "information_items", "triage_queries", "routing_decisions",
            "plans", "agenda_items", "case_closures", "case_tombstones"} <= children


#: the services of this part that reach their tables only through app/store (closure and
#: retention still name tables for the declaration of personal fields and the generic
#: deletion's condition, which is no SQL of their own)
THROUGH_THE_STORE = ("parties", "accounts", "triage", "subject_access", "followup", "figures",
                     "handouts", "minutes", "meetings", "meeting_live", "plan", "disclosures",
                     "tombstones")


def test_these_services_import_no_table_module() -> None:
    for name in THROUGH_THE_STORE:
        modules = imported_modules(ROOT / "app" / "services" / f"{name}.py")
        tables = sorted(m for m in modules if m.startswith("app.store.")
                        and (m.endswith("tables") or ".tables." in m or "_tables." in m))
        assert not tables, f"services/{name}.py imports {tables}"
        assert "sqlalchemy.select" not in modules and "sqlalchemy.text" not in modules, name


def test_the_accounts_repository_knows_the_last_administrator(admin_vault: OpenVault) -> None:
    from app.store import accounts as account_rows

    with admin_vault.read() as conn:
        admins = account_rows.active_with_role(conn, "admin")
        # a new vault has one administrator: the account that created it, added in the log
        assert admins == [admin_vault.actor.account]
        assert account_rows.last_added(conn, admin_vault.actor.account) is not None
        assert account_rows.last_added(conn, "nobody-by-this-name") is None


def test_the_figures_and_follow_up_repositories_answer_an_empty_house(
        admin_vault: OpenVault) -> None:
    from app.domain.roles import Role
    from app.store import figures as figure_rows
    from app.store import followup as followup_rows
    from tests.conftest import unlock_as

    # read by a process director, who sees the figures and works the follow-up (on the
    # house server the administrator's role reads no plan action)
    with unlock_as(admin_vault, Role.PROCESS_DIRECTOR).read() as conn:
        assert figure_rows.first_received(conn) is None        # no referral yet
        assert list(figure_rows.case_rows(conn, None)) == []
        assert figure_rows.action_totals(conn, "2026-01-01", "2027-01-01", None) == (0,) * 5
        assert figure_rows.overdue_actions(conn, "2026-06-01", None) == 0
        assert followup_rows.open_action_rows(conn, ["open"], ["in_progress"]) == []
        assert followup_rows.open_due_by(conn, ["open"], ["in_progress"],
                                         date(2026, 6, 1)) == []
