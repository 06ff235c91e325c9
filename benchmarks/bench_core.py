"""Core rows: the app's query mix against plain SQLite, ``casuskamer demo`` at full size,
and ``verify`` over the audit log."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import event

from benchmarks.harness import Row, demo_vault, median_seconds, unlock


def _plain_copy(vault: Any, target: Path) -> None:
    """An unencrypted copy of the vault's database (same schema, same rows)."""
    target.unlink(missing_ok=True)
    with vault.read() as conn:
        raw = conn.connection.dbapi_connection
        raw.execute(f"ATTACH DATABASE '{target}' AS plaintext KEY ''")
        raw.execute("SELECT sqlcipher_export('plaintext')")
        raw.execute("DETACH DATABASE plaintext")


def _query_mix(vault: Any) -> None:
    """What a process director does in a few seconds of a meeting: list the cases, open
    one, search by name and by BSN, look at the open actions."""
    from app.services import cases, intake

    rows = cases.list_cases(vault)
    cases.get_case(vault, rows[len(rows) // 2].number)
    probe = cases.get_case(vault, rows[len(rows) // 3].number)
    main = probe.subjects[0]
    intake.already_known(vault, surname=main.surname, birth_date=main.birth_date)
    if main.bsn:
        intake.already_known(vault, bsn=main.bsn)
    try:
        from app.services import followup
    except ImportError:
        return
    followup.open_actions(vault)


def query_mix(cases: int, smoke: bool) -> Row:
    folder, _ = demo_vault(cases, smoke)
    vault = unlock(folder)
    try:
        # Every statement SQLite ran, as SQLite ran it (parameters filled in), also those a
        # service sends straight through the DB-API cursor and the transactions' BEGIN and
        # COMMIT: recorded on each connection while it is checked out of the pool.
        statements: list[str] = []

        def checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
            dbapi_connection.set_trace_callback(statements.append)

        def checkin(dbapi_connection: Any, record: Any) -> None:
            dbapi_connection.set_trace_callback(None)

        event.listen(vault.engine, "checkout", checkout)
        event.listen(vault.engine, "checkin", checkin)
        _query_mix(vault)
        event.remove(vault.engine, "checkout", checkout)
        event.remove(vault.engine, "checkin", checkin)
        ours = median_seconds(lambda: _query_mix(vault), repeat=5 if not smoke else 2,
                              warmup=1)
        plain = folder.parent / f"plain-{folder.name}.db"
        _plain_copy(vault, plain)
    finally:
        vault.lock()
    ref_conn = sqlite3.connect(plain, isolation_level=None)
    ref_conn.execute("PRAGMA journal_mode = WAL")
    ref_conn.execute("PRAGMA synchronous = FULL")
    ref_conn.execute("PRAGMA foreign_keys = ON")
    # Replaying the audit inserts would repeat their ids; the reference's log keeps the same
    # columns and index but no primary key, so each replay appends as the app does.
    ref_conn.executescript("""
        DROP TRIGGER IF EXISTS audit_log_no_update;
        DROP TRIGGER IF EXISTS audit_log_no_delete;
        ALTER TABLE audit_log RENAME TO audit_log_old;
        CREATE TABLE audit_log AS SELECT * FROM audit_log_old WHERE 0;
        DROP TABLE audit_log_old;
        CREATE INDEX ix_audit_log_object ON audit_log(object_type, object_id);
    """)

    def replay() -> None:
        # The same statements in the same transactions (the audit rows of each read are
        # committed as the app commits them), every result fetched.
        for sql in statements:
            ref_conn.execute(sql).fetchall()

    reference = median_seconds(replay, repeat=5 if not smoke else 2, warmup=1)
    ref_conn.close()
    plain.unlink(missing_ok=True)
    ratio = ours / reference
    return Row("query mix (list, open, search name+BSN, open actions)", f"{cases} cases",
               ours * 1000, reference * 1000, "ms", "ratio <= 1.5",
               None if smoke else ratio <= 1.5,
               f"{len(statements)} statements replayed on plain sqlite3")


def demo_build(cases: int, smoke: bool) -> Row:
    folder, took = demo_vault(cases, smoke)
    if took is None:
        # cached: build a fresh one to time it
        import shutil

        shutil.rmtree(folder)
        folder, took = demo_vault(cases, smoke)
    assert took is not None
    return Row("casuskamer demo", f"--cases {cases}", took, None, "s", "< 180 s",
               None if smoke else took < 180)


def verify_audit(rows_wanted: int, smoke: bool) -> Row:
    """``verify``'s audit-chain walk over ``rows_wanted`` rows, against reading them."""
    import tempfile

    from app.store import audit
    from app.vault.keyslots import KdfParams
    from app.vault.vault import Vault
    from app.services import session

    with tempfile.TemporaryDirectory() as tmp:
        opened = Vault.create(Path(tmp) / "v", "beheerder", "benchmark wachtzin lang",
                              kdf=KdfParams())
        session.after_unlock(opened, created=True)  # its seed data
        try:
            with opened.begin() as conn:
                for i in range(rows_wanted):
                    opened.log(conn, "case.open", "case", f"ZVH-2026-{i % 9999:04d}")

            def walk() -> None:
                with opened.read() as conn:
                    assert audit.verify_chain(conn) == []

            def read_only() -> None:
                with opened.read() as conn:
                    conn.exec_driver_sql("SELECT * FROM audit_log").fetchall()

            ours = median_seconds(walk, repeat=3, warmup=1)
            reference = median_seconds(read_only, repeat=3, warmup=1)
        finally:
            opened.lock(audit_it=False)
    return Row("verify: audit chain", f"{rows_wanted} rows", ours * 1000, reference * 1000,
               "ms", "< 1000 ms", None if smoke else ours < 1.0)
