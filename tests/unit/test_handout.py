"""Handouts: on random cases, each handout holds exactly what the covenant allows (by an
independent statement of the rules: only for an open case on an agenda, only to an active
party of the protocol invited to its current meeting, before the meeting's start only the
pre-meeting view), with the recipient on every page, page numbers, intact names and literal
markup; refusals instead of empty PDFs."""

from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from app.domain.cases import Subject, SubjectRole
from app.domain.information import Category, InformationItem, SharingTerms
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState
from app.domain.plan import Action, ActionPlan, CaseCoordinator, Goal, InformationNeed
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding, ProtocolMembership
from app.domain.views import MeetingRef
from app.export.handout import file_name, render_handout
from app.sharing.handout import CaseFacts, HandoutRefused, compose
from app.sharing.policy import Reason

TODAY = date(2026, 12, 1)
PROTOCOL = Protocol.INTEGRALE_VEILIGHEID
NAMES = {1: "Politie Eenheid Den Haag", 2: "Reclassering Nederland", 3: "Gemeente Den Haag",
         4: "GGZ Delfland", 5: "Veilig Thuis", 6: "Stichting Şükrü & Zonen <b>"}
SUBJECTS = (
    Subject("Şükrü", "Yılmaz", date(1984, 3, 14), SubjectRole.MAIN_SUBJECT, "111222333",
            "Spui 70", id=1),
    Subject("Łukasz", "Wiśniewski", date(1990, 7, 1), SubjectRole.PARTNER, id=2),
    Subject("Thị Minh Khai", "Nguyễn", date(2012, 1, 5), SubjectRole.CHILD, id=3),
    Subject("محمد", "العلي", date(1979, 11, 30), SubjectRole.OTHER, id=4),
)


def standing(pid: int, kind: str) -> PartyStanding:
    """active | withdrawn | outside (not in the protocol) | pending (not yet joined)."""
    member = (ProtocolMembership(PROTOCOL, date(2019, 1, 1)),)
    if kind == "withdrawn":
        return PartyStanding(pid, date(2019, 1, 1), date(2026, 6, 30), member)
    if kind == "outside":
        return PartyStanding(pid, date(2019, 1, 1), None,
                             (ProtocolMembership(Protocol.RADICALISERING, date(2019, 1, 1)),))
    if kind == "pending":
        return PartyStanding(pid, None, None, ())
    return PartyStanding(pid, date(2019, 1, 1), None, member)


def facts(standings: dict[int, PartyStanding], items: tuple[InformationItem, ...],
          invited: frozenset[int] | None, plan: ActionPlan | None = None, *,
          state: CaseState = CaseState.SCHEDULED, started: bool = False) -> CaseFacts:
    return CaseFacts(
        house="Zorg- en Veiligheidshuis Haaglanden", case_id=42, case_number="ZVH-2026-0042",
        protocol=PROTOCOL, received=date(2026, 11, 2), subjects=SUBJECTS,
        plan=plan or ActionPlan(case_id=42), items=items, party_names=NAMES,
        standings=standings, invited=invited, on=TODAY,
        meeting=(MeetingRef(7, datetime(2026, 12, 8, 14, 30), "Zaal 2")
                 if invited is not None else None),
        state=state, meeting_started=started)


def pdf_pages(data: bytes) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages]


def squash(text: str) -> str:
    # without the hyphens the PDF's Dutch hyphenation put at line ends
    return re.sub(r"\s+", "", re.sub(r"(?<=\w)-\n(?=\w)", "", text))


# -- the independent statement of the rules for handouts -------------------------------

ENDED = {CaseState.DECLINED, CaseState.ROUTED_ELSEWHERE, CaseState.CLOSED,
         CaseState.DESTROYED}


def may_have_handout(kind: str, pid: int, invited: frozenset[int] | None,
                     state: CaseState) -> bool:
    """Covenant 12.2e, 9.2: only a party that may lawfully attend the meeting of an open
    case, i.e. active in the protocol and invited to the case's current meeting."""
    return (kind == "active" and state not in ENDED and invited is not None
            and pid in invited)


def expected_refusal(kind: str, state: CaseState, invited: frozenset[int] | None) -> Reason:
    if kind != "active":
        return {"withdrawn": Reason.WITHDRAWN, "outside": Reason.NOT_IN_PROTOCOL,
                "pending": Reason.NOT_YET_ACTIVE}[kind]
    if state in ENDED:
        return Reason.CASE_ENDED
    return Reason.NOT_ON_AGENDA if invited is None else Reason.NOT_INVITED


def may_have_item(pid: int, item: InformationItem, started: bool) -> bool:
    """Its own items always; another's only when shared with it, and before the meeting's
    start only when the supplier agreed to pre-meeting viewing (covenant 12.2f)."""
    if pid == item.source_party_id:
        return True
    return pid in item.terms.shared_with and (started or item.terms.pre_meeting_view)


kinds = st.sampled_from(["active", "active", "active", "withdrawn", "outside", "pending"])
states = st.sampled_from([CaseState.SCHEDULED, CaseState.SCHEDULED, CaseState.IN_PROGRESS,
                          CaseState.IN_PROGRESS, CaseState.DECLINED,
                          CaseState.ROUTED_ELSEWHERE, CaseState.CLOSED])


@st.composite
def random_case(draw: st.DrawFn) -> tuple[dict[int, str], tuple[InformationItem, ...],
                                           frozenset[int] | None, ActionPlan, int,
                                           CaseState, bool]:
    party_kinds = {pid: draw(kinds) for pid in NAMES}
    n_items = draw(st.integers(0, 6))
    items = tuple(InformationItem(
        id=i + 1, case_id=42, source_party_id=draw(st.sampled_from(sorted(NAMES))),
        category=draw(st.sampled_from(list(Category))),
        text=f"ITEM{i + 1:02d}MARK " + draw(st.sampled_from(
            ["Şükrü Yılmaz meldt zich", "<b>niet vet</b> &amp;", "Nguyễn Thị Minh Khai"])),
        received=date(2026, 11, 3),
        terms=SharingTerms(frozenset(draw(st.sets(st.sampled_from(sorted(NAMES))))),
                           pre_meeting_view=draw(st.booleans()),
                           use_restriction=draw(st.sampled_from(["", ("Alleen voor de "
                                                                 "reclasseringsrapportage")]))))
        for i in range(n_items))
    invited = draw(st.one_of(st.none(), st.frozensets(st.sampled_from(sorted(NAMES)))))
    state = draw(states)
    started = draw(st.booleans())
    actions = tuple(Action(
        key=f"a{i}", party_id=draw(st.sampled_from(sorted(NAMES))),
        description=f"ACTION{i:02d}MARK huisbezoek",
        limited_to=frozenset(draw(st.sets(st.sampled_from(sorted(NAMES)), max_size=2))))
        for i in range(draw(st.integers(0, 4))))
    plan = ActionPlan(case_id=42, actions=actions, closure_criteria="Stabiel wonen",
                      goals=(Goal("g", LifeDomain.HOUSING, "Woning behouden"),))
    # Mostly an invitee, so that most examples reach a handout; sometimes anyone.
    recipient = draw(st.sampled_from(sorted(invited)) if invited and draw(st.booleans())
                     else st.sampled_from(sorted(NAMES)))
    return party_kinds, items, invited, plan, recipient, state, started


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_case())
def test_each_handout_holds_exactly_what_the_policy_allows(case) -> None:  # type: ignore[no-untyped-def]
    party_kinds, items, invited, plan, pid, state, started = case
    standings = {p: standing(p, k) for p, k in party_kinds.items()}
    f = facts(standings, items, invited, plan, state=state, started=started)
    if not may_have_handout(party_kinds[pid], pid, invited, state):
        with pytest.raises(HandoutRefused) as refused:
            compose(f, pid)
        assert refused.value.reason == expected_refusal(party_kinds[pid], state, invited)
        assert NAMES[pid] in str(refused.value)
        return
    pages = pdf_pages(render_handout(compose(f, pid)))
    banner = f"VERTROUWELIJK – uitsluitend bestemd voor {NAMES[pid]}"
    for number, text in enumerate(pages, start=1):
        assert banner in text
        assert f"pagina {number} van {len(pages)}" in text
        assert "ZVH-2026-0042" in text
    text = "\n".join(pages)
    phase = "na het casusoverleg" if started else "vóór het casusoverleg"
    assert phase in text
    for item in items:
        marker = f"ITEM{item.id:02d}MARK"
        if may_have_item(pid, item, started):
            assert marker in text
            body = item.text.split(" ", 1)[1]
            assert body in text                      # markup-like text literal, names intact
            if item.terms.use_restriction:
                assert item.terms.use_restriction in text.replace("\n", " ")
        else:
            assert marker not in text
    for action in plan.actions:
        visible = (not action.limited_to or pid in action.limited_to
                   or pid == action.party_id)
        assert (action.description.split()[0] in text) == visible


def test_subjects_names_in_every_script_and_no_bsn_or_address() -> None:
    standings = {p: standing(p, "active") for p in NAMES}
    pages = pdf_pages(render_handout(compose(facts(standings, (), frozenset({2})), 2)))
    text = "\n".join(pages)
    for name in ("Şükrü Yılmaz", "Łukasz Wiśniewski", "Thị Minh Khai Nguyễn"):
        assert name in text
    folded = unicodedata.normalize("NFKC", text)
    assert "محمد" in folded and "العلي" in folded
    assert "111222333" not in text and "Spui 70" not in text
    assert "14-03-1984" in text


def test_party_name_with_markup_is_literal_in_banner_and_body() -> None:
    standings = {p: standing(p, "active") for p in NAMES}
    data = render_handout(compose(facts(standings, (), frozenset({6})), 6))
    for page in pdf_pages(data):
        assert "uitsluitend bestemd voor Stichting Şükrü & Zonen <b>" in page
    meta = PdfReader(io.BytesIO(data)).metadata
    assert meta is not None and meta.title == "Hand-out ZVH-2026-0042"
    assert "Şükrü" not in (meta.subject or "") + (meta.title or "")


def test_plan_shows_for_every_invited_party_and_long_texts_survive() -> None:
    standings = {p: standing(p, "active") for p in NAMES}
    long_text = ("Voortgang besproken met de wijkagent en de schuldhulpverlener. " * 800)
    plan = ActionPlan(
        case_id=42,
        goals=tuple(Goal(f"g{d.value}", d, f"Doel voor {d.label}") for d in LifeDomain),
        actions=(Action("a1", 1, long_text, "J. Jansen", date(2027, 1, 1)),
                 Action("a2", 2, "W" * 500, "Ł. Wiśniewski")),
        information_needs=(InformationNeed("n1", 3, "Huurachterstand"),),
        coordinator=CaseCoordinator(2, "Anna <i>Bakker</i>"), closure_criteria="Stabiel")
    pages = pdf_pages(render_handout(compose(facts(standings, (), frozenset({1, 2, 3}), plan),
                                             3)))
    assert len(pages) > 3
    joined = squash("".join(pages))
    assert joined.count("schuldhulpverlener") == long_text.count("schuldhulpverlener")
    assert joined.count("W") >= 500
    assert "Anna<i>Bakker</i>" in joined
    assert "Huurachterstand" in joined
    assert "Zaal2" in joined


def test_refusal_for_a_party_not_invited_once_on_an_agenda() -> None:
    standings = {p: standing(p, "active") for p in NAMES}
    with pytest.raises(HandoutRefused) as refused:
        compose(facts(standings, (), frozenset({1, 2})), 3)
    assert refused.value.reason is Reason.NOT_INVITED


def test_file_names_hold_no_personal_data() -> None:
    assert file_name("ZVH-2026-0042", "reclassering-nederland") == \
        "ZVH-2026-0042_handout_reclassering-nederland.pdf"
    assert file_name("ZVH-2026-0042", "../Şükrü x") == "ZVH-2026-0042_handout_kr--x.pdf"
