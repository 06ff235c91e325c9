"""The Alembic migrations on PostgreSQL 15 (issue 22, point 1: "the same SQLAlchemy Core
tables and Alembic migrations"), on the session's throwaway server (TLS, SCRAM).

An empty database upgraded to head has the schema the program declares (``app.store.schema``:
the tables the queries are written against) and the schema the same migrations make in a
SQLCipher vault: the same tables, columns, types, nullability, primary keys, unique
constraints and indexes. The audit log refuses UPDATE, DELETE and TRUNCATE on the server as
it does in the vault file, and the two data migrations (0008 compacting search rows, 0012
cleaning search keys) do their work on rows that are there."""

from __future__ import annotations

import secrets
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from app.store import migrate
from app.store.db import connect_raw, make_engine
from app.store.schema import metadata


@pytest.fixture()
def pg_engine(pg_server: Any) -> Iterator[sa.Engine]:
    db = pg_server.new_database("migr")
    engine = sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                       pg_server.superuser_password, db))
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture()
def pg_at_head(pg_engine: sa.Engine) -> sa.Engine:
    with pg_engine.begin() as conn:
        migrate.upgrade(conn)
    return pg_engine


def _sqlite_at_head(folder: Path) -> dict[str, Any]:
    """Indexes and unique constraints (by table) of a SQLCipher vault at head."""
    key = secrets.token_bytes(32)
    connect_raw(folder / "v.db", key, create=True).close()
    engine = make_engine(folder / "v.db", lambda: key)
    try:
        with engine.begin() as conn:
            migrate.upgrade(conn)
            return _shape(sa.inspect(conn))
    finally:
        engine.dispose()


def _shape(insp: sa.Inspector) -> dict[str, Any]:
    with warnings.catch_warnings():
        # SQLite's reflection skips an index on an expression (0008's ix_cases_ended_at)
        # with a warning; its name is read from sqlite_master below
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression",
                                sa.exc.SAWarning)
        return _shape_of(insp)


def _index_names(insp: sa.Inspector, table: str) -> set[str]:
    if insp.bind.dialect.name == "sqlite":
        return {name for (name,) in insp.bind.execute(sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t "
            "AND sql IS NOT NULL"), {"t": table})}
    return {name for (name,) in insp.bind.execute(sa.text(
        "SELECT indexname FROM pg_indexes WHERE tablename = :t AND indexname NOT IN ("
        "SELECT conname FROM pg_constraint WHERE conrelid = CAST(:t AS regclass))"),
        {"t": table})}


def _shape_of(insp: sa.Inspector) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for table in insp.get_table_names():
        out[table] = {
            "columns": {c["name"] for c in insp.get_columns(table)},
            "pk": set(insp.get_pk_constraint(table)["constrained_columns"]),
            # a UNIQUE column constraint is unnamed on SQLite, named by PostgreSQL: compare
            # the column sets
            "unique": sorted(tuple(sorted(u["column_names"]))
                             for u in insp.get_unique_constraints(table)),
            "indexes": _index_names(insp, table),
            "foreign_keys": sorted((tuple(fk["constrained_columns"]), fk["referred_table"])
                                   for fk in insp.get_foreign_keys(table)),
        }
    return out


def test_an_empty_database_upgrades_to_head(pg_at_head: sa.Engine) -> None:
    with pg_at_head.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        # every declared table is there, and nothing else but Alembic's own
        present = set(sa.inspect(conn).get_table_names())
    assert present == set(metadata.tables) | {"alembic_version"}


def test_columns_types_and_nullability_are_the_declared_ones(pg_at_head: sa.Engine) -> None:
    """Each column as ``app.store`` declares it, rendered for PostgreSQL (String(64) is
    VARCHAR(64), Boolean is BOOLEAN, DateTime a TIMESTAMP WITHOUT TIME ZONE, ...)."""
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    insp = sa.inspect(pg_at_head)
    mismatches = []
    for table in metadata.sorted_tables:
        reflected = {c["name"]: c for c in insp.get_columns(table.name)}
        assert set(reflected) == {c.name for c in table.columns}, table.name
        for column in table.columns:
            got = reflected[column.name]
            declared_type = column.type.compile(dialect=dialect)
            got_type = got["type"].compile(dialect=dialect)
            if declared_type != got_type:
                mismatches.append(f"{table.name}.{column.name}: {got_type} "
                                  f"(declared {declared_type})")
            if bool(got["nullable"]) != bool(column.nullable):
                mismatches.append(f"{table.name}.{column.name}: nullable {got['nullable']}")
        pk = set(insp.get_pk_constraint(table.name)["constrained_columns"])
        assert pk == {c.name for c in table.primary_key.columns}, table.name
    assert mismatches == []


def test_the_schema_is_the_one_the_migrations_make_in_a_vault(
        pg_at_head: sa.Engine, tmp_path: Path) -> None:
    on_sqlite = _sqlite_at_head(tmp_path)
    with pg_at_head.connect() as conn:
        on_postgresql = _shape(sa.inspect(conn))
    # the server's own: an index on each looked-up sealed column's blind index (0014), the
    # surname and birth date one index over the pair (0018)
    blind = {f"{t}.{name}" for t, shape in on_postgresql.items() for name in shape["indexes"]
             if name.endswith("_blind")}
    assert blind == {"subjects.ix_subjects_bsn_blind", "subjects.ix_subjects_surname_birth_blind",
                     "cases.ix_cases_external_ref_blind", "meetings.ix_meetings_place_key_blind"}
    for shape in on_postgresql.values():
        shape["indexes"] = {n for n in shape["indexes"] if not n.endswith("_blind")}
    # the clash guard on the sealed place (0017): a unique index on the time and the place's
    # blind index stands in for the vault's unique constraint on (starts_at, place_key)
    with pg_at_head.connect() as conn:
        definition = conn.exec_driver_sql("SELECT indexdef FROM pg_indexes WHERE indexname = "
                                          "'ix_meetings_place_key_blind'").scalar_one()
    assert definition.startswith("CREATE UNIQUE INDEX") and "starts_at" in definition
    assert on_postgresql["meetings"]["unique"] == []
    on_postgresql["meetings"]["unique"] = [("place_key", "starts_at")]
    assert set(on_postgresql) == set(on_sqlite)
    for table in sorted(on_sqlite):
        assert on_postgresql[table] == on_sqlite[table], table


def test_the_audit_log_is_append_only_on_the_server(pg_at_head: sa.Engine) -> None:
    """As in the vault file: the database refuses to change or remove an audit row, even for
    the table's owner (here the server's superuser, who owns what the migrations made)."""
    row = {"at": "2026-12-07T10:00:00Z", "actor": "a1", "role": "admin", "action": "x",
           "object_type": "case", "object_id": "1", "result": "ok", "origin": "test",
           "detail": "{}", "prev_hash": "0" * 64, "hash": "1" * 64}
    with pg_at_head.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO audit_log(at, actor, role, action, object_type, object_id, result, "
            "origin, detail, prev_hash, hash) VALUES (:at, :actor, :role, :action, "
            ":object_type, :object_id, :result, :origin, :detail, :prev_hash, :hash)"), row)
    for statement in ("UPDATE audit_log SET detail = 'changed'", "DELETE FROM audit_log",
                      "TRUNCATE audit_log"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), pg_at_head.begin() as conn:
            conn.exec_driver_sql(statement)
    with pg_at_head.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*), min(detail) FROM audit_log").one() \
            == (1, "{}")


def test_0008_compacts_search_rows_on_the_server(pg_engine: sa.Engine) -> None:
    with pg_engine.begin() as conn:
        migrate.upgrade(conn, "0007")
        conn.exec_driver_sql(
            "INSERT INTO cases(id, number, number_year, number_seq, protocol, state, received,"
            " created_at, created_by, updated_at) VALUES (1, 'ZVH-2026-0001', 2026, 1, "
            "'generic', 'intake', '2026-01-05', '2026-01-05 10:00', 'a', '2026-01-05 10:00')")
        conn.exec_driver_sql("INSERT INTO case_search(case_id, main_subject, search_key) "
                             "VALUES (1, 'J. Jansen', 'zvh-2026-0001 jan jansen jansen jan')")
    with pg_engine.begin() as conn:
        migrate.upgrade(conn, "0008")
        key = conn.exec_driver_sql("SELECT search_key FROM case_search").scalar_one()
    assert key == "zvh-2026-0001 jan jansen"


def test_0012_cleans_search_keys_and_counts_findings_on_the_server(
        pg_engine: sa.Engine) -> None:
    with pg_engine.begin() as conn:
        migrate.upgrade(conn, "0011")
        conn.exec_driver_sql(
            "INSERT INTO cases(id, number, number_year, number_seq, protocol, state, received,"
            " created_at, created_by, updated_at) VALUES (1, 'ZVH-2026-0001', 2026, 1, "
            "'generic', 'intake', '2026-01-05', '2026-01-05 10:00', 'a', '2026-01-05 10:00')")
        conn.execute(sa.text(
            "INSERT INTO subjects(id, case_id, position, given_names, surname, surname_key, "
            "name_key, birth_date, role) VALUES (7, 1, 0, 'Jan', :surname, :key, :name_key, "
            "'1980-02-03', 'main_subject')"),
            {"surname": "Jan\u200bsen", "key": "jan\u200bsen", "name_key": "jan jan\u200bsen"})
    with pg_engine.begin() as conn:
        migrate.upgrade(conn, "0012")
        keys = conn.exec_driver_sql(
            "SELECT surname_key, name_key, surname FROM subjects WHERE id = 7").one()
        findings = conn.exec_driver_sql(
            "SELECT value FROM meta WHERE key = 'text_findings'").scalar_one()
    # the derived keys are cleaned; the person's data itself is left for a person to correct
    assert tuple(keys) == ("jansen", "jan jansen", "Jan\u200bsen")
    assert findings == '{"subjects.surname": 1}'
