"""The Figures screen's work at 100,000 cases: the dashboard's figures for last year (all
protocols, and one protocol) as the manager sees them, with the permission check, the audit
row and the suppression, against the reference: the same aggregate SQL statements (captured
from the service) run directly on the vault's raw connection, so the ratio is what our layer
adds to SQLCipher's own work.

``rows(cases, smoke) -> list[Row]`` feeds ``python -m benchmarks``. Budget: the dashboard
refreshes in under 2 s, and at most 1.3 times the bare SQL (the median of interleaved pairs).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event

from benchmarks.harness import Row, listed_vault, paired, ratio_row, unlock

BUDGET_S = 2.0
BUDGET_RATIO = 1.3


def _dashboard(vault: Any, year: int, protocol: Any = None) -> None:
    from app.services import figures

    figures.figures_for_display(vault, year, protocol)


def rows(cases: int, smoke: bool) -> list[Row]:
    from app.domain.protocols import Protocol

    vault = unlock(listed_vault(cases, smoke), "manager")
    year = date.today().year - 1
    found: list[Row] = []
    try:
        for protocol in (None, Protocol.RADICALISERING):
            statements: list[tuple[str, Any]] = []

            def record(conn: Any, cursor: Any, statement: str, parameters: Any,
                       context: Any, executemany: bool,
                       statements: list[tuple[str, Any]] = statements) -> None:
                # The figures' reads only: the audit row is our layer's cost.
                if statement.lstrip().upper().startswith("SELECT"):
                    statements.append((statement, parameters))

            event.listen(vault.engine, "before_cursor_execute", record)
            _dashboard(vault, year, protocol)
            event.remove(vault.engine, "before_cursor_execute", record)

            def bare(statements: list[tuple[str, Any]] = statements) -> None:
                with vault.read() as conn:
                    raw = conn.connection.dbapi_connection
                    assert raw is not None
                    for statement, parameters in statements:
                        raw.execute(statement, parameters).fetchall()

            pair = paired(lambda p=protocol: _dashboard(vault, year, p), bare,
                          rounds=2 if smoke else 7, warmup=0 if smoke else 1)
            label = "figures dashboard" + (f" ({protocol.value})" if protocol else "")
            found.append(ratio_row(
                label, f"{cases} listed cases", pair, BUDGET_RATIO, smoke,
                f"{len(statements)} aggregate statements, year {year}",
                also_ok=pair.ours_median <= BUDGET_S,
                budget=f"<= {BUDGET_S * 1000:.0f} ms, ratio <= {BUDGET_RATIO}"))
    finally:
        vault.lock()
    return found
