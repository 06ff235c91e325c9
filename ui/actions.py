"""The one registry of the program's window-wide actions: id, Dutch label, shortcut, tip.

Screens and menus never invent their own shortcut for these; they ask here, so that the help
page lists every shortcut and a test can check that no two actions share one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from app.i18n import N_, _


class ActionId(StrEnum):
    LOCK = "lock"
    QUIT = "quit"
    HELP = "help"
    ABOUT = "about"
    CHANGE_PASSPHRASE = "change_passphrase"
    GO_CASES = "go_cases"
    GO_MEETINGS = "go_meetings"
    GO_PARTIES = "go_parties"
    GO_FIGURES = "go_figures"
    GO_SETTINGS = "go_settings"


@dataclass(frozen=True)
class ActionSpec:
    id: ActionId
    label: str          # msgid, translated when the QAction is made
    shortcut: str       # portable text form ("Ctrl+L"), empty for none
    tip: str            # msgid
    #: usable while the vault is locked (quitting and help are; locking again is not)
    when_locked: bool = False


SPECS: tuple[ActionSpec, ...] = (
    ActionSpec(ActionId.LOCK, N_("&Lock"), "Ctrl+L",
               N_("Lock the vault now; unlocking asks for your passphrase again")),
    ActionSpec(ActionId.QUIT, N_("&Quit"), "Ctrl+Q",
               N_("Lock the vault and close the program"), when_locked=True),
    ActionSpec(ActionId.HELP, N_("&Help"), "F1", N_("Show help and the keyboard shortcuts"),
               when_locked=True),
    ActionSpec(ActionId.ABOUT, N_("&About Casuskamer"), "",
               N_("Version, licences, and where the vault is kept"), when_locked=True),
    ActionSpec(ActionId.CHANGE_PASSPHRASE, N_("Change &passphrase..."), "",
               N_("Change the passphrase of the account you are using")),
    ActionSpec(ActionId.GO_CASES, N_("Cases"), "Ctrl+1", N_("Go to the cases")),
    ActionSpec(ActionId.GO_MEETINGS, N_("Meetings"), "Ctrl+2", N_("Go to the case meetings")),
    ActionSpec(ActionId.GO_PARTIES, N_("Parties"), "Ctrl+3", N_("Go to the parties")),
    ActionSpec(ActionId.GO_FIGURES, N_("Figures"), "Ctrl+4", N_("Go to the figures")),
    ActionSpec(ActionId.GO_SETTINGS, N_("Settings"), "Ctrl+5", N_("Go to the settings")),
)

BY_ID: dict[ActionId, ActionSpec] = {spec.id: spec for spec in SPECS}


def spec(action_id: ActionId) -> ActionSpec:
    return BY_ID[action_id]


def shortcut_conflicts(specs: tuple[ActionSpec, ...] = SPECS) -> dict[str, list[ActionId]]:
    """Shortcuts used by more than one action (should be empty)."""
    seen: dict[str, list[ActionId]] = {}
    for s in specs:
        if s.shortcut:
            key = QKeySequence(s.shortcut).toString(QKeySequence.SequenceFormat.PortableText)
            seen.setdefault(key, []).append(s.id)
    return {k: v for k, v in seen.items() if len(v) > 1}


def make_action(parent: QWidget, action_id: ActionId,
                handler: Callable[[], None] | None = None) -> QAction:
    """A QAction for one registered action, translated now, with its shortcut set.

    The shortcut works window-wide (including inside child widgets and the unlock screen)
    because the action is added to the window itself.
    """
    s = BY_ID[action_id]
    action = QAction(_(s.label), parent)
    action.setObjectName(f"action_{s.id.value}")
    action.setToolTip(_(s.tip))
    action.setStatusTip(_(s.tip))
    if s.shortcut:
        action.setShortcut(QKeySequence(s.shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
    if handler is not None:
        action.triggered.connect(lambda _checked=False: handler())
    return action


def make_actions(parent: QWidget,
                 handlers: Mapping[ActionId, Callable[[], None]]) -> dict[ActionId, QAction]:
    actions = {}
    for action_id, handler in handlers.items():
        action = make_action(parent, action_id, handler)
        parent.addAction(action)
        actions[action_id] = action
    return actions


def shortcut_text(action_id: ActionId) -> str:
    """The shortcut as the user's platform writes it (for help texts)."""
    s = BY_ID[action_id]
    return QKeySequence(s.shortcut).toString(QKeySequence.SequenceFormat.NativeText)
