"""The sharing policy: one unit test per rule of the table in ``app.sharing.policy``, and
property tests that compare the policy with an independent oracle written from the rules
(covenant 16.2, 12.2f, 21.3, 23.2) on thousands of generated cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.information import Category, InformationItem, SharingTerms
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding, ProtocolMembership
from app.sharing.policy import (
    PROCESS_DIRECTOR,
    CaseContext,
    DataSubject,
    MeetingRoom,
    PartyViewer,
    Reason,
    ReviewFlag,
    Setting,
    decide,
    describe_mark,
    may_be_invited,
    may_receive_agenda,
    may_receive_handout,
    meeting_screen_items,
    party_entitlement,
    subject_access_review,
    visible_items,
    who_may_see,
)

IV = Protocol.INTEGRALE_VEILIGHEID
RAD = Protocol.RADICALISERING
TODAY = date(2026, 3, 10)
POLICE, GGZ, SCHOOL, OM, OUTSIDER = 1, 2, 3, 4, 5


def member(party_id: int, *protocols: Protocol, active_until: date | None = None,
           active_from: date | None = date(2020, 1, 1)) -> PartyStanding:
    return PartyStanding(party_id, active_from, active_until,
                         tuple(ProtocolMembership(p, date(2020, 1, 1)) for p in protocols))


STANDINGS = {
    POLICE: member(POLICE, IV, RAD),
    GGZ: member(GGZ, IV),
    SCHOOL: member(SCHOOL, IV),
    OM: member(OM, IV),
    OUTSIDER: member(OUTSIDER, RAD),            # active, but not in the case's protocol
}
ALL_INVITED = frozenset({POLICE, GGZ, SCHOOL, OM})
ACTIVE = CaseState.IN_PROGRESS
#: the case on the agenda of a meeting that has started
CASE = CaseContext(case_id=7, protocol=IV, on=TODAY, state=ACTIVE, invited=ALL_INVITED,
                   subject_ids=frozenset({70, 71}), meeting_started=True)
#: the same, the day before the meeting
BEFORE = replace(CASE, meeting_started=False)
NOT_ON_AGENDA = CaseContext(case_id=7, protocol=IV, on=TODAY, state=CaseState.TRIAGE,
                            invited=None)


def invited_only(*parties: int) -> CaseContext:
    return replace(CASE, invited=frozenset(parties))


def item(source: int = POLICE, shared: frozenset[int] = frozenset(), *, pre: bool = False,
         screen: bool = False, restriction: str = "", case_id: int = 7,
         category: Category = Category.GENERAL, subject_access: bool = False,
         concerns: frozenset[int] | None = None) -> InformationItem:
    return InformationItem(id=1, case_id=case_id, source_party_id=source, category=category,
                           text="Zorgen over de woonsituatie", received=date(2026, 3, 1),
                           terms=SharingTerms(frozenset(shared), pre, screen, restriction,
                                              subject_access),
                           concerns=concerns)


# --- one test per rule ------------------------------------------------------------------

def test_rule_1_other_case_is_refused_in_every_setting() -> None:
    stray = item(shared=frozenset({GGZ}), pre=True, screen=True, case_id=8)
    assert decide(stray, PROCESS_DIRECTOR, Setting.DIRECTOR, CASE, STANDINGS).reason \
        is Reason.OTHER_CASE
    assert not decide(stray, PartyViewer(POLICE), Setting.HANDOUT, CASE, STANDINGS)
    assert not decide(stray, DataSubject(70), Setting.SUBJECT_ACCESS, CASE, STANDINGS)
    assert not decide(stray, MeetingRoom(frozenset({POLICE})), Setting.MEETING_SCREEN,
                      CASE, STANDINGS)


def test_rule_2_subject_access_only_for_the_case_subjects() -> None:
    d = decide(item(), DataSubject(99), Setting.SUBJECT_ACCESS, CASE, STANDINGS)
    assert not d and d.reason is Reason.NOT_A_SUBJECT


def test_rule_3_subject_access_only_for_items_that_concern_the_subject() -> None:
    """AVG 15 gives a subject their own data: an item about the mother only is not the
    child's."""
    about_71 = item(concerns=frozenset({71}))
    d = decide(about_71, DataSubject(70), Setting.SUBJECT_ACCESS, CASE, STANDINGS)
    assert not d and d.reason is Reason.NOT_CONCERNED
    assert decide(about_71, DataSubject(71), Setting.SUBJECT_ACCESS, CASE, STANDINGS)


@pytest.mark.parametrize("category", list(Category))
def test_rule_4_subject_access_gives_items_that_concern_the_subject_whatever_the_terms(
        category: Category) -> None:
    d = decide(item(category=category), DataSubject(71), Setting.SUBJECT_ACCESS, CASE,
               STANDINGS)
    assert d and d.reason is Reason.RIGHT_OF_ACCESS


def test_subject_access_review_flags_what_the_director_must_decide() -> None:
    """AVG 15(4) (others' rights), AVG 23 / UAVG 41 and the police's and the prosecution's
    own access regimes (Wpg 25, Wjsg 18): such items are never given unreviewed."""
    plain = item(subject_access=True, concerns=frozenset({70}))
    assert subject_access_review(plain, 70, CASE) == ()
    assert subject_access_review(item(subject_access=True, concerns=None), 70, CASE) == (
        ReviewFlag.OTHER_SUBJECTS,)   # the whole household: 71 too
    assert subject_access_review(
        item(subject_access=True, concerns=frozenset({70}), restriction="Niet aan "
             "betrokkenen verstrekken"), 70, CASE) == (ReviewFlag.USE_RESTRICTION,)
    assert subject_access_review(
        item(subject_access=True, concerns=frozenset({70}), category=Category.POLICE),
        70, CASE) == (ReviewFlag.OTHER_ACCESS_REGIME,)
    assert subject_access_review(item(concerns=frozenset({70})), 70, CASE) == (
        ReviewFlag.SUPPLIER_NOT_AGREED,)


def test_rule_5_process_director_always_sees() -> None:
    # Even when the source party has withdrawn: the house keeps the case.
    standings = {**STANDINGS, POLICE: member(POLICE, IV, active_until=date(2026, 1, 1))}
    d = decide(item(restriction="Niet delen met derden"), PROCESS_DIRECTOR,
               Setting.DIRECTOR, CASE, standings)
    assert d and d.reason is Reason.PROCESS_DIRECTOR
    assert d.use_restriction == "Niet delen met derden"


@pytest.mark.parametrize("setting", [Setting.PRE_MEETING, Setting.HANDOUT])
def test_rule_6_a_party_not_in_the_register_sees_nothing(setting: Setting) -> None:
    it = item(shared=frozenset({42}), pre=True)
    d = decide(it, PartyViewer(42), setting, invited_only(42), STANDINGS)
    assert not d and d.reason is Reason.UNKNOWN_PARTY


@pytest.mark.parametrize("setting", [Setting.PRE_MEETING, Setting.HANDOUT])
def test_rule_7_a_party_not_yet_joined_sees_nothing(setting: Setting) -> None:
    standings = {**STANDINGS, GGZ: member(GGZ, IV, active_from=None)}
    d = decide(item(shared=frozenset({GGZ}), pre=True), PartyViewer(GGZ), setting, CASE,
               standings)
    assert not d and d.reason is Reason.NOT_YET_ACTIVE
    later = {**STANDINGS, GGZ: member(GGZ, IV, active_from=TODAY + timedelta(days=1))}
    assert decide(item(shared=frozenset({GGZ}), pre=True), PartyViewer(GGZ), setting,
                  CASE, later).reason is Reason.NOT_YET_ACTIVE


@pytest.mark.parametrize("setting", [Setting.PRE_MEETING, Setting.HANDOUT])
def test_rule_8_a_withdrawn_party_sees_nothing_whatever_the_terms(setting: Setting) -> None:
    withdrawn = {**STANDINGS, GGZ: member(GGZ, IV, active_until=TODAY - timedelta(days=1))}
    generous = item(shared=frozenset({GGZ}), pre=True, screen=True)
    d = decide(generous, PartyViewer(GGZ), setting, CASE, withdrawn)
    assert not d and d.reason is Reason.WITHDRAWN
    # ... not even its own items, from the day after active_until on
    own = item(source=GGZ)
    assert decide(own, PartyViewer(GGZ), setting, CASE, withdrawn).reason is Reason.WITHDRAWN
    # on its last day it still sees them
    last_day = {**STANDINGS, GGZ: member(GGZ, IV, active_until=TODAY)}
    assert decide(own, PartyViewer(GGZ), setting, CASE, last_day)


@pytest.mark.parametrize("setting", [Setting.PRE_MEETING, Setting.HANDOUT])
def test_rule_9_a_party_outside_the_protocol_sees_nothing(setting: Setting) -> None:
    case = invited_only(OUTSIDER)
    d = decide(item(shared=frozenset({OUTSIDER}), pre=True), PartyViewer(OUTSIDER), setting,
               case, STANDINGS)
    assert not d and d.reason is Reason.NOT_IN_PROTOCOL
    # a membership that ended yesterday counts as outside too
    ended = {**STANDINGS, GGZ: PartyStanding(GGZ, date(2020, 1, 1), None, (
        ProtocolMembership(IV, date(2020, 1, 1), TODAY - timedelta(days=1)),))}
    assert decide(item(shared=frozenset({GGZ}), pre=True), PartyViewer(GGZ), setting,
                  CASE, ended).reason is Reason.NOT_IN_PROTOCOL


@pytest.mark.parametrize("setting", [Setting.PRE_MEETING, Setting.HANDOUT])
@pytest.mark.parametrize("state", [CaseState.DECLINED, CaseState.ROUTED_ELSEWHERE,
                                   CaseState.CLOSED, CaseState.DESTROYED])
def test_rule_10_nothing_of_an_ended_case_reaches_a_party(setting: Setting,
                                                          state: CaseState) -> None:
    """Covenant 12.2e and 9.2: only what is needed, for a case the house still handles."""
    ended = replace(CASE, state=state)
    own = decide(item(source=GGZ), PartyViewer(GGZ), setting, ended, STANDINGS)
    assert not own and own.reason is Reason.CASE_ENDED
    shared = decide(item(shared=frozenset({GGZ}), pre=True), PartyViewer(GGZ), setting,
                    ended, STANDINGS)
    assert not shared and shared.reason is Reason.CASE_ENDED


@pytest.mark.parametrize("setting", [Setting.PRE_MEETING, Setting.HANDOUT])
def test_rule_11_nothing_before_the_case_is_on_an_agenda(setting: Setting) -> None:
    """Covenant 12.2e: before the case is on an agenda nobody is invited, so no party,
    not even the source, receives anything of it (this replaces the old rule "before the
    agenda any protocol party may receive a handout")."""
    generous = item(shared=frozenset({GGZ, SCHOOL}), pre=True)
    for party in (POLICE, GGZ, SCHOOL):
        d = decide(generous, PartyViewer(party), setting, NOT_ON_AGENDA, STANDINGS)
        assert not d and d.reason is Reason.NOT_ON_AGENDA


@pytest.mark.parametrize("setting", [Setting.PRE_MEETING, Setting.HANDOUT])
def test_rule_12_only_invitees_of_the_current_meeting(setting: Setting) -> None:
    generous = item(shared=frozenset({GGZ, SCHOOL}), pre=True)
    only_ggz = invited_only(POLICE, GGZ)
    assert decide(generous, PartyViewer(GGZ), setting, only_ggz, STANDINGS)
    d = decide(generous, PartyViewer(SCHOOL), setting, only_ggz, STANDINGS)
    assert not d and d.reason is Reason.NOT_INVITED


@pytest.mark.parametrize("setting", [Setting.PRE_MEETING, Setting.HANDOUT])
def test_rule_13_the_source_party_sees_its_own_item_with_narrowest_terms(
        setting: Setting) -> None:
    for case in (CASE, BEFORE):
        d = decide(item(source=GGZ), PartyViewer(GGZ), setting, case, STANDINGS)
        assert d and d.reason is Reason.SOURCE_PARTY


@pytest.mark.parametrize("setting", [Setting.PRE_MEETING, Setting.HANDOUT])
def test_rule_14_another_party_needs_to_be_in_shared_with(setting: Setting) -> None:
    d = decide(item(shared=frozenset({GGZ}), pre=True), PartyViewer(SCHOOL), setting, CASE,
               STANDINGS)
    assert not d and d.reason is Reason.NOT_SHARED


def test_rule_15_pre_meeting_needs_pre_meeting_view_too() -> None:
    d = decide(item(shared=frozenset({GGZ})), PartyViewer(GGZ), Setting.PRE_MEETING, CASE,
               STANDINGS)
    assert not d and d.reason is Reason.NO_PRE_MEETING_VIEW


def test_rule_15_a_handout_before_the_meeting_holds_only_the_pre_meeting_view() -> None:
    """Covenant 12.2f: before the meeting, participants see only what the supplier agreed
    to; shared without pre-meeting view means: from the meeting's start."""
    d = decide(item(shared=frozenset({GGZ})), PartyViewer(GGZ), Setting.HANDOUT, BEFORE,
               STANDINGS)
    assert not d and d.reason is Reason.NO_PRE_MEETING_VIEW


def test_rule_16_pre_meeting_view_when_shared_and_agreed() -> None:
    for setting, case in ((Setting.PRE_MEETING, CASE), (Setting.HANDOUT, BEFORE)):
        d = decide(item(shared=frozenset({GGZ}), pre=True, restriction="Alleen ter inzage"),
                   PartyViewer(GGZ), setting, case, STANDINGS)
        assert d and d.reason is Reason.PRE_MEETING_AGREED
        assert d.use_restriction == "Alleen ter inzage"


def test_rule_17_handout_from_the_meeting_on_when_shared() -> None:
    d = decide(item(shared=frozenset({GGZ})), PartyViewer(GGZ), Setting.HANDOUT, CASE,
               STANDINGS)
    assert d and d.reason is Reason.SHARED_WITH


def test_rule_18_meeting_screen_with_nobody_present_shows_nothing() -> None:
    d = decide(item(screen=True), MeetingRoom(frozenset()), Setting.MEETING_SCREEN, CASE,
               STANDINGS)
    assert not d and d.reason is Reason.NOBODY_PRESENT


def test_rule_19_meeting_screen_needs_the_meeting_screen_term() -> None:
    everyone = frozenset({POLICE, GGZ})
    d = decide(item(shared=everyone), MeetingRoom(everyone), Setting.MEETING_SCREEN, CASE,
               STANDINGS)
    assert not d and d.reason is Reason.NO_MEETING_SCREEN
    # even with only the source in the room
    assert not decide(item(), MeetingRoom(frozenset({POLICE})), Setting.MEETING_SCREEN,
                      CASE, STANDINGS)


def test_rule_20_a_present_party_that_is_not_entitled_blocks_the_screen() -> None:
    withdrawn = {**STANDINGS, GGZ: member(GGZ, IV, active_until=date(2026, 1, 1))}
    it = item(shared=frozenset({GGZ, SCHOOL}), screen=True)
    d = decide(it, MeetingRoom(frozenset({POLICE, GGZ})), Setting.MEETING_SCREEN, CASE,
               withdrawn)
    assert not d and d.reason is Reason.PRESENT_NOT_ENTITLED and d.blocking_party == GGZ
    not_invited = invited_only(POLICE, GGZ)
    d = decide(it, MeetingRoom(frozenset({POLICE, SCHOOL})), Setting.MEETING_SCREEN,
               not_invited, STANDINGS)
    assert not d and d.reason is Reason.PRESENT_NOT_ENTITLED and d.blocking_party == SCHOOL


def test_rule_21_a_present_party_outside_shared_with_blocks_the_screen() -> None:
    it = item(shared=frozenset({GGZ}), screen=True)
    d = decide(it, MeetingRoom(frozenset({POLICE, GGZ, SCHOOL})), Setting.MEETING_SCREEN,
               CASE, STANDINGS)
    assert not d and d.reason is Reason.PRESENT_NOT_SHARED and d.blocking_party == SCHOOL


def test_rule_22_meeting_screen_when_every_party_present_may_see() -> None:
    it = item(shared=frozenset({GGZ, SCHOOL}), screen=True, restriction="Niet noteren")
    d = decide(it, MeetingRoom(frozenset({POLICE, GGZ, SCHOOL})), Setting.MEETING_SCREEN,
               CASE, STANDINGS)
    assert d and d.reason is Reason.ALL_PRESENT_MAY_SEE
    assert d.use_restriction == "Niet noteren"


def test_a_viewer_that_does_not_fit_the_setting_is_a_programming_error() -> None:
    with pytest.raises(TypeError):
        decide(item(), PartyViewer(POLICE), Setting.DIRECTOR, CASE, STANDINGS)
    with pytest.raises(TypeError):
        decide(item(), PROCESS_DIRECTOR, Setting.MEETING_SCREEN, CASE, STANDINGS)


def test_use_restriction_travels_with_every_decision() -> None:
    it = item(shared=frozenset({GGZ}), pre=True, screen=True, restriction="Mondeling")
    for viewer, setting in [(PROCESS_DIRECTOR, Setting.DIRECTOR),
                            (PartyViewer(GGZ), Setting.PRE_MEETING),
                            (PartyViewer(SCHOOL), Setting.HANDOUT),
                            (MeetingRoom(frozenset({GGZ})), Setting.MEETING_SCREEN),
                            (DataSubject(70), Setting.SUBJECT_ACCESS)]:
        assert decide(it, viewer, setting, CASE, STANDINGS).use_restriction == "Mondeling"
    shown = visible_items([it], PartyViewer(GGZ), Setting.HANDOUT, CASE, STANDINGS)
    assert [s.use_restriction for s in shown] == ["Mondeling"]


# --- entitlement checks -----------------------------------------------------------------

def test_may_be_invited_only_active_parties_in_the_protocol() -> None:
    assert may_be_invited(STANDINGS[GGZ], IV, TODAY)
    assert may_be_invited(STANDINGS[OUTSIDER], IV, TODAY).reason is Reason.NOT_IN_PROTOCOL
    assert may_be_invited(None, IV, TODAY).reason is Reason.UNKNOWN_PARTY
    gone = member(GGZ, IV, active_until=TODAY - timedelta(days=1))
    assert may_be_invited(gone, IV, TODAY).reason is Reason.WITHDRAWN
    pending = member(GGZ, IV, active_from=None)
    assert may_be_invited(pending, IV, TODAY).reason is Reason.NOT_YET_ACTIVE


def test_handout_and_agenda_share_one_entitlement() -> None:
    """Covenant 12.2e: only invitees of the case's current meeting, and only after the case
    is on an agenda; a handout and an agenda ask the same question."""
    for ask in (may_receive_handout, may_receive_agenda, party_entitlement):
        assert ask(SCHOOL, invited_only(SCHOOL), STANDINGS)
        assert ask(SCHOOL, NOT_ON_AGENDA, STANDINGS).reason is Reason.NOT_ON_AGENDA
        d = ask(SCHOOL, invited_only(POLICE), STANDINGS)
        assert not d and d.reason is Reason.NOT_INVITED
        assert ask(OUTSIDER, NOT_ON_AGENDA, STANDINGS).reason is Reason.NOT_IN_PROTOCOL
        declined = replace(NOT_ON_AGENDA, state=CaseState.DECLINED)
        assert ask(SCHOOL, declined, STANDINGS).reason is Reason.CASE_ENDED


# --- helpers ----------------------------------------------------------------------------

def test_meeting_screen_items_recomputed_when_attendance_changes() -> None:
    a = item(shared=frozenset({GGZ, SCHOOL}), screen=True)
    b = InformationItem(2, 7, GGZ, Category.SPECIAL, "Behandeling", TODAY,
                        SharingTerms(frozenset({POLICE}), False, True, ""))
    both = meeting_screen_items([a, b], {POLICE, GGZ}, CASE, STANDINGS)
    assert [s.item.id for s in both] == [1, 2]
    school_joins = meeting_screen_items([a, b], {POLICE, GGZ, SCHOOL}, CASE, STANDINGS)
    assert [s.item.id for s in school_joins] == [1]


def test_who_may_see_marks_narrowest_shared_and_refused_parties() -> None:
    narrow = who_may_see(item(), CASE, STANDINGS)
    assert narrow.narrowest and narrow.may_have == {POLICE}
    names = {POLICE: "Politie", GGZ: "GGZ", SCHOOL: "School", OUTSIDER: "Buitenstaander"}
    assert describe_mark(narrow, names) == "Alleen de bron en de procesregisseur"
    wide = who_may_see(item(shared=frozenset({GGZ, SCHOOL, OUTSIDER}), pre=True,
                            screen=True, restriction="x"), CASE, STANDINGS)
    assert not wide.narrowest
    assert wide.may_have == {POLICE, GGZ, SCHOOL}
    assert wide.pre_meeting == {POLICE, GGZ, SCHOOL}
    assert wide.refused == ((OUTSIDER, Reason.NOT_IN_PROTOCOL),)
    text = describe_mark(wide, names)
    assert "GGZ, School" in text and "Buitenstaander" in text and "scherm" in text


# --- property tests against an independent oracle ---------------------------------------

BASE = date(2026, 1, 1)
PARTY_IDS = st.integers(min_value=1, max_value=7)     # 7 is never in the register
days = st.integers(min_value=0, max_value=12).map(lambda n: BASE + timedelta(days=n))
protocols = st.sampled_from(list(Protocol))


@st.composite
def standing_for(draw: st.DrawFn, party_id: int) -> PartyStanding:
    active_from = draw(st.one_of(st.none(), days))
    active_until = draw(st.one_of(st.none(), days))
    memberships = tuple(
        ProtocolMembership(draw(protocols), start, draw(st.one_of(st.none(), days)))
        for start in draw(st.lists(days, max_size=3)))
    return PartyStanding(party_id, active_from, active_until, memberships)


@st.composite
def registers(draw: st.DrawFn) -> dict[int, PartyStanding]:
    ids = draw(st.sets(st.integers(min_value=1, max_value=6), max_size=6))
    return {i: draw(standing_for(i)) for i in sorted(ids)}


@st.composite
def information(draw: st.DrawFn, case_id: int) -> list[InformationItem]:
    count = draw(st.integers(min_value=0, max_value=6))
    return [InformationItem(
        id=n, case_id=draw(st.sampled_from([case_id, case_id, case_id, case_id + 1])),
        source_party_id=draw(PARTY_IDS), category=draw(st.sampled_from(list(Category))),
        text=f"tekst {n}", received=BASE,
        terms=SharingTerms(frozenset(draw(st.sets(PARTY_IDS, max_size=7))), draw(st.booleans()),
                           draw(st.booleans()), draw(st.sampled_from(["", "alleen mondeling"])),
                           draw(st.booleans())),
        concerns=draw(st.one_of(st.none(), st.frozensets(st.integers(1, 5), max_size=3))))
        for n in range(count)]


@st.composite
def cases(draw: st.DrawFn) -> CaseContext:
    invited = draw(st.one_of(st.none(), st.frozensets(PARTY_IDS, max_size=7)))
    return CaseContext(case_id=5, protocol=draw(protocols), on=draw(days),
                       state=draw(st.sampled_from(list(CaseState))), invited=invited,
                       subject_ids=draw(st.frozensets(st.integers(1, 4), max_size=4)),
                       meeting_started=draw(st.booleans()))


@st.composite
def viewers(draw: st.DrawFn, setting: Setting) -> object:
    if setting is Setting.DIRECTOR:
        return PROCESS_DIRECTOR
    if setting is Setting.SUBJECT_ACCESS:
        return DataSubject(draw(st.integers(1, 5)))
    if setting is Setting.MEETING_SCREEN:
        return MeetingRoom(draw(st.frozensets(PARTY_IDS, max_size=5)))
    return PartyViewer(draw(PARTY_IDS))


def oracle(it: InformationItem, viewer: object, setting: Setting, case: CaseContext,
           register: dict[int, PartyStanding]) -> bool:
    """The rules, read straight from the issue and the covenant, from raw fields only."""
    def entitled(party: int) -> bool:
        s = register.get(party)
        if s is None or s.active_from is None:
            return False
        if case.on < s.active_from or (s.active_until is not None and case.on > s.active_until):
            return False
        return any(m.protocol == case.protocol and m.start <= case.on
                   and (m.end is None or case.on <= m.end) for m in s.memberships)

    def invited(party: int) -> bool:
        # nothing for a case that ended, nor before it is on an agenda (12.2e, 9.2)
        return (case.state not in ("declined", "routed_elsewhere", "closed", "destroyed")
                and case.invited is not None and party in case.invited)

    def named(party: int) -> bool:
        return party == it.source_party_id or party in it.terms.shared_with

    if it.case_id != case.case_id:
        return False
    if setting is Setting.DIRECTOR:
        return True
    if setting is Setting.SUBJECT_ACCESS:
        assert isinstance(viewer, DataSubject)
        return (viewer.subject_id in case.subject_ids
                and (it.concerns is None or viewer.subject_id in it.concerns))
    if setting is Setting.MEETING_SCREEN:
        assert isinstance(viewer, MeetingRoom)
        return (it.terms.meeting_screen and len(viewer.present) > 0
                and all(entitled(p) and invited(p) and named(p) for p in viewer.present))
    assert isinstance(viewer, PartyViewer)
    p = viewer.party_id
    if setting is Setting.HANDOUT and case.meeting_started:
        return entitled(p) and invited(p) and named(p)
    # PRE_MEETING, and a handout before the meeting (12.2f)
    return entitled(p) and invited(p) and (
        p == it.source_party_id or (p in it.terms.shared_with and it.terms.pre_meeting_view))


FAST = settings(deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])
ALLOWED_REASONS = {Reason.PROCESS_DIRECTOR, Reason.SOURCE_PARTY, Reason.SHARED_WITH,
                   Reason.PRE_MEETING_AGREED, Reason.ALL_PRESENT_MAY_SEE,
                   Reason.RIGHT_OF_ACCESS}


@settings(FAST, max_examples=1800)
@given(data=st.data(), register=registers(), case=cases(),
       setting=st.sampled_from(list(Setting)))
def test_property_every_setting_returns_exactly_what_the_rules_allow(
        data: st.DataObject, register: dict[int, PartyStanding], case: CaseContext,
        setting: Setting) -> None:
    items = data.draw(information(case.case_id))
    viewer = data.draw(viewers(setting))
    shown = visible_items(items, viewer, setting, case, register)  # type: ignore[arg-type]
    expected = [it for it in items if oracle(it, viewer, setting, case, register)]
    # nothing forbidden is returned, and every allowed item is
    assert [s.item for s in shown] == expected
    for s in shown:
        assert s.use_restriction == s.item.terms.use_restriction
        assert s.decision.reason in ALLOWED_REASONS
    for it in items:
        d = decide(it, viewer, setting, case, register)  # type: ignore[arg-type]
        assert d.allowed == (d.reason in ALLOWED_REASONS)
        assert d.use_restriction == it.terms.use_restriction


@settings(FAST, max_examples=500)
@given(data=st.data(), register=registers(), case=cases(),
       present=st.frozensets(PARTY_IDS, max_size=6), newcomer=PARTY_IDS)
def test_property_someone_joining_the_room_never_reveals_more(
        data: st.DataObject, register: dict[int, PartyStanding], case: CaseContext,
        present: frozenset[int], newcomer: int) -> None:
    items = data.draw(information(case.case_id))
    before = {s.item.id for s in meeting_screen_items(items, present, case, register)}
    after = {s.item.id for s in meeting_screen_items(items, present | {newcomer}, case,
                                                     register)}
    assert after <= before
    # and whatever the room shows, each party present may have it in a handout too
    started = replace(case, meeting_started=True)
    for s in meeting_screen_items(items, present, case, register):
        for p in present:
            assert decide(s.item, PartyViewer(p), Setting.HANDOUT, started, register)


@settings(FAST, max_examples=400)
@given(data=st.data(), register=registers(), case=cases())
def test_property_who_may_see_agrees_with_the_oracle(
        data: st.DataObject, register: dict[int, PartyStanding], case: CaseContext) -> None:
    for it in data.draw(information(case.case_id)):
        mark = who_may_see(it, case, register)
        for p in range(1, 8):
            assert (p in mark.may_have) == oracle(it, PartyViewer(p), Setting.HANDOUT, case,
                                                  register)
            assert (p in mark.pre_meeting) == oracle(it, PartyViewer(p), Setting.PRE_MEETING,
                                                     case, register)
        assert mark.use_restriction == it.terms.use_restriction


@settings(FAST, max_examples=400)
@given(data=st.data(), register=registers(), case=cases(), party=PARTY_IDS)
def test_property_a_party_without_standing_sees_nothing_anywhere(
        data: st.DataObject, register: dict[int, PartyStanding], case: CaseContext,
        party: int) -> None:
    standing = register.get(party)
    assume_outside = standing is None or not standing.takes_part(case.protocol, case.on)
    items = data.draw(information(case.case_id))
    for setting in (Setting.PRE_MEETING, Setting.HANDOUT):
        shown = visible_items(items, PartyViewer(party), setting, case, register)
        if assume_outside:
            assert shown == []
    if assume_outside:
        room = data.draw(st.frozensets(PARTY_IDS, max_size=4)) | {party}
        assert meeting_screen_items(items, room, case, register) == []
