"""Sealing personal values at the store's edge (issue 22, point 2): nothing readable on the
house server.

Every column declared personal (``app.store.personal.declare``) and the few other personal
fields the issue lists (:func:`seal`: a subject's birth date, the party register's contact
persons) get the column type :class:`Sealed`. It does nothing on SQLite: the vault file is
encrypted as a whole by SQLCipher, so there the column keeps its own type and every value is
stored exactly as before. On PostgreSQL the column is ``bytea`` (migration 0014) and:

- on bind, the value is encrypted on the workstation (``FieldCipher``: AES-256-GCM under a
  key derived from the house's data key, a fresh nonce per value) before it is sent;
- on result, it is decrypted; a value that does not decrypt raises ``FieldTampered``
  (naming the table and column, never the value).

The associated data binds the table and the column (``casuskamer/1|<table>|<column>|-``),
not the row: a type sees the value, not the row it goes to, and an honest row binding needs a
per-row key the workstation makes (left for later, see docs/house-server.md). So a value
copied to another column or table does not decrypt; swapping the values of two rows of the
same column does, and only a server administrator with write access could do that.

The few columns the program looks up by exact value (:data:`SEARCHABLE`: a BSN, a subject's
folded surname and names, a birth date, a referral's external reference) keep a blind index
in front of the sealed value: ``HMAC-SHA-256(index key, value) || sealed value``, the index
key derived from the data key per table and column (``FieldCipher.blind_index``). An
equality or ``IN`` on such a column compares the first 32 bytes with the index of the value
asked for (:class:`BlindIndex`), so the store's and the services' statements
(``subjects.c.bsn == bsn``) stay the same on both engines. Any other comparison on a sealed
column (LIKE, ``<``, ORDER BY) means nothing on the server: such filtering happens on the
workstation, after decryption.

The data key reaches the type through the engine: :func:`attach` puts a ``FieldCipher`` on
the engine's own dialect object when a session opens on the server, :func:`detach` removes it
at the lock. Never a module global: two sessions (two houses) in one process each have their
own engine, dialect and key. A statement on a sealed column without a key (a locked session,
an engine the program did not open) is refused with one line.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (Connection, Date, Engine, LargeBinary, String, Table, select,
                        type_coerce)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, operators
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.operators import OperatorClass
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.type_api import TypeEngine
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import TypeDecorator

from app.errors import VaultNotFound
from app.i18n import _
from app.store.field_crypto import UNBOUND_ROW, FieldCipher, FieldTampered

#: The only dialect on which values are sealed.
SERVER_DIALECT = "postgresql"
#: Where the session's cipher hangs on the engine's dialect object.
CIPHER_ATTRIBUTE = "casuskamer_field_cipher"
#: The row part of the associated data: the table and column are bound, the row is not.
NO_ROW = UNBOUND_ROW
#: Bytes of the blind index in front of a searchable column's sealed value.
INDEX_BYTES = 32

#: ``table.column`` looked up by exact value: the blind index goes in front of the value.
SEARCHABLE = frozenset({
    "subjects.bsn", "subjects.surname_key", "subjects.name_key", "subjects.birth_date",
    "cases.external_ref", "meetings.place_key",
})


def attach(engine: Engine, data_key: bytes | bytearray) -> None:
    """Give the server session's engine the cipher of the house's data key."""
    setattr(engine.dialect, CIPHER_ATTRIBUTE, FieldCipher(bytes(data_key)))


def detach(engine: Engine) -> None:
    """Take the cipher off (at the lock): nothing more is sealed or opened on this engine."""
    if hasattr(engine.dialect, CIPHER_ATTRIBUTE):
        delattr(engine.dialect, CIPHER_ATTRIBUTE)


def _cipher(dialect: Dialect) -> FieldCipher:
    cipher = getattr(dialect, CIPHER_ATTRIBUTE, None)
    if not isinstance(cipher, FieldCipher):
        raise VaultNotFound(_("The vault is locked."))
    return cipher


def _as_text(plain: TypeEngine[Any], value: Any) -> str:
    if isinstance(plain, Date) and isinstance(value, date):
        return value.isoformat()
    return value if isinstance(value, str) else str(value)


def _from_text(plain: TypeEngine[Any], text: str) -> Any:
    if isinstance(plain, Date):
        return date.fromisoformat(text)
    return text


def _index_name(table: str, column: str) -> str:
    return f"{table}_{column}"


class Sealed(TypeDecorator[Any]):
    """A personal column: its own type on SQLite, an encrypted ``bytea`` on the server."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, plain: TypeEngine[Any], table: str, column: str) -> None:
        super().__init__()
        if not isinstance(plain, (String, Date)):  # Text is a String
            # a value is sealed as its text (a day as ISO): other types are not round-tripped
            raise TypeError(f"{table}.{column}: only text and dates are sealed")
        self.plain: TypeEngine[Any] = plain
        self.table = table
        self.column = column
        self.searchable = f"{table}.{column}" in SEARCHABLE

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == SERVER_DIALECT:
            return dialect.type_descriptor(LargeBinary())
        return dialect.type_descriptor(self.plain)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != SERVER_DIALECT:
            return value
        cipher = _cipher(dialect)
        text = _as_text(self.plain, value)
        sealed = cipher.encrypt_text(self.table, self.column, NO_ROW, text)
        if self.searchable:
            return cipher.blind_index(_index_name(self.table, self.column), text) + sealed
        return sealed

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != SERVER_DIALECT:
            return value
        stored = bytes(value)
        if not stored and not isinstance(self.plain, Date):
            return ""  # the server's default for an empty contact field (migration 0014)
        if self.searchable:
            if len(stored) < INDEX_BYTES:
                raise FieldTampered(self.table, self.column, NO_ROW)
            stored = stored[INDEX_BYTES:]
        return _from_text(self.plain, _cipher(dialect).decrypt_text(
            self.table, self.column, NO_ROW, stored))

    def copy(self, **kw: Any) -> Sealed:
        return Sealed(self.plain, self.table, self.column)

    @property
    def python_type(self) -> type:
        return self.plain.python_type

    @property
    def operator_classes(self) -> OperatorClass:  # type: ignore[override]
        """The operators of the plain type (LIKE on a text, < on a date) as well as the
        stored bytes': on SQLite the column is that type; on the server such a comparison
        would see ciphertext, so what needs one there is done on the workstation."""
        return self.plain.operator_classes | LargeBinary.operator_classes

    class Comparator(TypeDecorator.Comparator[Any]):
        def operate(self, op: Any, *other: Any, **kwargs: Any) -> ColumnElement[Any]:
            sealed = self.type
            if (isinstance(sealed, Sealed) and sealed.searchable
                    and op in (operators.eq, operators.ne, operators.in_op,
                               operators.not_in_op)
                    and other and other[0] is not None
                    and (not isinstance(other[0], ColumnElement)
                         or isinstance(other[0], BindParameter))):
                left = _IndexPart(self.expr, BlindIndex(sealed.plain, sealed.table,
                                                        sealed.column))
                return op(left, *other, **kwargs)  # type: ignore[no-any-return]
            return super().operate(op, *other, **kwargs)

    comparator_factory = Comparator


class BlindIndex(TypeDecorator[Any]):
    """The value a searchable sealed column is compared with: on the server its blind index
    (the first 32 bytes of the stored value), on SQLite the value itself."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, plain: TypeEngine[Any], table: str, column: str) -> None:
        super().__init__()
        self.plain = plain
        self.table = table
        self.column = column

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == SERVER_DIALECT:
            return dialect.type_descriptor(LargeBinary())
        return dialect.type_descriptor(self.plain)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != SERVER_DIALECT:
            return value
        return _cipher(dialect).blind_index(_index_name(self.table, self.column),
                                            _as_text(self.plain, value))


class _IndexPart(ColumnElement[Any]):
    """A searchable sealed column where it is compared: the column itself on SQLite, its
    first 32 bytes (the blind index) on the server."""

    inherit_cache = True
    _traverse_internals = [("inner", InternalTraversal.dp_clauseelement),
                           ("type", InternalTraversal.dp_type)]

    def __init__(self, inner: ColumnElement[Any], type_: BlindIndex) -> None:
        self.inner = inner
        self.type = type_


@compiles(_IndexPart)
def _index_part_default(element: _IndexPart, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.inner, **kw)


@compiles(_IndexPart, SERVER_DIALECT)
def _index_part_server(element: _IndexPart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substring({compiler.process(element.inner, **kw)} from 1 for {INDEX_BYTES})"


def seal_column(table: Table, name: str) -> None:
    """Give ``table.name`` the sealed type (idempotent)."""
    column = table.c[name]
    if not isinstance(column.type, Sealed):
        column.type = Sealed(column.type, table.name, name)


def seal(table: Table, *names: str) -> None:
    """Seal personal columns that are not text (a birth date) or not a case's (a party's
    contact persons): the personal-declaration covers the rest."""
    for name in names:
        seal_column(table, name)


def sealed_columns(tables: Any) -> list[tuple[str, str]]:
    """``(table, column)`` for every sealed column of ``tables``, in table order."""
    return [(t.name, c.name) for t in tables for c in t.c if isinstance(c.type, Sealed)]


def plain_type(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """The column's own type (what it is on SQLite)."""
    return type_.plain if isinstance(type_, Sealed) else type_


# -- statements that go around the types (the DB-API cursor) -------------------------------

def on_server(bind: Engine | Connection) -> bool:
    """Whether values are sealed on ``bind``'s database (the house server)."""
    return bind.dialect.name == SERVER_DIALECT


def searches_in_sql(bind: Engine | Connection) -> bool:
    """Whether a search inside a sealed column (``instr``, ``LIKE``) can run in the database:
    in the vault file yes; on the server no (ciphertext): there the workstation filters the
    opened values (``app.store.dialect.cursor`` opens them on the server)."""
    return not on_server(bind)



# -- verify on the server: every sealed value opens, every blind index fits ----------------

@dataclass(frozen=True)
class Unreadable:
    """A sealed value on the server that does not open (``kind`` "value": changed on the
    server, moved from another column, or under another key) or whose blind index does not
    fit its value (``kind`` "index": the look-ups would miss it). Names the place and the
    record (its primary key), never the value."""

    table: str
    column: str
    record: str
    kind: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column} #{self.record}: {self.kind}"


def unreadable_values(conn: Connection, tables: Iterable[Table]) -> list[Unreadable]:
    """Every sealed value of ``tables`` on the server that does not open or whose blind
    index does not fit (for ``verify`` on the server; one pass per table, values read in
    chunks). Empty in the vault file, where nothing is sealed. Needs the session's key."""
    if not on_server(conn):
        return []
    dialect = conn.dialect
    cipher = _cipher(dialect)
    found: list[Unreadable] = []
    for table in tables:
        columns = [c for c in table.c if isinstance(c.type, Sealed)]
        if not columns:
            continue
        keys = list(table.primary_key.columns)
        query = select(*keys, *(type_coerce(c, LargeBinary) for c in columns))
        result = conn.execution_options(yield_per=2000).execute(query)
        for row in result:
            record = "/".join(str(v) for v in row[:len(keys)])
            for column, raw in zip(columns, row[len(keys):], strict=True):
                if raw is None:
                    continue
                sealed = column.type
                assert isinstance(sealed, Sealed)
                try:
                    value = sealed.process_result_value(raw, dialect)
                except FieldTampered:
                    found.append(Unreadable(table.name, column.name, record, "value"))
                    continue
                if sealed.searchable and bytes(raw)[:INDEX_BYTES] != cipher.blind_index(
                        _index_name(table.name, column.name), _as_text(sealed.plain, value)):
                    found.append(Unreadable(table.name, column.name, record, "index"))
    return found


#: How a secret kept in ``meta`` is marked sealed on the server (``app.store.vault_secrets``).
SECRET_PREFIX = "sealed:"


def seal_secret(conn: Connection, name: str, text: str) -> str:
    """``text`` as ``meta`` keeps the secret ``name``: itself in the vault file (encrypted
    as a whole), sealed under the data key on the server (table, key name bound)."""
    if conn.dialect.name != SERVER_DIALECT:
        return text
    stored = _cipher(conn.dialect).encrypt_text("meta", name, NO_ROW, text)
    return SECRET_PREFIX + stored.hex()


def open_secret(conn: Connection, name: str, stored: str) -> str:
    """The secret ``name`` as :func:`seal_secret` kept it. On the server a value that is not
    sealed is refused (``FieldTampered``), never used."""
    if conn.dialect.name != SERVER_DIALECT:
        return stored
    if not stored.startswith(SECRET_PREFIX):
        raise FieldTampered("meta", name, NO_ROW)
    return _cipher(conn.dialect).decrypt_text("meta", name, NO_ROW,
                                              bytes.fromhex(stored[len(SECRET_PREFIX):]))
