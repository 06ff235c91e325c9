"""The one sharing policy: may viewer V see information item I in setting S?

Every screen, PDF and export asks :func:`decide` (or a helper built on it); nothing else in
the program decides visibility. The party that supplied an item decides who may use it and
how (covenant 16.2, 9.2); invitees see anything before the meeting only if that party agreed
(12.2f); a party that withdrew or was excluded receives nothing from that day on (21.3,
23.2); only parties lawfully entitled to attend are invited (12.2e).

Inputs are plain values: the :class:`~app.domain.information.InformationItem` with its
:class:`~app.domain.information.SharingTerms`, the viewer, the setting, a
:class:`CaseContext` (case id, protocol, the date, the invitees of the case's meeting if it
is on an agenda, the case's subjects) and the :class:`~app.domain.standing.PartyStanding` of
the parties by id. No database, no Qt.

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
3   SUBJECT_ACCESS  category police or judicial data                    no      other_access_regime
4   SUBJECT_ACCESS  otherwise                                           yes     right_of_access
5   DIRECTOR        always                                              yes     process_director
6   PRE_MEETING,    the party has no standing in the register           no      unknown_party
    HANDOUT
7   ..              the party is not yet active on the date (no         no      not_yet_active
                    accession)
8   ..              the party withdrew or was excluded on or before     no      withdrawn
                    the date
9   ..              the party does not take part in the case's          no      not_in_protocol
                    protocol
10  PRE_MEETING     the party is not invited to the case's meeting      no      not_invited
11  HANDOUT         the case is on an agenda and the party is not       no      not_invited
                    invited
12  PRE_MEETING,    the party is the item's source party                yes     source_party
    HANDOUT
13  ..              the party is not in ``shared_with``                 no      not_shared
14  PRE_MEETING     ``pre_meeting_view`` is not set                     no      no_pre_meeting_view
15  PRE_MEETING     otherwise                                           yes     pre_meeting_agreed
16  HANDOUT         otherwise                                           yes     shared_with
17  MEETING_SCREEN  no party is present                                 no      nobody_present
18  MEETING_SCREEN  ``meeting_screen`` is not set                       no      no_meeting_screen
19  MEETING_SCREEN  a party present fails rows 6-10 (checked in        no      present_not_entitled
                    party-id order)
20  MEETING_SCREEN  a party present is neither the source nor in        no      present_not_shared
                    ``shared_with``
21  MEETING_SCREEN  otherwise                                           yes     all_present_may_see
==  ==============  ==================================================  ======  ====================

Notes on the choices made:

* Standing beats terms (rows 6-11 before row 12): "a party that is withdrawn or excluded, or
  does not take part in the case's protocol, sees nothing, whatever the terms say" holds for
  the source party too. From the day after ``active_until`` the source party no longer sees
  even its own items here; the items stay in the case, and what the source allowed for others
  stays in force (covenant 23.3: duties of confidentiality outlive the membership).
* Pre-meeting viewing is for invitees (12.2f speaks of "deelnemers aan het Casusoverleg"):
  a case on no agenda (``CaseContext.invited is None``) has no pre-meeting view for anyone.
* The meeting-room screen is shown only for parties invited to the case's agenda item; a
  party present but not invited blocks the item (the meeting screens mark such a person
  absent for that item before they ask). A room with nobody present shows nothing.
* A handout holds what the party may have (``shared_with``), also before a meeting (issue
  "Plan of action and PDF handouts"): ``pre_meeting_view`` governs viewing in the house's
  pre-meeting view, not a copy the source explicitly shared. Whether a party may receive a
  handout at all is :func:`may_receive_handout` (rows 6-9 and 11).
* Subject access (AVG art. 15): the sharing terms govern sharing among parties, not the
  subject's own right, so the subject gets every item of the case regardless of terms.
  Exceptions chosen:
  - police data (Wet politiegegevens art. 25) and judicial data (Wet justitiële en
    strafvorderlijke gegevens art. 18) have their own access regimes, answered by the police
    or the Public Prosecution Service as controller (covenant annex: controllers stay
    responsible for answering access requests themselves). They are withheld from the export
    (``other_access_regime``); the export should tell the subject where to apply.
  - Out of scope, and left to the process director who reviews the export before it is sent:
    restrictions under AVG art. 23 / UAVG art. 41 (e.g. a running investigation, the
    protection of others), and the data of other subjects or third parties inside an item
    (AVG 15(4)). Items belong to the case, not to one subject, so a family case's export may
    hold text about another family member that needs redaction.
* ``use_restriction`` travels with every decision, allowed or not, so that every place that
  shows an item shows its restriction beside it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from app.domain.information import Category, InformationItem
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
    that day. ``invited`` is the set of parties invited to the case's meeting (its agenda
    item), or None while the case is on no agenda. ``subject_ids`` are the case's subjects.
    """

    case_id: int
    protocol: Protocol
    on: date
    invited: frozenset[int] | None = None
    subject_ids: frozenset[int] = field(default_factory=frozenset)


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
    # refused
    OTHER_CASE = "other_case"
    NOT_A_SUBJECT = "not_a_subject"
    OTHER_ACCESS_REGIME = "other_access_regime"
    UNKNOWN_PARTY = "unknown_party"
    NOT_YET_ACTIVE = "not_yet_active"
    WITHDRAWN = "withdrawn"
    NOT_IN_PROTOCOL = "not_in_protocol"
    NOT_INVITED = "not_invited"
    NOT_SHARED = "not_shared"
    NO_PRE_MEETING_VIEW = "no_pre_meeting_view"
    NOBODY_PRESENT = "nobody_present"
    NO_MEETING_SCREEN = "no_meeting_screen"
    PRESENT_NOT_ENTITLED = "present_not_entitled"
    PRESENT_NOT_SHARED = "present_not_shared"

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
    Reason.OTHER_CASE: N_("The item belongs to another case"),
    Reason.NOT_A_SUBJECT: N_("Not a subject of this case"),
    Reason.OTHER_ACCESS_REGIME: N_(
        "Police or judicial data: access is requested from the supplying party"),
    Reason.UNKNOWN_PARTY: N_("Not a party in the register"),
    Reason.NOT_YET_ACTIVE: N_("The party has not (yet) joined"),
    Reason.WITHDRAWN: N_("The party has withdrawn or was excluded"),
    Reason.NOT_IN_PROTOCOL: N_("The party does not take part in this case's protocol"),
    Reason.NOT_INVITED: N_("The party is not invited to this case's meeting"),
    Reason.NOT_SHARED: N_("The supplying party did not share it with this party"),
    Reason.NO_PRE_MEETING_VIEW: N_("The supplying party did not agree to viewing before "
                                   "the meeting"),
    Reason.NOBODY_PRESENT: N_("No party is present"),
    Reason.NO_MEETING_SCREEN: N_("The supplying party did not allow the meeting screen"),
    Reason.PRESENT_NOT_ENTITLED: N_("A party present is not entitled to this case"),
    Reason.PRESENT_NOT_SHARED: N_("A party present may not see it"),
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


def may_receive_handout(standing: PartyStanding | None, protocol: Protocol, on: date,
                        invited: frozenset[int] | None) -> Entitlement:
    """May this party receive a handout of the case at all?

    Before the case is on an agenda (``invited`` None): any party active in the protocol.
    Once it is on an agenda: only the parties invited to it.
    """
    entitled = may_be_invited(standing, protocol, on)
    if not entitled:
        return entitled
    assert standing is not None  # may_be_invited refuses an unknown party
    if invited is not None and standing.party_id not in invited:
        return Entitlement(False, Reason.NOT_INVITED)
    return entitled


def _party_entitled(party_id: int, setting: Setting, case: CaseContext,
                    standings: Mapping[int, PartyStanding]) -> Entitlement:
    """Rows 6-11: standing and invitation, before any term is looked at."""
    standing = standings.get(party_id)
    if setting is Setting.HANDOUT:
        return may_receive_handout(standing, case.protocol, case.on, case.invited)
    entitled = may_be_invited(standing, case.protocol, case.on)
    if not entitled:
        return entitled
    # PRE_MEETING and MEETING_SCREEN are for invitees only; no agenda means no invitees.
    if case.invited is None or party_id not in case.invited:
        return Entitlement(False, Reason.NOT_INVITED)
    return entitled


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
        if item.category in (Category.POLICE, Category.JUDICIAL):
            return answer(False, Reason.OTHER_ACCESS_REGIME)
        return answer(True, Reason.RIGHT_OF_ACCESS)

    if isinstance(viewer, ProcessDirector):
        return answer(True, Reason.PROCESS_DIRECTOR)

    if isinstance(viewer, PartyViewer):
        entitled = _party_entitled(viewer.party_id, setting, case, standings)
        if not entitled:
            return answer(False, entitled.reason)
        if viewer.party_id == item.source_party_id:
            return answer(True, Reason.SOURCE_PARTY)
        if viewer.party_id not in item.terms.shared_with:
            return answer(False, Reason.NOT_SHARED)
        if setting is Setting.PRE_MEETING:
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
        if not _party_entitled(party_id, setting, case, standings):
            return answer(False, Reason.PRESENT_NOT_ENTITLED, party_id)
        if party_id != item.source_party_id and party_id not in item.terms.shared_with:
            return answer(False, Reason.PRESENT_NOT_SHARED, party_id)
    return answer(True, Reason.ALL_PRESENT_MAY_SEE)


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
