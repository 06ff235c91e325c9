"""One leak test over all outputs (issue 16, point 8; covenant 9.2, 12.2e, 12.2f, 16.2, 17,
21.3, 23.2; AVG 15).

A generated world (``tests/privacy_world.py``: parties whose standing changes, cases in
every state, meetings with invitees, attendance that changes, items with random terms and
canary texts) is rendered into every output for every party and role, and a checker written
from the covenant (not from ``app.sharing.policy``) says which canaries each recipient may
and must have. The check goes both ways: no canary reaches a recipient that may not have
it, and every one it must have is there.

* 2,000 worlds at the level of the functions that build each output's content from plain
  values (the handout's ``compose`` before and after the meeting's start, the meeting-room
  screen and the director's screen from a ``Room``);
* 20 worlds end to end on real vaults: handouts (single, batch, for an older meeting),
  agendas, the meeting room loaded from the vault, the full plan, subject access (draft,
  review, PDF), the director's case screen and its marks, the figures (no canary; counts
  below 5 as "< 5") with the annual report and its CSV, the audit log, every service
  called as the information centre and as the manager, and the command line (``parties
  list --json``, ``export ...``, ``report``, ``audit``); every PDF read back.

A failure names the world's seed: ``generate(seed)`` (or ``vault_world(seed, ...)``) gives
the same world again. ``make reliability`` runs more of both
(``tests/reliability/test_privacy_all_outputs_full.py``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from app.domain.information import Category
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from tests.privacy_world import (
    CLI_COMMANDS,
    EXPORT_MODULES,
    OUTPUT_FUNCTIONS,
    UI_DIRECT_USES,
    Expect,
    Tally,
    WAgendaItem,
    WAttendee,
    WCase,
    WItem,
    WMeeting,
    WParty,
    World,
    WSubject,
    Wanted,
    canary,
    cli_commands,
    export_modules,
    output_functions,
    run_pure,
    run_vaults,
    ui_direct_uses,
    verdict,
)

PURE_WORLDS = 2000
VAULT_WORLDS = 20


def _report(problems: list[str], limit: int = 12) -> str:
    return "\n".join(problems[:limit]) + (f"\n... and {len(problems) - limit} more"
                                          if len(problems) > limit else "")


def test_no_output_leaks_in_2000_generated_worlds() -> None:
    """Handouts (before and after the meeting's start), the meeting-room screen and the
    director's screen, for every party, in 2,000 worlds: nothing leaks, nothing is
    missing."""
    tally = Tally()
    problems = run_pure(range(PURE_WORLDS), tally)
    assert not problems, _report(problems)
    counts = tally.counts
    assert counts["worlds (pure)"] == PURE_WORLDS
    # the run must have looked at every kind of situation, both ways
    for key in ("handout before given", "handout before refused", "handout after given",
                "handout after refused", "room shown", "room blank",
                "room of an older meeting (either reading)"):
        assert counts.get(key, 0) > 50, (key, counts)
    assert counts.get("room items shown", 0) > 50, counts


def test_no_output_leaks_end_to_end(tmp_path: Path) -> None:
    """20 worlds on real vaults, through the services and the command line, every PDF read
    back; the information centre and the manager get no canary from any service."""
    tally = Tally()
    problems = run_vaults(list(range(10_000, 10_000 + VAULT_WORLDS)), tmp_path, tally,
                          per_vault=10, subjects_per_case=1, cli=True)
    assert not problems, _report(problems)
    counts = tally.counts
    assert counts["worlds (vault)"] == VAULT_WORLDS
    for key in ("e2e handout after given", "e2e handout before refused",
                "e2e handout after refused", "e2e agenda given", "e2e agenda refused",
                "e2e room blank", "e2e plan PDF", "e2e subject access PDF",
                "cli handout refused", "cli agenda refused", "cli subject access PDF"):
        assert counts.get(key, 0) > 0, (key, counts)
    assert counts.get("information_centre: services refused", 0) > 10, counts
    assert counts.get("manager: services refused", 0) > 10, counts


def test_every_output_is_covered() -> None:
    """Every export module, every function that makes a document or a file, every screen
    that uses the policy or the export layer itself, and every command of the command line
    is named in the leak test's registers, so a new output fails here until the world
    covers it."""
    # Names in a register that no longer exist do no harm (an output renamed or still on
    # its way in); an output that is in no register fails.
    modules = sorted(set(export_modules()) - set(EXPORT_MODULES))
    assert not modules, (f"app/export has modules the leak test does not cover: {modules} "
                         "(add them to EXPORT_MODULES in tests/privacy_world.py and to the "
                         "world)")
    functions = sorted(set(output_functions()) - set(OUTPUT_FUNCTIONS))
    assert not functions, f"outputs not covered by the leak test: {functions}"
    screens = sorted(set(ui_direct_uses()) - set(UI_DIRECT_USES))
    assert not screens, (
        f"screens use app.sharing or app.export directly: {screens}; say in UI_DIRECT_USES "
        "why each is not an output of its own, or cover it in the world")
    commands = sorted(set(cli_commands()) - set(CLI_COMMANDS))
    assert not commands, ("commands not classified in CLI_COMMANDS "
                          f"(tests/privacy_world.py): {commands}")


# -- the checker itself, on hand-made worlds: it must be able to fail both ways -----------------

TODAY = date(2026, 12, 7)
NOW = datetime(2026, 12, 7, 10, 0)


def _small_world(*, withdrawn_until: date | None = None, state: CaseState = CaseState.SCHEDULED,
                 meeting_at: datetime = NOW + timedelta(days=1)) -> World:
    long_ago = TODAY - timedelta(days=400)
    every = tuple((p, long_ago, None) for p in Protocol)
    parties = [WParty(1, "Politie", "pol", long_ago, None, every),
               WParty(2, "GGZ", "ggz", long_ago, withdrawn_until, every),
               WParty(3, "Gemeente", "gem", long_ago, None, every)]
    item_pre = WItem(10, 1, Category.POLICE, "a", canary(1, "i", 1), TODAY, frozenset({2}),
                     True, True, "", True, None)
    item_no_pre = WItem(11, 3, Category.GENERAL, "b", canary(1, "i", 2), TODAY,
                        frozenset({2}), False, True, "", True, frozenset({20}))
    case = WCase(5, "ZVH-2026-0001", Protocol.INTEGRALE_VEILIGHEID, state, TODAY,
                 [WSubject(20, "Anna", canary(1, "s", 3), date(1980, 1, 1), "main_subject"),
                  WSubject(21, "Bram", canary(1, "s", 4), date(1981, 1, 1), "partner")],
                 [item_pre, item_no_pre], [])
    meeting = WMeeting(30, meeting_at, None, "Zaal",
                       [WAgendaItem(31, 30, 5, 0, canary(1, "m", 5), frozenset({1, 2}))])
    return World(1, NOW, parties, [case], [meeting],
                 [WAttendee(40, 30, 3, "Persoon", True, False, frozenset())])


def test_checker_handout_before_the_meeting_holds_only_the_pre_meeting_view() -> None:
    """Covenant 12.2f: before the meeting, only items whose supplier allowed the
    pre-meeting view; from its start, what shared_with allows."""
    world = _small_world()
    case = world.cases[0]
    before = Expect(world).handout(2, case)
    assert canary(1, "i", 1) in before.must and canary(1, "i", 2) not in before.may
    after = Expect(world, NOW + timedelta(days=2)).handout(2, case)
    assert {canary(1, "i", 1), canary(1, "i", 2)} <= after.must


def test_checker_withdrawn_ended_or_not_invited_receive_nothing() -> None:
    """Covenant 21.3, 23.2 (withdrawn the day before), 9.2 (a case that ended) and 12.2e
    (not invited): no handout at all."""
    assert Expect(_small_world(withdrawn_until=TODAY - timedelta(days=1))).handout(
        2, _small_world().cases[0]).refused
    world = _small_world(withdrawn_until=TODAY)          # the last active day: still today
    assert not Expect(world).handout(2, world.cases[0]).refused
    ended = _small_world(state=CaseState.DECLINED)
    assert Expect(ended).handout(1, ended.cases[0]).refused
    world = _small_world()
    assert Expect(world).handout(3, world.cases[0]).refused   # not invited


def test_checker_room_fails_closed_for_a_person_whose_party_is_not_invited() -> None:
    """Covenant 9.2, 12.2e, 17: someone present from a party not invited keeps the whole
    case off the meeting-room screen, not even the summary; the director's screen names
    them."""
    world = _small_world(meeting_at=NOW - timedelta(hours=1))
    meeting, item = world.meetings[0], world.meetings[0].items[0]
    expect = Expect(world)
    assert expect.room(meeting, item).refused
    assert expect.blockers(meeting, item) == {40: "not_entitled"}


def test_checker_subject_access_gives_only_what_concerns_the_subject() -> None:
    """AVG 15: the items that concern the subject; a police item only as reviewed."""
    world = _small_world()
    case = world.cases[0]
    partner = case.subjects[1]
    wanted = Expect(world).subject_access(case, partner, {10: ("withhold", "")})
    assert wanted.must == {partner.surname}      # item 11 concerns Anna only; 10 withheld
    redacted = canary(1, "r", 9)
    wanted = Expect(world).subject_access(case, partner, {10: ("redact", redacted)})
    assert wanted.must == {partner.surname, redacted}


def test_verdict_fails_both_ways() -> None:
    """A leaked canary, a missing one, and a refusal where something was due each fail."""
    world = _small_world()
    wanted = Wanted(frozenset({"A", "B"}), frozenset({"A"}))
    assert verdict(world, "x", "y", wanted, {"A"}) == []
    assert verdict(world, "x", "y", wanted, {"A", "B"}) == []
    assert "LEAK" in verdict(world, "x", "y", wanted, {"A", "C"})[0]
    assert "misses" in verdict(world, "x", "y", wanted, {"B"})[0]
    assert "refused" in verdict(world, "x", "y", wanted, None)[0]


@pytest.mark.parametrize("seed", [3, 48])
def test_generated_worlds_are_reproducible(seed: int) -> None:
    """A failure names a seed; the same seed gives the same world."""
    from tests.privacy_world import generate

    assert generate(seed).describe() == generate(seed).describe()


# -- the test would have failed on the old code: its bugs put back, one at a time ---------------

def _old_handout_terms(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before issue 16 a handout followed ``shared_with`` whatever the meeting's start."""
    from dataclasses import replace

    from app.sharing import handout

    context = handout.CaseFacts.context
    monkeypatch.setattr(handout.CaseFacts, "context",
                        lambda self: replace(context(self), meeting_started=True))


def _old_room_attendance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before issue 16 a person whose party was not invited counted as absent."""
    from app.domain import meetings

    absence = meetings.absence

    def old(attendee: meetings.Attendee, item: meetings.AgendaItem
            ) -> meetings.AbsenceReason | None:
        if attendee.left_at is None and attendee.party_id not in item.invited:
            return meetings.AbsenceReason.MARKED_ABSENT
        return absence(attendee, item)

    monkeypatch.setattr(meetings, "absence", old)


def _old_case_states(monkeypatch: pytest.MonkeyPatch) -> None:
    """Before issue 16 a declined, closed or routed case still went to parties."""
    from dataclasses import replace

    from app.sharing import handout

    context = handout.CaseFacts.context
    monkeypatch.setattr(handout.CaseFacts, "context",
                        lambda self: replace(context(self), state=CaseState.IN_PROGRESS))


@pytest.mark.parametrize("old_behaviour", [_old_handout_terms, _old_room_attendance,
                                           _old_case_states],
                         ids=["handout-ignores-12.2f", "room-counts-uninvited-absent",
                              "ended-case-still-shared"])
def test_the_leak_test_fails_on_the_old_behaviour(old_behaviour: object,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Each leak issue 16 reported, put back into the program, is found within 150 worlds
    (so the CI run of 2,000 would fail on it)."""
    assert callable(old_behaviour)
    old_behaviour(monkeypatch)
    problems = run_pure(range(150), Tally())
    assert any("LEAK" in p for p in problems)


def test_checker_finds_a_small_count_shown() -> None:
    """The manager's figures: a count of 1-4 cases shown as it is fails; "< 5" passes."""
    from app.domain.figures import Figure, Series, Value

    from tests.privacy_world import small_counts_shown

    def figure(value: Value) -> Figure:
        return Figure("in_progress", "t", "e", "a", ("x",), (Series("s", (value,)),))

    assert small_counts_shown([figure(Value(3))])
    assert not small_counts_shown([figure(Value(3, suppressed=True))])
    assert not small_counts_shown([figure(Value(7))])
