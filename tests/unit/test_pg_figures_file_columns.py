"""The figures read nothing personal on the vault file either (issue 22, point 2: "figures use
only unencrypted, non-personal columns"; covenant: the figures for the Stuurgroep carry no
personal data). On the house server the grants enforce it (the manager's role reads only the
figures' views: tests/unit/test_pg_figures_views.py); the vault file has no grants, so here
SQLite's authorizer refuses every read of a personal or sealed column, a case number, an
account name or a table the figures have no business with while the hand-made set's figures
are computed: they come out complete and equal to the numbers worked out by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.domain.figures import IntakeOutcome
from app.services import figures
from app.services.session import after_unlock
from app.store.personal import personal_columns
from app.store.schema import metadata
from app.store.sealed import sealed_columns
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.unit.test_figures import build_hand_made

TODAY = date(2026, 3, 1)
SQLITE_READ, SQLITE_OK, SQLITE_DENY = 20, 0, 1
#: What the figures count: the cases' states and dates, the tombstones' counts, meetings and
#: agenda pairs, open plan actions (the schema's own catalogue, to know which tables exist).
FIGURE_TABLES = {"cases", "case_tombstones", "meetings", "agenda_items", "plans",
                 "plan_actions", "sqlite_master", "sqlite_schema"}
#: Identifying without being declared personal: a case's number, who did what.
IDENTIFYING = {"number", "external_ref", "created_by", "updated_by", "decided_by",
               "closed_by", "destroyed_by"}


def forbidden_columns() -> set[tuple[str, str]]:
    found = set(sealed_columns(metadata.sorted_tables))
    for table in metadata.sorted_tables:
        found |= {(table.name, c) for c in personal_columns(table)}
        found |= {(table.name, c.name) for c in table.c if c.name in IDENTIFYING}
    return found


@pytest.fixture
def house(tmp_path: Path) -> Iterator[OpenVault]:
    opened = Vault.create(tmp_path / "kluis", ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    after_unlock(opened, created=True)
    build_hand_made(opened)
    yield opened
    if opened.is_open:
        opened.lock(audit_it=False)


def test_the_figures_on_the_vault_file_read_no_personal_column(house: OpenVault) -> None:
    forbidden = forbidden_columns()
    assert ("cases", "reason") in forbidden and ("cases", "number") in forbidden
    refused: list[tuple[str, str]] = []
    read: set[tuple[str, str]] = set()

    def authorize(action: int, table: Any, column: Any, _db: Any, _source: Any) -> int:
        if action != SQLITE_READ:
            return SQLITE_OK
        read.add((table, column))
        if table not in FIGURE_TABLES or (table, column) in forbidden:
            refused.append((table, column))
            return SQLITE_DENY
        return SQLITE_OK

    with house.read() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.set_authorizer(authorize)
        try:
            found = figures.compute_in(conn, 2025, today=TODAY)
        finally:
            raw.set_authorizer(None)
    assert refused == []
    assert ("cases", "received") in read and ("case_tombstones", "actions_total") in read
    # the hand-made set's numbers (tests/unit/test_figures.py works them out)
    assert found.referrals_total == 9
    assert found.intake == {IntakeOutcome.ACCEPTED: 5, IntakeOutcome.ROUTED_ELSEWHERE: 1,
                            IntakeOutcome.DECLINED: 2}
    assert (found.actions.cases, found.actions.total) == (5, 20)
    assert found.overdue_open_actions == 2
    assert found.meetings_held == 6 and found.cases_discussed == 6
