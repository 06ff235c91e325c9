"""The program's schema on PostgreSQL (issue 22, point 1: "the same SQLAlchemy Core tables and
Alembic migrations"), on the session's throwaway server. The tables as declared create as they
are, and the migrations run there to head (their SQLite-only SQL has PostgreSQL branches since
issue 22's first step; tests/unit/test_pg_migrations.py compares the result with the vault's
schema)."""

from __future__ import annotations

import sqlalchemy as sa

from app.store import migrate
from app.store.schema import metadata


def _engine(pg_server, prefix: str) -> sa.Engine:
    db = pg_server.new_database(prefix)
    return sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                     pg_server.superuser_password, db))


def test_the_declared_tables_create_on_postgresql(pg_server) -> None:
    engine = _engine(pg_server, "tables")
    try:
        metadata.create_all(engine)
        names = set(sa.inspect(engine).get_table_names())
        assert names == set(metadata.tables)
        # SQLite's boolean defaults ('1'/'0') mean true/false on PostgreSQL as well
        with engine.begin() as conn:
            default = conn.exec_driver_sql(
                "SELECT column_default FROM information_schema.columns "
                "WHERE table_name = 'information_items' AND column_name = 'concerns_all'"
            ).scalar_one()
            assert conn.exec_driver_sql(f"SELECT {default}::boolean").scalar_one() is True
    finally:
        engine.dispose()


def test_the_migrations_run_on_postgresql(pg_server) -> None:
    engine = _engine(pg_server, "migrations")
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn)
            assert migrate.current_revision(conn) == migrate.head_revision()
    finally:
        engine.dispose()
