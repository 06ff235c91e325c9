"""The case screen's action bar: which workflow step may be started on a case, and the small
windows the bar opens that have no home elsewhere (the plan editor in a dialog, the minutes).

``availability(action, state, role)`` answers, for each button of the bar, whether it works
and, when it does not, why (shown as the button's tooltip). The lifecycle rules come from
``app.domain.lifecycle.allowed_targets`` and the role rules from ``app.domain.roles.may``;
nothing is decided here that the services do not check again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain.lifecycle import CaseState, allowed_targets
from app.domain.meetings import DecisionType, EntryKind
from app.domain.roles import Permission, Role, may
from app.formatting import format_date, format_datetime
from app.i18n import _
from app.services import minutes as minutes_service
from app.vault.vault import OpenVault
from ui import a11y, dialogs
from ui.actions import ActionId, share_window_actions
from ui.plan.editor import PlanEditor

#: What each action of the bar needs of the role. The intake of a registered case reopens
#: its subjects and the referral's texts, and the minutes quote items: case substance, which
#: the information centre never sees (it registers new referrals from the Cases screen).
NEEDS: dict[ActionId, Permission] = {
    ActionId.CASE_INTAKE: Permission.CASE_SUBSTANCE,
    ActionId.CASE_TRIAGE: Permission.CASE_WORK,
    ActionId.CASE_PLAN: Permission.CASE_WORK,
    ActionId.CASE_HANDOUTS: Permission.CASE_WORK,
    ActionId.CASE_MINUTES: Permission.CASE_SUBSTANCE,
    ActionId.CASE_CLOSURE: Permission.CASE_WORK,
}

#: A plan of action and handouts exist once triage sent the case to a case meeting.
PLAN_STATES = frozenset({CaseState.SCHEDULED, CaseState.IN_PROGRESS})
#: Minutes exist once the case has been (or is being) discussed in a meeting.
MINUTES_STATES = frozenset({CaseState.SCHEDULED, CaseState.IN_PROGRESS, CaseState.CLOSED})


@dataclass(frozen=True)
class Availability:
    enabled: bool
    why: str = ""       # translated; empty when enabled


def _state_allows(action: ActionId, state: CaseState) -> bool:
    targets = allowed_targets(state)
    if action is ActionId.CASE_INTAKE:
        # referred (-> intake) or in intake (-> triage / declined)
        return CaseState.INTAKE in targets or CaseState.DECLINED in targets
    if action is ActionId.CASE_TRIAGE:
        return CaseState.ROUTED_ELSEWHERE in targets
    if action is ActionId.CASE_CLOSURE:
        return CaseState.CLOSED in targets
    if action in (ActionId.CASE_PLAN, ActionId.CASE_HANDOUTS):
        return state in PLAN_STATES
    if action is ActionId.CASE_MINUTES:
        return state in MINUTES_STATES
    return False


def _why_not(action: ActionId, state: CaseState) -> str:
    before_triage = state in (CaseState.REFERRED, CaseState.INTAKE)
    if action is ActionId.CASE_INTAKE:
        return _("The intake of this case has been done; the case is \u201c{state}\u201d.")
    if action is ActionId.CASE_TRIAGE:
        if before_triage:
            return _("Triage starts once the intake has accepted the case; the case is "
                     "\u201c{state}\u201d.")
        return _("The triage of this case has been done; the case is \u201c{state}\u201d.")
    if action in (ActionId.CASE_PLAN, ActionId.CASE_HANDOUTS):
        if state.is_open:
            return _("There is a plan of action once triage has sent the case to a case "
                     "meeting; the case is \u201c{state}\u201d.")
        return _("The case has ended (\u201c{state}\u201d); its plan can no longer be "
                 "changed.")
    if action is ActionId.CASE_MINUTES:
        return _("There are minutes once the case has been on a meeting's agenda; the case "
                 "is \u201c{state}\u201d.")
    if state in (CaseState.REFERRED, CaseState.INTAKE, CaseState.TRIAGE,
                 CaseState.SCHEDULED):
        return _("A case can be closed once it is in progress after a case meeting; the "
                 "case is \u201c{state}\u201d.")
    return _("The case has ended already; it is \u201c{state}\u201d.")


def availability(action: ActionId, state: CaseState, role: Role) -> Availability:
    """Whether ``action`` works on a case in ``state`` for ``role``, and if not, why."""
    if not may(role, NEEDS[action]):
        return Availability(False, _("Your role ({role}) may not do this.").format(
            role=role.label))
    if not _state_allows(action, state):
        return Availability(False, _why_not(action, state).format(state=state.label))
    return Availability(True)


# -- the subject-access request of a subject ------------------------------------------------

#: What the subjects table's subject-access action needs of the role (the service checks it
#: again).
SUBJECT_ACCESS_NEEDS = Permission.CASE_WORK


def subject_access_available(role: Role, subject_id: int | None) -> bool:
    """Whether the subject-access review can be opened for the chosen subject."""
    return subject_id is not None and may(role, SUBJECT_ACCESS_NEEDS)


def open_subject_access(vault: OpenVault, subject_id: int,
                        parent: QWidget | None = None) -> QDialog:
    """The review of the chosen subject's subject-access draft (AVG 15), in a dialog of its
    own (``ui.cases.subject_access_review``); refusals are the services' errors."""
    from ui.cases.subject_access_review import open_review

    return open_review(vault, subject_id, parent)


# -- the plan of action in a dialog ----------------------------------------------------------

class PlanDialog(QDialog):
    """The plan editor of one case in a window of its own (scrolls on a small screen)."""

    def __init__(self, vault: OpenVault, number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("plan_dialog")
        self.number = number
        # The case number holds nothing personal; it may stand in a window title.
        self.setWindowTitle(_("Plan of action \u2013 case {number}").format(number=number))
        self.editor = PlanEditor(vault)
        self.editor.load(number)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.editor)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        # saving is always in sight, not below the fold of the scrolled form (and Ctrl+S)
        self.save_button = buttons.addButton(_("&Save plan"),
                                             QDialogButtonBox.ButtonRole.ActionRole)
        self.save_button.setToolTip(_("Save the plan (Ctrl+S)"))
        self.save_button.clicked.connect(self.editor.save)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(buttons)
        share_window_actions(self)
        self.resize(1000, 760)

    def reject(self) -> None:
        """Close; with unsaved changes only after the user says so (Esc must not lose work).
        On lock the editor is cleared first, so this asks nothing and its draft stays."""
        if self.editor.has_unsaved_changes:
            answer = dialogs.ask_to_save(
                self, _("Unsaved changes"),
                _("The plan has changes that have not been saved. Save them?"))
            if answer == dialogs.CANCEL or (answer == dialogs.SAVE and not self.editor.save()):
                return
        self.editor.discard_unsaved()
        super().reject()

    def clear(self) -> None:
        self.editor.clear()


# -- the minutes of a case -------------------------------------------------------------------

def _when(value: Any) -> str:
    if not value:
        return ""
    try:
        return format_datetime(datetime.fromisoformat(str(value)))
    except ValueError:
        return str(value)


def _due(value: Any) -> str:
    if not value:
        return ""
    try:
        return format_date(datetime.fromisoformat(str(value)).date())
    except ValueError:
        return str(value)


def minutes_text(stored: list[minutes_service.StoredMinutes]) -> str:
    """The minutes of a case as plain text, one block per meeting, oldest first."""
    if not stored:
        return _("No minutes have been stored with this case yet.")
    blocks = []
    for minutes in stored:
        body = minutes.body
        meeting = body.get("meeting", {})
        lines = [_("Meeting of {when}, {place}; chair: {chair}").format(
            when=_when(meeting.get("starts_at")), place=meeting.get("place", ""),
            chair=meeting.get("chair", ""))]
        lines.append(_("Goal: {goal}").format(goal=body.get("goal", "")))
        lines.append(_("Themes: {themes}").format(themes="; ".join(body.get("themes", []))))
        kinds = []
        for value in body.get("decision_types", []):
            try:
                kinds.append(DecisionType(value).label)
            except ValueError:
                kinds.append(str(value))
        if kinds:
            lines.append(_("Decisions to take: {types}").format(types=", ".join(kinds)))
        present = [_("{name} ({party})").format(name=p.get("name", ""), party=p.get("party"))
                   if p.get("party") else str(p.get("name", ""))
                   for p in body.get("present", [])]
        lines.append(_("Present: {people}").format(people=", ".join(present) or "\u2013"))
        entries = body.get("entries", [])
        if entries:
            lines.append(_("Recorded:"))
        for entry in entries:
            try:
                kind = EntryKind(entry.get("kind")).label
            except ValueError:
                kind = str(entry.get("kind", ""))
            text = "\u2022 {kind}: {text}".format(kind=kind, text=entry.get("text", ""))
            extra = []
            if entry.get("party"):
                extra.append(str(entry["party"]))
            if entry.get("owner"):
                extra.append(_("owner: {owner}").format(owner=entry["owner"]))
            if entry.get("due"):
                extra.append(_("due: {date}").format(date=_due(entry["due"])))
            if extra:
                text += " (" + "; ".join(extra) + ")"
            lines.append(text)
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


class MinutesDialog(QDialog):
    """The stored minutes of one case (read only; read once, audited by the service)."""

    def __init__(self, vault: OpenVault, number: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("minutes_dialog")
        self.setWindowTitle(_("Minutes \u2013 case {number}").format(number=number))
        stored = minutes_service.case_minutes(vault, number)
        self.count = len(stored)
        self.text = QPlainTextEdit()
        self.text.setObjectName("minutes_text")
        self.text.setReadOnly(True)
        self.text.setPlainText(minutes_text(stored))
        label = QLabel(_("&Minutes of the meetings on this case:"))
        a11y.tie(label, self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(label)
        layout.addWidget(self.text, 1)
        layout.addWidget(buttons)
        share_window_actions(self)
        self.resize(760, 560)
        self.text.setFocus()

    def clear(self) -> None:
        self.text.clear()
