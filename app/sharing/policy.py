"""The one sharing policy: may viewer V see information item I in setting S?

Every screen, PDF and export asks :func:`decide` (or a helper built on it); nothing else in
the program decides visibility. The party that supplied an item decides who may use it and
how (covenant 16.2, 9.2); invitees see anything before the meeting only if that party agreed
(12.2f); a party that withdrew or was excluded receives nothing from that day on (21.3,
23.2); only parties lawfully entitled to attend are invited (12.2e).

Inputs are plain values: the :class:`~app.domain.information.InformationItem` with its
:class:`~app.domain.information.SharingTerms`, the viewer, the setting, a
:class:`CaseContext` (case id, protocol, state, the date, the invitees of the case's current
meeting if it is on an agenda and whether that meeting has started, the case's subjects) and
the :class:`~app.domain.standing.PartyStanding` of the parties by id. No database, no Qt.

Settings and viewers
--------------------

=================  ======================  ==================================================
setting            viewer                  what it is
=================  ======================  ==================================================
DIRECTOR           ProcessDirector()       the process director's own screens and the full plan
PRE_MEETING        PartyViewer(party_id)   what an invitee may view before the meeting
MEETING_SCREEN     MeetingRoom(present)    the meeting-room screen, given the parties present
HANDOUT            PartyViewer(party_id)   a party's PDF handout
SUBJECT_ACCESS     DataSubject(subject_id) the export for a subject-access request (AVG 15)
=================  ======================  ==================================================

Any other pairing of setting and viewer is a programming error (``TypeError``), never a
silent answer.

Rules, in order of precedence: the first row that applies gives the answer
-------------------------------------------------------------------------

==  ==============  ==================================================  ======  ====================
#   setting         condition                                           answer  reason code
==  ==============  ==================================================  ======  ====================
1   all             the item belongs to another case than the one       no      other_case
                    shown
2   SUBJECT_ACCESS  the subject is not a subject of this case           no      not_a_subject
3   SUBJECT_ACCESS  the item concerns other subjects only               no      not_concerned
4   SUBJECT_ACCESS  otherwise (subject to the director's review, see    yes     right_of_access
                    :func:`subject_access_review`)
5   DIRECTOR        always                                              yes     process_director
6   PRE_MEETING,    the party has no standing in the register           no      unknown_party
    HANDOUT
7   ..              the party is not yet active on the date (no         no      not_yet_active
                    accession)
8   ..              the party withdrew or was excluded on or before     no      withdrawn
                    the date
9   ..              the party does not take part in the case's          no      not_in_protocol
                    protocol
10  ..              the case is declined, routed elsewhere, closed or   no      case_ended
                    destroyed
11  ..              the case is on no meeting's agenda                  no      not_on_agenda
12  ..              the party is not invited to the case's current      no      not_invited
                    meeting
13  ..              the party is the item's source party                yes     source_party
14  ..              the party is not in ``shared_with``                 no      not_shared
15  PRE_MEETING,    ``pre_meeting_view`` is not set                     no      no_pre_meeting_view
    HANDOUT before
    the meeting
16  ..              otherwise                                           yes     pre_meeting_agreed
17  HANDOUT from    otherwise                                           yes     shared_with
    the meeting on
18  MEETING_SCREEN  no party is present                                 no      nobody_present
19  MEETING_SCREEN  ``meeting_screen`` is not set                       no      no_meeting_screen
20  MEETING_SCREEN  a party present fails rows 6-12 (checked in         no      present_not_entitled
                    party-id order)
21  MEETING_SCREEN  a party present is neither the source nor in        no      present_not_shared
                    ``shared_with``
22  MEETING_SCREEN  otherwise                                           yes     all_present_may_see
==  ==============  ==================================================  ======  ====================

Notes on the choices made:

* Standing beats terms (rows 6-12 before row 13): "a party that is withdrawn or excluded, or
  does not take part in the case's protocol, sees nothing, whatever the terms say" holds for
  the source party too. From the day after ``active_until`` the source party no longer sees
  even its own items here; the items stay in the case, and what the source allowed for others
  stays in force (covenant 23.3: duties of confidentiality outlive the membership).
* Rows 6-12 are one entitlement (:func:`party_entitlement`), asked the same way by every
  output a party receives: the handout, the party's agenda, the pre-meeting view and every
  party present at the meeting-room screen. Nothing reaches a party before the case is on a
  meeting's agenda and the party is invited to the case's current meeting (covenant 12.2e,
  9.2), and nothing about a case that is declined, routed elsewhere, closed or destroyed.
* Handouts follow the meeting (covenant 12.2f): until the case's current meeting has started
  (``CaseContext.meeting_started``: its live mode begun, or else its planned start passed) a
  handout holds only what the pre-meeting view allows; from the start on, what
  ``shared_with`` allows. The source party always has its own items.
* The meeting-room screen fails closed: a person recorded as present whose party is not
  entitled to the item (not invited, withdrawn, not in the protocol) blocks every item (row
  20); the program never counts such a person absent on its own. A room with nobody present
  shows nothing.
* Subject access (AVG art. 15): the sharing terms govern sharing among parties, not the
  subject's own right, so rows 2-4 give the subject every item of the case that concerns
  them (``InformationItem.concerns``; None is the whole household). What may still not be
  given is the process director's call: :func:`subject_access_review` names why an item must
  be reviewed (a use restriction; it also concerns other subjects, AVG 15(4); police or
  judicial data with their own access regimes, Wet politiegegevens art. 25 and Wjsg art. 18;
  the supplier has not agreed). The export is made only from a reviewed draft
  (``app.services.subject_access``).
* ``use_restriction`` travels with every decision, allowed or not, so that every place that
  shows an item shows its restriction beside it.

Outputs to the referring party (issue 24)
-----------------------------------------

Two PDFs go back to the party that referred a case, and to no one else; they hold only
that referral's own facts, never an information item's text or anything another party
supplied (:func:`may_receive_referrer_output`, rows in order):

==  ================================================  ======  =========================
#   condition                                         answer  reason code
==  ================================================  ======  =========================
R1  the recipient is not the case's referring party   no      not_referring_party
R2  the party has no standing in the register         no      unknown_party
R3  the party is not (yet) active on the date         no      not_yet_active
R4  the party withdrew or was excluded on or before   no      withdrawn
    the date
R5  otherwise                                         yes     referring_party
==  ================================================  ======  =========================

``RECEIPT``: the case number, the date received and what was received (which fields were
filled in, how many subjects, partners to invite and information items), at import or
intake. ``TRIAGE_OUTCOME``: taken on (with the case meeting's date), advice only (with the
advice) or declined (with the reason). No protocol or agenda condition: the referral is the
party's own, and the answer to it is owed whatever happens to the case; a party that left
the covenant receives nothing from that day on (21.3, 23.2).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from app.domain.information import Category, InformationItem
from app.domain.lifecycle import CaseState
from app.domain.plan import Action, ActionPlan
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding
from app.i18n import N_, _


class Setting(StrEnum):
    DIRECTOR = "director"
    PRE_MEETING = "pre_meeting"
    MEETING_SCREEN = "meeting_screen"
    HANDOUT = "handout"
    SUBJECT_ACCESS = "subject_access"

    @property
    def label(self) -> str:
        return _(SETTING_LABELS[self])


SETTING_LABELS = {
    Setting.DIRECTOR: N_("Process director's screen"),
    Setting.PRE_MEETING: N_("Pre-meeting view"),
    Setting.MEETING_SCREEN: N_("Meeting-room screen"),
    Setting.HANDOUT: N_("Handout"),
    Setting.SUBJECT_ACCESS: N_("Subject-access export"),
}


# --- viewers ---------------------------------------------------------------------------

@dataclass(frozen=True)
class ProcessDirector:
    """The process director (covenant 12): sees every item of the cases they handle."""


@dataclass(frozen=True)
class PartyViewer:
    """One party, by its id in the register."""

    party_id: int


@dataclass(frozen=True)
class MeetingRoom:
    """The meeting-room screen: everyone in the room sees it, so every party present counts."""

    present: frozenset[int]


@dataclass(frozen=True)
class DataSubject:
    """A subject (betrokkene) exercising the right of access, by subject id."""

    subject_id: int


Viewer = ProcessDirector | PartyViewer | MeetingRoom | DataSubject

PROCESS_DIRECTOR = ProcessDirector()

#: Which viewer fits which setting; anything else is a programming error.
_VIEWER_FOR_SETTING: dict[Setting, type] = {
    Setting.DIRECTOR: ProcessDirector,
    Setting.PRE_MEETING: PartyViewer,
    Setting.HANDOUT: PartyViewer,
    Setting.MEETING_SCREEN: MeetingRoom,
    Setting.SUBJECT_ACCESS: DataSubject,
}


# --- the case as the policy needs it ---------------------------------------------------

@dataclass(frozen=True)
class CaseContext:
    """What the policy needs to know about the case being shown.

    ``on`` is the date the question is asked for (normally today): standings are taken on
    that day. ``state`` is the case's lifecycle state: parties receive nothing of a case
    that ended. ``invited`` is the set of parties invited to the case's current meeting
    (its agenda item on the latest meeting the case is on), or None while the case is on no
    agenda. ``meeting_started`` says whether that meeting has started (live mode begun, or
    else its planned start passed): before it, a handout holds only the pre-meeting view.
    ``subject_ids`` are the case's subjects.
    """

    case_id: int
    protocol: Protocol
    on: date
    state: CaseState
    invited: frozenset[int] | None = None
    subject_ids: frozenset[int] = field(default_factory=frozenset)
    meeting_started: bool = False


# --- answers ---------------------------------------------------------------------------

class Reason(StrEnum):
    # allowed
    PROCESS_DIRECTOR = "process_director"
    SOURCE_PARTY = "source_party"
    SHARED_WITH = "shared_with"
    PRE_MEETING_AGREED = "pre_meeting_agreed"
    ALL_PRESENT_MAY_SEE = "all_present_may_see"
    RIGHT_OF_ACCESS = "right_of_access"
    ENTITLED = "entitled"                       # entitlement checks only
    REFERRING_PARTY = "referring_party"         # the receipt and the triage outcome
    # refused
    OTHER_CASE = "other_case"
    NOT_A_SUBJECT = "not_a_subject"
    NOT_CONCERNED = "not_concerned"
    UNKNOWN_PARTY = "unknown_party"
    NOT_YET_ACTIVE = "not_yet_active"
    WITHDRAWN = "withdrawn"
    NOT_IN_PROTOCOL = "not_in_protocol"
    CASE_ENDED = "case_ended"
    NOT_ON_AGENDA = "not_on_agenda"
    NOT_INVITED = "not_invited"
    NOT_CURRENT_MEETING = "not_current_meeting"
    NOT_SHARED = "not_shared"
    NO_PRE_MEETING_VIEW = "no_pre_meeting_view"
    NOBODY_PRESENT = "nobody_present"
    NO_MEETING_SCREEN = "no_meeting_screen"
    PRESENT_NOT_ENTITLED = "present_not_entitled"
    PRESENT_NOT_SHARED = "present_not_shared"
    NOT_REFERRING_PARTY = "not_referring_party"

    @property
    def label(self) -> str:
        return _(REASON_LABELS[self])


REASON_LABELS = {
    Reason.PROCESS_DIRECTOR: N_("The process director sees every item"),
    Reason.SOURCE_PARTY: N_("Supplied by this party"),
    Reason.SHARED_WITH: N_("The supplying party shared it with this party"),
    Reason.PRE_MEETING_AGREED: N_("The supplying party agreed to viewing before the meeting"),
    Reason.ALL_PRESENT_MAY_SEE: N_("Every party present may see it"),
    Reason.RIGHT_OF_ACCESS: N_("The subject's right of access"),
    Reason.ENTITLED: N_("Entitled"),
    Reason.REFERRING_PARTY: N_("The party that referred the case"),
    Reason.OTHER_CASE: N_("The item belongs to another case"),
    Reason.NOT_A_SUBJECT: N_("Not a subject of this case"),
    Reason.NOT_CONCERNED: N_("The item concerns other subjects of the case"),
    Reason.UNKNOWN_PARTY: N_("Not a party in the register"),
    Reason.NOT_YET_ACTIVE: N_("The party has not (yet) joined"),
    Reason.WITHDRAWN: N_("The party has withdrawn or was excluded"),
    Reason.NOT_IN_PROTOCOL: N_("The party does not take part in this case's protocol"),
    Reason.CASE_ENDED: N_("The case is declined, routed elsewhere, closed or destroyed"),
    Reason.NOT_ON_AGENDA: N_("The case is not on a meeting's agenda"),
    Reason.NOT_INVITED: N_("The party is not invited to this case's meeting"),
    Reason.NOT_CURRENT_MEETING: N_("The case is on a later meeting now"),
    Reason.NOT_SHARED: N_("The supplying party did not share it with this party"),
    Reason.NO_PRE_MEETING_VIEW: N_("The supplying party did not agree to viewing before "
                                   "the meeting"),
    Reason.NOBODY_PRESENT: N_("No party is present"),
    Reason.NO_MEETING_SCREEN: N_("The supplying party did not allow the meeting screen"),
    Reason.PRESENT_NOT_ENTITLED: N_("A party present is not entitled to this case"),
    Reason.PRESENT_NOT_SHARED: N_("A party present may not see it"),
    Reason.NOT_REFERRING_PARTY: N_("Only the party that referred the case receives this"),
}


@dataclass(frozen=True)
class Entitlement:
    """Whether a party may take part at all (be invited, receive a handout), and why."""

    allowed: bool
    reason: Reason

    def __bool__(self) -> bool:
        return self.allowed


@dataclass(frozen=True)
class Decision:
    """The answer for one item. ``use_restriction`` is the item's, always carried along;
    ``blocking_party`` names the party present that keeps an item off the meeting screen."""

    allowed: bool
    reason: Reason
    use_restriction: str = ""
    blocking_party: int | None = None

    def __bool__(self) -> bool:
        return self.allowed


# --- entitlement: built on PartyStanding -----------------------------------------------

def may_be_invited(standing: PartyStanding | None, protocol: Protocol,
                   on: date) -> Entitlement:
    """May this party be invited to a meeting on a case under ``protocol`` on ``on``?

    Only parties active on that day and taking part in the protocol (covenant 12.2e, 20,
    21.3, 23.2). ``standing`` None: the party is not in the register.
    """
    if standing is None:
        return Entitlement(False, Reason.UNKNOWN_PARTY)
    if not standing.is_active(on):
        if standing.active_from is None or on < standing.active_from:
            return Entitlement(False, Reason.NOT_YET_ACTIVE)
        return Entitlement(False, Reason.WITHDRAWN)
    if not standing.takes_part(protocol, on):
        return Entitlement(False, Reason.NOT_IN_PROTOCOL)
    return Entitlement(True, Reason.ENTITLED)


#: Lifecycle states in which no party receives anything of the case (covenant 12.2e, 9.2).
ENDED_FOR_PARTIES = frozenset({CaseState.DECLINED, CaseState.ROUTED_ELSEWHERE,
                               CaseState.CLOSED, CaseState.DESTROYED})


def party_entitlement(party_id: int, case: CaseContext,
                      standings: Mapping[int, PartyStanding]) -> Entitlement:
    """Rows 6-12: may this party receive anything of the case now (a handout, its agenda,
    the pre-meeting view, a seat before the meeting-room screen)?

    Only a party active on ``case.on``, in the case's protocol, for a case still open, on a
    meeting's agenda, and invited to the case's current meeting.
    """
    entitled = may_be_invited(standings.get(party_id), case.protocol, case.on)
    if not entitled:
        return entitled
    if case.state in ENDED_FOR_PARTIES:
        return Entitlement(False, Reason.CASE_ENDED)
    if case.invited is None:
        return Entitlement(False, Reason.NOT_ON_AGENDA)
    if party_id not in case.invited:
        return Entitlement(False, Reason.NOT_INVITED)
    return entitled


def may_receive_handout(party_id: int, case: CaseContext,
                        standings: Mapping[int, PartyStanding]) -> Entitlement:
    """May this party receive a handout of the case at all? (:func:`party_entitlement`)"""
    return party_entitlement(party_id, case, standings)


def may_receive_agenda(party_id: int, case: CaseContext,
                       standings: Mapping[int, PartyStanding], *,
                       current_meeting: bool = True) -> Entitlement:
    """May this case stand on this party's agenda of a meeting? Only on the agenda of the
    case's current meeting (an older meeting's agenda would hand a party dropped from the
    case its goal and themes again), and then :func:`party_entitlement`."""
    if not current_meeting:
        return Entitlement(False, Reason.NOT_CURRENT_MEETING)
    return party_entitlement(party_id, case, standings)


# --- what goes back to the referring party (issue 24) ----------------------------------

class ReferrerOutput(StrEnum):
    """The documents that go back to the party that referred a case."""

    RECEIPT = "receipt"
    TRIAGE_OUTCOME = "triage_outcome"


def may_receive_referrer_output(party_id: int, output: ReferrerOutput,
                                referring_party_id: int | None,
                                standings: Mapping[int, PartyStanding],
                                on: date) -> Entitlement:
    """Rows R1-R5 of the module docstring: only the case's referring party, while it is a
    party of the covenant, receives the receipt and the triage outcome of its referral."""
    ReferrerOutput(output)
    if referring_party_id is None or party_id != referring_party_id:
        return Entitlement(False, Reason.NOT_REFERRING_PARTY)
    standing = standings.get(party_id)
    if standing is None:
        return Entitlement(False, Reason.UNKNOWN_PARTY)
    if not standing.is_active(on):
        if standing.active_from is None or on < standing.active_from:
            return Entitlement(False, Reason.NOT_YET_ACTIVE)
        return Entitlement(False, Reason.WITHDRAWN)
    return Entitlement(True, Reason.REFERRING_PARTY)


# --- the one function ------------------------------------------------------------------

def decide(item: InformationItem, viewer: Viewer, setting: Setting, case: CaseContext,
           standings: Mapping[int, PartyStanding]) -> Decision:
    """May ``viewer`` see ``item`` in ``setting``? See the table in the module docstring."""
    expected = _VIEWER_FOR_SETTING[setting]
    if not isinstance(viewer, expected):
        raise TypeError(f"viewer {type(viewer).__name__} does not fit setting {setting}")
    restriction = item.terms.use_restriction

    def answer(allowed: bool, reason: Reason, blocking: int | None = None) -> Decision:
        return Decision(allowed, reason, restriction, blocking)

    if item.case_id != case.case_id:
        return answer(False, Reason.OTHER_CASE)

    if isinstance(viewer, DataSubject):
        if viewer.subject_id not in case.subject_ids:
            return answer(False, Reason.NOT_A_SUBJECT)
        if not item.concerns_subject(viewer.subject_id):
            return answer(False, Reason.NOT_CONCERNED)
        return answer(True, Reason.RIGHT_OF_ACCESS)

    if isinstance(viewer, ProcessDirector):
        return answer(True, Reason.PROCESS_DIRECTOR)

    if isinstance(viewer, PartyViewer):
        entitled = party_entitlement(viewer.party_id, case, standings)
        if not entitled:
            return answer(False, entitled.reason)
        if viewer.party_id == item.source_party_id:
            return answer(True, Reason.SOURCE_PARTY)
        if viewer.party_id not in item.terms.shared_with:
            return answer(False, Reason.NOT_SHARED)
        if setting is Setting.PRE_MEETING or not case.meeting_started:
            if not item.terms.pre_meeting_view:
                return answer(False, Reason.NO_PRE_MEETING_VIEW)
            return answer(True, Reason.PRE_MEETING_AGREED)
        return answer(True, Reason.SHARED_WITH)

    # MeetingRoom: everyone in the room sees the screen, so the narrowest party counts.
    if not viewer.present:
        return answer(False, Reason.NOBODY_PRESENT)
    if not item.terms.meeting_screen:
        return answer(False, Reason.NO_MEETING_SCREEN)
    for party_id in sorted(viewer.present):
        if not party_entitlement(party_id, case, standings):
            return answer(False, Reason.PRESENT_NOT_ENTITLED, party_id)
        if party_id != item.source_party_id and party_id not in item.terms.shared_with:
            return answer(False, Reason.PRESENT_NOT_SHARED, party_id)
    return answer(True, Reason.ALL_PRESENT_MAY_SEE)


# --- the plan of action ----------------------------------------------------------------

def action_visible_to(action: Action, party_id: int) -> bool:
    """May a party see this action of the plan? Every party may, unless the meeting limited
    it to some parties: then those, and the party that carries it out (covenant 8.4c: each
    party's role and need to know are agreed in the meeting)."""
    return (not action.limited_to or party_id in action.limited_to
            or party_id == action.party_id)


def plan_for_party(plan: ActionPlan, party_id: int) -> ActionPlan:
    """The plan as one party may see it in its handout: actions limited to others left
    out. Only for a party :func:`party_entitlement` allows."""
    return replace(plan, actions=tuple(a for a in plan.actions
                                       if action_visible_to(a, party_id)))


# --- helpers built on decide() ---------------------------------------------------------

@dataclass(frozen=True)
class Shown:
    """An item that may be shown, with the decision that allowed it (and its restriction)."""

    item: InformationItem
    decision: Decision

    @property
    def use_restriction(self) -> str:
        return self.decision.use_restriction


def visible_items(items: Iterable[InformationItem], viewer: Viewer, setting: Setting,
                  case: CaseContext,
                  standings: Mapping[int, PartyStanding]) -> list[Shown]:
    """The items ``viewer`` may see in ``setting``, in the order given."""
    shown: list[Shown] = []
    for item in items:
        decision = decide(item, viewer, setting, case, standings)
        if decision.allowed:
            shown.append(Shown(item, decision))
    return shown


def meeting_screen_items(items: Iterable[InformationItem], present: Iterable[int],
                         case: CaseContext,
                         standings: Mapping[int, PartyStanding]) -> list[Shown]:
    """What the meeting-room screen may show with these parties present."""
    return visible_items(items, MeetingRoom(frozenset(present)), Setting.MEETING_SCREEN,
                         case, standings)


class ReviewFlag(StrEnum):
    """Why an item in a subject-access export needs the process director's review."""

    USE_RESTRICTION = "use_restriction"          # the supplier restricted its use
    OTHER_SUBJECTS = "other_subjects"            # it also concerns others (AVG 15(4))
    OTHER_ACCESS_REGIME = "other_access_regime"  # police or judicial data (Wpg 25, Wjsg 18)
    SUPPLIER_NOT_AGREED = "supplier_not_agreed"  # the supplier did not agree to giving it

    @property
    def label(self) -> str:
        return _(REVIEW_FLAG_LABELS[self])


REVIEW_FLAG_LABELS = {
    ReviewFlag.USE_RESTRICTION: N_("The supplying party set a use restriction"),
    ReviewFlag.OTHER_SUBJECTS: N_("It also concerns other people (AVG art. 15(4))"),
    ReviewFlag.OTHER_ACCESS_REGIME: N_(
        "Police or judicial data: these have their own access regime"),
    ReviewFlag.SUPPLIER_NOT_AGREED: N_(
        "The supplying party has not agreed to giving it to the subject"),
}


def subject_access_review(item: InformationItem, subject_id: int,
                          case: CaseContext) -> tuple[ReviewFlag, ...]:
    """Why ``item`` may not go into ``subject_id``'s access export without the process
    director's review; empty: it may go as it is. Only for items :func:`decide` allows in
    the SUBJECT_ACCESS setting."""
    flags: list[ReviewFlag] = []
    if item.terms.use_restriction.strip():
        flags.append(ReviewFlag.USE_RESTRICTION)
    concerned = case.subject_ids if item.concerns is None else item.concerns
    if set(concerned) - {subject_id}:
        flags.append(ReviewFlag.OTHER_SUBJECTS)
    if item.category in (Category.POLICE, Category.JUDICIAL):
        flags.append(ReviewFlag.OTHER_ACCESS_REGIME)
    if not item.terms.subject_access:
        flags.append(ReviewFlag.SUPPLIER_NOT_AGREED)
    return tuple(flags)


@dataclass(frozen=True)
class SharingMark:
    """The visible mark of who may see an item, for the process director's screens.

    ``may_have``: parties that may see it in a handout now (source included);
    ``pre_meeting``: parties that may view it before the meeting now;
    ``refused``: parties named by the terms (source or ``shared_with``) that may not see it
    now, with the reason (withdrawn, not in the protocol, not invited, ...).
    """

    source_party_id: int
    may_have: frozenset[int]
    pre_meeting: frozenset[int]
    meeting_screen: bool
    use_restriction: str
    refused: tuple[tuple[int, Reason], ...]

    @property
    def narrowest(self) -> bool:
        """Only the source party and the process director: the default terms."""
        return self.may_have <= {self.source_party_id}


def who_may_see(item: InformationItem, case: CaseContext,
                standings: Mapping[int, PartyStanding]) -> SharingMark:
    """Who may see ``item`` now, every answer through :func:`decide`."""
    candidates = set(standings) | set(item.terms.shared_with) | {item.source_party_id}
    may_have: set[int] = set()
    pre_meeting: set[int] = set()
    refused: list[tuple[int, Reason]] = []
    named = set(item.terms.shared_with) | {item.source_party_id}
    for party_id in sorted(candidates):
        viewer = PartyViewer(party_id)
        handout = decide(item, viewer, Setting.HANDOUT, case, standings)
        if handout.allowed:
            may_have.add(party_id)
        elif party_id in named:
            refused.append((party_id, handout.reason))
        if decide(item, viewer, Setting.PRE_MEETING, case, standings).allowed:
            pre_meeting.add(party_id)
    return SharingMark(item.source_party_id, frozenset(may_have), frozenset(pre_meeting),
                       item.terms.meeting_screen, item.terms.use_restriction, tuple(refused))


def describe_mark(mark: SharingMark, party_names: Mapping[int, str]) -> str:
    """One line for the screen: who may see the item, in the user's language."""
    def names(ids: Iterable[int]) -> str:
        return ", ".join(sorted(party_names.get(i, f"#{i}") for i in ids))

    others = mark.may_have - {mark.source_party_id}
    if not others:
        parts = [_("Only the source and the process director")]
    else:
        parts = [_("Source, process director and: {parties}").format(parties=names(others))]
    pre = mark.pre_meeting - {mark.source_party_id}
    if pre:
        parts.append(_("before the meeting: {parties}").format(parties=names(pre)))
    if mark.meeting_screen:
        parts.append(_("meeting screen allowed"))
    if mark.refused:
        parts.append(_("not now: {parties}").format(
            parties=names(party for party, _reason in mark.refused)))
    return "; ".join(parts)
