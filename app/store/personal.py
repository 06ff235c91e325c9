"""Which columns hold personal data, declared next to each table.

Every table module says, right under a table that belongs to a case, which of its text
columns can hold personal data (a name, a BSN, an address, free text about the family) and
which cannot (a code, a number, the account that acted)::

    declare(cases, personal=("reason", ...), not_personal=("number", ...))

The declaration lives in the column's ``info`` (``info["personal"]`` is True or False), so
it travels with the table. Closure (``app.services.closure``), destruction
(``app.services.retention``), the demo generator (``app.services.synthetic``) and the leak
tests read it through :func:`personal_columns`; a test fails on any text column of a case's
table that is not declared either way (:func:`undecided_columns`), so a new column is
decided on, not forgotten.

A column declared personal is also sealed on the house server (``app.store.sealed``:
encrypted on the workstation, ``bytea`` on PostgreSQL; unchanged in the vault file).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Column, MetaData, String, Table, Text

from app.store.sealed import plain_type, seal_column

PERSONAL = "personal"


def declare(table: Table, *, personal: Iterable[str] = (),
            not_personal: Iterable[str] = ()) -> None:
    """Mark the named columns of ``table`` as personal or not. A name that is not a column
    of the table, or one named twice, is a programming error (raised at import)."""
    seen: set[str] = set()
    for names, value in ((tuple(personal), True), (tuple(not_personal), False)):
        for name in names:
            if name not in table.c:
                raise KeyError(f"{table.name}.{name} is not a column")
            if name in seen:
                raise ValueError(f"{table.name}.{name} is declared twice")
            seen.add(name)
            table.c[name].info[PERSONAL] = value
            if value:  # sealed on the house server, unchanged in the vault file
                seal_column(table, name)


def is_personal(column: Column[object]) -> bool | None:
    """True or False as declared; None when the column is not declared either way."""
    value = column.info.get(PERSONAL)
    return value if isinstance(value, bool) else None


def personal_columns(table: Table) -> tuple[str, ...]:
    """The names of the columns of ``table`` declared personal, in table order."""
    return tuple(c.name for c in table.c if is_personal(c) is True)


def personal_fields(tables: Iterable[Table]) -> tuple[str, ...]:
    """``table.column`` for every column declared personal in ``tables``."""
    return tuple(f"{t.name}.{name}" for t in tables for name in personal_columns(t))


def case_tables(metadata: MetaData) -> list[Table]:
    """Every table that belongs to a case: ``cases``, a table with a ``case_id``, a table with
    a foreign key to one of those (a party is not a case's), and ``drafts`` (a draft names
    the case in its object id or payload). ``metadata`` must hold every area's tables
    (``import app.store.schema`` first)."""
    owned = {"cases", "drafts"}
    grown = True
    while grown:
        grown = False
        for table in metadata.sorted_tables:
            if table.name in owned:
                continue
            if "case_id" in table.c or any(fk.column.table.name in owned - {"drafts"}
                                           for fk in table.foreign_keys):
                owned.add(table.name)
                grown = True
    return [t for t in metadata.sorted_tables if t.name in owned]


def text_columns(table: Table) -> list[Column[object]]:
    return [c for c in table.c if isinstance(plain_type(c.type), (String, Text))]


def undecided_columns(tables: Iterable[Table]) -> list[str]:
    """``table.column`` for every text column not declared personal or not personal."""
    return [f"{t.name}.{c.name}" for t in tables for c in text_columns(t)
            if is_personal(c) is None]
