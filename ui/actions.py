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
    GO_FOLLOWUP = "go_followup"
    GO_AUDIT = "go_audit"
    # from anywhere in the main window: the Cases screen's search box
    FIND_CASE = "find_case"
    # The case screen's action bar (they work in the window of one case).
    CASE_INTAKE = "case_intake"
    CASE_TRIAGE = "case_triage"
    CASE_PLAN = "case_plan"
    CASE_HANDOUTS = "case_handouts"
    CASE_MINUTES = "case_minutes"
    CASE_CLOSURE = "case_closure"
    # The case screen's subjects: copy to the clipboard, marked as sensitive.
    COPY_BSN = "copy_bsn"
    COPY_ADDRESS = "copy_address"
    # The subjects table: the subject-access request (AVG 15) of the chosen subject
    SUBJECT_ACCESS = "subject_access"
    # A window of its own (a case): closed from the keyboard too
    CLOSE_WINDOW = "close_window"


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
    ActionSpec(ActionId.GO_FOLLOWUP, N_("Follow-up of actions"), "Ctrl+6",
               N_("Go to the open actions of every plan of action")),
    ActionSpec(ActionId.GO_AUDIT, N_("Audit log"), "Ctrl+7",
               N_("Go to the audit log (for the privacy officer)")),
    ActionSpec(ActionId.FIND_CASE, N_("Search cases"), "Ctrl+F",
               N_("Go to the cases and type in the search box; Enter opens the case")),
    ActionSpec(ActionId.CASE_INTAKE, N_("&Intake\u2026"), "Ctrl+Shift+I",
               N_("Case screen: start or resume the intake of this case")),
    ActionSpec(ActionId.CASE_TRIAGE, N_("&Triage\u2026"), "Ctrl+Shift+T",
               N_("Case screen: do the triage of this case")),
    ActionSpec(ActionId.CASE_PLAN, N_("&Plan of action\u2026"), "Ctrl+Shift+P",
               N_("Case screen: view and edit the plan of action")),
    ActionSpec(ActionId.CASE_HANDOUTS, N_("&Handouts\u2026"), "Ctrl+Shift+H",
               N_("Case screen: make the handouts for the invited parties")),
    ActionSpec(ActionId.CASE_MINUTES, N_("&Minutes of meetings\u2026"), "Ctrl+Shift+N",
               N_("Case screen: read the minutes of the meetings on this case")),
    ActionSpec(ActionId.CASE_CLOSURE, N_("&Close the case\u2026"), "Ctrl+Shift+A",
               N_("Case screen: close the case (step it down) with the closure wizard")),
    ActionSpec(ActionId.COPY_BSN, N_("Copy &BSN"), "Ctrl+Shift+B",
               N_("Case screen: copy the chosen subject's BSN; the clipboard is emptied "
                  "again after 10 seconds")),
    ActionSpec(ActionId.COPY_ADDRESS, N_("Copy a&ddress"), "Ctrl+Shift+D",
               N_("Case screen: copy the chosen subject's address; the clipboard is emptied "
                  "again after 10 seconds")),
    ActionSpec(ActionId.SUBJECT_ACCESS, N_("Subject-access &request\u2026"), "Ctrl+Shift+R",
               N_("Case screen: review and make the subject-access export (AVG art. 15) of "
                  "the chosen subject")),
    ActionSpec(ActionId.CLOSE_WINDOW, N_("&Close window"), "Ctrl+W",
               N_("Case screen: close the window of this case")),
)

#: The actions of the case screen's action bar, in the order of its buttons.
CASE_ACTIONS: tuple[ActionId, ...] = (
    ActionId.CASE_INTAKE, ActionId.CASE_TRIAGE, ActionId.CASE_PLAN, ActionId.CASE_HANDOUTS,
    ActionId.CASE_MINUTES, ActionId.CASE_CLOSURE)

#: Window-wide actions that must also work in the program's other windows (a case window, a
#: wizard in front of it): locking above all, so Ctrl+L never depends on which window is in
#: front.
SHARED_ACTIONS: tuple[ActionId, ...] = (ActionId.LOCK, ActionId.HELP)

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
                handler: Callable[[], object] | None = None) -> QAction:
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
                 handlers: Mapping[ActionId, Callable[[], object]]) -> dict[ActionId, QAction]:
    actions = {}
    for action_id, handler in handlers.items():
        action = make_action(parent, action_id, handler)
        parent.addAction(action)
        actions[action_id] = action
    return actions


def share_window_actions(target: QWidget, ids: tuple[ActionId, ...] = SHARED_ACTIONS) -> int:
    """Give ``target`` (another window: a case window, a wizard) the main window's actions
    ``ids``, so their shortcuts work while it is in front; returns how many were shared.

    The actions are found on the nearest window up ``target``'s parent chain that holds them
    (no global registry); a window without such an ancestor gets none.
    """
    names = {f"action_{i.value}" for i in ids}
    widget = target.parentWidget()
    while widget is not None:
        found = [a for a in widget.actions() if a.objectName() in names]
        if found:
            present = set(target.actions())
            for action in found:
                if action not in present:
                    target.addAction(action)
            return len(found)
        widget = widget.parentWidget()
    return 0


def shortcut_text(action_id: ActionId) -> str:
    """The shortcut as the user's platform writes it (for help texts)."""
    s = BY_ID[action_id]
    return QKeySequence(s.shortcut).toString(QKeySequence.SequenceFormat.NativeText)
