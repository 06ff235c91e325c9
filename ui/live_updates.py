"""What other workstations change, as news for the open screens (issue 22, point 4).

On the house server the session's listener thread (``ServerOpenVault.listen``,
``app.store.live``) hears each committed write of another workstation: kinds and internal
ids only, sealed under the house's data key (one that does not open, or a replay, never gets
here).
:class:`LiveUpdates` carries each onto the GUI thread (a queued Qt signal) and tells the
screens through :mod:`ui.changes`, as a change made in another window of this program is
told: the Cases table, a case screen showing that case and the Meetings screen read again at
once when their window is the active one, else when it is next activated (so a busy house
does not make every hidden window reread, and log a read, at each save).

A local vault has no listener: one workstation, nothing to hear.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Signal

from app.errors import CasuskamerError
from app.domain.live_changes import Change
from app.vault.vault import OpenVault
from ui import changes


class LiveUpdates(QObject):
    """Relays announcements from the listener thread to the screens (GUI thread)."""

    #: one announcement (``app.store.live.Change``); emitted on the listener's thread,
    #: delivered on the GUI thread
    received = Signal(object)
    #: the server refused the session's login (its account revoked, or its passphrase
    #: changed at another workstation); emitted on the listener's thread
    withdrawn = Signal()
    #: an administrator changed the house's data key (announced under the old one)
    key_changed = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.received.connect(self.deliver)

    @classmethod
    def follow(cls, opened: OpenVault, parent: QObject,
               on_withdrawn: Callable[[], None] | None = None,
               on_key_changed: Callable[[], None] | None = None) -> LiveUpdates | None:
        """Listen for ``opened`` (a session on the house server); None for a local vault or
        when the server refuses the listening connection (the screens then show what they
        read, as before). ``on_withdrawn`` runs on the GUI thread when the server refuses
        the session's login later: the window then locks, so that what a revoked account
        had on screen does not stay there."""
        listen = getattr(opened, "listen", None)
        if not callable(listen):
            return None
        relay = cls(parent)
        if on_withdrawn is not None:
            relay.withdrawn.connect(on_withdrawn)
        if on_key_changed is not None:
            relay.key_changed.connect(on_key_changed)
        try:
            listen(relay.received.emit, relay.withdrawn.emit)
        except CasuskamerError:
            relay.deleteLater()
            return None
        return relay

    def deliver(self, change: Change) -> None:
        """Tell the screens what ``change`` concerns. Cases come by their internal id (the
        announcements carry no case number)."""
        from app.vault.server import DATA_KEY

        if any(kind == DATA_KEY for kind, _i in change.objects):
            self.key_changed.emit()  # the session's key is no longer the house's
            return
        case_ids = [i for kind, i in change.objects if kind == "case" and i.isdigit()]
        for case_id in dict.fromkeys(case_ids):
            changes.announce_case_id(int(case_id))
        if not case_ids and change.concerns("case"):
            changes.announce()          # too many to name, or not named: some cases
        meetings = [i for kind, i in change.objects if kind == "meeting"]
        for meeting_id in dict.fromkeys(meetings):
            changes.announce_meeting(meeting_id)
        if not meetings and (change.concerns("meeting") or "agenda_items" in change.tables):
            changes.announce_meeting()
