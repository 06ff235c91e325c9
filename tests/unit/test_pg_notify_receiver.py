"""What a listener passes on from the announcements channel (issue 22, point 4), without a
server: the rules of ``app.store.live.Receiver`` on sealed texts, with a clock the test sets.

An announcement passes when it opens under the house's key, was sent after the listener began
and not longer ago (or further ahead) than the two minutes a house's clocks may differ by, and
carries a sequence number its session has not used before; one's own session's are passed
over without counting. Everything else is ignored and counted by reason."""

from __future__ import annotations

import os

from app.store import live


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


KEY = bytearray(os.urandom(32))


def _sender(clock: Clock) -> live.Announcements:
    return live.Announcements(KEY, clock)


def _receiver(clock: Clock, origin: str = "mine") -> live.Receiver:
    return live.Receiver(live.Announcements(KEY, clock), origin)


def test_a_fresh_announcement_passes_once_and_its_repeat_is_a_replay() -> None:
    clock = Clock(1_000_000.0)
    receiver = _receiver(clock)
    sender = _sender(clock)
    clock.now += 1
    first = sender.seal({"cases"}, [("case", "7")], "theirs")
    second = sender.seal({"meetings"}, [("meeting", "3")], "theirs")
    change = receiver.accept(first)
    assert change is not None and change.concerns("case", 7) and change.origin == "theirs"
    assert receiver.accept(first) is None
    assert receiver.accept(second) is not None
    assert receiver.accept(first) is None and receiver.accept(second) is None
    assert receiver.ignored == {"replayed": 3}


def test_sent_before_listening_began_or_outside_two_minutes_is_stale() -> None:
    clock = Clock(2_000_000.0)
    early = _sender(clock).seal({"cases"}, [], "before")
    clock.now += 5
    receiver = _receiver(clock)
    assert receiver.accept(early) is None                  # recorded before we listened
    ahead = _sender(Clock(clock.now + 121)).seal({"cases"}, [], "ahead")
    assert receiver.accept(ahead) is None                  # a clock more than 2 min ahead
    on_time = _sender(Clock(clock.now + 60)).seal({"cases"}, [], "ahead")
    assert receiver.accept(on_time) is not None            # one within the margin
    sent = _sender(clock).seal({"cases"}, [], "late")
    clock.now += 121
    assert receiver.accept(sent) is None                   # held back more than 2 min
    assert receiver.ignored == {"stale": 3}


def test_ones_own_announcements_are_passed_over_without_counting() -> None:
    clock = Clock(3_000_000.0)
    receiver = _receiver(clock, origin="mine")
    assert receiver.accept(_sender(clock).seal({"cases"}, [], "mine")) is None
    assert receiver.ignored == {}


def test_a_changed_or_foreign_text_does_not_open() -> None:
    clock = Clock(4_000_000.0)
    receiver = _receiver(clock)
    text = _sender(clock).seal({"cases"}, [("case", "7")], "theirs")
    middle = len(text) // 2
    changed = text[:middle] + ("A" if text[middle] != "A" else "B") + text[middle + 1:]
    other_house = live.Announcements(bytearray(os.urandom(32)), clock).seal(
        {"cases"}, [("case", "7")], "theirs")
    for forged in (changed, other_house, '{"o":"x","t":["cases"],"i":[["case","7"]]}', "",
                   live.WIRE_PREFIX, live.WIRE_PREFIX + "!!!"):
        assert receiver.accept(forged) is None
    assert receiver.ignored == {"unopened": 6}
    assert receiver.accept(text) is not None               # the real one still passes


def test_the_length_on_the_wire_says_little_and_stays_under_the_servers_limit() -> None:
    """Padded: one object or ten give the same length. Thousands of objects (beyond what
    pg_notify takes) go as kinds only: the screens read again what they show of that kind."""
    clock = Clock(5_000_000.0)
    sender = _sender(clock)
    one = sender.seal({"cases"}, [("case", "7")], "theirs")
    ten = sender.seal({"cases"}, [("case", str(i)) for i in range(10)], "theirs")
    assert len(one) == len(ten)
    many = sender.seal({"cases", "subjects"}, [("case", str(i)) for i in range(3000)], "theirs")
    assert len(many.encode("ascii")) < 8000
    change = _receiver(Clock(clock.now - 1)).accept(many)
    assert change is not None and change.objects == ()
    assert change.concerns("case", 2999) and change.concerns("case")
