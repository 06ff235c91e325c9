"""Importing referrals from a file (format ``casuskamer-referrals/2``, and the older ``/1``
it extends, described for the houses' web forms in ``docs/referral-format.md``).

Format ``/2`` adds the partners to invite with their contact persons (``invitees``) and per
subject whether the subject was informed that the case is discussed, or the ground not to
(``informing``, AVG 13/14); a ``/1`` file is read as before (those keys are unknown there).

The import is all or nothing: every referral is checked first, with the same field rules as
the intake wizard, and one problem anywhere refuses the whole file with a message that names
the referral and the field by a stable path (``referrals[3].subjects[0].bsn: fails the
eleven-test``; the path stays English, the explanation is in the user's language). Only then
are all cases created, in ``referred``, in one transaction. An ``external_ref`` already in
the vault (or twice in the file) is refused.

Whose terms (covenant 16.2, 9.2: the party that supplied information decides on it): an
item the referring party supplied itself is stored with the terms the file gives. An item
of any other party is stored with the narrowest terms (only its source and the process
director; a use restriction is kept, as it only narrows) and marked ``terms_to_confirm``;
the terms the file asked for become requests to the source party to widen them
(``app.services.triage.ask_source_party``), answered in triage. Each item records which of
the referral's subjects it concerns (``concerns``: positions in ``subjects``, or
``"household"``, the default).

:func:`parse_referrals` is pure (no vault) and is what the tests exercise rule by rule;
:func:`import_referrals` is the use case (``REGISTER_REFERRAL``, audited per case).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from app.domain.cases import Subject, check_required_text, parse_date
from app.domain.information import Category, SharingTerms
from app.domain.intake import (
    FieldError,
    InformationInput,
    Referral,
    SubjectEntry,
    check_family,
    check_life_domains,
    check_party,
    check_protocol,
    check_received,
    check_subject,
)
from app.domain.lifecycle import CaseState
from app.domain.referral_contacts import (
    EMAIL_LIMIT,
    GROUND_TEXT_LIMIT,
    PHONE_LIMIT,
    Informing,
    Invitee,
    check_informing,
    check_invitee,
)
from app.domain.roles import Permission
from app.domain.standing import PartyStanding
from app.domain.text_rules import (
    ADDRESS_LIMIT,
    NAME_LIMIT,
    check_free_text,
    check_identifying,
    escape_invisible,
)
from app.domain.triage import narrowest_keeping_restriction, widening_asks
from app.errors import ValidationError
from app.i18n import _, ngettext
from app.services import cases as case_store
from app.services import parties as party_service
from app.services import triage as triage_service
from app.vault.vault import OpenVault, utcnow
from app.vault.access import entry_point

FORMAT = "casuskamer-referrals/2"
#: Every format version read; ``/1`` has no ``invitees`` and no ``informing``.
FORMATS = ("casuskamer-referrals/1", FORMAT)

REFERRAL_FIELDS = {"external_ref", "referring_party", "protocol", "received", "reason",
                   "question", "life_domains", "subjects", "information"}
REFERRAL_REQUIRED = REFERRAL_FIELDS - {"life_domains", "information"}
SUBJECT_FIELDS = {"given_names", "surname", "birth_date", "bsn", "address", "role"}
SUBJECT_REQUIRED = SUBJECT_FIELDS - {"bsn", "address"}
ITEM_FIELDS = {"source_party", "received", "category", "text", "shared_with",
               "pre_meeting_view", "meeting_screen", "use_restriction", "concerns"}
ITEM_REQUIRED = ITEM_FIELDS - {"concerns"}
#: Format /2: a partner to invite with its contact person, and a subject's informing.
INVITEE_FIELDS = {"party", "contact_person", "contact_role", "phone", "email"}
INVITEE_REQUIRED = {"party"}
INFORMING_FIELDS = {"informed", "informed_on", "informed_by", "ground", "ground_text",
                    "review_on"}
INFORMING_REQUIRED = {"informed"}
#: The value of an item's ``concerns`` that names every subject of the referral.
HOUSEHOLD = "household"

#: The largest file read (bytes), checked before anything is read into memory.
MAX_FILE_BYTES = 20 * 1024 * 1024
#: The deepest nesting of lists and objects: the format itself needs 6 (file, referrals,
#: referral, information, item, shared_with); deeper is refused before the JSON is parsed.
MAX_DEPTH = 20
#: The longest prose the format takes (reason, question, a life domain, an item's text).
PROSE_LIMIT = 20_000
#: How much of an unknown key an error line shows (escaped).
KEY_SHOWN = 60


@dataclass(frozen=True)
class TextRule:
    """What a text field of the format may hold: at most ``limit`` characters; an
    ``identifying`` field (a name, a reference) no invisible character at all, prose no
    control character but line breaks and tabs (``app.domain.text_rules``)."""

    limit: int
    identifying: bool


#: Every text field of the format by key (a list's entries by the list's key), with its cap.
#: docs/referral-format.md has the same table; a new field of the format adds a row here.
TEXT_RULES: dict[str, TextRule] = {
    "external_ref": TextRule(100, identifying=True),
    "referring_party": TextRule(NAME_LIMIT, identifying=True),
    "protocol": TextRule(100, identifying=True),
    "received": TextRule(100, identifying=True),
    "reason": TextRule(PROSE_LIMIT, identifying=False),
    "question": TextRule(PROSE_LIMIT, identifying=False),
    "life_domains": TextRule(PROSE_LIMIT, identifying=False),
    "given_names": TextRule(NAME_LIMIT, identifying=True),
    "surname": TextRule(NAME_LIMIT, identifying=True),
    "birth_date": TextRule(100, identifying=True),
    "bsn": TextRule(100, identifying=True),
    "address": TextRule(ADDRESS_LIMIT, identifying=True),
    "role": TextRule(100, identifying=True),
    "source_party": TextRule(NAME_LIMIT, identifying=True),
    "category": TextRule(100, identifying=True),
    "text": TextRule(PROSE_LIMIT, identifying=False),
    "shared_with": TextRule(NAME_LIMIT, identifying=True),
    "use_restriction": TextRule(PROSE_LIMIT, identifying=False),
    # format /2: the partners to invite (contact persons are professionals' personal data)
    "party": TextRule(NAME_LIMIT, identifying=True),
    "contact_person": TextRule(NAME_LIMIT, identifying=True),
    "contact_role": TextRule(NAME_LIMIT, identifying=True),
    "phone": TextRule(PHONE_LIMIT, identifying=True),
    "email": TextRule(EMAIL_LIMIT, identifying=True),
    # format /2: informing the subject (AVG 13/14)
    "informed_on": TextRule(100, identifying=True),
    "informed_by": TextRule(NAME_LIMIT, identifying=True),
    "ground": TextRule(100, identifying=True),
    "ground_text": TextRule(GROUND_TEXT_LIMIT, identifying=False),
    "review_on": TextRule(100, identifying=True),
}


def shown_key(key: object) -> str:
    """A key of the file as an error path shows it: escaped (no control character, no
    terminal escape, no bidi override reaches a screen) and cut short."""
    text = escape_invisible(str(key))
    return text if len(text) <= KEY_SHOWN else text[:KEY_SHOWN] + "\u2026"


class ImportRefused(ValidationError):
    """The file was refused; ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: Sequence[FieldError]) -> None:
        first = problems[0]
        message = str(first)
        if len(problems) > 1:
            more = len(problems) - 1
            message += " " + ngettext("(and {n} more problem)", "(and {n} more problems)",
                                      more).format(n=more)
        super().__init__(message, field=first.field)
        self.problems = list(problems)


def party_key(name: str) -> str:
    """How a party name in a file is matched to the register: case and spacing ignored."""
    return " ".join(name.split()).casefold()


class _Checker:
    """Collects every problem of one file, each with its full field path."""

    def __init__(self, parties_by_name: Mapping[str, int],
                 standings: Mapping[int, PartyStanding], today: date,
                 version: int = 2) -> None:
        self.parties_by_name = {party_key(k): v for k, v in parties_by_name.items()}
        self.standings = standings
        self.today = today
        self.version = version
        self.problems: list[FieldError] = []
        #: the informing of the subjects last checked by :meth:`subjects`, in order
        self.informing: list[Informing | None] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(FieldError(path, message))

    def object_fields(self, value: Any, path: str, allowed: set[str], required: set[str]
                      ) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            self.problem(path, _("must be an object"))
            return None
        for key in sorted(set(value) - allowed):
            self.problem(f"{path}.{shown_key(key)}", _("is not a field of this format"))
        for key in sorted(required - set(value)):
            self.problem(f"{path}.{key}", _("is missing"))
        return value

    def text(self, obj: Mapping[str, Any], key: str, path: str, required: bool = True
             ) -> str | None:
        if key not in obj:
            return None
        value = obj[key]
        if value is None and not required:
            return None
        if not isinstance(value, str):
            self.problem(f"{path}.{key}", _("must be text"))
            return None
        if not self.allowed(value, key, f"{path}.{key}"):
            return None
        if required:
            try:
                return check_required_text(value, f"{path}.{key}")
            except ValidationError as exc:
                self.problem(exc.field or path, str(exc))
                return None
        return value

    def allowed(self, value: str, key: str, path: str) -> bool:
        """Whether ``value`` keeps the cap and the character rule of the field ``key``
        (every text of the file passes here before any other check)."""
        # a field without a row gets the strictest rule: a new prose field of the format
        # is refused at 200 characters until its row is added (never left uncapped)
        rule = TEXT_RULES.get(key, TextRule(NAME_LIMIT, identifying=True))
        try:
            if len(value) > rule.limit:
                raise ValidationError(_("is longer than {limit} characters")
                                      .format(limit=rule.limit), field=path)
            if rule.identifying:
                check_identifying(value, path)
            else:
                check_free_text(value, path)
        except ValidationError as exc:
            self.problem(path, str(exc))
            return False
        return True

    def flag(self, obj: Mapping[str, Any], key: str, path: str) -> bool:
        value = obj.get(key)
        if not isinstance(value, bool):
            if key in obj:
                self.problem(f"{path}.{key}", _("must be true or false"))
            return False
        return value

    def party(self, name: str | None, path: str) -> int | None:
        if name is None:
            return None
        found = self.parties_by_name.get(party_key(name))
        if found is None:
            self.problem(path, _("is not a party in the register"))
        return found

    def run(self, check: Any) -> Any:
        try:
            return check()
        except ValidationError as exc:
            self.problem(exc.field or "", str(exc))
            return None

    # -- one referral ---------------------------------------------------------------------

    def referral(self, raw: Any, p: str) -> Referral | None:
        before = len(self.problems)
        allowed = REFERRAL_FIELDS | {"invitees"} if self.version >= 2 else REFERRAL_FIELDS
        obj = self.object_fields(raw, p, allowed, REFERRAL_REQUIRED)
        if obj is None:
            return None
        external_ref = self.text(obj, "external_ref", p)
        protocol = None
        if isinstance(obj.get("protocol"), str) and self.allowed(obj["protocol"], "protocol",
                                                                 f"{p}.protocol"):
            protocol = self.run(lambda: check_protocol(obj["protocol"], f"{p}.protocol"))
        elif "protocol" in obj:
            self.problem(f"{p}.protocol", _("must be text"))
        received = None
        received_text = self.text(obj, "received", p)
        if received_text is not None:
            received = self.run(lambda: check_received(received_text, self.today,
                                                       f"{p}.received"))
        party_id = self.party(self.text(obj, "referring_party", p), f"{p}.referring_party")
        if party_id is not None and received is not None:
            self.run(lambda: check_party(party_id, self.standings, received, protocol,
                                         f"{p}.referring_party"))
        reason = self.text(obj, "reason", p)
        question = self.text(obj, "question", p)
        domains: dict[Any, str] = {}
        if obj.get("life_domains") is not None:
            if isinstance(obj["life_domains"], dict):
                for key, value in obj["life_domains"].items():
                    if isinstance(value, str) and len(value) > PROSE_LIMIT:
                        self.problem(f"{p}.life_domains.{shown_key(key)}",
                                     _("is longer than {limit} characters")
                                     .format(limit=PROSE_LIMIT))
                domains, problems = check_life_domains(obj["life_domains"], f"{p}.life_domains")
                self.problems.extend(problems)
            else:
                self.problem(f"{p}.life_domains", _("must be an object"))
        self.informing = []
        found_subjects = self.subjects(obj.get("subjects"), f"{p}.subjects") \
            if "subjects" in obj else []
        informing = tuple(self.informing)
        invitees = self.invitees(obj.get("invitees"), f"{p}.invitees", protocol, received) \
            if obj.get("invitees") is not None else []
        raw_subjects = obj.get("subjects")
        subject_count = len(raw_subjects) if isinstance(raw_subjects, list) else None
        items = self.items(obj.get("information"), f"{p}.information", party_id,
                           subject_count) \
            if obj.get("information") is not None else []
        if len(self.problems) > before:
            return None
        assert protocol is not None and party_id is not None and received is not None
        assert reason is not None and question is not None
        return Referral(protocol=protocol, referring_party_id=party_id, received=received,
                        reason=reason, question=question, subjects=tuple(found_subjects),
                        life_domains=domains, external_ref=external_ref,
                        information=tuple(items), invitees=tuple(invitees),
                        informing=informing if any(informing) else ())

    def invitees(self, raw: Any, path: str, protocol: Any, received: date | None
                 ) -> list[Invitee]:
        """Format /2: the partners to invite, each a party of the register that takes part
        in the referral's protocol on ``received``, with an optional contact person."""
        if not isinstance(raw, list):
            self.problem(path, _("must be a list"))
            return []
        found: list[Invitee] = []
        seen: set[int] = set()
        for i, entry in enumerate(raw):
            ip = f"{path}[{i}]"
            before = len(self.problems)
            obj = self.object_fields(entry, ip, INVITEE_FIELDS, INVITEE_REQUIRED)
            if obj is None:
                continue
            values: dict[str, str] = {}
            for key in sorted(INVITEE_FIELDS):
                value = obj.get(key)
                if value is None:
                    values[key] = ""
                elif not isinstance(value, str):
                    self.problem(f"{ip}.{key}", _("must be text"))
                elif self.allowed(value, key, f"{ip}.{key}"):
                    values[key] = value
            if len(self.problems) > before:
                continue
            if not values["party"].strip():
                # a contact person without a party
                self.problem(f"{ip}.party", _("choose the party this contact person works "
                                              "for"))
                continue
            party_id = self.party(values["party"], f"{ip}.party")
            if party_id is None or received is None:
                continue
            invitee = self.run(lambda: check_invitee(  # noqa: B023 (runs at once)
                party_id, values["contact_person"], values["contact_role"],  # noqa: B023
                values["phone"], values["email"], standings=self.standings,  # noqa: B023
                protocol=protocol, on=received, prefix=ip))  # noqa: B023
            if invitee is None:
                continue
            if invitee.party_id in seen:
                self.problem(f"{ip}.party", _("this party is already in the list"))
                continue
            seen.add(invitee.party_id)
            found.append(invitee)
        return found

    def informing_of(self, raw: Any, path: str) -> Informing | None:
        """Format /2: a subject's ``informing`` (None when left out or null)."""
        if raw is None:
            return None
        before = len(self.problems)
        obj = self.object_fields(raw, path, INFORMING_FIELDS, INFORMING_REQUIRED)
        if obj is None or len(self.problems) > before:
            return None
        informed = obj.get("informed")
        if not isinstance(informed, bool):
            self.problem(f"{path}.informed", _("must be true or false"))
            return None
        texts: dict[str, str] = {}
        for key in sorted(INFORMING_FIELDS - {"informed"}):
            value = obj.get(key)
            if value is None:
                texts[key] = ""
            elif not isinstance(value, str):
                self.problem(f"{path}.{key}", _("must be text"))
            elif self.allowed(value, key, f"{path}.{key}"):
                texts[key] = value
        if len(self.problems) > before:
            return None
        informed_on = review_on = None
        if texts["informed_on"].strip():
            informed_on = self.run(lambda: parse_date(texts["informed_on"],
                                                      f"{path}.informed_on"))
        if texts["review_on"].strip():
            review_on = self.run(lambda: parse_date(texts["review_on"], f"{path}.review_on"))
        by = self.party(texts["informed_by"], f"{path}.informed_by") \
            if texts["informed_by"].strip() else None
        if len(self.problems) > before:
            return None
        found: Informing | None = self.run(lambda: check_informing(
            informed, informed_on, by, texts["ground"].strip() or None, texts["ground_text"],
            review_on, today=self.today, standings=self.standings, prefix=path))
        return found

    def subjects(self, raw: Any, path: str) -> list[Subject]:
        if not isinstance(raw, list):
            self.problem(path, _("must be a list"))
            return []
        found: list[Subject] = []
        roles: list[str] = []
        allowed = SUBJECT_FIELDS | {"informing"} if self.version >= 2 else SUBJECT_FIELDS
        for i, item in enumerate(raw):
            sp = f"{path}[{i}]"
            before = len(self.problems)
            obj = self.object_fields(item, sp, allowed, SUBJECT_REQUIRED)
            if obj is None:
                continue
            self.informing.append(self.informing_of(obj.get("informing"), f"{sp}.informing"))
            values: dict[str, str] = {}
            for key in sorted(SUBJECT_FIELDS):
                value = obj.get(key)
                if value is None:
                    values[key] = ""
                elif isinstance(value, str):
                    if self.allowed(value, key, f"{sp}.{key}"):
                        values[key] = value
                else:
                    self.problem(f"{sp}.{key}", _("must be text"))
            roles.append(values.get("role", ""))
            if len(self.problems) > before:
                continue
            subject, problems = check_subject(SubjectEntry(**values), self.today, sp)
            self.problems.extend(problems)
            if subject is not None:
                found.append(subject)
        self.problems.extend(check_family(roles, found, path))
        return found

    def concerns(self, value: Any, path: str, subject_count: int | None
                 ) -> tuple[int, ...] | None:
        """``"household"`` (or null): None; else the positions in the referral's
        ``subjects`` list, each a subject of this referral."""
        if value is None or value == HOUSEHOLD:
            return None
        if not isinstance(value, list):
            self.problem(path, _("must be \u201chousehold\u201d or a list of the positions of "
                                 "subjects in \u201csubjects\u201d (0 is the first)"))
            return None
        if not value:
            self.problem(path, _("name at least one subject, or \u201chousehold\u201d"))
            return None
        found: set[int] = set()
        for k, position in enumerate(value):
            if isinstance(position, bool) or not isinstance(position, int):
                self.problem(f"{path}[{k}]", _("must be the position of a subject in "
                                               "\u201csubjects\u201d (0 is the first)"))
            elif subject_count is not None and not 0 <= position < subject_count:
                self.problem(f"{path}[{k}]", _("is not a subject of this referral (it has "
                                               "{n} subjects, numbered from 0)")
                             .format(n=subject_count))
            else:
                found.add(position)
        return tuple(sorted(found))

    def items(self, raw: Any, path: str, referring_party_id: int | None,
              subject_count: int | None) -> list[InformationInput]:
        if not isinstance(raw, list):
            self.problem(path, _("must be a list"))
            return []
        found: list[InformationInput] = []
        for i, item in enumerate(raw):
            ip = f"{path}[{i}]"
            before = len(self.problems)  # before the field check: a missing key counts too
            obj = self.object_fields(item, ip, ITEM_FIELDS, ITEM_REQUIRED)
            if obj is None:
                continue
            received = None
            received_text = self.text(obj, "received", ip)
            # The lambdas below run at once, inside this iteration (B023 does not apply).
            if received_text is not None:
                received = self.run(lambda: check_received(
                    received_text, self.today, f"{ip}.received"))  # noqa: B023
            source = self.party(self.text(obj, "source_party", ip), f"{ip}.source_party")
            if source is not None and received is not None:
                self.run(lambda: check_party(source, self.standings, received,  # noqa: B023
                                             None, f"{ip}.source_party"))  # noqa: B023
            category = None
            if isinstance(obj.get("category"), str) and self.allowed(
                    obj["category"], "category", f"{ip}.category"):
                try:
                    category = Category(obj["category"])
                except ValueError:
                    self.problem(f"{ip}.category", _("is not a category of information"))
            elif "category" in obj:
                self.problem(f"{ip}.category", _("must be text"))
            text = self.text(obj, "text", ip)
            shared: set[int] = set()
            if "shared_with" in obj:
                names = obj["shared_with"]
                if not isinstance(names, list):
                    self.problem(f"{ip}.shared_with", _("must be a list"))
                else:
                    for j, name in enumerate(names):
                        if not isinstance(name, str):
                            self.problem(f"{ip}.shared_with[{j}]", _("must be text"))
                            continue
                        if not self.allowed(name, "shared_with", f"{ip}.shared_with[{j}]"):
                            continue
                        party_id = self.party(name, f"{ip}.shared_with[{j}]")
                        if party_id is not None:
                            shared.add(party_id)
            pre = self.flag(obj, "pre_meeting_view", ip)
            screen = self.flag(obj, "meeting_screen", ip)
            restriction = ""
            if "use_restriction" in obj:
                value = obj["use_restriction"]
                if isinstance(value, str):
                    if self.allowed(value, "use_restriction", f"{ip}.use_restriction"):
                        restriction = value.strip()
                else:
                    self.problem(f"{ip}.use_restriction", _("must be text"))
            concerns = self.concerns(obj.get("concerns"), f"{ip}.concerns", subject_count)
            if len(self.problems) > before:
                continue
            assert source is not None and received is not None and category is not None
            assert text is not None
            terms = SharingTerms(shared_with=frozenset(shared), pre_meeting_view=pre,
                                 meeting_screen=screen, use_restriction=restriction)
            asked = None
            if source != referring_party_id:
                # Not the file's author's to decide (16.2, 9.2): held at the narrowest, the
                # rest asked of the source party.
                held = narrowest_keeping_restriction(terms)
                asked = terms if widening_asks(terms, held, source) else None
                terms = held
            found.append(InformationInput(source, received, category, text, terms,
                                          concerns=concerns, asked_terms=asked))
        return found


def parse_referrals(data: Any, *, parties_by_name: Mapping[str, int],
                    standings: Mapping[int, PartyStanding], today: date,
                    known_refs: set[str] | frozenset[str] = frozenset()) -> list[Referral]:
    """Check a whole file's content; the referrals, or ``ImportRefused`` with every problem.

    ``parties_by_name`` maps register names to party ids; ``known_refs`` are the external
    references already in the vault.
    """
    if not isinstance(data, dict):
        raise ImportRefused([FieldError("format", _("the file must hold one JSON object"))])
    if data.get("format") not in FORMATS:
        raise ImportRefused([FieldError("format", _("must be \u201c{old}\u201d or "
                                                    "\u201c{format}\u201d")
                                        .format(old=FORMATS[0], format=FORMAT))])
    version = FORMATS.index(data["format"]) + 1
    checker = _Checker(parties_by_name, standings, today, version)
    for key in sorted(set(data) - {"format", "referrals"}):
        checker.problem(shown_key(key), _("is not a field of this format"))
    raw = data.get("referrals")
    if not isinstance(raw, list):
        raise ImportRefused([FieldError("referrals", _("must be a list"))])
    if not raw:
        raise ImportRefused([FieldError("referrals", _("the file holds no referrals"))])
    referrals: list[Referral] = []
    seen: dict[str, int] = {}
    for i, entry in enumerate(raw):
        path = f"referrals[{i}]"
        referral = checker.referral(entry, path)
        ref = entry.get("external_ref") if isinstance(entry, dict) else None
        if isinstance(ref, str) and ref.strip():
            ref = ref.strip()
            if ref in seen:
                checker.problem(f"{path}.external_ref",
                                _("is the same as that of referrals[{index}]")
                                .format(index=seen[ref]))
            elif ref in known_refs:
                checker.problem(f"{path}.external_ref", _("was already imported"))
            seen.setdefault(ref, i)
        if referral is not None:
            referrals.append(referral)
    if checker.problems:
        raise ImportRefused(checker.problems)
    return referrals


#: A JSON string once its escaped backslashes and quotes are gone (skipped when nesting is
#: measured: brackets inside it do not count).
_JSON_STRING = re.compile(r'"[^"]*"')
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def nesting_depth(text: str) -> int:
    """The deepest nesting of lists and objects in JSON ``text``, measured without parsing
    (and so without recursion): strings are skipped, brackets counted."""
    unescaped = text.replace("\\\\", "").replace('\\"', "")
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", unescaped))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def read_referral_file(path: Path | str) -> Any:
    """The file's JSON content, or ``ValidationError`` saying why it cannot be read.

    A file over :data:`MAX_FILE_BYTES` is refused before it is read (at most that many
    bytes and one more are ever read, whatever the file system says its size is), and
    nesting deeper than :data:`MAX_DEPTH` before it is parsed."""
    shown = escape_invisible(str(path))
    too_big = ValidationError(_("The file {file} is larger than {mb} MB, the most a referral "
                                "file may be.").format(file=shown,
                                                       mb=MAX_FILE_BYTES // (1024 * 1024)),
                              field="format")
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_FILE_BYTES:
            raise too_big
        raw = handle.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise too_big
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError(_("The file {file} is not UTF-8 text.").format(file=shown),
                              field="format") from None
    del raw
    if nesting_depth(text) > MAX_DEPTH:
        raise ValidationError(_("The file {file} nests lists and objects deeper than {depth} "
                                "levels; a referral file needs far fewer.")
                              .format(file=shown, depth=MAX_DEPTH), field="format")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(_("The file {file} is not valid JSON (line {line}, column "
                                "{column}).").format(file=shown, line=exc.lineno,
                                                     column=exc.colno),
                              field="format") from None
    except ValueError:  # a number of more than 4,300 digits
        raise ValidationError(_("The file {file} holds a number too long to read.")
                              .format(file=shown), field="format") from None


@entry_point
def party_names(vault: OpenVault) -> dict[str, int]:
    return {p.name: p.id for p in party_service.list_parties(vault)}


@entry_point
def import_referrals(vault: OpenVault, source: Path | str | Any,
                     today: date | None = None) -> list[str]:
    """Import a referral file (a path, or its parsed JSON content); returns the new case
    numbers in file order. Nothing is imported when anything is wrong."""
    vault.require(Permission.REGISTER_REFERRAL, "case", "-")
    data = read_referral_file(source) if isinstance(source, (str, Path)) else source
    names = party_names(vault)
    standings = party_service.standings(vault)
    today = today or date.today()
    now = utcnow()
    raw = data.get("referrals") if isinstance(data, Mapping) else None
    refs = [r["external_ref"].strip() for r in raw or []
            if isinstance(r, dict) and isinstance(r.get("external_ref"), str)] \
        if isinstance(raw, list) else []
    try:
        with vault.begin() as conn:
            numbers = _import(vault, conn, data, refs, names, standings, today, now)
    except ImportRefused as exc:
        vault.log_now("referral.import", "case", "-", "failed",
                      detail={"problems": len(exc.problems), "first_field": exc.field})
        raise
    return numbers


def _import(vault: OpenVault, conn: Connection, data: Any, refs: list[str],
            names: Mapping[str, int], standings: Mapping[int, PartyStanding], today: date,
            now: datetime) -> list[str]:
    known = case_store.known_external_refs(conn, refs)
    referrals = parse_referrals(data, parties_by_name=names, standings=standings,
                                today=today, known_refs=known)
    numbers = []
    to_confirm = 0
    for referral in referrals:
        _case_id, number, waiting = triage_service.insert_referral(
            conn, vault, referral, CaseState.REFERRED, now, today)
        numbers.append(number)
        to_confirm += waiting
    vault.log(conn, "referral.import", "case", "-",
              detail={"count": len(numbers), "first": numbers[0], "last": numbers[-1],
                      "terms_to_confirm": to_confirm})
    return numbers
