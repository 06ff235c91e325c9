"""Migrations only go forward, and a vault made at any earlier revision upgrades to the
newest with its data kept."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import inspect

from app.store import migrate
from app.store.db import make_engine
from app.store.tables import metadata


def _table_counts(conn) -> dict[str, int]:  # type: ignore[no-untyped-def]
    names = inspect(conn).get_table_names()
    return {n: conn.exec_driver_sql(f'SELECT count(*) FROM "{n}"').scalar() for n in names}


@pytest.mark.parametrize("start", migrate.all_revisions())
def test_upgrade_from_each_revision_keeps_data(tmp_path: Path, start: str) -> None:
    key = secrets.token_bytes(32)
    from app.store.db import connect_raw

    connect_raw(tmp_path / "v.db", key, create=True).close()
    engine = make_engine(tmp_path / "v.db", lambda: key)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn, start)
            conn.exec_driver_sql("INSERT INTO meta(key, value) VALUES ('canary', 'bewaard')")
            conn.exec_driver_sql(
                "INSERT INTO accounts(name, role, created_at) "
                "VALUES ('oud', 'admin', '2020-01-01 00:00:00')")
            before = _table_counts(conn)
        with engine.begin() as conn:
            assert migrate.current_revision(conn) == start
            migrate.upgrade(conn)
            assert migrate.current_revision(conn) == migrate.head_revision()
            after = _table_counts(conn)
            assert conn.exec_driver_sql(
                "SELECT value FROM meta WHERE key='canary'").scalar() == "bewaard"
        for table, count in before.items():
            if table != "alembic_version":
                assert after.get(table, 0) >= count, table
    finally:
        engine.dispose()


def test_migrations_create_every_declared_table(tmp_path: Path) -> None:
    """The Core tables the queries use and the schema the migrations make agree."""
    import app.store.schema  # noqa: F401  (registers every area's tables)

    key = secrets.token_bytes(32)
    from app.store.db import connect_raw

    connect_raw(tmp_path / "v.db", key, create=True).close()
    engine = make_engine(tmp_path / "v.db", lambda: key)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn)
            insp = inspect(conn)
            present = set(insp.get_table_names())
            for table in metadata.sorted_tables:
                assert table.name in present, f"{table.name} has no migration"
                columns = {c["name"] for c in insp.get_columns(table.name)}
                assert {c.name for c in table.columns} <= columns, table.name
    finally:
        engine.dispose()


def test_no_downgrades() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config())
    for rev in script.walk_revisions():
        with pytest.raises(NotImplementedError):
            rev.module.downgrade()
    assert len(script.get_heads()) == 1, "the migration chain must stay linear"
