"""Cases and their subjects as plain values: the Case (casus), the Subjects in its family
system (betrokkenen) with their roles, case numbers, and the rules for a subject's data.

A case number is ``ZVH-YYYY-NNNN``: the year the referral was received and a running number
within that year (four digits, more once a year passes 9,999). It holds nothing personal, so
it is what the audit log, drafts and file names use to point at a case.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from app.domain.criteria import CriterionAnswer
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.domain.text_rules import strip_invisible
from app.errors import ValidationError
from app.i18n import N_, _

CASE_NUMBER_PREFIX = "ZVH"
CASE_NUMBER_RE = re.compile(r"^ZVH-(\d{4})-(\d{4,})$")

#: The oldest a living subject is taken to be.
MAX_AGE_YEARS = 120


class SubjectRole(StrEnum):
    MAIN_SUBJECT = "main_subject"
    PARTNER = "partner"
    CHILD = "child"
    PARENT = "parent"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _(ROLE_LABELS[self])


ROLE_LABELS = {
    SubjectRole.MAIN_SUBJECT: N_("Main subject"),
    SubjectRole.PARTNER: N_("Partner"),
    SubjectRole.CHILD: N_("Child"),
    SubjectRole.PARENT: N_("Parent"),
    SubjectRole.OTHER: N_("Other"),
}


class IntakeDecision(StrEnum):
    """What the process director decided at intake (stored on the case)."""

    ACCEPTED = "accepted"       # to triage
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return _(DECISION_LABELS[self])


DECISION_LABELS = {
    IntakeDecision.ACCEPTED: N_("Accepted for triage"),
    IntakeDecision.DECLINED: N_("Declined"),
}


# -- case numbers ---------------------------------------------------------------------------

def format_case_number(year: int, seq: int) -> str:
    return f"{CASE_NUMBER_PREFIX}-{year:04d}-{seq:04d}"


def parse_case_number(text: str) -> tuple[int, int] | None:
    """``(year, seq)`` for a well-formed case number, else None."""
    match = CASE_NUMBER_RE.match(text.strip().upper())
    if not match:
        return None
    return int(match.group(1)), int(match.group(2))


def is_case_number(text: str) -> bool:
    return parse_case_number(text) is not None


# -- names ----------------------------------------------------------------------------------

#: Letters that Unicode decomposition leaves alone but that people type without the stroke.
_FOLD_EXTRA = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ŧ": "t",
                             "ß": "ss", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d",
                             "’": "'", "‘": "'", "`": "'"})


def fold_for_search(text: str) -> str:
    """Text as search compares it: case- and accent-insensitive, spaces collapsed.

    ``Şükrü Yılmaz`` and ``sukru yilmaz`` fold to the same; scripts without accents
    (Arabic, Chinese) are kept as they are. Control and format characters (a zero-width
    space, a bidi override: ``app.domain.text_rules``) are dropped, so a name stored with
    one before they were refused is still found by the name as it looks.
    """
    decomposed = unicodedata.normalize("NFKD", strip_invisible(text).casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.translate(_FOLD_EXTRA).split())


def display_name(given_names: str, surname: str) -> str:
    """``Surname, Given names``: how lists show a subject, so that they sort by surname."""
    given = " ".join(given_names.split())
    family = " ".join(surname.split())
    if given and family:
        return f"{family}, {given}"
    return family or given


# -- subjects -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Subject:
    given_names: str
    surname: str
    birth_date: date
    role: SubjectRole
    bsn: str | None = None
    address: str | None = None
    id: int | None = None

    @property
    def display_name(self) -> str:
        return display_name(self.given_names, self.surname)


def check_birth_date(value: date, today: date, field: str = "birth_date") -> date:
    if value > today:
        raise ValidationError(_("is in the future"), field=field)
    try:
        oldest = today.replace(year=today.year - MAX_AGE_YEARS)
    except ValueError:            # 29 February
        oldest = today.replace(year=today.year - MAX_AGE_YEARS, day=28)
    if value < oldest:
        raise ValidationError(_("is more than {years} years ago").format(years=MAX_AGE_YEARS),
                              field=field)
    return value


def parse_date(text: str, field: str) -> date:
    """A ``YYYY-MM-DD`` date, or ``ValidationError`` on the field."""
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            raise ValueError
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationError(_("is not a date of the form YYYY-MM-DD"), field=field) from None


def check_required_text(value: str | None, field: str) -> str:
    """Required free text: anything but empty (or only white space). Any length, any script."""
    if value is None or not value.strip():
        raise ValidationError(_("must not be empty"), field=field)
    return value.strip()


# -- the case -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Case:
    """One case with what intake knows about it (never its information items: those are
    shown only through the sharing policy)."""

    id: int
    number: str
    protocol: Protocol
    state: CaseState
    referring_party_id: int | None
    referring_party_name: str | None
    referring_contact: str
    received: date
    reason: str
    question: str
    external_ref: str | None
    subjects: tuple[Subject, ...] = ()
    life_domains: dict[LifeDomain, str] = field(default_factory=dict)
    criteria: tuple[CriterionAnswer, ...] = ()
    intake_decision: IntakeDecision | None = None
    intake_decided_at: datetime | None = None
    intake_decided_by: str | None = None
    decline_reason: str | None = None
    decline_advice: str | None = None
    created_at: datetime | None = None
    triage_done_at: datetime | None = None
    first_meeting_at: datetime | None = None
    closed_at: datetime | None = None
    destroyed_at: datetime | None = None
    outcome: str | None = None
    #: the version the case's registration was read at (issue 22, point 4): the intake
    #: names it when it rewrites the registration, refused when another session did since
    version: int | None = None

    @property
    def main_subject(self) -> Subject | None:
        for subject in self.subjects:
            if subject.role is SubjectRole.MAIN_SUBJECT:
                return subject
        return self.subjects[0] if self.subjects else None
