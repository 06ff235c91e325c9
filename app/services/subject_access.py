"""Subject access (AVG art. 15): find one person across cases, draft what the house holds
about them, let the process director review the draft, and only then write the PDF.

Public API:

- :func:`find_subject` ``(vault, bsn=... | surname=..., birth_date=..., given_names=None |
  subject_id=...)`` -> :class:`SubjectMatch`. A search that matches more than one person
  raises :class:`MoreThanOneMatch` (a ``ValidationError``: narrow the search, e.g. with the
  given names or the BSN); no match raises ``NotFound``. A person found by BSN also brings
  the cases where the BSN was already removed at closure (same names and birth date, no
  BSN). ``subject_id`` starts from one subject of a case (the case screen).
- :func:`draft_subject_access` -> :class:`SubjectAccessDraft`: per case of the person, every
  item the sharing policy's ``SUBJECT_ACCESS`` setting allows (items that concern them),
  each with the policy's review flags (:func:`app.sharing.policy.subject_access_review`: a
  use restriction, other subjects, police or judicial data, the supplier has not agreed).
  The referral's texts per life domain of each case are entries of the draft too (they
  describe the whole household: always marked ``OTHER_SUBJECTS``, supplied by the referring
  party), decided like items; the fingerprint covers them, so a review made before such a
  text changed is refused.
  An item without flags starts as "include"; a flagged one starts undecided. The director
  decides each (:meth:`SubjectAccessDraft.decide`): include, redact (with the redacted text)
  or withhold with a :class:`Ground` (AVG 15(4), AVG 23 / UAVG 41, another controller). The
  draft carries a keyed fingerprint of the vault's data it was made from.
- :func:`write_draft` writes the draft as a review file (JSON, :meth:`to_json`) for the
  command line. It holds the items' texts, so it is personal data: written atomically like
  an export, mode 600, and logged (``export.subject_access_draft`` with its SHA-256).
  :func:`read_review` reads one back.
- :func:`export_subject_access` ``(vault, out, draft, ...)`` writes the PDF
  (``app.export.subject_access_pdf``) from a *reviewed* draft only: no draft, a draft with a
  flagged item undecided, or one made against other data than the vault holds now
  ("changed since the draft") is refused with one line, nothing is written, and the refusal
  is logged (``export.subject_access``, result ``denied``, with a reason code). The export
  is logged with the file's SHA-256, and each item's decision gets a row of its own
  (``subject_access.decision``: item id, decision, ground; never a text).
- :func:`subject_access_report` -> :class:`SubjectAccessReport`: the content of the PDF for
  a reviewed draft; without one, only what needs no review (``pending_review`` counts the
  rest, and the PDF layer refuses such a report).

Withheld items are shown in the PDF by category and supplier only, with the supplier to
whom the subject may apply (a withheld life-domain text as "the referral's description of
the household's problems" and the referring party); a redacted item only by its redacted
text. The review file is versioned (``REVIEW_VERSION``); a file of another version is
refused with one line.

The search terms are never written to the audit log, only how the person was sought and
how many matched. Needs ``CASE_WORK`` (the process director handles access requests).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from app.domain.bsn import normalise_bsn
from app.domain.cases import SubjectRole, fold_for_search
from app.domain.information import Category
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.domain.roles import Permission
from app.domain.views import (
    CaseSection,
    Ground,
    HeldItem,
    ItemDisclosure,
    SubjectAccessReport,
    SubjectMatch,
    WithheldItem,
)
from app.errors import NotFound, ValidationError
from app.i18n import N_, _
from app.services import cases as case_service
from app.services import parties as party_service
from app.services import retention as retention_service
from app.services.disclosures import party_names, read_disclosures
from app.services.sharing_context import case_context
from app.sharing.policy import (
    DataSubject,
    ReviewFlag,
    Setting,
    decide,
    subject_access_review,
)
from app.store import subject_access as access_rows
from app.store.vault_secrets import vault_secret
from app.vault.vault import OpenVault
from app.vault.access import entry_point


class MoreThanOneMatch(ValidationError):
    """The search found more than one person; ``count`` says how many (no names)."""

    def __init__(self, count: int) -> None:
        super().__init__(_("The search matches {count} different people. Narrow it down: "
                           "add the given names, or search by BSN.").format(count=count),
                         field="surname")
        self.count = count


def _rows(conn: Connection, **where: Any) -> list[Any]:
    return list(access_rows.held_subjects(conn, where))


def _same_name(conn: Connection, surname_keys: Iterable[str], name_key: str,
               born: date) -> list[Any]:
    """The subjects with this full name (folded) and birth date: looked up by the surname
    and birth date (on the house server the one blind index it keeps for a name, over the
    pair), the full name compared here, on the workstation."""
    return [r for key in sorted(set(surname_keys))
            for r in access_rows.held_by_surname_birth(conn, key, born)
            if r["name_key"] == name_key]


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
        found += [r for r in _same_name(conn, (r["surname_key"] for r in found), name_key,
                                        born) if r["bsn"] is None]
        return _person(found)
    if not surname or not surname.strip() or birth_date is None:
        raise ValidationError(_("Search by BSN, or by surname and birth date."),
                              field="surname")
    found = access_rows.held_by_surname_birth(conn, fold_for_search(surname), birth_date)
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


def match_subject_id(conn: Connection, subject_id: int) -> SubjectMatch:
    """The person one case's subject is, across cases (no permission check, no audit): by
    the BSN when it is held, else by the full name and birth date."""
    row = access_rows.identity(conn, subject_id)
    if row is None:
        raise NotFound(_("This subject is not held (any more)."))
    if row[0]:
        return match_subject(conn, bsn=str(row[0]))
    found = _same_name(conn, (row[3],), row[1], row[2])
    numbers = {r["bsn"] for r in found if r["bsn"]}
    if len(numbers) > 1:
        raise MoreThanOneMatch(len(numbers))
    if numbers:
        return match_subject(conn, bsn=next(iter(numbers)))
    return _person(found)


@entry_point
def find_subject(vault: OpenVault, *, bsn: str | None = None, surname: str | None = None,
                 birth_date: date | None = None, given_names: str | None = None,
                 subject_id: int | None = None) -> SubjectMatch:
    """Find one person across cases; audited without the search terms."""
    vault.require(Permission.CASE_WORK, "subject", "-")
    by = "subject" if subject_id is not None else "bsn" if bsn else "name"
    # The read transaction ends before a refusal is logged (a log needs the write lock).
    try:
        with vault.read() as conn:
            if subject_id is not None:
                match = match_subject_id(conn, subject_id)
            else:
                match = match_subject(conn, bsn=bsn, surname=surname,
                                      birth_date=birth_date, given_names=given_names)
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


# -- the draft the process director reviews -------------------------------------------------

class Choice(StrEnum):
    """What the process director decides for one item of the draft."""

    INCLUDE = "include"     # give it as it is
    REDACT = "redact"       # give a redacted version (the text the director wrote)
    WITHHOLD = "withhold"   # leave it out, on a ground; named by category and supplier only

    @property
    def label(self) -> str:
        return _(CHOICE_LABELS[self])


CHOICE_LABELS = {
    Choice.INCLUDE: N_("Include"),
    Choice.REDACT: N_("Include a redacted version"),
    Choice.WITHHOLD: N_("Withhold"),
}


@dataclass(frozen=True)
class ItemDecision:
    """The director's decision on one item: ``redacted_text`` only for REDACT, ``ground``
    only for WITHHOLD."""

    choice: Choice
    redacted_text: str = ""
    ground: Ground | None = None

    def problem(self, original: str) -> str | None:
        """Why this decision cannot stand for an item whose text is ``original`` (translated,
        one line), or None."""
        if self.choice is Choice.REDACT:
            text = self.redacted_text.strip()
            if not text:
                return _("The redacted version is empty.")
            if text == original.strip():
                return _("The redacted version is the same as the original text.")
        if self.choice is Choice.WITHHOLD and self.ground is None:
            return _("Withholding needs a ground: AVG 15(4), AVG 23 / UAVG 41 or another "
                     "controller.")
        return None


INCLUDE = ItemDecision(Choice.INCLUDE)


def life_domain_entry(row_id: int) -> int:
    """The draft's id of the life-domain text with row id ``row_id``."""
    return -row_id


@dataclass(frozen=True)
class DraftItem:
    """One entry the subject may have, with why it needs review and the decision so far
    (None: undecided): an information item, or (``life_domain`` set) one of the referral's
    texts about the household's problems in a life domain. A life-domain entry's
    ``item_id`` is minus its row's id (:func:`life_domain_entry`), so that items and
    life-domain texts share one numbering in the draft; it is always marked
    ``OTHER_SUBJECTS`` (it describes the whole household) and supplied by the referring
    party."""

    item_id: int
    case_number: str
    source_party_id: int
    source: str
    category: Category
    received: date
    text: str
    flags: tuple[ReviewFlag, ...]
    decision: ItemDecision | None = None
    life_domain: LifeDomain | None = None

    @property
    def row_id(self) -> int:
        """The id of the item, or of the life-domain row."""
        return -self.item_id if self.life_domain is not None else self.item_id

    @property
    def name(self) -> str:
        """How a one-line message names the entry ("item 12", "life-domain text 3")."""
        if self.life_domain is not None:
            return _("life-domain text {id}").format(id=self.row_id)
        return _("item {id}").format(id=self.item_id)

    @property
    def kind_label(self) -> str:
        """What the entry is, as a reviewer reads it: the item's category, or the life
        domain of the referral's text."""
        if self.life_domain is not None:
            return _("Referral, life domain: {domain}").format(domain=self.life_domain.label)
        return self.category.label

    @property
    def needs_review(self) -> bool:
        return bool(self.flags)

    @property
    def decided(self) -> bool:
        """A decision that can stand; an item without flags counts as included."""
        if self.decision is None:
            return not self.flags
        return self.decision.problem(self.text) is None

    @property
    def effective(self) -> ItemDecision | None:
        """The decision the PDF follows (INCLUDE for an item without flags left open)."""
        if self.decision is None:
            return None if self.flags else INCLUDE
        return self.decision if self.decision.problem(self.text) is None else None


#: what a review file says it is
REVIEW_FORMAT = "casuskamer-subject-access-review"
#: 2: the referral's life-domain texts are entries of their own ("life_domain")
REVIEW_VERSION = 2


class ReviewRefused(ValidationError):
    """A review (file) that cannot make a PDF; ``reason`` is the code logged."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message, field="review")
        self.reason = reason


@dataclass(frozen=True)
class SubjectAccessDraft:
    """The draft of one subject-access export, made on ``made_on`` from the vault's data
    whose keyed fingerprint is ``fingerprint``. Immutable: :meth:`decide` returns a new
    draft."""

    subject_ids: tuple[int, ...]
    case_numbers: tuple[str, ...]
    made_on: date
    fingerprint: str
    items: tuple[DraftItem, ...]

    def item(self, item_id: int) -> DraftItem:
        for item in self.items:
            if item.item_id == item_id:
                return item
        raise NotFound(_("Item {id} is not in this draft.").format(id=item_id))

    def decide(self, item_id: int, decision: ItemDecision | None) -> SubjectAccessDraft:
        """This draft with ``decision`` for item ``item_id`` (None: undecided again); a
        decision that cannot stand is a ``ValidationError`` naming the item."""
        target = self.item(item_id)
        if decision is not None:
            problem = decision.problem(target.text)
            if problem is not None:
                raise ValidationError(_("{entry}: {problem}").format(
                    entry=target.name, problem=problem), field="decision")
            if decision.choice is not Choice.REDACT:
                decision = replace(decision, redacted_text="")
            if decision.choice is not Choice.WITHHOLD:
                decision = replace(decision, ground=None)
        return replace(self, items=tuple(replace(i, decision=decision)
                                         if i.item_id == item_id else i
                                         for i in self.items))

    @property
    def undecided(self) -> tuple[DraftItem, ...]:
        """The items still to be decided (flagged and open, or a decision that cannot
        stand)."""
        return tuple(i for i in self.items if not i.decided)

    @property
    def reviewed(self) -> bool:
        return not self.undecided

    @property
    def flagged(self) -> int:
        return sum(1 for i in self.items if i.flags)

    # -- the review file --------------------------------------------------------------------

    def to_json(self) -> str:
        """The review file: the items with their flags and the decisions so far. It holds
        the items' texts (personal data) but not the subject's name, BSN or address."""
        body = {
            "format": REVIEW_FORMAT, "version": REVIEW_VERSION,
            "about": _("Subject-access review (AVG art. 15). For every item set \"decision\" "
                       "to \"include\", \"redact\" (and write \"redacted_text\") or "
                       "\"withhold\" (and set \"ground\"). Items listed under \"review\" "
                       "must be decided; an entry with \"life_domain\" is the referral's "
                       "text about the household's problems in that life domain. This "
                       "file holds personal data: delete it once the PDF is made."),
            "choices": {"decision": [c.value for c in Choice],
                        "ground": [g.value for g in Ground]},
            "made_on": self.made_on.isoformat(),
            "subject_ids": list(self.subject_ids),
            "cases": list(self.case_numbers),
            "fingerprint": self.fingerprint,
            "items": [{
                **({"life_domain": i.row_id, "domain": i.life_domain.value}
                   if i.life_domain is not None else {"item": i.item_id}),
                "case": i.case_number, "supplied_by": i.source,
                "category": i.category.value, "received": i.received.isoformat(),
                "text": i.text, "review": [f.value for f in i.flags],
                "decision": i.decision.choice.value if i.decision else None,
                "redacted_text": i.decision.redacted_text if i.decision else "",
                "ground": (i.decision.ground.value
                           if i.decision and i.decision.ground else None),
            } for i in self.items],
        }
        return json.dumps(body, ensure_ascii=False, indent=1) + "\n"

    @classmethod
    def from_json(cls, text: str | bytes) -> SubjectAccessDraft:
        """A draft back from a review file; ``ReviewRefused`` (reason ``malformed``) with
        one line when it is not one. Its texts and flags are what the file says: the
        export takes them from the vault, and only the decisions from the file."""
        return _parse_review(text)


def _malformed(reason: str) -> ReviewRefused:
    return ReviewRefused(_("The review file cannot be used: {reason}").format(reason=reason),
                         "malformed")


def _parse_review(text: str | bytes) -> SubjectAccessDraft:
    try:
        body = json.loads(text)
    except UnicodeDecodeError:
        raise _malformed(_("it is not UTF-8 text.")) from None
    except json.JSONDecodeError as exc:
        raise _malformed(_("it is not valid JSON (line {line}, column {column}).").format(
            line=exc.lineno, column=exc.colno)) from None
    if not isinstance(body, dict) or body.get("format") != REVIEW_FORMAT:
        raise _malformed(_("it is not a subject-access review file of Casuskamer."))
    if body.get("version") != REVIEW_VERSION:
        raise _malformed(_("its version is not {version} (made by another version of the "
                           "program): make a new draft and review it.").format(
            version=REVIEW_VERSION))

    def ints(key: str) -> tuple[int, ...]:
        value = body.get(key)
        if not isinstance(value, list) or not value or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in value):
            raise _malformed(_("\"{key}\" is not a list of numbers.").format(key=key))
        return tuple(value)

    def string(holder: Mapping[str, Any], key: str, where: str) -> str:
        value = holder.get(key, "")
        if not isinstance(value, str):
            raise _malformed(_("{where}: \"{key}\" is not text.").format(where=where, key=key))
        return value

    def day(value: Any, where: str) -> date:
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            raise _malformed(_("{where}: not a date of the form YYYY-MM-DD.")
                             .format(where=where)) from None

    subject_ids = ints("subject_ids")
    fingerprint = string(body, "fingerprint", _("the file"))
    cases_listed = body.get("cases", [])
    if not isinstance(cases_listed, list) or not all(isinstance(c, str) for c in cases_listed):
        raise _malformed(_("\"cases\" is not a list of case numbers."))
    listed = body.get("items")
    if not isinstance(listed, list):
        raise _malformed(_("\"items\" is not a list."))
    items: list[DraftItem] = []
    seen: set[int] = set()
    for position, entry in enumerate(listed, start=1):
        where = _("entry {n} of \"items\"").format(n=position)
        if not isinstance(entry, dict):
            raise _malformed(_("{where} is not an object.").format(where=where))
        domain: LifeDomain | None = None
        if "life_domain" in entry:
            row_id = entry.get("life_domain")
            if not isinstance(row_id, int) or isinstance(row_id, bool) or row_id <= 0:
                raise _malformed(_("{where}: \"life_domain\" is not a number.").format(
                    where=where))
            try:
                domain = LifeDomain(str(entry.get("domain", "")))
            except ValueError:
                raise _malformed(_("{where}: unknown life domain.").format(
                    where=where)) from None
            item_id = life_domain_entry(row_id)
            where = _("life-domain text {id}").format(id=row_id)
        else:
            raw_id = entry.get("item")
            if not isinstance(raw_id, int) or isinstance(raw_id, bool) or raw_id <= 0:
                raise _malformed(_("{where}: \"item\" is not a number.").format(
                    where=where))
            item_id = raw_id
            where = _("item {id}").format(id=item_id)
        if item_id in seen:
            raise _malformed(_("{where} is listed twice.").format(where=where))
        seen.add(item_id)
        try:
            category = Category(str(entry.get("category", "")))
            flags = tuple(ReviewFlag(f) for f in entry.get("review") or ())
        except (ValueError, TypeError):
            raise _malformed(_("{where}: unknown category or review mark.")
                             .format(where=where)) from None
        decision: ItemDecision | None = None
        raw_choice = entry.get("decision")
        if raw_choice is not None:
            try:
                choice = Choice(raw_choice)
            except ValueError:
                raise _malformed(_("{where}: \"decision\" must be include, redact or "
                                   "withhold.").format(where=where)) from None
            raw_ground = entry.get("ground")
            ground = None
            if choice is Choice.WITHHOLD and raw_ground is not None:
                try:
                    ground = Ground(raw_ground)
                except ValueError:
                    raise _malformed(_("{where}: \"ground\" must be one of {grounds}.").format(
                        where=where, grounds=", ".join(g.value for g in Ground))) from None
            redacted = string(entry, "redacted_text", where) if choice is Choice.REDACT else ""
            decision = ItemDecision(choice, redacted, ground)
        items.append(DraftItem(
            item_id=item_id, case_number=string(entry, "case", where),
            source_party_id=0, source=string(entry, "supplied_by", where),
            category=category, received=day(entry.get("received"), where),
            text=string(entry, "text", where), flags=flags, decision=decision,
            life_domain=domain))
    return SubjectAccessDraft(subject_ids, tuple(cases_listed),
                              day(body.get("made_on"), _("the file")), fingerprint,
                              tuple(items))


# -- reading the draft from the vault ---------------------------------------------------------

FINGERPRINT_KEY = "subject_access_fingerprint_key"


def _fingerprint_key(vault: OpenVault) -> bytes:
    """A key of this vault for the fingerprint, so the review file (which lacks the BSN and
    the address) cannot be used to test guesses of them: a random secret inside the vault,
    which outlives a change of the data key (a review made before a revocation still
    matches after it)."""
    with vault.begin() as conn:
        return vault_secret(conn, FINGERPRINT_KEY)


def _canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def _subject_rows(conn: Connection, match: SubjectMatch) -> list[Any]:
    return list(access_rows.subjects_by_id(conn, match.subject_ids))


def _life_domain_entries(conn: Connection, case_id: int, number: str,
                         names: Mapping[int, str]) -> list[DraftItem]:
    """The referral's texts per life domain of one case, as draft entries: they describe
    the whole household, so each is marked OTHER_SUBJECTS and starts undecided; supplied
    by the referring party."""
    case_row = access_rows.referral_of(conn, case_id)
    referrer = case_row[0] or 0
    source = names.get(referrer) if referrer else None
    return [DraftItem(
        item_id=life_domain_entry(int(row_id)), case_number=number,
        source_party_id=referrer, source=source or _("the referring party"),
        category=Category.GENERAL, received=case_row[1], text=str(text),
        flags=(ReviewFlag.OTHER_SUBJECTS,), decision=None, life_domain=LifeDomain(domain))
        for row_id, domain, text in access_rows.life_domain_texts(conn, case_id)]


def build_draft(conn: Connection, match: SubjectMatch, today: date,
                key: bytes) -> SubjectAccessDraft:
    """The draft inside a caller's connection (no permission check, no audit)."""
    names = party_names(conn)
    standings = party_service.standings(conn)
    items: list[DraftItem] = []
    seen: list[Any] = []
    for row in _subject_rows(conn, match):
        case_id = int(row["case_id"])
        context = case_context(conn, case_id, today)
        viewer = DataSubject(int(row["id"]))
        seen.append({
            "subject": int(row["id"]), "case": case_id, "number": str(row["number"]),
            "given_names": row["given_names"], "surname": row["surname"],
            "birth_date": row["birth_date"].isoformat(), "bsn": row["bsn"],
            "address": row["address"], "role": row["role"],
            "case_subjects": sorted(context.subject_ids)})
        for item in case_service.information_items(conn, case_id):
            if not decide(item, viewer, Setting.SUBJECT_ACCESS, context, standings).allowed:
                continue
            flags = subject_access_review(item, viewer.subject_id, context)
            items.append(DraftItem(
                item_id=item.id, case_number=str(row["number"]),
                source_party_id=item.source_party_id,
                source=names.get(item.source_party_id, f"#{item.source_party_id}"),
                category=item.category, received=item.received, text=item.text,
                flags=flags, decision=None if flags else INCLUDE))
            seen.append({
                "item": item.id, "case": case_id, "source": item.source_party_id,
                "category": item.category.value, "text": item.text,
                "received": item.received.isoformat(),
                "shared_with": sorted(item.terms.shared_with),
                "pre_meeting_view": item.terms.pre_meeting_view,
                "meeting_screen": item.terms.meeting_screen,
                "use_restriction": item.terms.use_restriction,
                "subject_access": item.terms.subject_access,
                "concerns": None if item.concerns is None else sorted(item.concerns),
                "flags": [f.value for f in flags]})
        for entry in _life_domain_entries(conn, case_id, str(row["number"]), names):
            items.append(entry)
            seen.append({"life_domain": entry.row_id, "case": case_id,
                         "domain": str(entry.life_domain), "text": entry.text,
                         "source": entry.source_party_id})
    fingerprint = hmac.new(key, _canonical({"subjects": sorted(match.subject_ids),
                                            "data": seen}), hashlib.sha256).hexdigest()
    return SubjectAccessDraft(tuple(match.subject_ids), tuple(match.case_numbers), today,
                              fingerprint, tuple(items))


def _object_id(subject_ids: Iterable[int]) -> str:
    return ",".join(map(str, list(subject_ids)[:8]))


@entry_point
def draft_subject_access(vault: OpenVault, match: SubjectMatch,
                         today: date | None = None) -> SubjectAccessDraft:
    """The draft for the person found: every item that concerns them, flagged where the
    process director must decide. Audited (``subject.access_draft``) with counts only."""
    vault.require(Permission.CASE_WORK, "subject", "-")
    with vault.read() as conn:
        draft = build_draft(conn, match, today or date.today(), _fingerprint_key(vault))
    vault.log_now("subject.access_draft", "subject", _object_id(match.subject_ids),
                  detail={"cases": list(match.case_numbers), "items": len(draft.items),
                          "to_review": draft.flagged})
    return draft


@dataclass(frozen=True)
class DraftFile:
    path: Path
    sha256: str
    items: int
    to_review: int


@entry_point
def write_draft(vault: OpenVault, draft: SubjectAccessDraft, out: Path) -> DraftFile:
    """Write the review file atomically (mode 600) and log it like an export, with its
    SHA-256: it holds the items' texts."""
    from app.export import pdf

    vault.require(Permission.CASE_WORK, "subject", "-")
    data = draft.to_json().encode("utf-8")
    digest = pdf.sha256(data)
    # named only once its row is committed, as an export is
    with pdf.published_after(Path(out), data), vault.begin() as conn:
        vault.log(conn, "export.subject_access_draft", "subject",
                  _object_id(draft.subject_ids), detail={
                      "kind": "subject_access_draft", "cases": list(draft.case_numbers),
                      "items": len(draft.items), "to_review": draft.flagged,
                      "sha256": digest})
    return DraftFile(Path(out), digest, len(draft.items), draft.flagged)


@entry_point
def read_review(vault: OpenVault, path: Path) -> SubjectAccessDraft:
    """A review file read back; unreadable or malformed: ``ReviewRefused``, audited."""
    vault.require(Permission.CASE_WORK, "subject", "-")
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        refused = ReviewRefused(_("The review file {file} cannot be read: {reason}").format(
            file=path, reason=exc.strerror), "unreadable")
        _log_refusal(vault, (), refused)
        raise refused from None
    try:
        return SubjectAccessDraft.from_json(data)
    except ReviewRefused as refused:
        _log_refusal(vault, (), refused)
        raise


def _log_refusal(vault: OpenVault, subject_ids: Iterable[int], refused: ReviewRefused,
                 **extra: Any) -> None:
    ids = list(subject_ids)
    vault.log_now("export.subject_access", "subject", _object_id(ids) if ids else "-",
                  result="denied", detail={"kind": "subject_access",
                                           "reason": refused.reason, **extra})


def _no_review() -> ReviewRefused:
    return ReviewRefused(_("A subject-access PDF is made only from a reviewed draft: make "
                           "the draft, decide every marked item, then make the PDF."),
                         "no_review")


def review_against(current: SubjectAccessDraft,
                   review: SubjectAccessDraft | None) -> SubjectAccessDraft:
    """``current`` (read from the vault now) with the decisions of ``review``, if the review
    was made against the same data and decides every flagged item; ``ReviewRefused``
    otherwise. Texts and flags are the vault's; only the decisions come from the review."""
    if review is None:
        raise _no_review()
    if review.subject_ids != current.subject_ids:
        raise ReviewRefused(_("The review is of another person, or the person's cases "
                              "changed since the draft: make a new draft and review it."),
                            "other_person")
    if (not hmac.compare_digest(review.fingerprint, current.fingerprint)
            or [i.item_id for i in review.items] != [i.item_id for i in current.items]):
        raise ReviewRefused(_("The review does not match the vault's current data (changed "
                              "since the draft): make a new draft and review it."),
                            "changed")
    merged = current
    for theirs in review.items:
        if theirs.decision is None:
            continue
        problem = theirs.decision.problem(current.item(theirs.item_id).text)
        if problem is not None:
            raise ReviewRefused(_("{entry}: {problem}").format(
                entry=current.item(theirs.item_id).name, problem=problem),
                "invalid_decision")
        merged = merged.decide(theirs.item_id, theirs.decision)
    open_items = merged.undecided
    if open_items:
        raise ReviewRefused(_("{count} marked item(s) are not decided yet (include, redact "
                              "or withhold with a ground): {items}.").format(
            count=len(open_items),
            items=", ".join(i.name for i in open_items[:10])), "undecided")
    return merged


# -- the report -----------------------------------------------------------------------------

def _case_section(conn: Connection, subject_row: Any, draft: SubjectAccessDraft,
                  names: Mapping[int, str]) -> CaseSection:
    case_id = int(subject_row["case_id"])
    case_row = access_rows.case_row(conn, case_id)
    number = str(case_row["number"])
    protocol = Protocol(case_row["protocol"])
    disclosures = read_disclosures(conn, case_numbers=[number])
    terms = {i.id: i for i in case_service.information_items(conn, case_id)}
    held: list[HeldItem] = []
    withheld: list[WithheldItem] = []
    domains: list[tuple[LifeDomain, str]] = []
    redacted_domains: list[LifeDomain] = []
    pending = 0
    for entry in draft.items:
        if entry.case_number != number:
            continue
        decision = entry.effective
        if decision is None:
            pending += 1
            continue
        if decision.choice is Choice.WITHHOLD:
            assert decision.ground is not None
            withheld.append(WithheldItem(entry.category, names.get(
                entry.source_party_id, entry.source), decision.ground,
                life_domain=entry.life_domain is not None))
            continue
        if entry.life_domain is not None:
            # the text as the draft holds it: the vault's now (the review was checked)
            if decision.choice is Choice.REDACT:
                domains.append((entry.life_domain, decision.redacted_text.strip()))
                redacted_domains.append(entry.life_domain)
            else:
                domains.append((entry.life_domain, entry.text))
            continue
        item = terms[entry.item_id]
        allowed = set(item.terms.shared_with) | {item.source_party_id}
        went = tuple(ItemDisclosure(d.recipient, d.at.date(), d.sha256) for d in disclosures
                     if d.recipient_party_id in allowed and d.at.date() >= item.received)
        redacted = decision.choice is Choice.REDACT
        held.append(HeldItem(names.get(item.source_party_id, entry.source), item.category,
                             item.received,
                             decision.redacted_text.strip() if redacted else item.text,
                             redacted, went))
    period = retention_service.period_for(conn, protocol)
    return CaseSection(
        number=number, protocol=protocol, state=CaseState(case_row["state"]),
        received=case_row["received"], role=SubjectRole(subject_row["role"]),
        given_names=subject_row["given_names"], surname=subject_row["surname"],
        birth_date=subject_row["birth_date"], address=subject_row["address"],
        bsn=subject_row["bsn"], life_domains=tuple(domains), items=tuple(held),
        # a withheld life-domain text is listed once per referring party and ground (its
        # domain is not named, nor how many there are)
        withheld=tuple(sorted((w for w in withheld if not w.life_domain),
                              key=lambda w: (w.source, w.category, w.ground))
                       + sorted({w for w in withheld if w.life_domain},
                                key=lambda w: (w.source, w.ground))),
        redacted_domains=tuple(redacted_domains),
        disclosures=tuple(disclosures),
        destroy_on=retention_service.destruction_date(conn, case_id),
        retention_months=period.months, pending_review=pending)


def build_report(conn: Connection, match: SubjectMatch, draft: SubjectAccessDraft,
                 today: date) -> SubjectAccessReport:
    """The report of ``draft`` (made from this connection's data) for ``match``."""
    from app.services.handouts import house_name

    names = party_names(conn)
    sections = tuple(_case_section(conn, r, draft, names)
                     for r in _subject_rows(conn, match))
    return SubjectAccessReport(match, house_name(conn), today, sections)


def _reviewed_report(vault: OpenVault, match: SubjectMatch | None,
                     review: SubjectAccessDraft | None, today: date
                     ) -> tuple[SubjectMatch, SubjectAccessDraft, SubjectAccessReport]:
    """Read the vault now, check the review against it, and build the report; a refusal
    is logged and raised."""
    key = _fingerprint_key(vault)
    try:
        if review is None:
            raise _no_review()
        with vault.read() as conn:
            if match is None:
                match = match_subject_id(conn, review.subject_ids[0])
            current = build_draft(conn, match, today, key)
            reviewed = review_against(current, review)
            report = build_report(conn, match, reviewed, today)
    except ReviewRefused as refused:
        ids = match.subject_ids if match is not None else (
            review.subject_ids if review is not None else ())
        _log_refusal(vault, ids, refused)
        raise
    return match, reviewed, report


@entry_point
def subject_access_report(vault: OpenVault, match: SubjectMatch,
                          review: SubjectAccessDraft | None = None,
                          today: date | None = None) -> SubjectAccessReport:
    """The content of the export. With a review: checked as :func:`export_subject_access`
    checks it. Without one: only what needs no review, the rest counted in
    ``pending_review`` (such a report never becomes a PDF)."""
    vault.require(Permission.CASE_WORK, "subject", "-")
    day = today or date.today()
    if review is not None:
        _match, _reviewed, report = _reviewed_report(vault, match, review, day)
    else:
        with vault.read() as conn:
            draft = build_draft(conn, match, day, _fingerprint_key(vault))
            report = build_report(conn, match, draft, day)
    vault.log_now("subject.report", "subject", _object_id(match.subject_ids),
                  detail={"cases": list(match.case_numbers),
                          "reviewed": review is not None})
    return report


@dataclass(frozen=True)
class SubjectExport:
    path: Path
    sha256: str
    cases: tuple[str, ...]


@entry_point
def export_subject_access(vault: OpenVault, out: Path, review: SubjectAccessDraft | None, *,
                          match: SubjectMatch | None = None, password: str | None = None,
                          today: date | None = None) -> SubjectExport:
    """Write the PDF of a reviewed draft and log it, with a row per decision.

    ``review`` is the draft with the director's decisions (from the review dialog, or
    :func:`read_review`); ``match`` the person as found now (else found again from the
    draft's first subject). Refused, logged and nothing written: no review, a review of
    other data than the vault holds now, a marked item undecided."""
    from app.export import pdf
    from app.export.subject_access_pdf import render_subject_access

    vault.require(Permission.CASE_WORK, "subject", "-")
    if password is not None:
        pdf.check_password(password)
    match, reviewed, report = _reviewed_report(vault, match, review, today or date.today())
    data = render_subject_access(report, password)
    digest = pdf.sha256(data)
    object_id = _object_id(match.subject_ids)
    # named only once its rows are committed (see ``pdf.published_after``)
    with pdf.published_after(Path(out), data), vault.begin() as conn:
        vault.log(conn, "export.subject_access", "subject", object_id, detail={
            "kind": "subject_access", "cases": list(match.case_numbers),
            "items": sum(len(c.items) for c in report.cases),
            "withheld": sum(len(c.withheld) for c in report.cases),
            "encrypted": password is not None, "sha256": digest})
        for entry in reviewed.items:
            decision = entry.effective
            assert decision is not None
            vault.log(conn, "subject_access.decision",
                      "item" if entry.life_domain is None else "life_domain",
                      entry.row_id, detail={
                "case": entry.case_number, "subjects": object_id,
                "decision": decision.choice.value,
                "ground": decision.ground.value if decision.ground else None,
                "flags": [f.value for f in entry.flags], "sha256": digest})
    return SubjectExport(Path(out), digest, match.case_numbers)
