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
  (naming the table, column and record, never the value).

The associated data binds the table, the column and the row
(``casuskamer/1|<table>|<column>|<row key>``; the row key is the row's primary key, the parts
of a composite one joined by ``:``), so a value copied or swapped to another row, column or
table does not decrypt. A type sees the value, not the row, so the row comes in two ways:

- on write, an engine hook (:func:`_bind_rows`, put on the engine by :func:`attach`) hands
  every value an INSERT or UPDATE writes into a sealed column to the type as
  :class:`RowBound`, with its row's key. An INSERT whose ``id`` the server would choose
  takes it from the column's sequence first (``nextval``, on the workstation) and writes it;
  an UPDATE pinned by its primary key binds that row; any other UPDATE reads the keys of the
  rows it matches and writes each its own value (those rows only). A plain value that reaches
  the type on the server unbound is refused (it would be stored unreadable); a value only
  compared with is sealed for no row and so matches nothing, as before;
- on read, :meth:`Sealed.column_expression` selects the row's key with the value
  (``<key>|<stored>``: the key columns are taken from the column's own table, alias or
  subquery, which must select them), and the raw reads of ``app.store.dialect.cursor`` are
  rewritten the same way (:func:`row_keyed_sql`), so the value is opened with the row it was
  read from bound in. A value that does not open raises ``FieldTampered`` naming table,
  column and record; so does a searchable value whose blind index does not fit it.

What row binding cannot catch: a row's value put back to an older value of the same row
(a replay) and a whole row deleted. Those need write access to the server, which only the
house's roles and the server's superuser have (docs/house-server.md says so).

The few columns the program looks up by exact value on their own (:data:`SEARCHABLE`: a
BSN, a referral's external reference, a meeting's folded place) keep a blind index in front
of the sealed value: ``HMAC-SHA-256(index key, value) || sealed value``, the index key
derived from the data key per table and column (``FieldCipher.blind_index``). An equality
or ``IN`` on such a column compares the first 32 bytes with the index of the value asked
for (:class:`BlindIndex`), so the store's and the services' statements
(``subjects.c.bsn == bsn``) stay the same on both engines. Any other comparison on a sealed
column (LIKE, ``<``, ORDER BY) means nothing on the server: such filtering happens on the
workstation, after decryption.

A subject's name is looked up only with the birth date ("already known", the
subject-access search), so there is one index for the pair (:data:`PAIRED`): in front of
the sealed folded surname (``subjects.surname_key``) stands one HMAC over the folded
surname and the birth date (``FieldCipher.surname_birth_index``, a key of its own), and the
surname, full name and birth date carry no index of their own: the server sees which
subjects share a surname *and* a birth date, not which share a surname or a birth date. A
write of the surname key therefore needs the birth date of its row (an INSERT has both; an
UPDATE must write both), a read cannot check that index (it has only one of the two
values; ``verify`` checks it, :func:`unreadable_values`), and the look-up is
:func:`pair_equals` (an equality on the surname key alone is refused on the server). A
house upgraded from the per-column indexes (migration 0018) holds a placeholder index
(:data:`PENDING_INDEX`) until the first unlock of an account that works on cases fills it
(:func:`fill_pending_pair_indexes`).

The data key reaches the type through the engine: :func:`attach` puts a ``FieldCipher`` on
the engine's own dialect object when a session opens on the server, :func:`detach` removes it
at the lock. Never a module global: two sessions (two houses) in one process each have their
own engine, dialect and key. A statement on a sealed column without a key (a locked session,
an engine the program did not open) is refused with one line.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (Connection, Date, Engine, LargeBinary, String, Table, and_, bindparam,
                        event, false, select, tuple_, type_coerce,
                        update)
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement, operators
from sqlalchemy.sql.dml import Insert, Update
from sqlalchemy.sql.schema import ScalarElementColumnDefault
from sqlalchemy.sql.elements import BinaryExpression, BindParameter, BooleanClauseList
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
#: The row part of the associated data where no row is bound (a secret in ``meta``, bound
#: by its key name as the column; an update that matches no row).
NO_ROW = UNBOUND_ROW
#: Between the row's key and the stored value in what a read selects on the server.
ROW_KEY_END = b"|"
#: Between the parts of a composite primary key in the row's key.
KEY_JOIN = ":"
#: Bytes of the blind index in front of a searchable column's sealed value.
INDEX_BYTES = 32

#: ``table.column`` looked up by exact value: the blind index goes in front of the value.
SEARCHABLE = frozenset({"subjects.bsn", "cases.external_ref", "meetings.place_key"})
#: ``table.column`` looked up only together with another column of its row (named here):
#: one blind index over both goes in front of this column's value (issue 22, point 2).
PAIRED: Mapping[str, str] = {"subjects.surname_key": "birth_date"}
#: What migration 0018 put in front of a surname key whose pair index it could not compute
#: (the migration owner holds no data key): :func:`fill_pending_pair_indexes` replaces it.
#: No HMAC output is expected to equal it (2^-256).
PENDING_INDEX = bytes(32)


def attach(engine: Engine, data_key: bytes | bytearray) -> None:
    """Give the server session's engine the cipher of the house's data key, and the hook
    that gives every sealed value it writes its row (:func:`_bind_rows`)."""
    setattr(engine.dialect, CIPHER_ATTRIBUTE, FieldCipher(bytes(data_key)))
    if not event.contains(engine, "before_execute", _bind_rows):
        event.listen(engine, "before_execute", _bind_rows, retval=True)


def detach(engine: Engine) -> None:
    """Take the cipher off (at the lock): nothing more is sealed or opened on this engine."""
    if hasattr(engine.dialect, CIPHER_ATTRIBUTE):
        delattr(engine.dialect, CIPHER_ATTRIBUTE)
    if event.contains(engine, "before_execute", _bind_rows):
        event.remove(engine, "before_execute", _bind_rows)


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


@dataclass(frozen=True)
class RowBound:
    """A value on its way into a sealed column with the key of the row it goes to
    (:func:`row_key`), so the associated data binds the row (made by :func:`_bind_rows`);
    for a :data:`PAIRED` column also its row's value of the other column (``partner``)."""

    row: str
    value: Any
    partner: Any = None


#: The negated comparisons: on the server a value sealed for no row never equals the stored
#: bytes, so such a filter on a column without a blind index would match EVERY row (found by
#: review: the closure's removal overview listed emptied texts). They are refused there.
_NEGATED = frozenset({operators.ne, operators.not_in_op, operators.not_like_op,
                      operators.not_ilike_op, operators.not_startswith_op,
                      operators.not_endswith_op, operators.not_contains_op})
#: The operators whose plain value on a sealed column is compared, never written.
_COMPARISONS = frozenset({operators.eq, operators.ne, operators.in_op, operators.not_in_op,
                          operators.lt, operators.le, operators.gt, operators.ge,
                          operators.like_op, operators.not_like_op, operators.ilike_op,
                          operators.not_ilike_op, operators.startswith_op,
                          operators.not_startswith_op, operators.endswith_op,
                          operators.not_endswith_op, operators.contains_op,
                          operators.not_contains_op})


def row_key(values: Iterable[Any]) -> str:
    """The row part of the associated data: the row's primary key (its parts joined by
    ``:``), as the server's read gives it back (:class:`_RowKeyed`)."""
    return KEY_JOIN.join(str(v) for v in values)


class Sealed(TypeDecorator[Any]):
    """A personal column: its own type on SQLite, an encrypted ``bytea`` on the server,
    bound to its table, column and row."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, plain: TypeEngine[Any], table: str, column: str,
                 keys: tuple[str, ...] = ("id",)) -> None:
        super().__init__()
        if not isinstance(plain, (String, Date)):  # Text is a String
            # a value is sealed as its text (a day as ISO): other types are not round-tripped
            raise TypeError(f"{table}.{column}: only text and dates are sealed")
        self.plain: TypeEngine[Any] = plain
        self.table = table
        self.column = column
        self.keys = keys
        self.searchable = f"{table}.{column}" in SEARCHABLE
        #: the other column of the row whose value this column's pair index takes
        self.partner: str | None = PAIRED.get(f"{table}.{column}")
        #: whether a blind index (its own or the pair's) stands in front of the value
        self.indexed = self.searchable or self.partner is not None

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == SERVER_DIALECT:
            return dialect.type_descriptor(LargeBinary())
        return dialect.type_descriptor(self.plain)

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if dialect.name != SERVER_DIALECT:
            return value.value if isinstance(value, RowBound) else value
        if not isinstance(value, RowBound):
            if value is None:
                return None
            # the hook (_bind_rows) binds every value an INSERT or UPDATE writes; a value
            # without its row would be stored unreadable, so it is never sent
            raise ValueError(f"{self.table}.{self.column}: a sealed value is written only "
                             "by an INSERT or UPDATE of its own table (its row is bound)")
        if value.value is None:
            return None
        return self.seal(value.value, value.row, dialect, value.partner)

    def seal(self, value: Any, row: str, dialect: Dialect, partner: Any = None) -> bytes:
        """``value`` as the server stores it in row ``row`` of this column (``partner``: the
        row's value of the other column of a :data:`PAIRED` column)."""
        cipher = _cipher(dialect)
        text = _as_text(self.plain, value)
        sealed = cipher.encrypt_text(self.table, self.column, row, text)
        if self.indexed:
            return self.index_of(cipher, text, partner) + sealed
        return sealed

    def index_of(self, cipher: FieldCipher, text: str, partner: Any = None) -> bytes:
        """The blind index in front of this column's value ``text`` (its row's ``partner``
        value for a :data:`PAIRED` column)."""
        if self.partner is None:
            return cipher.blind_index(_index_name(self.table, self.column), text)
        if partner is None:
            raise TypeError(f"{self.table}.{self.column} is written on the house server "
                            f"together with its row's {self.partner} (one blind index over "
                            "both)")
        return cipher.surname_birth_index(text, partner)

    def column_expression(self, colexpr: ColumnElement[Any]) -> ColumnElement[Any] | None:
        """On the server a read of the column selects its row's key with it (:class:
        `_RowKeyed`), so the value is opened with the row it was read from bound in."""
        if not isinstance(self.impl_instance, LargeBinary):
            return colexpr  # the vault file: the column itself
        return _RowKeyed(colexpr, self._key_columns(colexpr))

    def _key_columns(self, colexpr: ColumnElement[Any]) -> list[ColumnElement[Any]]:
        source = getattr(colexpr, "table", None)
        found = [] if source is None else [source.c.get(k) for k in self.keys]
        if not found or any(c is None for c in found):
            raise TypeError(f"{self.table}.{self.column} is read on the house server without "
                            f"its row's key ({', '.join(self.keys)}): select the column from "
                            "its table, or a subquery that selects that key too")
        return [c for c in found if c is not None]

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != SERVER_DIALECT:
            return value
        keyed = bytes(value)
        end = keyed.find(ROW_KEY_END)
        if end < 0:  # read without its row's key: nothing is opened
            raise FieldTampered(self.table, self.column, NO_ROW)
        return self.open(keyed[end + 1:], keyed[:end].decode("ascii", "replace"), dialect)

    def open(self, stored: bytes, row: str, dialect: Dialect) -> Any:
        """The value sealed in ``stored`` for row ``row`` of this column; ``FieldTampered``
        (naming table, column and row) when it was sealed for another place or changed, or
        when its blind index does not fit it."""
        if not stored and not isinstance(self.plain, Date):
            return ""  # the server's default for an empty contact field (migration 0014)
        index = b""
        if self.indexed:
            if len(stored) < INDEX_BYTES:
                raise FieldTampered(self.table, self.column, row)
            # a pair's index needs the other column's value too: verify checks it
            # (unreadable_values); a read has the one value only
            index, stored = stored[:INDEX_BYTES], stored[INDEX_BYTES:]
        cipher = _cipher(dialect)
        text = cipher.decrypt_text(self.table, self.column, row, stored)
        if self.searchable and not hmac.compare_digest(
                index, cipher.blind_index(_index_name(self.table, self.column), text)):
            raise FieldTampered(self.table, self.column, row)
        return _from_text(self.plain, text)

    def copy(self, **kw: Any) -> Sealed:
        return Sealed(self.plain, self.table, self.column, self.keys)

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
            if (isinstance(sealed, Sealed) and sealed.partner is not None
                    and op in _COMPARISONS and other and other[0] is not None
                    and (not isinstance(other[0], ColumnElement)
                         or isinstance(other[0], BindParameter))):
                # looked up only with its partner (pair_equals): on its own it would
                # silently match nothing on the server, so it is refused there
                return _RefusedOnServer(super().operate(op, *other, **kwargs), sealed,
                                        f"is looked up together with {sealed.partner} "
                                        "(sealed.pair_equals)")
            if (isinstance(sealed, Sealed) and sealed.searchable
                    and op in (operators.eq, operators.ne, operators.in_op,
                               operators.not_in_op)
                    and other and other[0] is not None
                    and (not isinstance(other[0], ColumnElement)
                         or isinstance(other[0], BindParameter))):
                left = _IndexPart(self.expr, BlindIndex(sealed.plain, sealed.table,
                                                        sealed.column))
                return op(left, *other, **kwargs)  # type: ignore[no-any-return]
            if (isinstance(sealed, Sealed) and op in _COMPARISONS and other
                    and other[0] is not None and not isinstance(other[0], ColumnElement)):
                # a value compared with (never written to) a column that is not searchable:
                # on the server it is sealed for no row and so matches nothing, as a
                # comparison with ciphertext means nothing there (filtering such a column
                # happens on the workstation); on SQLite the value itself
                first = other[0]
                compared = ([_bound(v, NO_ROW) for v in first]
                            if isinstance(first, (list, tuple, set, frozenset))
                            else _bound(first, NO_ROW))
                other = (compared, *other[1:])
                if op in _NEGATED:
                    return _RefusedOnServer(super().operate(op, *other, **kwargs), sealed)
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


class PairIndex(TypeDecorator[Any]):
    """The pair a :data:`PAIRED` column is looked up by, ``(folded surname, birth date)``:
    on the server the one blind index over both (``FieldCipher.surname_birth_index``). Only
    the server compares it (on SQLite the two columns are compared, :func:`pair_equals`)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if dialect.name != SERVER_DIALECT:
            raise TypeError("a pair's blind index is compared on the house server only")
        first, second = value
        return _cipher(dialect).surname_birth_index(str(first), second)


def pair_equals(bind: Engine | Connection, column: Any, value: Any,
                partner_value: Any) -> ColumnElement[bool]:
    """``column`` (a :data:`PAIRED` sealed column) equals ``value`` and its row's partner
    column equals ``partner_value``: the two columns compared in the vault file; on the
    server the one blind index over both, in front of ``column``'s value."""
    sealed = column.type
    if not isinstance(sealed, Sealed) or sealed.partner is None:
        raise TypeError(f"{column}: not a column looked up with another one")
    other = column.table.c[sealed.partner]
    if not on_server(bind):
        return and_(column == value, other == partner_value)
    return (_IndexPart(column, PairIndex())
            == bindparam(f"pair_{sealed.table}_{sealed.column}", (value, partner_value),
                         type_=PairIndex(), unique=True))


class _IndexPart(ColumnElement[Any]):
    """A searchable sealed column where it is compared: the column itself on SQLite, its
    first 32 bytes (the blind index) on the server."""

    inherit_cache = True
    _traverse_internals = [("inner", InternalTraversal.dp_clauseelement),
                           ("type", InternalTraversal.dp_type)]

    def __init__(self, inner: ColumnElement[Any], type_: BlindIndex | PairIndex) -> None:
        self.inner = inner
        self.type = type_


@compiles(_IndexPart)
def _index_part_default(element: _IndexPart, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.inner, **kw)


@compiles(_IndexPart, SERVER_DIALECT)
def _index_part_server(element: _IndexPart, compiler: SQLCompiler, **kw: Any) -> str:
    return f"substring({compiler.process(element.inner, **kw)} from 1 for {INDEX_BYTES})"


class _RefusedOnServer(ColumnElement[Any]):
    """A negated comparison of a value with a sealed column without a blind index: the
    comparison itself on SQLite; refused when compiled for the server, where it would be
    true for every row (filter such a column on the workstation, after reading it)."""

    inherit_cache = True
    _traverse_internals = [("inner", InternalTraversal.dp_clauseelement)]

    def __init__(self, inner: ColumnElement[Any], sealed: Sealed, why: str | None = None
                 ) -> None:
        self.inner = inner
        self.type = inner.type
        self.where = f"{sealed.table}.{sealed.column}"
        self.why = why or ("a sealed column is not compared in SQL on the house server (it "
                           "would match every row); read it and filter on the workstation")


@compiles(_RefusedOnServer)
def _refused_default(element: _RefusedOnServer, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.inner, **kw)


@compiles(_RefusedOnServer, SERVER_DIALECT)
def _refused_server(element: _RefusedOnServer, compiler: SQLCompiler, **kw: Any) -> str:
    raise TypeError(f"{element.where}: {element.why}")


class _RowKeyed(ColumnElement[Any]):
    """A sealed column as a read selects it on the server: its row's key, ``|``, and the
    stored value (NULL stays NULL), so the type opens the value with that row bound in."""

    inherit_cache = True
    _traverse_internals = [("inner", InternalTraversal.dp_clauseelement),
                           ("keys", InternalTraversal.dp_clauseelement_list),
                           ("type", InternalTraversal.dp_type)]

    def __init__(self, inner: ColumnElement[Any], keys: list[ColumnElement[Any]]) -> None:
        self.inner = inner
        self.keys = keys
        self.type = inner.type


@compiles(_RowKeyed)
def _row_keyed_default(element: _RowKeyed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.inner, **kw)


@compiles(_RowKeyed, SERVER_DIALECT)
def _row_keyed_server(element: _RowKeyed, compiler: SQLCompiler, **kw: Any) -> str:
    return keyed_sql(compiler.process(element.inner, **kw),
                     [compiler.process(k, **kw) for k in element.keys])


def keyed_sql(value_sql: str, key_sql: Sequence[str]) -> str:
    """PostgreSQL for ``<row key>|<stored value>`` (the row key's parts as text, joined by
    ``:``); NULL when the value is NULL."""
    parts = f" || '{KEY_JOIN}' || ".join(f"CAST({k} AS text)" for k in key_sql)
    return f"(convert_to({parts} || '|', 'UTF8') || {value_sql})"


# -- the row of every value written (INSERT and UPDATE on the server) ------------------------

def _sealed_of(table: Table) -> dict[str, Sealed]:
    return {c.name: c.type for c in table.c if isinstance(c.type, Sealed)}


def _name(key: Any) -> str:
    return key if isinstance(key, str) else str(key.key)


def _literal(value: Any) -> tuple[bool, Any]:
    """``(True, value)`` for a plain value or a bound parameter holding one, ``(False,
    None)`` for an SQL expression (a function, another column)."""
    if isinstance(value, BindParameter):
        return (value.callable is None, value.value)
    return (not isinstance(value, ColumnElement), value)


def _bound(value: Any, row: str, partner: Any = None) -> Any:
    if value is None or isinstance(value, RowBound):
        return value
    return RowBound(row, value, partner.value if isinstance(partner, RowBound) else partner)


def _partner_of(column: Sealed, values: Mapping[str, Any]) -> Any:
    """The row's value of a :data:`PAIRED` column's other column, among ``values``."""
    return None if column.partner is None else values.get(column.partner)


def _bind_rows(conn: Connection, elem: Any, multiparams: Any, params: Any,
               execution_options: Any) -> tuple[Any, Any, Any]:
    """The engine's ``before_execute`` hook on the server (:func:`attach`): every value an
    INSERT or UPDATE writes into a sealed column goes as :class:`RowBound` with the key of
    the row it goes to, so it is sealed for that row.

    - INSERT: the row's key is in the values; an ``id`` the statement leaves to the server
      is taken from its sequence first (``nextval``), on the workstation, and written.
    - UPDATE: the row is the one the WHERE pins by its primary key; otherwise the keys of
      the rows it matches are read first and each row is written with its own value (only
      those rows: a row added meanwhile is left alone)."""
    table = getattr(elem, "table", None)
    if not isinstance(elem, (Insert, Update)) or not isinstance(table, Table):
        return elem, multiparams, params
    sealed_columns = _sealed_of(table)
    if not sealed_columns or conn.dialect.name != SERVER_DIALECT:
        return elem, multiparams, params
    if isinstance(elem, Insert):
        return _bind_insert(conn, elem, table, sealed_columns, multiparams, params)
    return _bind_update(conn, elem, table, sealed_columns, multiparams, params)


def _bind_insert(conn: Connection, elem: Insert, table: Table,
                 sealed_columns: Mapping[str, Sealed], multiparams: Any, params: Any
                 ) -> tuple[Any, Any, Any]:
    if elem._multi_values:
        raise TypeError(f"{table.name}: a multi-row VALUES into a sealed table is not "
                        "supported; pass the rows as parameters")
    embedded = {_name(k): _literal(v) for k, v in (elem._values or {}).items()}
    literals = {k: v for k, (ok, v) in embedded.items() if ok}
    rows: list[dict[str, Any]] = ([dict(r) for r in multiparams] if multiparams
                                  else [dict(params or {})])
    keys = list(table.primary_key.columns)
    missing = [r for r in rows if any({**literals, **r}.get(k.name) is None for k in keys)]
    if missing:
        if len(keys) != 1 or keys[0].name in embedded:
            raise TypeError(f"{table.name}: a row of a sealed table needs its key")
        for row, new_id in zip(missing, _next_ids(conn, table, keys[0].name, len(missing)),
                               strict=True):
            row[keys[0].name] = new_id
    overrides: dict[str, Any] = {}
    for row in rows:
        merged = {**literals, **row}
        for name in sealed_columns:  # a default the statement leaves to the column
            default = table.c[name].default
            if (name not in merged and isinstance(default, ScalarElementColumnDefault)
                    and default.arg is not None):
                row[name] = default.arg
        key = row_key(merged[k.name] for k in keys)
        for name, column in sealed_columns.items():
            partner = _partner_of(column, merged)
            if name in row:
                row[name] = _bound(row[name], key, partner)
            elif name in literals and literals[name] is not None:
                if len(rows) > 1:
                    raise TypeError(f"{table.name}.{name}: one sealed value for many rows")
                overrides[name] = _bound(literals[name], key, partner)
    if len(rows) > 1:
        return elem, rows, {}
    row = rows[0]
    if elem._values:  # the values are the statement's: the key and the bound values too
        overrides.update(row)
        return elem.values(overrides), [], {}
    return elem, [], row


def _next_ids(conn: Connection, table: Table, column: str, count: int) -> list[int]:
    """``count`` new ids from the sequence of ``table.column`` (as its default would)."""
    return [int(v) for v in conn.exec_driver_sql(
        "SELECT nextval(pg_get_serial_sequence(%(t)s, %(c)s)) FROM generate_series(1, %(n)s)",
        {"t": table.name, "c": column, "n": count}).scalars()]


def _pinned(where: Any, keys: Sequence[Any]) -> dict[str, Any]:
    """The primary-key columns that ``where`` (an AND of conditions) sets equal to a value."""
    found: dict[str, Any] = {}
    parts = (list(where.clauses) if isinstance(where, BooleanClauseList)
             and where.operator is operators.and_ else [where])
    names = {k.name: k for k in keys}
    for part in parts:
        if isinstance(part, BooleanClauseList) and part.operator is operators.and_:
            found.update(_pinned(part, keys))
        elif (isinstance(part, BinaryExpression) and part.operator is operators.eq
              and getattr(part.left, "name", None) in names
              and part.left is names[part.left.name]
              and isinstance(part.right, BindParameter) and part.right.callable is None
              and part.right.value is not None):
            found[part.left.name] = part.right.value
    return found


def _bind_update(conn: Connection, elem: Update, table: Table,
                 sealed_columns: Mapping[str, Sealed], multiparams: Any, params: Any
                 ) -> tuple[Any, Any, Any]:
    if multiparams:
        raise TypeError(f"{table.name}: an UPDATE of a sealed table runs once per statement")
    values = {_name(k): _literal(v) for k, v in (elem._values or {}).items()}
    written = {n: v for n, (ok, v) in values.items() if ok and n in sealed_columns
               and v is not None}
    from_params = {n: v for n, v in dict(params or {}).items()
                   if n in sealed_columns and v is not None}
    if not written and not from_params:
        return elem, multiparams, params
    every = {**written, **from_params}
    for name, column in sealed_columns.items():
        if column.partner is not None and (name in every) != (column.partner in every):
            # one blind index over both: a new value of either changes it
            raise TypeError(f"{table.name}: {name} and {column.partner} are written together "
                            "on the house server (one blind index over both)")

    def bound(name: str, value: Any, key: str) -> RowBound:
        return RowBound(key, value, _partner_of(sealed_columns[name], every))

    keys = list(table.primary_key.columns)
    pinned = _pinned(elem.whereclause, keys) if elem.whereclause is not None else {}
    if len(pinned) == len(keys):
        found = [tuple(pinned[k.name] for k in keys)]
    else:
        query = select(*keys)
        if elem.whereclause is not None:
            query = query.where(elem.whereclause)
        found = [tuple(r) for r in conn.execute(query)]
    if not found:
        return (elem.where(false()).values({n: bound(n, v, NO_ROW)
                                            for n, v in written.items()}),
                multiparams, {**dict(params or {}),
                              **{n: bound(n, v, NO_ROW) for n, v in from_params.items()}})
    if len(found) == 1:
        key = row_key(found[0])
        stmt = elem if len(pinned) == len(keys) else elem.where(
            and_(*(k == v for k, v in zip(keys, found[0], strict=True))))
        if written:
            stmt = stmt.values({n: bound(n, v, key) for n, v in written.items()})
        return stmt, multiparams, {**dict(params or {}),
                                   **{n: bound(n, v, key) for n, v in from_params.items()}}
    if elem._returning:
        raise TypeError(f"{table.name}: an UPDATE of several rows' sealed values returns "
                        "nothing; pin the row by its key")
    # several rows: each its own value, sealed for it (one statement, a row per parameter
    # set, each row by its key: the rows the WHERE matched, read above)
    others = {_name(k): v for k, v in (elem._values or {}).items()
              if _name(k) not in every}
    stmt = (update(table)
            .where(and_(*(k == bindparam(f"_row_{k.name}", type_=k.type) for k in keys)))
            .values({**others,
                     **{n: bindparam(f"_sealed_{n}", type_=table.c[n].type) for n in every}}))
    rows = []
    for found_key in found:
        key = row_key(found_key)
        rows.append({**{k: v for k, v in dict(params or {}).items() if k not in every},
                     **{f"_row_{k.name}": v for k, v in zip(keys, found_key, strict=True)},
                     **{f"_sealed_{n}": bound(n, v, key) for n, v in every.items()}})
    return stmt, rows, {}


# -- the raw reads on the server (app.store.dialect.cursor) ----------------------------------

_FROM_TABLE = re.compile(
    r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(?!(?:ON|WHERE|JOIN|LEFT|RIGHT|INNER|CROSS|"
    r"FULL|ORDER|GROUP|LIMIT|USING|NATURAL)\b)(\w+))?", re.IGNORECASE)
_QUALIFIED = re.compile(r"\b(\w+)\.(\w+)\b(\s+AS\b)?", re.IGNORECASE)
_SELECT = re.compile(r"^\s*SELECT\s+(?:DISTINCT\s+)?", re.IGNORECASE)


def _select_list_end(sql: str, start: int) -> int:
    """Where the first top-level FROM after ``start`` begins (the end of the select list)."""
    depth = 0
    for match in re.finditer(r"[()]|\bFROM\b", sql[start:], re.IGNORECASE):
        token = match.group(0)
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif depth == 0:
            return start + match.start()
    return len(sql)


def keyed_label(table: str, column: str) -> str:
    """How :func:`row_keyed_sql` labels a keyed column, so the cursor opens it as exactly
    that column (a name like ``description`` is several tables')."""
    return f"sealed__{table}__{column}"


def row_keyed_sql(sql: str, tables: Mapping[str, Table]) -> str:
    """The server's form of a raw SELECT (SQLite's SQL, ``app.store.dialect.cursor``): each
    sealed column its select list names as ``alias.column`` is selected with its row's key,
    as a read through the types is (:class:`_RowKeyed`), and labelled with its table and
    column (:func:`keyed_label`)."""
    head = _SELECT.match(sql)
    if head is None:
        return sql
    aliases: dict[str, Table] = {}
    for match in _FROM_TABLE.finditer(sql):
        table = tables.get(match.group(1).lower())
        if table is not None:
            aliases[(match.group(2) or match.group(1)).lower()] = table
    end = _select_list_end(sql, head.end())

    def keyed(match: re.Match[str]) -> str:
        table = aliases.get(match.group(1).lower())
        column = None if table is None else table.c.get(match.group(2).lower())
        if column is None or not isinstance(column.type, Sealed):
            return match.group(0)
        alias = match.group(1)
        expression = keyed_sql(f"{alias}.{column.name}",
                               [f"{alias}.{k}" for k in column.type.keys])
        label = keyed_label(column.type.table, column.name)
        return expression + (match.group(3) or f" AS {label}")

    return sql[:head.end()] + _QUALIFIED.sub(keyed, sql[head.end():end]) + sql[end:]


def seal_column(table: Table, name: str) -> None:
    """Give ``table.name`` the sealed type (idempotent)."""
    column = table.c[name]
    if not isinstance(column.type, Sealed):
        keys = tuple(c.name for c in table.primary_key.columns)
        column.type = Sealed(column.type, table.name, name, keys)


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
    fit its value (``kind`` "index": the look-ups would miss it; "pending index": a pair's
    index that migration 0018 left to be filled, :func:`fill_pending_pair_indexes`). Names
    the place and the record (its primary key), never the value."""

    table: str
    column: str
    record: str
    kind: str

    def __str__(self) -> str:
        return f"{self.table}.{self.column} #{self.record}: {self.kind}"


def unreadable_values(conn: Connection, tables: Iterable[Table],
                      opened_row: Callable[[Table, tuple[Any, ...], Mapping[str, Any]], None]
                      | None = None) -> list[Unreadable]:
    """Every sealed value of ``tables`` on the server that does not open or whose blind
    index does not fit (for ``verify`` on the server; one pass per table, values read in
    chunks). Empty in the vault file, where nothing is sealed. Needs the session's key.
    ``opened_row``, when given, is called with each row's table, primary key and the values
    that opened (by column), so that verify's other checks judge them without opening them
    again (``app.vault.text_scan.ServerTexts``)."""
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
            key = record = row_key(row[:len(keys)])
            opened: dict[str, tuple[Any, bytes]] = {}
            for column, raw in zip(columns, row[len(keys):], strict=True):
                if raw is None:
                    continue
                sealed = column.type
                assert isinstance(sealed, Sealed)
                stored = bytes(raw)
                try:
                    opened[column.name] = (sealed.open(stored, key, dialect), stored)
                except FieldTampered:
                    # a value that opens but whose blind index does not fit it: "index"
                    kind = "value"
                    if sealed.searchable and len(stored) >= INDEX_BYTES:
                        try:
                            cipher.decrypt_text(table.name, column.name, key,
                                                stored[INDEX_BYTES:])
                            kind = "index"
                        except FieldTampered:
                            pass
                    found.append(Unreadable(table.name, column.name, record, kind))
            found.extend(_unfit_pairs(table, columns, opened, cipher, record))
            if opened_row is not None:
                opened_row(table, tuple(row[:len(keys)]),
                           {name: value for name, (value, _stored) in opened.items()})
    return found


def _unfit_pairs(table: Table, columns: Sequence[Any], opened: Mapping[str, tuple[Any, bytes]],
                 cipher: FieldCipher, record: str) -> list[Unreadable]:
    """The :data:`PAIRED` columns of one row whose index does not fit the pair of opened
    values (both opened: a value that does not open is reported as such)."""
    found = []
    for column in columns:
        sealed = column.type
        if sealed.partner is None or column.name not in opened or sealed.partner not in opened:
            continue
        value, stored = opened[column.name]
        expected = sealed.index_of(cipher, _as_text(sealed.plain, value),
                                   opened[sealed.partner][0])
        if not hmac.compare_digest(stored[:INDEX_BYTES], expected):
            kind = "pending index" if stored[:INDEX_BYTES] == PENDING_INDEX else "index"
            found.append(Unreadable(table.name, column.name, record, kind))
    return found


def _pending(column: Any) -> ColumnElement[bool]:
    """The rows of a :data:`PAIRED` column whose index is still migration 0018's
    placeholder (answered by the server's index on the first 32 bytes)."""
    sealed = column.type
    return (_IndexPart(column, BlindIndex(sealed.plain, sealed.table, sealed.column))
            == type_coerce(PENDING_INDEX, LargeBinary))


def _paired_columns(tables: Iterable[Table]) -> list[Any]:
    return [c for t in tables for c in t.c
            if isinstance(c.type, Sealed) and c.type.partner is not None]


def has_pending_pair_indexes(conn: Connection, tables: Iterable[Table]) -> bool:
    """Whether a row of ``tables`` still holds migration 0018's placeholder index (a read:
    :func:`fill_pending_pair_indexes` is then worth a write transaction). False in the
    vault file."""
    if not on_server(conn):
        return False
    return any(conn.execute(select(column.table.c[column.type.keys[0]])
                            .where(_pending(column)).limit(1)).first() is not None
               for column in _paired_columns(tables))


def fill_pending_pair_indexes(conn: Connection, tables: Iterable[Table],
                              chunk: int = 1000) -> int:
    """Compute the pair index that migration 0018 left as :data:`PENDING_INDEX` (the
    migration owner holds no data key) for every such row of ``tables``, under the
    session's key, in chunks; returns the rows filled. Only the placeholder is replaced
    (the sealed value behind it stays as it is), so a second session doing the same at the
    same time changes nothing more. Nothing to do in the vault file."""
    if not on_server(conn):
        return 0
    cipher = _cipher(conn.dialect)
    filled = 0
    for column in _paired_columns(tables):
        table, sealed = column.table, column.type
        keys = list(table.primary_key.columns)
        partner = table.c[sealed.partner]
        pending = _pending(column)
        where = " AND ".join(f'"{k.name}" = %(k_{k.name})s' for k in keys)
        statement = (f'UPDATE "{table.name}" SET "{column.name}" = overlay("{column.name}" '
                     f'placing %(index)s from 1 for {INDEX_BYTES}) WHERE {where} AND '
                     f'substring("{column.name}" from 1 for {INDEX_BYTES}) = %(pending)s')
        other = partner.type
        last: tuple[Any, ...] | None = None
        while True:
            query = select(*keys, type_coerce(column, LargeBinary),
                           type_coerce(partner, LargeBinary)).where(pending)
            if last is not None:  # keyset: each row once, whatever another session does
                query = query.where(tuple_(*keys) > tuple_(*last))
            rows = conn.execute(query.order_by(*keys).limit(chunk)).all()
            if not rows:
                break
            last = tuple(rows[-1][:len(keys)])
            params = []
            for r in rows:
                key = row_key(r[:len(keys)])
                try:  # each value opened with its row bound in, as a read opens it
                    value = sealed.open(bytes(r[len(keys)]), key, conn.dialect)
                    born = other.open(bytes(r[len(keys) + 1]), key, conn.dialect)
                except FieldTampered:
                    # a value that does not open stays pending: verify names its record,
                    # and the session goes on (one damaged row must not stop every unlock)
                    continue
                params.append({**{f"k_{k.name}": v
                                  for k, v in zip(keys, r[:len(keys)], strict=True)},
                               "index": sealed.index_of(cipher, _as_text(sealed.plain, value),
                                                        born),
                               "pending": PENDING_INDEX})
            if params:
                conn.exec_driver_sql(statement, params)
            filled += len(params)
    return filled


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
