"""Subject access (AVG art. 15): find one person across cases and export everything the house
holds about them, where each item came from, to whom it went and when it will be destroyed.

Public API:

- :func:`find_subject` ``(vault, bsn=... | surname=..., birth_date=..., given_names=None)``
  -> :class:`SubjectMatch`. A search that matches more than one person raises
  :class:`MoreThanOneMatch` (a ``ValidationError``: narrow the search, e.g. with the given
  names or the BSN); no match raises ``NotFound``. A person found by BSN also brings the
  cases where the BSN was already removed at closure (same names and birth date, no BSN).
- :func:`subject_access_report` -> :class:`SubjectAccessReport`: the content, every item
  through the sharing policy's ``SUBJECT_ACCESS`` setting, with the disclosures from the
  disclosure log and the destruction date.
- :func:`export_subject_access` writes the PDF (``app.export.subject_access_pdf``) and
  logs it (``export.subject_access`` on the subject ids, with the file's SHA-256).

The search terms are never written to the audit log, only how the person was sought and
how many matched. Needs ``CASE_WORK`` (the process director handles access requests).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from app.domain.bsn import normalise_bsn
from app.domain.cases import SubjectRole, display_name, fold_for_search
from app.domain.information import Category
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.errors import NotFound, ValidationError
from app.i18n import _
from app.services import cases as case_service
from app.services import parties as party_service
from app.services import retention as retention_service
from app.services.disclosures import Disclosure, party_names, read_disclosures
from app.sharing.policy import CaseContext, DataSubject, Setting, decide
from app.store.case_tables import cases, life_domain_problems, subjects
from app.vault.vault import OpenVault


class MoreThanOneMatch(ValidationError):
    """The search found more than one person; ``count`` says how many (no names)."""

    def __init__(self, count: int) -> None:
        super().__init__(_("The search matches {count} different people. Narrow it down: "
                           "add the given names, or search by BSN.").format(count=count),
                         field="surname")
        self.count = count


@dataclass(frozen=True)
class SubjectMatch:
    """One person, as found in one or more cases."""

    subject_ids: tuple[int, ...]
    given_names: str
    surname: str
    birth_date: date
    case_numbers: tuple[str, ...]

    @property
    def display_name(self) -> str:
        return display_name(self.given_names, self.surname)


def _rows(conn: Connection, **where: Any) -> list[Any]:
    query = (select(subjects, cases.c.number).join(cases, cases.c.id == subjects.c.case_id)
             .where(cases.c.state != CaseState.DESTROYED.value))
    for column, value in where.items():
        query = query.where(subjects.c[column].is_(None) if value is None
                            else subjects.c[column] == value)
    return list(conn.execute(query.order_by(cases.c.number, subjects.c.position)).mappings())


def _person(rows: list[Any]) -> SubjectMatch:
    first = rows[0]
    return SubjectMatch(tuple(int(r["id"]) for r in rows), first["given_names"],
                        first["surname"], first["birth_date"],
                        tuple(sorted({str(r["number"]) for r in rows})))


def match_subject(conn: Connection, *, bsn: str | None = None, surname: str | None = None,
                  birth_date: date | None = None,
                  given_names: str | None = None) -> SubjectMatch:
    """The search itself, inside a caller's connection (no permission check, no audit)."""
    if bsn:
        number = normalise_bsn(bsn)
        found = _rows(conn, bsn=number)
        if not found:
            raise NotFound(_("No subject with this BSN is held."))
        identities = {(r["name_key"], r["birth_date"]) for r in found}
        if len(identities) > 1:
            raise MoreThanOneMatch(len(identities))
        name_key, born = next(iter(identities))
        # The same person in cases where the BSN was already removed at closure.
        found += _rows(conn, name_key=name_key, birth_date=born, bsn=None)
        return _person(found)
    if not surname or not surname.strip() or birth_date is None:
        raise ValidationError(_("Search by BSN, or by surname and birth date."),
                              field="surname")
    found = _rows(conn, surname_key=fold_for_search(surname), birth_date=birth_date)
    if given_names and given_names.strip():
        wanted = fold_for_search(given_names)
        found = [r for r in found if r["name_key"].startswith(wanted + " ")
                 or r["name_key"] == wanted]
    if not found:
        raise NotFound(_("No subject with this surname and birth date is held."))
    people: dict[Any, set[str]] = {}
    for r in found:
        people.setdefault(r["name_key"], set())
        if r["bsn"]:
            people[r["name_key"]].add(r["bsn"])
    count = sum(max(1, len(numbers)) for numbers in people.values())
    if count > 1:
        raise MoreThanOneMatch(count)
    return _person(found)


def find_subject(vault: OpenVault, *, bsn: str | None = None, surname: str | None = None,
                 birth_date: date | None = None,
                 given_names: str | None = None) -> SubjectMatch:
    """Find one person across cases; audited without the search terms."""
    vault.require(Permission.CASE_WORK, "subject", "-")
    by = "bsn" if bsn else "name"
    # The read transaction ends before a refusal is logged (a log needs the write lock).
    try:
        with vault.read() as conn:
            match = match_subject(conn, bsn=bsn, surname=surname, birth_date=birth_date,
                                  given_names=given_names)
    except MoreThanOneMatch as many:
        vault.log_now("subject.search", "subject", "-", result="denied",
                      detail={"by": by, "people": many.count})
        raise
    except NotFound:
        vault.log_now("subject.search", "subject", "-", detail={"by": by, "people": 0})
        raise
    vault.log_now("subject.search", "subject", ",".join(map(str, match.subject_ids[:8])),
                  detail={"by": by, "people": 1, "cases": list(match.case_numbers)})
    return match


# -- the report -----------------------------------------------------------------------------

@dataclass(frozen=True)
class ItemDisclosure:
    recipient: str
    at: date
    sha256: str


@dataclass(frozen=True)
class HeldItem:
    source: str
    category: Category
    received: date
    text: str
    use_restriction: str
    disclosed_to: tuple[ItemDisclosure, ...]


@dataclass(frozen=True)
class WithheldItems:
    """Items not in the export because another access regime applies, and where to ask."""

    count: int
    reason: str
    ask: tuple[str, ...]


@dataclass(frozen=True)
class CaseSection:
    number: str
    protocol: Protocol
    state: CaseState
    received: date
    role: SubjectRole
    given_names: str
    surname: str
    birth_date: date
    address: str | None
    bsn: str | None
    life_domains: tuple[tuple[LifeDomain, str], ...]
    items: tuple[HeldItem, ...]
    withheld: tuple[WithheldItems, ...]
    disclosures: tuple[Disclosure, ...]
    destroy_on: date | None
    retention_months: int


@dataclass(frozen=True)
class SubjectAccessReport:
    person: SubjectMatch
    house: str
    made_on: date
    cases: tuple[CaseSection, ...]


def _case_section(conn: Connection, subject_row: Any, today: date, names: dict[int, str],
                  standings: Any) -> CaseSection:
    case_id = int(subject_row["case_id"])
    case_row = conn.execute(select(cases).where(cases.c.id == case_id)).mappings().one()
    protocol = Protocol(case_row["protocol"])
    subject_ids = frozenset(int(i) for i in conn.execute(
        select(subjects.c.id).where(subjects.c.case_id == case_id)).scalars())
    context = CaseContext(case_id=case_id, protocol=protocol, on=today,
                          state=CaseState(case_row["state"]), subject_ids=subject_ids)
    viewer = DataSubject(int(subject_row["id"]))
    disclosures = read_disclosures(conn, case_numbers=[str(case_row["number"])])
    held: list[HeldItem] = []
    withheld: dict[str, tuple[int, set[str]]] = {}
    for item in case_service.information_items(conn, case_id):
        decision = decide(item, viewer, Setting.SUBJECT_ACCESS, context, standings)
        source = names.get(item.source_party_id, f"#{item.source_party_id}")
        if not decision.allowed:
            label = decision.reason.label
            count, asked = withheld.get(label, (0, set()))
            withheld[label] = (count + 1, asked | {source})
            continue
        allowed = set(item.terms.shared_with) | {item.source_party_id}
        went = tuple(ItemDisclosure(d.recipient, d.at.date(), d.sha256) for d in disclosures
                     if d.recipient_party_id in allowed and d.at.date() >= item.received)
        held.append(HeldItem(source, item.category, item.received, item.text,
                             decision.use_restriction, went))
    domains = tuple((LifeDomain(d), text) for d, text in conn.execute(
        select(life_domain_problems.c.domain, life_domain_problems.c.description)
        .where(life_domain_problems.c.case_id == case_id)
        .order_by(life_domain_problems.c.id)))
    period = retention_service.period_for(conn, protocol)
    return CaseSection(
        number=str(case_row["number"]), protocol=protocol, state=CaseState(case_row["state"]),
        received=case_row["received"], role=SubjectRole(subject_row["role"]),
        given_names=subject_row["given_names"], surname=subject_row["surname"],
        birth_date=subject_row["birth_date"], address=subject_row["address"],
        bsn=subject_row["bsn"], life_domains=domains, items=tuple(held),
        withheld=tuple(WithheldItems(n, reason, tuple(sorted(asked)))
                       for reason, (n, asked) in sorted(withheld.items())),
        disclosures=tuple(disclosures),
        destroy_on=retention_service.destruction_date(conn, case_id),
        retention_months=period.months)


def build_report(conn: Connection, match: SubjectMatch, today: date) -> SubjectAccessReport:
    from app.services.handouts import house_name

    names = party_names(conn)
    standings = party_service.standings(conn)
    rows = list(conn.execute(select(subjects).where(subjects.c.id.in_(match.subject_ids))
                             .order_by(subjects.c.case_id)).mappings())
    sections = tuple(_case_section(conn, r, today, names, standings) for r in rows)
    return SubjectAccessReport(match, house_name(conn), today, sections)


def subject_access_report(vault: OpenVault, match: SubjectMatch,
                          today: date | None = None) -> SubjectAccessReport:
    vault.require(Permission.CASE_WORK, "subject", "-")
    with vault.read() as conn:
        report = build_report(conn, match, today or date.today())
    vault.log_now("subject.report", "subject", ",".join(map(str, match.subject_ids[:8])),
                  detail={"cases": list(match.case_numbers)})
    return report


@dataclass(frozen=True)
class SubjectExport:
    path: Path
    sha256: str
    cases: tuple[str, ...]


def export_subject_access(vault: OpenVault, out: Path, *, bsn: str | None = None,
                          surname: str | None = None, birth_date: date | None = None,
                          given_names: str | None = None, password: str | None = None,
                          today: date | None = None) -> SubjectExport:
    """Find the person, build the report, write the PDF and log the export."""
    from app.export import pdf
    from app.export.subject_access_pdf import render_subject_access

    match = find_subject(vault, bsn=bsn, surname=surname, birth_date=birth_date,
                         given_names=given_names)
    report = subject_access_report(vault, match, today)
    data = render_subject_access(report, password)
    digest = pdf.sha256(data)
    # named only once its row is committed (see ``pdf.published_after``)
    with pdf.published_after(Path(out), data), vault.begin() as conn:
        vault.log(conn, "export.subject_access", "subject",
                  ",".join(map(str, match.subject_ids[:8])), detail={
                      "kind": "subject_access", "cases": list(match.case_numbers),
                      "items": sum(len(c.items) for c in report.cases),
                      "encrypted": password is not None, "sha256": digest})
    return SubjectExport(Path(out), digest, match.case_numbers)
