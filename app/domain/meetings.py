"""Case meetings (casusoverleg, covenant 8, 9, 12.2c-e) as plain values: the meeting, its
agenda items with goal, themes and decision types, the invitations per party, the people
present with their confidentiality statement (9.2 and 17), the live minutes, and the steps
of the agenda wizard as data (the ``ui/`` wizard only renders them).

No database and no Qt. Who may be invited, and who may see which information item, is not
decided here: that is ``app.sharing.policy``. This module decides only *who counts as
present* at an agenda item, which is what the policy is then asked with. The program never
counts anyone absent on its own: only a person who left, or whom the process director
explicitly marked absent for the item, does not count. Everyone else recorded as present
counts, whatever their party; a person whose party may not see the case keeps the
meeting-room screen empty (``app.services.meeting_room``), it is not quietly left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from collections.abc import Callable, Iterable, Sequence

from app.domain.cases import fold_for_search
from app.domain.text_rules import check_free_text, check_identifying
from app.domain.wizard import FieldError, Flow, Step, first_refusal, no_refusals
from app.errors import ValidationError
from app.formatting import format_datetime
from app.i18n import N_, _

#: Bounds that keep one field from swallowing the vault; generous for real use.
MAX_SHORT = 200
MAX_TEXT = 20_000
MIN_DURATION = 5
MAX_DURATION = 240
DEFAULT_DURATION = 30
#: autosave interval of the live minutes (a crash loses at most this much typing)
AUTOSAVE_SECONDS = 3


class MeetingState(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"

    @property
    def label(self) -> str:
        return _(MEETING_STATE_LABELS[self])


MEETING_STATE_LABELS = {
    MeetingState.PLANNED: N_("Planned"),
    MeetingState.IN_PROGRESS: N_("In session"),
    MeetingState.FINISHED: N_("Finished"),
}


class ItemKind(StrEnum):
    """Why a case is on the agenda: routed there by triage, or a follow-up (8.4, 13)."""

    FIRST = "first"
    FOLLOW_UP = "follow_up"

    @property
    def label(self) -> str:
        return _(ITEM_KIND_LABELS[self])


ITEM_KIND_LABELS = {
    ItemKind.FIRST: N_("First discussion"),
    ItemKind.FOLLOW_UP: N_("Follow-up"),
}


class DecisionType(StrEnum):
    """The type of decisions the meeting is to take on a case (covenant 12.2c)."""

    IMAGE_FORMING = "image_forming"     # beeldvormend
    JUDGING = "judging"                 # oordeelsvormend
    DECIDING = "deciding"               # besluitvormend

    @property
    def label(self) -> str:
        return _(DECISION_TYPE_LABELS[self])


DECISION_TYPE_LABELS = {
    DecisionType.IMAGE_FORMING: N_("Image-forming"),
    DecisionType.JUDGING: N_("Judging"),
    DecisionType.DECIDING: N_("Deciding"),
}


def decision_types_from(values: Iterable[str]) -> tuple[DecisionType, ...]:
    """Decision types from stored or triage values, in the enum's order, unknown dropped."""
    wanted = {str(v) for v in values}
    return tuple(d for d in DecisionType if d.value in wanted)


class EntryKind(StrEnum):
    """One entry of the live minutes (covenant 8.4a-d)."""

    ACTION = "action"                     # an agreement: a party does something (8.4c)
    DECISION = "decision"
    NOTE = "note"
    COORDINATOR = "coordinator"           # appointment of the case coordinator (8.4a, 13)
    CLOSURE_CRITERIA = "closure_criteria"  # criteria for closure (8.4d)

    @property
    def label(self) -> str:
        return _(ENTRY_KIND_LABELS[self])


ENTRY_KIND_LABELS = {
    EntryKind.ACTION: N_("Action"),
    EntryKind.DECISION: N_("Decision"),
    EntryKind.NOTE: N_("Note"),
    EntryKind.COORDINATOR: N_("Case coordinator"),
    EntryKind.CLOSURE_CRITERIA: N_("Closure criteria"),
}


class AbsenceReason(StrEnum):
    """Why a person in the attendance list does not count as present at an agenda item.

    Only what a person did (left) or what the process director recorded (absent for this
    item): never something the program concludes by itself, such as the person's party not
    being invited (covenant 12.2e, 17: who sits in the room is a fact, not a setting)."""

    LEFT = "left"
    MARKED_ABSENT = "marked_absent"

    @property
    def label(self) -> str:
        return _(ABSENCE_LABELS[self])


ABSENCE_LABELS = {
    AbsenceReason.LEFT: N_("Has left the meeting"),
    AbsenceReason.MARKED_ABSENT: N_("Marked absent for this item"),
}


# -- the confidentiality statement ---------------------------------------------------------

#: Shown to and accepted by every person present (covenant 9.2 and 17.1-17.2). The Dutch
#: text in the catalogue follows the covenant's words.
CONFIDENTIALITY_STATEMENT = N_(
    "Confidentiality statement (covenant articles 9.2 and 17)\n\n"
    "The meetings of the case meeting are not public. Information about what is discussed "
    "in this meeting is given to third parties only in accordance with the covenant, the "
    "privacy protocols and the legal framework that applies to your organisation, and only "
    "after prior written consent of the controller that originally supplied the information "
    "(article 9.2).\n\n"
    "You keep strict secrecy about the other parties' organisations, about information that "
    "becomes known in this meeting and is confidential or may be assumed to be "
    "confidential, about the personal data exchanged, and about everything whose disclosure "
    "could reasonably harm the interests of the other parties, the privacy of the citizens "
    "concerned or the general public interest; this holds regardless of the duration of the "
    "covenant, subject to legal obligations and articles 9.2 and 15 (article 17.1). Your "
    "organisation sees to it that you know and comply with this obligation (article 17.2).\n\n"
    "By accepting you declare that you will keep this secrecy.")


def confidentiality_statement() -> str:
    return _(CONFIDENTIALITY_STATEMENT)


# -- values ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Invitation:
    """One party invited to one agenda item, with the contribution asked of it (12.2e)."""

    party_id: int
    contribution: str = ""


@dataclass(frozen=True)
class AgendaItem:
    id: int
    meeting_id: int
    case_id: int
    case_number: str
    subject_initials: str
    position: int
    kind: ItemKind
    duration_minutes: int
    goal: str
    themes: tuple[str, ...]
    decision_types: tuple[DecisionType, ...]
    invitations: tuple[Invitation, ...] = ()
    started_at: datetime | None = None
    ended_at: datetime | None = None
    minutes_stored_at: datetime | None = None

    @property
    def invited(self) -> frozenset[int]:
        return frozenset(i.party_id for i in self.invitations)


@dataclass(frozen=True)
class Meeting:
    id: int
    starts_at: datetime
    place: str
    chair: str
    state: MeetingState
    items: tuple[AgendaItem, ...] = ()
    started_at: datetime | None = None
    ended_at: datetime | None = None
    #: the meeting's version as read (its logistics and agenda); a change names it
    version: int | None = None

    def item(self, item_id: int) -> AgendaItem | None:
        return next((i for i in self.items if i.id == item_id), None)

    def item_starts(self) -> list[datetime]:
        """The planned start of each agenda item, in order: each follows the previous."""
        return planned_starts(self.starts_at, [i.duration_minutes for i in self.items])

    @property
    def planned_end(self) -> datetime:
        return self.starts_at + timedelta(minutes=sum(i.duration_minutes for i in self.items))


@dataclass(frozen=True)
class Attendee:
    """A person present: name, party, function; when they accepted confidentiality; when
    they left; the agenda items they were marked absent for."""

    id: int
    meeting_id: int
    name: str
    party_id: int
    function: str
    confidentiality_accepted_at: datetime | None = None
    left_at: datetime | None = None
    absent_items: frozenset[int] = field(default_factory=frozenset)

    @property
    def has_accepted(self) -> bool:
        return self.confidentiality_accepted_at is not None


@dataclass(frozen=True)
class MinutesEntry:
    id: int
    agenda_item_id: int
    case_id: int
    kind: EntryKind
    text: str
    party_id: int | None = None
    owner: str = ""
    due: date | None = None
    created_at: datetime | None = None
    #: the plan-of-action key the entry became (set when handed over to the plan)
    plan_key: str | None = None
    #: the version the entry was read at (issue 22, point 4): a correction or removal names
    #: it and is refused when another session changed the entry since
    version: int | None = None


# -- attendance at an item ---------------------------------------------------------------

def absence(attendee: Attendee, item: AgendaItem) -> AbsenceReason | None:
    """Why ``attendee`` does not count as present at ``item`` (None: they count).

    A person counts as present unless they left or were explicitly marked absent for this
    item; their party (invited or not, entitled or not) does not make them absent."""
    if attendee.left_at is not None:
        return AbsenceReason.LEFT
    if item.id in attendee.absent_items:
        return AbsenceReason.MARKED_ABSENT
    return None


def present_at(attendees: Iterable[Attendee], item: AgendaItem) -> list[Attendee]:
    return [a for a in attendees if absence(a, item) is None]


def present_parties(attendees: Iterable[Attendee], item: AgendaItem) -> frozenset[int]:
    """The parties present at ``item``: what the meeting-room screen is decided for (also
    parties that are not invited or not entitled: the policy then keeps items off)."""
    return frozenset(a.party_id for a in present_at(attendees, item))


def awaiting_confidentiality(attendees: Iterable[Attendee], item: AgendaItem) -> list[Attendee]:
    """People counted present at ``item`` who have not accepted the statement yet: while
    there are any, the meeting-room screen shows nothing of the case."""
    return [a for a in present_at(attendees, item) if not a.has_accepted]


# -- timing ------------------------------------------------------------------------------

def planned_starts(start: datetime, durations: Sequence[int]) -> list[datetime]:
    starts: list[datetime] = []
    at = start
    for minutes in durations:
        starts.append(at)
        at += timedelta(minutes=minutes)
    return starts


@dataclass(frozen=True)
class ItemTimer:
    elapsed: timedelta
    planned: timedelta

    @property
    def remaining(self) -> timedelta:
        return self.planned - self.elapsed

    @property
    def overrun(self) -> bool:
        return self.elapsed > self.planned

    def text(self) -> str:
        """``12:05 / 30:00`` (elapsed / planned), with ``+mm:ss`` once overrun."""
        def mmss(delta: timedelta) -> str:
            seconds = max(0, int(delta.total_seconds()))
            return f"{seconds // 60:02d}:{seconds % 60:02d}"

        base = f"{mmss(self.elapsed)} / {mmss(self.planned)}"
        if self.overrun:
            return base + f" (+{mmss(self.elapsed - self.planned)})"
        return base


def item_timer(item: AgendaItem, now: datetime) -> ItemTimer:
    started = item.started_at
    end = item.ended_at or now
    elapsed = (end - started) if started is not None else timedelta(0)
    return ItemTimer(max(elapsed, timedelta(0)), timedelta(minutes=item.duration_minutes))


# -- naming a meeting ----------------------------------------------------------------------

#: starting a meeting further than this many days from its planned date asks first
START_QUESTION_DAYS = 1


def meeting_name(starts_at: datetime, place: str) -> str:
    """How a meeting is named to people: by its planned date, time and place
    ("Casusoverleg 12-03-2026 10:00, Zaal 3"), never by its internal number. The place is
    a room or a building, not personal data."""
    return _("Case meeting {when}, {place}").format(when=format_datetime(starts_at),
                                                     place=place)


def meeting_label(meeting: Meeting) -> str:
    """:func:`meeting_name` of a meeting: window titles, plan history, PDF footers."""
    return meeting_name(meeting.starts_at, meeting.place)


def meeting_file_stamp(starts_at: datetime) -> str:
    """The meeting in a file name: its planned date and time only (``2026-03-12-1000``),
    which sorts and holds nothing personal (the place may name a person's room)."""
    return starts_at.strftime("%Y-%m-%d-%H%M")


def days_from_plan(meeting: Meeting, today: date) -> int:
    """How many days ``today`` lies from the meeting's planned date (0: the same day)."""
    return abs((today - meeting.starts_at.date()).days)


def start_needs_question(meeting: Meeting, today: date) -> bool:
    """Starting on ``today`` is more than :data:`START_QUESTION_DAYS` from the planned date:
    the director is asked first (the minutes carry the real date, not the planned one)."""
    return days_from_plan(meeting, today) > START_QUESTION_DAYS


# -- identifying a case without naming its subject ------------------------------------------

_PARTICLES = {"van", "de", "der", "den", "het", "ten", "ter", "te", "la", "le", "du", "da",
              "di", "del", "von", "op", "in", "'t", "el", "al", "bin", "ben"}


def initials(given_names: str, surname: str) -> str:
    """``J.P. de V.`` for Jan Pieter de Vries: the subject as an agenda may show them.
    An Arabic article ("ال", al-) is not the name's initial: محمد العلي gives "م. ع."."""
    def first_letter(word: str) -> str:
        letters = [ch for ch in word if ch.isalpha()]
        if len(letters) > 3 and letters[0] == "\u0627" and letters[1] == "\u0644":
            letters = letters[2:]   # alef lam: the article, written together with the name
        return letters[0].upper() if letters else ""

    given = "".join(f"{first_letter(w)}." for w in given_names.split() if first_letter(w))
    words = surname.split()
    particles = []
    while len(words) > 1 and words[0].lower() in _PARTICLES:
        particles.append(words.pop(0).lower())
    family = f"{first_letter(words[0])}." if words and first_letter(words[0]) else ""
    return " ".join(part for part in (given, " ".join(particles), family) if part)


# -- validation --------------------------------------------------------------------------

def _text(value: str, field_name: str, *, required: bool, limit: int = MAX_SHORT) -> str:
    cleaned = " ".join(value.split()) if limit <= MAX_SHORT else value.strip()
    # a short field names someone or somewhere: no invisible character; prose keeps lines
    # (issue 25, point 3: app.domain.text_rules)
    if limit <= MAX_SHORT:
        check_identifying(cleaned, field_name)
    else:
        check_free_text(cleaned, field_name)
    if required and not cleaned:
        raise ValidationError(_("must not be empty"), field=field_name)
    if len(cleaned) > limit:
        raise ValidationError(_("is longer than {limit} characters").format(limit=limit),
                              field=field_name)
    return cleaned


def place_key(place: str) -> str:
    """The place as two meetings are compared on (case, accents and spaces ignored)."""
    return fold_for_search(place)


def check_meeting(starts_at: datetime, place: str, chair: str) -> tuple[datetime, str, str]:
    """A meeting's own fields; returns them cleaned (seconds dropped from the time)."""
    if not isinstance(starts_at, datetime):
        raise ValidationError(_("choose a date and time"), field="starts_at")
    return (starts_at.replace(second=0, microsecond=0, tzinfo=None),
            _text(place, "place", required=True), _text(chair, "chair", required=True))


def check_duration(minutes: int, field_name: str = "duration") -> int:
    if not MIN_DURATION <= int(minutes) <= MAX_DURATION:
        raise ValidationError(_("must be between {low} and {high} minutes").format(
            low=MIN_DURATION, high=MAX_DURATION), field=field_name)
    return int(minutes)


def check_item_details(goal: str, themes: Sequence[str],
                       decision_types: Sequence[DecisionType]) -> tuple[str, tuple[str, ...],
                                                                        tuple[DecisionType, ...]]:
    goal = _text(goal, "goal", required=True, limit=MAX_TEXT)
    cleaned = tuple(t for t in (" ".join(x.split()) for x in themes) if t)
    if not cleaned:
        raise ValidationError(_("choose at least one theme"), field="themes")
    for theme in cleaned:
        _text(theme, "themes", required=True)
    kinds = decision_types_from(d.value if isinstance(d, DecisionType) else d
                                for d in decision_types)
    if not kinds:
        raise ValidationError(_("choose at least one type of decision"), field="decision_types")
    return goal, cleaned, kinds


def check_attendee(name: str, party_id: int | None, function: str) -> tuple[str, int, str]:
    """A person present: a name, the party they represent (required: the meeting-room
    screen is decided for the parties present) and a function. Whether the party id is in
    the register is checked by the service."""
    name = _text(name, "name", required=True)
    if party_id is None or isinstance(party_id, bool):
        raise ValidationError(_("choose the party this person represents"), field="party_id")
    try:
        party = int(party_id)
    except (TypeError, ValueError):
        raise ValidationError(_("choose the party this person represents"),
                              field="party_id") from None
    return name, party, _text(function, "function", required=True)


@dataclass(frozen=True)
class EntryInput:
    """One entry as typed during the meeting, before it is stored."""

    kind: EntryKind
    text: str
    party_id: int | None = None
    owner: str = ""
    due: date | None = None


#: the fields of a minutes entry and of the attendance form, as the live window labels them
FIELD_LABELS = {
    "kind": N_("Entry"), "text": N_("Text"), "party_id": N_("Party"), "owner": N_("Owner"),
    "due": N_("Due"), "name": N_("Name"), "function": N_("Function"),
}


def refusal_text(error: ValidationError) -> str:
    """A refusal with the field it concerns: "Owner: must not be empty"."""
    label = FIELD_LABELS.get(error.field or "")
    return _("{field}: {message}").format(field=_(label), message=str(error)) if label \
        else str(error)


def check_entry(entry: EntryInput, today: date) -> EntryInput:
    """The rules of a minutes entry: an action names a party, an owner and a due date that
    is not in the past; a coordinator names a party and a person."""
    kind = EntryKind(entry.kind)
    owner = _text(entry.owner, "owner", required=kind in (EntryKind.ACTION,
                                                          EntryKind.COORDINATOR))
    if kind is EntryKind.COORDINATOR:
        text = _text(entry.text, "text", required=False, limit=MAX_TEXT)
    else:
        text = _text(entry.text, "text", required=True, limit=MAX_TEXT)
    if kind in (EntryKind.ACTION, EntryKind.COORDINATOR) and entry.party_id is None:
        raise ValidationError(_("choose the party"), field="party_id")
    due = entry.due
    if kind is EntryKind.ACTION:
        if due is None:
            raise ValidationError(_("give a due date"), field="due")
        if due < today:
            raise ValidationError(_("is in the past"), field="due")
    elif due is not None and due < today:
        raise ValidationError(_("is in the past"), field="due")
    return EntryInput(kind, text, entry.party_id, owner, due)


# -- the agenda wizard as data ---------------------------------------------------------------

class WizardStep(StrEnum):
    MEETING = "meeting"          # date and time, place, chair
    CASES = "cases"              # the cases ready for a meeting to put on it
    ORDER = "order"              # order, start times and durations
    DETAILS = "details"          # goal, themes and decision types per case
    INVITATIONS = "invitations"  # the parties invited per case, checked against entitlement
    REVIEW = "review"            # everything once more; then the agenda PDFs per party

    @property
    def title(self) -> str:  # type: ignore[override]  # the step's title, not str.title
        return _(STEP_TITLES[self][0])

    @property
    def subtitle(self) -> str:
        return _(STEP_TITLES[self][1])


STEP_TITLES = {
    WizardStep.MEETING: (N_("Meeting"), N_("Date and time, place and chair of the meeting.")),
    WizardStep.CASES: (N_("Cases"), N_("Choose the cases to discuss: cases routed to a case "
                                       "meeting by triage, and follow-ups of cases in "
                                       "progress.")),
    WizardStep.ORDER: (N_("Order and times"), N_("Put the cases in order and give each its "
                                                 "duration; the start times follow.")),
    WizardStep.DETAILS: (N_("Goal, themes and decisions"),
                         N_("Carried over from triage; adjust them for this meeting "
                            "(covenant 12.2c).")),
    WizardStep.INVITATIONS: (N_("Invitations"),
                             N_("Only parties lawfully entitled to attend are invited "
                                "(covenant 12.2e).")),
    WizardStep.REVIEW: (N_("Review"), N_("Check the agenda; saving plans the meeting. Then "
                                         "make the agenda for each party.")),
}

WIZARD_STEPS: tuple[WizardStep, ...] = tuple(WizardStep)


@dataclass
class DraftItem:
    """One case on the agenda being prepared."""

    case_id: int
    case_number: str
    subject_initials: str
    kind: ItemKind
    duration_minutes: int = DEFAULT_DURATION
    goal: str = ""
    themes: list[str] = field(default_factory=list)
    decision_types: list[DecisionType] = field(default_factory=list)
    invited: dict[int, str] = field(default_factory=dict)   # party id -> contribution


@dataclass
class AgendaDraft:
    """What the agenda wizard collects; saved as a draft as the user goes."""

    starts_at: datetime | None = None
    place: str = ""
    chair: str = ""
    items: list[DraftItem] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "starts_at": self.starts_at.isoformat() if self.starts_at else None,
            "place": self.place, "chair": self.chair,
            "items": [{"case_id": i.case_id, "case_number": i.case_number,
                       "subject_initials": i.subject_initials, "kind": i.kind.value,
                       "duration_minutes": i.duration_minutes, "goal": i.goal,
                       "themes": list(i.themes),
                       "decision_types": [d.value for d in i.decision_types],
                       "invited": {str(k): v for k, v in i.invited.items()}}
                      for i in self.items]}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> AgendaDraft:
        raw_items = data.get("items") or []
        assert isinstance(raw_items, list)
        starts = data.get("starts_at")
        return cls(
            starts_at=datetime.fromisoformat(str(starts)) if starts else None,
            place=str(data.get("place", "")), chair=str(data.get("chair", "")),
            items=[DraftItem(int(i["case_id"]), str(i["case_number"]),
                             str(i.get("subject_initials", "")), ItemKind(i["kind"]),
                             int(i.get("duration_minutes", DEFAULT_DURATION)),
                             str(i.get("goal", "")), list(i.get("themes", [])),
                             list(decision_types_from(i.get("decision_types", []))),
                             {int(k): str(v) for k, v in dict(i.get("invited", {})).items()})
                   for i in raw_items])

    def starts(self) -> list[datetime]:
        if self.starts_at is None:
            return []
        return planned_starts(self.starts_at, [i.duration_minutes for i in self.items])


def _meeting_step(draft: AgendaDraft) -> None:
    if draft.starts_at is None:
        raise ValidationError(_("choose a date and time"), field="starts_at")
    check_meeting(draft.starts_at, draft.place, draft.chair)


def _cases_step(draft: AgendaDraft) -> None:
    if not draft.items:
        raise ValidationError(_("choose at least one case"), field="items")


def _order_step(draft: AgendaDraft) -> None:
    for item in draft.items:
        check_duration(item.duration_minutes)


def _details_step(draft: AgendaDraft) -> None:
    for item in draft.items:
        try:
            check_item_details(item.goal, item.themes, item.decision_types)
        except ValidationError as exc:
            raise ValidationError(f"{item.case_number}: {exc!s}", field=exc.field) from None


def _invitations_step(draft: AgendaDraft) -> None:
    for item in draft.items:
        if not item.invited:
            raise ValidationError(_("{number}: invite at least one party").format(
                number=item.case_number), field="invited")


def _first_refusal_of(check: Callable[[AgendaDraft], None]
                      ) -> Callable[[AgendaDraft, None], list[FieldError]]:
    """A step rule that raises its first problem, as the protocol's check (that one)."""
    return lambda draft, _ctx: first_refusal(lambda: check(draft))


def _step(step: WizardStep, check: Callable[[AgendaDraft, None], list[FieldError]],
          fields: tuple[str, ...]) -> Step[AgendaDraft, None]:
    return Step(step, STEP_TITLES[step][0], STEP_TITLES[step][1], check, fields)


#: The agenda wizard in the one wizard protocol (``app.domain.wizard``). Entitlement of
#: invitees and clashes with other meetings are checked by the service, which knows the
#: register and the other meetings; the steps' checks need no context (None).
FLOW: Flow[AgendaDraft, None] = Flow("agenda", [
    _step(WizardStep.MEETING, _first_refusal_of(_meeting_step),
          ("starts_at", "place", "chair")),
    _step(WizardStep.CASES, _first_refusal_of(_cases_step), ("items",)),
    _step(WizardStep.ORDER, _first_refusal_of(_order_step), ("duration",)),
    _step(WizardStep.DETAILS, _first_refusal_of(_details_step),
          ("goal", "themes", "decision_types")),
    _step(WizardStep.INVITATIONS, _first_refusal_of(_invitations_step), ("invited",)),
    _step(WizardStep.REVIEW, no_refusals, ()),
])
assert FLOW.ids() == WIZARD_STEPS


def check_step(step: WizardStep, draft: AgendaDraft) -> None:
    """Refuse to leave ``step`` while its fields break a rule (``ValidationError`` with the
    field): the first refusal of the step's check in :data:`FLOW`."""
    found = FLOW.refusals(step, draft, None)
    if found:
        raise ValidationError(found[0].message, field=found[0].field or None)


def next_step(step: WizardStep) -> WizardStep | None:
    following = FLOW.next_step(step)
    return WizardStep(following) if following is not None else None


def parse_time(text: str, field_name: str = "time") -> time:
    match = re.fullmatch(r"\s*(\d{1,2})[:.](\d{2})\s*", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ValidationError(_("is not a time of the form HH:MM"), field=field_name)
    return time(int(match.group(1)), int(match.group(2)))
