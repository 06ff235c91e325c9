"""A party's standing on a date: active or not, and in which protocols it takes part.

This is what the sharing policy, invitations and handouts ask about a party. It is built from
the party register (``app/services/parties.py``) and is a plain value: no database, no Qt.
Covenant art. 20 (accession: active from the date the signed Bijlage 1 is recorded) and
21.3 / 23.2 (withdrawal or exclusion: from that date the party receives nothing).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.domain.protocols import Protocol


@dataclass(frozen=True)
class ProtocolMembership:
    protocol: Protocol
    start: date
    end: date | None = None          # last day of membership; None: open-ended

    def covers(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


@dataclass(frozen=True)
class PartyStanding:
    party_id: int
    active_from: date | None          # None: not (yet) a party, e.g. accession pending
    active_until: date | None = None  # withdrawal or exclusion takes effect after this day
    memberships: tuple[ProtocolMembership, ...] = field(default_factory=tuple)

    def is_active(self, on: date) -> bool:
        if self.active_from is None or on < self.active_from:
            return False
        return self.active_until is None or on <= self.active_until

    def takes_part(self, protocol: Protocol, on: date) -> bool:
        """Active on ``on`` and a member of ``protocol`` on that day."""
        return self.is_active(on) and any(
            m.protocol == protocol and m.covers(on) for m in self.memberships)
