"""The view models of the house's documents: frozen, plain data that a service builds and
``app.export`` renders.

A service reads the vault, asks the sharing policy (``app.sharing``), audits, and builds one
of these; ``app.export`` turns it into a PDF (or CSV) and imports nothing but ``app.domain``
(and the app's Qt-free utilities: i18n, formatting, resources, errors). What a view holds is
already decided: the renderer shows all of it and decides nothing.

* :class:`HandoutView`: one party's handout (made only by ``app.sharing.handout.compose``);
* :class:`SubjectAccessReport`: the subject-access export of a reviewed draft
  (``app.services.subject_access``), with :class:`SubjectMatch`, :class:`CaseSection`,
  :class:`HeldItem`, :class:`WithheldItem` and the disclosures (:class:`Disclosure`);
* :class:`AnnualReportView`: the year's figures for the steering group
  (``app.services.figures``).

* :class:`AgendaView`: a meeting's agenda as one party receives it
  (``app.services.agenda``);
* :class:`PlanView`: the full plan of action for the process director's case file
  (``app.services.handouts.export_plan``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from app.domain.cases import Subject, SubjectRole, display_name
from app.domain.figures import Figure
from app.domain.information import Category, InformationItem
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState
from app.domain.meetings import DecisionType
from app.domain.plan import ActionPlan
from app.domain.protocols import Protocol
from app.i18n import N_, _

# -- handouts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingRef:
    """The case meeting a handout is made for."""

    id: int
    starts_at: datetime
    place: str = ""


@dataclass(frozen=True)
class SharedItem:
    """An information item a party may have, with the use restriction its source set."""

    item: InformationItem
    use_restriction: str


@dataclass(frozen=True)
class HandoutView:
    """What one party may have; only ``app.sharing.handout.compose`` makes these."""

    house: str
    recipient_id: int
    recipient: str
    case_number: str
    protocol: Protocol
    received: date
    meeting: MeetingRef | None
    subjects: tuple[Subject, ...]
    plan: ActionPlan
    items: tuple[SharedItem, ...]
    party_names: Mapping[int, str] = field(default_factory=dict)
    on: date = field(default_factory=date.today)
    #: made after the start of the case meeting (else: before it, the pre-meeting view)
    meeting_started: bool = False


def phase_label(meeting_started: bool) -> str:
    """Which of the two handouts this is, as the PDF says it."""
    return _("after the case meeting") if meeting_started else _("before the case meeting")


def phase_note(meeting_started: bool) -> str:
    if meeting_started:
        return _("Made after the start of the case meeting: it holds the information its "
                 "suppliers shared with your organisation.")
    return _("Made before the case meeting: it holds only the information whose suppliers "
             "agreed to its being seen before the meeting (covenant art. 12.2f).")


# -- the agenda of a case meeting, per party (covenant 12.2c-e) --------------------------------


@dataclass(frozen=True)
class AgendaCase:
    """One case on a party's agenda: only what that party may see before the meeting."""

    starts_at: datetime
    duration_minutes: int
    case_number: str
    subject_initials: str
    goal: str
    themes: tuple[str, ...]
    decision_types: tuple[DecisionType, ...]
    #: the contribution asked of the recipient (never another party's)
    contribution: str = ""


@dataclass(frozen=True)
class AgendaView:
    """A meeting's agenda as one party receives it; made only by ``app.services.agenda``."""

    house: str
    meeting_id: int
    starts_at: datetime
    place: str
    chair: str
    party_id: int
    party_name: str
    printed_on: date
    cases: tuple[AgendaCase, ...]


# -- the full plan of action -------------------------------------------------------------------


@dataclass(frozen=True)
class PlanView:
    """What the full plan (the process director's case file) shows: the case, its subjects,
    the whole plan with the limits of its actions."""

    house: str
    case_number: str
    protocol: Protocol
    subjects: tuple[Subject, ...]
    plan: ActionPlan
    party_names: Mapping[int, str]
    printed_on: date


# -- the subject-access export (AVG art. 15) ---------------------------------------------------


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


class Ground(StrEnum):
    """Why an item is withheld from the subject."""

    RIGHTS_OF_OTHERS = "avg_15_4"        # AVG art. 15(4): the rights and freedoms of others
    RESTRICTION = "avg_23_uavg_41"       # AVG art. 23 with UAVG art. 41: a restriction
    OTHER_CONTROLLER = "other_controller"  # the supplier is controller and answers it itself

    @property
    def label(self) -> str:
        return _(GROUND_LABELS[self])


GROUND_LABELS = {
    Ground.RIGHTS_OF_OTHERS: N_("AVG art. 15(4): the rights and freedoms of others"),
    Ground.RESTRICTION: N_("AVG art. 23 / UAVG art. 41: a restriction of the right of "
                           "access"),
    Ground.OTHER_CONTROLLER: N_("Another controller: the supplying party answers for it "
                                "itself"),
}


@dataclass(frozen=True)
class Disclosure:
    """One PDF that left the house."""

    at: datetime                       # UTC, from the audit row
    case_number: str
    action: str
    kind: str                          # handout | plan
    recipient_party_id: int | None     # None: the process director's own file (the plan)
    recipient: str                     # the party's name ("" for the director's file)
    sha256: str
    encrypted: bool
    items: int | None
    meeting_id: int | None
    actor: str
    #: the parties whose items the recipient was allowed to have (None: items removed)
    source_party_ids: tuple[int, ...] | None
    sources: tuple[str, ...] | None


@dataclass(frozen=True)
class ItemDisclosure:
    recipient: str
    at: date
    sha256: str


@dataclass(frozen=True)
class HeldItem:
    """An item given to the subject: its text, or the redacted version (``redacted``)."""

    source: str
    category: Category
    received: date
    text: str
    redacted: bool
    disclosed_to: tuple[ItemDisclosure, ...]


@dataclass(frozen=True)
class WithheldItem:
    """An item not given: only its category, its supplier (where the subject may apply)
    and the ground. ``life_domain``: a referral's life-domain text, listed only as "the
    referral's description of the household's problems" and the referring party (never
    by its domain)."""

    category: Category
    source: str
    ground: Ground
    life_domain: bool = False


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
    withheld: tuple[WithheldItem, ...]
    disclosures: tuple[Disclosure, ...]
    destroy_on: date | None
    retention_months: int
    #: items still to be reviewed (only in a report made without a reviewed draft)
    pending_review: int = 0
    #: the life domains whose text in ``life_domains`` is the director's redacted version
    redacted_domains: tuple[LifeDomain, ...] = ()


@dataclass(frozen=True)
class SubjectAccessReport:
    person: SubjectMatch
    house: str
    made_on: date
    cases: tuple[CaseSection, ...]

    @property
    def complete(self) -> bool:
        """Every item reviewed: only such a report may become a PDF."""
        return not any(c.pending_review for c in self.cases)


# -- the annual report -------------------------------------------------------------------------


@dataclass(frozen=True)
class AnnualReportView:
    """The year's figures for the steering group, suppressed as the dashboard shows them
    (``app.domain.figures``): counts only, no name, no case number."""

    year: int
    protocol: Protocol | None
    house: str
    printed_on: date
    figures: tuple[Figure, ...]
