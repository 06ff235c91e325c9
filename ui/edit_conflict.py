"""What a screen says when its save was refused because another session saved the same
record in the meantime (issue 22, point 4; ``app.errors.EditConflict``).

The user is told who saved and when, and chooses: reload (the screen shows the record as it
is now; where the screen can, the user's own edits are put back on top of it, else they stay
shown beside it to copy), or keep the form as it is (nothing typed is lost either way).
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.errors import EditConflict
from app.i18n import _
from ui import dialogs


def offer_reload(parent: QWidget | None, title: str, conflict: EditConflict) -> bool:
    """Tell the user about ``conflict``; True when they choose to reload."""
    return dialogs.confirm(
        parent, title,
        str(conflict) + "\n\n" + _("Your own text stays on the screen until you choose "
                                   "to reload."),
        yes_label=_("Reload"), no_label=_("Keep my text"))
