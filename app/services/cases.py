"""Cases as use cases: the Cases table (one fast query over every case), opening one case,
and the store-level writing that intake, import and the synthetic bulk path share.

Public API for the ``ui/`` Cases screen and other areas:

- :func:`list_cases` -> ``list[CaseRow]``: one row per case (plain named tuples, one SQL
  query; 100,000 cases load in well under a second). ``CaseRow.search_key`` is the folded
  text (number, every subject's names and BSN) that the screen's search box filters on with
  :func:`row_matches`, in memory, as the user types.
- :func:`get_case` -> ``Case``: one case with subjects, life-domain problems and criteria
  answers (never its information items: those go through ``app.sharing``).
- :func:`case_id_for` / :func:`information_items` for other services.

Reading needs ``VIEW_CASES`` and is audited (``case.list``, ``case.open``) with case numbers
only. A role without ``CASE_SUBSTANCE`` (the information centre) gets the Cases table in its
register shape: the main subject's initials instead of the name, and a search key of the
case number and those initials only (no names, no BSN); :func:`get_case` refuses it.

Every function that writes takes an open write ``Connection`` from the calling
service, so that a whole use case stays one transaction.
"""

from __future__ import annotations

import os
import sys
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any, NamedTuple, overload

from sqlalchemy import Connection

from app.domain.cases import (
    Case,
    IntakeDecision,
    Subject,
    SubjectRole,
    display_name,
    fold_for_search,
    format_case_number,
    parse_case_number,
)
from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category, InformationItem, SharingTerms
from app.domain.intake import InformationInput, Referral
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import TIMESTAMP_COLUMN, CaseState
from app.domain.protocols import Protocol
from app.domain.meetings import initials
from app.domain.roles import Permission, may
from app.domain.text_rules import check_identifying
from app.errors import NotFound, ValidationError
from app.i18n import _
from app.store import cases as case_rows
from app.store import items as item_rows
from app.store import sealed
from app.store.bulk import collector_paused
from app.store import subjects as subject_rows
from app.store.convert import inserted_id as inserted_id
from app.store import parties as party_rows
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point


class CaseRow(NamedTuple):
    """One line of the Cases table. Column order is stable; the model's columns follow it."""

    id: int
    number: str
    main_subject: str            # "Surname, Given names" of the main subject (its initials
    #                              only, "J.P. de V.", for a role without CASE_SUBSTANCE)
    protocol: Protocol
    state: CaseState
    referring_party: str         # the party's name ("" when gone from the tombstone)
    received: date
    next_meeting: date | None
    open_actions: int
    overdue_actions: int
    search_key: str              # folded: number, names and BSNs of every subject (each
    #                              word once, separated by spaces); number and initials only
    #                              for a role without CASE_SUBSTANCE


# -- reading --------------------------------------------------------------------------------

#: The listing gives a case's protocol and state as their position in these
_PROTOCOLS = case_rows.LIST_PROTOCOLS
_STATES = case_rows.LIST_STATES
_ENDED = frozenset(i for i, s in enumerate(_STATES) if not s.is_open)
#: The page cache (KiB) of a listing whose answer the caller keeps (``list_cases(once=True)``):
#: enough for the indexes' inner pages, which every lookup passes; the leaves are read once.
ONCE_CACHE_KIB = 4_096
#: The ``CaseRow`` fields made from what the listing holds beside each case.
_BESIDE = ("next_meeting", "open_actions", "overdue_actions")


class ListingColumns:
    """The listing's tuples ``(id, number, protocol, state, referring party id, received,
    main subject, search key)`` kept as one column each (issue 23, memory with 100,000
    listed): the ids and referring parties in arrays of machine integers, protocol and
    state (their positions) one byte each, a received date's text shared by every case of
    that day; only the number, the main subject and the search key are a text per case.
    A tuple per case with its own id and date object took about a fifth of the list's
    memory. Filled batch by batch (:meth:`extend`), so the tuples of a whole listing are
    never alive at once."""

    __slots__ = ("ids", "numbers", "protocols", "states", "parties", "received", "main",
                 "keys")

    def __init__(self, rows: Iterable[Sequence[tuple[Any, ...]]] = ()) -> None:
        self.ids = array("q")
        self.numbers: list[str] = []
        self.protocols = bytearray()
        self.states = bytearray()
        #: the referring party's id, 0 for none
        self.parties = array("q")
        self.received: list[str] = []
        #: the main subject's name ("" for none)
        self.main: list[str] = []
        #: the search key (the number when the case has none)
        self.keys: list[str] = []
        for batch in rows:
            self.extend(batch)

    def extend(self, batch: Sequence[tuple[Any, ...]]) -> None:
        """Append a batch of listing tuples."""
        self.ids.extend(map(itemgetter(0), batch))
        self.numbers.extend(map(itemgetter(1), batch))
        self.protocols.extend(map(itemgetter(2), batch))
        self.states.extend(map(itemgetter(3), batch))
        self.parties.extend([p or 0 for p in map(itemgetter(4), batch)])
        self.received.extend(map(sys.intern, map(itemgetter(5), batch)))
        self.main.extend([m or "" for m in map(itemgetter(6), batch)])
        self.keys.extend([r[7] or r[1] for r in batch])

    def __len__(self) -> int:
        return len(self.ids)

    def reordered(self, order: Sequence[int]) -> ListingColumns:
        """The same cases in the order ``order`` gives (positions in these columns)."""
        moved = ListingColumns()
        moved.ids = array("q", map(self.ids.__getitem__, order))
        moved.numbers = list(map(self.numbers.__getitem__, order))
        moved.protocols = bytearray(map(self.protocols.__getitem__, order))
        moved.states = bytearray(map(self.states.__getitem__, order))
        moved.parties = array("q", map(self.parties.__getitem__, order))
        moved.received = list(map(self.received.__getitem__, order))
        moved.main = list(map(self.main.__getitem__, order))
        moved.keys = list(map(self.keys.__getitem__, order))
        return moved


class CaseRows(Sequence[CaseRow]):
    """:func:`list_cases`'s answer: the listing kept in columns (:class:`ListingColumns`),
    each case built into a ``CaseRow`` only when asked for (and then kept), so that loading
    100,000 cases builds none and a view builds the few it shows. The search keys, numbers
    and referring parties of every case are at hand without building rows (the search box
    and the party filter use them). Compares equal to a list of the same rows."""

    __slots__ = ("_cols", "_planned_of", "_meeting_of", "_open_of", "_overdue_of",
                 "_party_names", "_built", "_common")

    def __init__(self, raw: ListingColumns | Sequence[tuple[Any, ...]],
                 planned_of: Mapping[int, str], meeting_of: Mapping[int, str],
                 open_of: Mapping[int, int], overdue_of: Mapping[int, int],
                 party_names: Mapping[int, str]) -> None:
        """``planned_of``: the next meeting a case's plan names (ISO text), by case id;
        ``meeting_of``: the first coming meeting whose agenda holds the case; ``open_of``
        and ``overdue_of``: the counts of its plan's open and overdue actions, by case
        id."""
        self._cols = raw if isinstance(raw, ListingColumns) else ListingColumns((raw,))
        self._planned_of = planned_of
        self._meeting_of = meeting_of
        self._open_of = open_of
        self._overdue_of = overdue_of
        self._party_names = party_names
        self._built: list[CaseRow | None] = [None] * len(self._cols)
        self._common: str | None = None

    def __len__(self) -> int:
        return len(self._cols)

    @overload
    def __getitem__(self, index: int) -> CaseRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[CaseRow]: ...

    def __getitem__(self, index: int | slice) -> CaseRow | list[CaseRow]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self._cols)))]
        row = self._built[index]
        if row is None:
            if index < 0:
                index += len(self._cols)
            row = self._built[index] = self._build(index)
        return row

    def __iter__(self) -> Iterator[CaseRow]:
        for i in range(len(self._cols)):
            yield self[i]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, (list, tuple, CaseRows)):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CaseRows({len(self._cols)} cases)"

    def _build(self, i: int) -> CaseRow:
        cols = self._cols
        number = cols.numbers[i]
        return CaseRow._make((cols.ids[i], number, cols.main[i],
                              _PROTOCOLS[cols.protocols[i]], _STATES[cols.states[i]],
                              self._party_names.get(cols.parties[i]) or "",
                              date.fromisoformat(cols.received[i]), *self._beside(i),
                              cols.keys[i]))

    def _beside(self, i: int) -> tuple[date | None, int, int]:
        """The next meeting and the open and overdue action counts of the ``i``-th case."""
        case_id, state = self._cols.ids[i], self._cols.states[i]
        # The first coming meeting on an agenda; the plan's own date before that.
        coming = self._meeting_of.get(case_id) or self._planned_of.get(case_id)
        meeting = date.fromisoformat(coming[:10]) if coming else None
        if state in _ENDED:
            return meeting, 0, 0
        return meeting, self._open_of.get(case_id, 0), self._overdue_of.get(case_id, 0)

    def search_keys(self) -> list[str]:
        """Every case's folded search key, in row order (no rows built; the list itself,
        not a copy: do not change it)."""
        return self._cols.keys

    def common_prefix(self) -> str:
        """The longest beginning every search key shares (the case numbers' "zvh-20"),
        made once: a pass over every key, which a loader thread makes before the screen's
        first keystroke needs it."""
        if self._common is None:
            self._common = os.path.commonprefix(self._cols.keys) if self._cols.keys else ""
        return self._common

    def numbers(self) -> list[str]:
        return list(self._cols.numbers)

    def values_of(self, field: str) -> list[Any]:
        """Every row's value of the ``CaseRow`` field ``field``, in row order: straight
        from the listing's columns (no row built) for the fields it holds as they are shown
        (number, main subject, protocol, state, referring party, received, search key);
        through the rows for the others. A sort on a column needs no row built this way."""
        cols = self._cols
        if field == "number":
            return list(cols.numbers)
        if field == "protocol":
            return list(map(_PROTOCOLS.__getitem__, cols.protocols))
        if field == "state":
            return list(map(_STATES.__getitem__, cols.states))
        if field == "referring_party":
            names = self._party_names
            shown = {p: names.get(p) or "" for p in set(cols.parties)}
            return list(map(shown.__getitem__, cols.parties))
        if field == "received":
            days = {d: date.fromisoformat(d) for d in set(cols.received)}
            return list(map(days.__getitem__, cols.received))
        if field == "main_subject":
            return list(cols.main)
        if field == "search_key":
            return list(cols.keys)
        if field in _BESIDE:
            at = _BESIDE.index(field)
            return [self._beside(i)[at] for i in range(len(cols))]
        if field == "id":
            return list(cols.ids)
        raise ValueError(field)

    def reordered(self, order: Sequence[int]) -> CaseRows:
        """The same rows in the order ``order`` gives (positions in this sequence): the
        columns and any rows built so far move along, nothing is built."""
        moved = CaseRows(self._cols.reordered(order), self._planned_of, self._meeting_of,
                         self._open_of, self._overdue_of, self._party_names)
        moved._built = list(map(self._built.__getitem__, order))
        moved._common = self._common  # the same keys
        return moved

    def referring_parties(self) -> set[str]:
        """The names of the parties that referred a listed case (no rows built)."""
        names = self._party_names
        return {names[p] for p in set(self._cols.parties) if names.get(p)}


@entry_point
@collector_paused()  # 100,000 rows and no cycles among them (app.store.bulk)
def list_cases(vault: OpenVault, *, states: Iterable[CaseState] | None = None,
               protocol: Protocol | None = None, party_id: int | None = None,
               include_destroyed: bool = False, today: date | None = None,
               limit: int | None = None, search: str | None = None,
               once: bool = False) -> CaseRows:
    """Every case for the Cases table, newest number first (the newest ``limit`` only,
    when given: what a screen shows at once while it loads the rest).

    ``search``: only the cases whose search key holds every word of it, as the search box
    matches (:func:`row_matches`); with ``limit``, the newest matching cases by case id (a
    search typed while the screen still loads the list reaches every case this way). A
    role without ``CASE_SUBSTANCE`` is matched on its register key only (number and
    initials), never on names or BSNs.

    The filters narrow the query; the screen normally loads everything once and filters
    through its proxy model. Destroyed cases (tombstones) are left out unless asked for.
    Next meeting and action counts are not counted for cases that have ended. A role
    without ``CASE_SUBSTANCE`` gets the register's shape (:func:`register_shape`).

    ``once``: a read whose answer the caller keeps (the Cases screen holds every case in
    its table): the database pages it decrypts are not kept beside it (``ONCE_CACHE_KIB``
    instead of the page cache that serves repeated reads; at 100,000 listed cases about
    40 MB of decrypted pages, names and BSNs among them, that would only duplicate the
    table until the lock).
    """
    vault.require(Permission.VIEW_CASES, "case", "-")
    substance = may(vault.actor.role, Permission.CASE_SUBSTANCE)
    clauses = ["1 = 1"] if include_destroyed else ["c.state != 'destroyed'"]
    params: dict[str, Any] = {}
    if states is not None:
        wanted = [CaseState(s).value for s in states]
        names = [f"st{i}" for i in range(len(wanted))]
        clauses.append(f"c.state IN ({','.join(':' + n for n in names)})" if wanted else "0")
        params.update(zip(names, wanted))
    if protocol is not None:
        clauses.append("c.protocol = :protocol")
        params["protocol"] = Protocol(protocol).value
    if party_id is not None:
        clauses.append("c.referring_party_id = :party_id")
        params["party_id"] = party_id
    words = tuple(fold_query(search).split()) if search else ()
    # on the house server the search keys are sealed: matched after they are opened, below
    in_sql = sealed.searches_in_sql(vault.engine)
    if words and substance and in_sql:
        # Scanned in the narrow ``case_search`` table (its rowid is the case id, so the
        # newest matches come first and a LIMIT stops the scan early); the listing rows are
        # then looked up by id. ``instr`` is Python's ``in``: no pattern characters.
        names = [f"w{i}" for i in range(len(words))]
        hits = (" AND ".join(f"instr(cs.search_key, :{n}) > 0" for n in names)
                + " ORDER BY cs.case_id DESC"
                + (f" LIMIT {int(limit)}" if limit is not None else ""))
        clauses.append(f"c.id IN (SELECT cs.case_id FROM case_search cs WHERE {hits})")
        params.update(zip(names, words))
    on_day = {"today": (today or date.today()).isoformat()}
    # A few plain queries, each answered from a narrow index or table, joined here by case:
    # one query joining them made SQLite look up a wide row per case (seconds at 100,000).
    with vault.read() as conn:
        sql_limit = limit if not (words and not (substance and in_sql)) else None
        cache_kib = ONCE_CACHE_KIB if once else case_rows.LIST_CACHE_KIB
        raw: ListingColumns | list[tuple[Any, ...]]
        if substance and not (words and not in_sql):
            # As SQL answers it: straight into columns, a batch at a time.
            raw = ListingColumns(case_rows.listing_batches(
                conn, " AND ".join(clauses), params, sql_limit, search_keys=True,
                cache_kib=cache_kib))
        else:
            listed = case_rows.listing(conn, " AND ".join(clauses), params, sql_limit,
                                       search_keys=substance, cache_kib=cache_kib)
            if words and substance and not in_sql:
                listed = [r for r in listed if all(w in (r[7] or r[1]) for w in words)]
                listed = listed if limit is None else listed[:int(limit)]
            if words and not substance:
                # The register's key (number and initials) is made in Python: matched here.
                listed = [r for r in listed
                          if all(w in register_shape(r[1], r[6] or "")[1] for w in words)]
                listed = listed if limit is None else listed[:int(limit)]
            raw = listed
        # The newest few: the other queries only for those cases (by their ids).
        only = (None if limit is None and not words
                else list(raw.ids) if isinstance(raw, ListingColumns)
                else [int(r[0]) for r in raw])
        planned_of, open_actions, meeting_of, party_names = case_rows.listing_extras(
            conn, only, on_day["today"])
    day = on_day["today"]
    # Counted per case in C (Counter over the actions' case ids): 60,000 open actions at
    # 100,000 cases. Only the counts and the plans' dates are kept, not a tuple per plan.
    open_of: Mapping[Any, int] = Counter(map(itemgetter(0), open_actions))
    overdue_of: Mapping[Any, int] = Counter(
        [case_id for case_id, due in open_actions if due is not None and due < day])
    del open_actions
    if not substance and not isinstance(raw, ListingColumns):
        # The register's shape, made here so that no name or BSN is kept in the answer.
        raw = [r[:6] + register_shape(r[1], r[6] or "") for r in raw]
    rows = CaseRows(raw, planned_of, meeting_of, open_of, overdue_of, party_names)
    vault.log_now("case.list", "case", "-", detail={"count": len(rows),
                                                    "substance": substance,
                                                    **({"search": True} if words else {})})
    return rows


def register_shape(number: str, main_subject: str) -> tuple[str, str]:
    """The Cases table's name and search key for a role that sees the register only: the
    main subject's initials (as a meeting invitation names them) and a search key of the
    case number and those initials, so that neither a name nor a BSN leaves the service."""
    surname, _comma, given = main_subject.partition(", ")
    shown = initials(given, surname) if given else initials("", surname)
    return shown, compact_search_key(f"{number.lower()} {fold_for_search(shown)}")


def fold_query(text: str) -> str:
    """The search box's text as :func:`row_matches` compares it (a BSN typed with spaces or
    dots is compacted; a case number is lowered)."""
    folded = fold_for_search(text)
    compact = folded.replace(" ", "").replace(".", "")
    if compact.isdigit():
        return compact
    return folded


def row_matches(row: CaseRow, folded_query: str) -> bool:
    """Whether a Cases-table row answers the (already folded) search text: every word of
    it occurs in the row's number, a subject's names or BSN, as in the search box."""
    key = row.search_key
    return all(word in key for word in folded_query.split())


def case_id_for(conn: Connection, number_or_id: str | int) -> int:
    """The case's id from its number (``ZVH-2026-0042``) or id; ``NotFound`` otherwise."""
    if isinstance(number_or_id, int):
        found = case_rows.id_if_exists(conn, number_or_id)
    else:
        text = str(number_or_id).strip().upper()
        if parse_case_number(text) is None:
            if text.isdigit():
                return case_id_for(conn, int(text))
            raise NotFound(_("There is no case {number}.").format(number=number_or_id))
        found = case_rows.id_by_number(conn, text)
    if found is None:
        raise NotFound(_("There is no case {number}.").format(number=number_or_id))
    return int(found)


def load_case(conn: Connection, case_id: int) -> Case:
    """The case as a value, without permission check or audit (for services)."""
    row = case_rows.row_with_party_name(conn, case_id)
    if row is None:
        raise NotFound(_("There is no case {number}.").format(number=case_id))
    found_subjects = tuple(Subject(r["given_names"], r["surname"], r["birth_date"],
                                   SubjectRole(r["role"]), r["bsn"], r["address"], r["id"])
                           for r in subject_rows.rows_of_case(conn, case_id))
    domains = {LifeDomain(domain): description for domain, description
               in case_rows.life_domain_problems_of(conn, case_id)}
    order = {c: i for i, c in enumerate(Criterion)}
    answers = sorted((CriterionAnswer(Criterion(criterion), answer, motivation)
                      for criterion, answer, motivation
                      in case_rows.criteria_rows(conn, case_id)),
                     key=lambda a: order[a.criterion])
    return Case(
        id=row["id"], number=row["number"], protocol=Protocol(row["protocol"]),
        state=CaseState(row["state"]), referring_party_id=row["referring_party_id"],
        referring_party_name=row["party_name"], referring_contact=row["referring_contact"] or "",
        received=row["received"], reason=row["reason"] or "", question=row["question"] or "",
        external_ref=row["external_ref"], subjects=found_subjects, life_domains=domains,
        criteria=tuple(answers),
        intake_decision=(IntakeDecision(row["intake_decision"]) if row["intake_decision"]
                         else None),
        intake_decided_at=row["intake_decided_at"], intake_decided_by=row["intake_decided_by"],
        decline_reason=row["decline_reason"], decline_advice=row["decline_advice"],
        created_at=row["created_at"], triage_done_at=row["triage_done_at"],
        first_meeting_at=row["first_meeting_at"], closed_at=row["closed_at"],
        destroyed_at=row["destroyed_at"], outcome=row["outcome"],
        version=row["row_version"])


@entry_point
def get_case(vault: OpenVault, number_or_id: str | int) -> Case:
    """Open one case (audited as ``case.open`` under its number): its subjects' personal
    details and the referral's texts, so ``CASE_SUBSTANCE`` (the process director)."""
    vault.require(Permission.CASE_SUBSTANCE, "case", str(number_or_id))
    with vault.read() as conn:
        case = load_case(conn, case_id_for(conn, number_or_id))
    vault.log_now("case.open", "case", case.number)
    return case


def information_items(conn: Connection, case_id: int) -> list[InformationItem]:
    """Every information item of a case with its terms, unfiltered: for ``app.sharing`` and
    the services that ask it, never for showing directly."""
    shared = item_rows.shared_with_of_case(conn, case_id)
    concerned = item_rows.concerned_of_case(conn, case_id)
    rows = item_rows.rows_of_case(conn, case_id)
    return [InformationItem(
        id=r["id"], case_id=r["case_id"], source_party_id=r["source_party_id"],
        category=Category(r["category"]), text=r["text"], received=r["received"],
        terms=SharingTerms(frozenset(shared.get(r["id"], ())), bool(r["pre_meeting_view"]),
                           bool(r["meeting_screen"]), r["use_restriction"],
                           bool(r["subject_access"])),
        concerns=(None if r["concerns_all"] else frozenset(concerned.get(r["id"], ()))),
        terms_to_confirm=bool(r["terms_to_confirm"]))
        for r in rows]


def set_item_concerns(conn: Connection, item_id: int, concerns: frozenset[int] | None) -> None:
    """Record whom an item concerns (None: the whole household), inside the caller's
    transaction. The subjects must belong to the item's case."""
    if concerns:
        known = subject_rows.ids_of_case(conn, item_rows.case_of(conn, item_id))
        if not set(concerns) <= known:
            raise ValidationError(_("An item can only concern subjects of its own case."),
                                  field="concerns")
    item_rows.set_concerns(conn, item_id, concerns)


# -- writing (inside the caller's transaction) ----------------------------------------------

def next_case_number(conn: Connection, year: int) -> tuple[str, int]:
    """The next free number in ``year`` (the caller's write transaction keeps it free)."""
    seq = case_rows.highest_sequence(conn, year) + 1
    return format_case_number(year, seq), seq


def _clean_name(text: str) -> str:
    return " ".join(text.split())


def subject_values(case_id: int, position: int, subject: Subject) -> dict[str, Any]:
    given, surname = _clean_name(subject.given_names), _clean_name(subject.surname)
    # every subject written passes here: the character rule holds whatever path built it
    for name, value in (("given_names", given), ("surname", surname),
                        ("address", subject.address or ""), ("bsn", subject.bsn or "")):
        check_identifying(value, f"subjects[{position}].{name}")
    return {"case_id": case_id, "position": position, "given_names": given,
            "surname": surname, "surname_key": fold_for_search(surname),
            "name_key": fold_for_search(f"{given} {surname}"),
            "birth_date": subject.birth_date, "bsn": subject.bsn,
            "address": subject.address, "role": subject.role.value}


def search_values(case_id: int, number: str, found: Sequence[Subject]) -> dict[str, Any]:
    """The Cases table's row text for a case: main subject's name and the search key."""
    main = next((s for s in found if s.role is SubjectRole.MAIN_SUBJECT),
                found[0] if found else None)
    parts = [number.lower()]
    for subject in found:
        given, surname = _clean_name(subject.given_names), _clean_name(subject.surname)
        parts.append(fold_for_search(f"{given} {surname}"))
        parts.append(fold_for_search(f"{surname} {given}"))
        if subject.bsn:
            parts.append(subject.bsn)
    # A word of a query never holds a space, so it occurs in this text exactly when it
    # occurs in one of its words: each word once is enough, and half as long to search.
    return {"case_id": case_id,
            "main_subject": display_name(main.given_names, main.surname) if main else "",
            "search_key": compact_search_key(" ".join(parts))}


def compact_search_key(text: str) -> str:
    """Each word of a search text once, in their first order, one space between them."""
    return " ".join(dict.fromkeys(text.split()))


def refresh_case_search(conn: Connection, case_id: int) -> None:
    """Rewrite the case's search row from its subjects as they are now stored.

    Whoever changes a subject's names or BSN outside :func:`replace_case_details` (the
    closure removing BSNs) calls this in the same transaction, so the Cases table neither
    shows nor finds a case by a name or BSN the vault no longer holds.
    """
    number = case_rows.number_of(conn, case_id)
    stored = tuple(Subject(r["given_names"], r["surname"], r["birth_date"],
                           SubjectRole(r["role"]), r["bsn"])
                   for r in subject_rows.rows_of_case(conn, case_id))
    case_rows.replace_search_row(conn, case_id, search_values(case_id, number, stored))


def replace_case_details(conn: Connection, case_id: int, referral: Referral, *,
                         fresh: bool = False) -> list[int]:
    """Write the subjects, the search row and the life-domain problems of ``referral``
    (replacing earlier ones; ``fresh``: a case made in this transaction, which has none:
    nothing is deleted, so who registers referrals on the house server, whose role may
    insert a new case's rows but not delete or read them, can write them). Returns the
    subjects' new ids, in the referral's order."""
    number = case_rows.number_of(conn, case_id)
    subject_ids = subject_rows.replace(conn, case_id, [subject_values(case_id, i, s)
                                                       for i, s in enumerate(referral.subjects)],
                                       fresh=fresh)
    case_rows.replace_search_row(conn, case_id,
                                 search_values(case_id, number, referral.subjects),
                                 fresh=fresh)
    case_rows.replace_life_domains(conn, case_id, [
        (d.value, text) for d, text in referral.life_domains.items()], fresh=fresh)
    # the partners to invite and the subjects' informing (issue 24)
    from app.services.referral_contacts import store_referral_extras

    store_referral_extras(conn, case_id, referral, fresh=fresh, subject_ids=subject_ids)
    return subject_ids


def insert_information(conn: Connection, case_id: int, items: Sequence[InformationInput],
                       now: datetime, subject_ids: Sequence[int] | None = None) -> list[int]:
    """Store items with their terms, ``terms_to_confirm`` when someone other than the source
    set them, and whom they concern (``InformationInput.concerns`` names the case's subjects
    by their position); returns the new ids in order. ``subject_ids``: the case's subject
    ids by position when the caller has just written them (a new case: nothing is read
    back, which who registers referrals may not on the house server)."""
    by_position = None if subject_ids is None else dict(enumerate(subject_ids))
    ids = []
    for item in items:
        concerns = None
        if item.concerns is not None:
            if by_position is None:
                by_position = subject_rows.ids_by_position(conn, case_id)
            if not set(item.concerns) <= set(by_position):
                raise ValidationError(_("An item can only concern subjects of its own case."),
                                      field="concerns")
            concerns = frozenset(by_position[p] for p in item.concerns)
        item_id = item_rows.insert_item(conn, {
            "case_id": case_id, "source_party_id": item.source_party_id,
            "received": item.received, "category": item.category.value, "text": item.text,
            "pre_meeting_view": item.terms.pre_meeting_view,
            "meeting_screen": item.terms.meeting_screen,
            "use_restriction": item.terms.use_restriction,
            "subject_access": item.terms.subject_access,
            "terms_to_confirm": item.terms_to_confirm, "created_at": now},
            shared_with=item.terms.shared_with, concerns=concerns)
        ids.append(item_id)
    return ids


def party_type_of(conn: Connection, party_id: int) -> str | None:
    row = party_rows.row(conn, party_id)
    return None if row is None or row["party_type"] is None else str(row["party_type"])


def insert_case(conn: Connection, vault: OpenVault, referral: Referral, state: CaseState,
                now: datetime | None = None) -> tuple[int, str]:
    """Create a case from a checked referral, with subjects, problems and information items;
    returns ``(id, number)``. Audited as ``case.create``."""
    case_id, number, _items = insert_new_case(conn, vault, referral, state, now)
    return case_id, number


def insert_new_case(conn: Connection, vault: OpenVault, referral: Referral, state: CaseState,
                    now: datetime | None = None) -> tuple[int, str, list[int]]:
    """:func:`insert_case`, also returning the new information items' ids in the referral's
    order (written, never read back: see :func:`replace_case_details`)."""
    now = now or utcnow()
    number, seq = next_case_number(conn, referral.received.year)
    case_id = case_rows.insert_row(conn, dict(
        number=number, number_year=referral.received.year, number_seq=seq,
        protocol=referral.protocol.value, state=state.value,
        referring_party_id=referral.referring_party_id,
        referring_party_type=party_type_of(conn, referral.referring_party_id),
        referring_contact=referral.referring_contact or None, received=referral.received,
        reason=referral.reason, question=referral.question, external_ref=referral.external_ref,
        created_at=now, created_by=vault.actor.account, updated_at=now,
        intake_started_at=now if state is CaseState.INTAKE else None,
    ))
    subject_ids = replace_case_details(conn, case_id, referral, fresh=True)
    item_ids = insert_information(conn, case_id, referral.information, now, subject_ids)
    vault.log(conn, "case.create", "case", number, detail={
        "state": state.value, "protocol": referral.protocol.value,
        "subjects": len(referral.subjects), "items": len(referral.information)})
    return case_id, number, item_ids


def update_registration(conn: Connection, case_id: int, referral: Referral,
                        now: datetime, *, version: int | None = None,
                        by: str = "-") -> None:
    """Bring a registered case's referral data in line with an edited intake draft.

    ``version``: the version the registration was read at (``Case.version``); when another
    session rewrote it since, ``EditConflict`` names that account and moment and nothing is
    written (the caller's transaction rolls back). None: no check. Either way the case's
    version is bumped and ``by`` recorded (issue 22, point 4)."""
    case_rows.set_registration(conn, case_id, version, dict(
        protocol=referral.protocol.value, referring_party_id=referral.referring_party_id,
        referring_party_type=party_type_of(conn, referral.referring_party_id),
        referring_contact=referral.referring_contact or None, received=referral.received,
        reason=referral.reason, question=referral.question, updated_at=now), by, now)
    replace_case_details(conn, case_id, referral)


def save_criteria(conn: Connection, case_id: int, answers: Iterable[CriterionAnswer],
                  account: str, now: datetime) -> None:
    """Store the answered criteria (replacing earlier answers)."""
    case_rows.replace_criteria(conn, case_id, [
        {"case_id": case_id, "criterion": a.criterion.value, "answer": bool(a.met),
         "motivation": a.motivation.strip(), "answered_at": now, "answered_by": account}
        for a in answers if a.answered])


def set_state(conn: Connection, case_id: int, state: CaseState, now: datetime,
              **values: Any) -> None:
    """Write a new state (already allowed by ``lifecycle.transition``) and its first-time
    timestamp, plus any other column values given."""
    case_rows.set_fields(conn, case_id, {"state": state.value, "updated_at": now, **values})
    column = TIMESTAMP_COLUMN.get(state)
    if state is CaseState.INTAKE:
        column = "intake_started_at"
    if column is not None:
        case_rows.set_first_time(conn, case_id, column, now)


def current_state(conn: Connection, case_id: int) -> tuple[CaseState, str]:
    row = case_rows.state_and_number(conn, case_id)
    if row is None:
        raise NotFound(_("There is no case {number}.").format(number=case_id))
    return CaseState(row[0]), row[1]


def main_subject_name(case: Case) -> str:
    subject = case.main_subject
    return display_name(subject.given_names, subject.surname) if subject else ""


def known_external_refs(conn: Connection, refs: Iterable[str]) -> set[str]:
    return case_rows.external_refs_among(conn, refs)


def states_by_number(conn: Connection, numbers: Iterable[str]) -> Mapping[str, CaseState]:
    return {number: CaseState(state)
            for number, state in case_rows.states_of_numbers(conn, numbers).items()}


def forget_personal_data(conn: Connection, case_id: int) -> None:
    """Leave only the tombstone of a case: number, protocol, state, dates, outcome and the
    referring party's type. For the retention area's destruction step (which also sets the
    state and ``destroyed_at`` through the lifecycle, and vacuums afterwards)."""
    case_rows.forget_details(conn, case_id)
