"""What one committed write on another workstation changed (issue 22, point 4): kinds and
internal ids only, as the house server's announcements carry them (``app.store.live``).
Pure data: the screens (``ui.live_updates``) ask it what it concerns."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """What one committed write transaction on another workstation changed."""

    #: the tables written (``cases``, ``meetings``, ``parties``, ...)
    tables: frozenset[str]
    #: ``(kind, id)`` of the objects its audit rows name, by internal id: ``("case", "17")``
    #: (``cases.id``, never the case number), ``("meeting", "3")``; empty when there were
    #: too many to send
    objects: tuple[tuple[str, str], ...]
    #: the sending session's token
    origin: str

    def concerns(self, kind: str, object_id: str | int | None = None) -> bool:
        """Whether the change touches objects of ``kind`` (and, given, that one)."""
        named = [i for k, i in self.objects if k == kind]
        if object_id is None:
            return bool(named) or _kind_table(kind) in self.tables
        return str(object_id) in named or (not self.objects
                                           and _kind_table(kind) in self.tables)


def _kind_table(kind: str) -> str:
    return {"case": "cases", "meeting": "meetings", "party": "parties"}.get(kind, kind)
