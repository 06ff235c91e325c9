"""The Figures screen's work at 100,000 cases: the dashboard's figures for last year (all
protocols, and one protocol) as the manager sees them, with the permission check, the audit
row and the suppression, against the reference: the same aggregate SQL statements (captured
from the service) run directly on the vault's raw connection, so the ratio is what our layer
adds to SQLCipher's own work.

``rows(cases, smoke) -> list[Row]`` feeds ``python -m benchmarks``. Budget: the dashboard
refreshes in under 2 s, and at most 1.5 times the bare SQL.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import event

from benchmarks.harness import Row, demo_vault, median_seconds, unlock

BUDGET_S = 2.0
BUDGET_RATIO = 1.5


def _dashboard(vault: Any, year: int, protocol: Any = None) -> None:
    from app.services import figures

    figures.figures_for_display(vault, year, protocol)


def rows(cases: int, smoke: bool) -> list[Row]:
    from app.domain.protocols import Protocol

    folder, _took = demo_vault(cases, smoke)
    vault = unlock(folder, "manager")
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
            repeat, warmup = (2, 0) if smoke else (5, 1)
            ours = median_seconds(lambda p=protocol: _dashboard(vault, year, p),
                                  repeat=repeat, warmup=warmup)

            def bare(statements: list[tuple[str, Any]] = statements) -> None:
                with vault.read() as conn:
                    raw = conn.connection.dbapi_connection
                    assert raw is not None
                    for statement, parameters in statements:
                        raw.execute(statement, parameters).fetchall()

            reference = median_seconds(bare, repeat=repeat, warmup=warmup)
            label = "figures dashboard" + (f" ({protocol.value})" if protocol else "")
            ok = None if smoke else (ours <= BUDGET_S and ours <= BUDGET_RATIO * reference)
            found.append(Row(label, f"{cases} cases", ours * 1000, reference * 1000, "ms",
                             f"<= {BUDGET_S * 1000:.0f} ms, ratio <= {BUDGET_RATIO}", ok,
                             note=f"{len(statements)} aggregate statements, year {year}"))
    finally:
        vault.lock()
    return found
