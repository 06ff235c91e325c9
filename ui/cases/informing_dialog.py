"""Informing the subjects after intake (issue 24, point 2), from the case screen.

Per subject: informed (the date and the party that informed), or not informed with a ground
from the fixed list (``app.domain.referral_contacts.Ground``; "other" with the ground in
words) and a date to look again; or still nothing recorded. What the referring party
reports after the intake is recorded here by the process director, through
``app.services.referral_contacts.set_informing`` (its permission, its audit row with the
subject id and the ground's code only, one transaction per subject). Every subject's entry
is checked before anything is written (the same rule the service applies), so a problem in
the second subject does not leave the first half saved; a problem is shown beside its
field and the field gets the focus. Unchanged subjects are not written again.

Keyboard: Tab through the fields; Enter (or the save button's mnemonic) saves; Esc closes,
asking first when something was changed (save, do not save, or go on editing).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain.referral_contacts import Ground, Informing, check_informing
from app.errors import CasuskamerError, ValidationError
from app.i18n import _
from app.services import parties as party_service
from app.services import referral_contacts
from app.vault.vault import OpenVault
from ui import a11y, dialogs
from ui.date_edit import DateEdit

#: the service's field prefix (``informing.ground`` ...)
PREFIX = "informing"
FIELDS = ("informed", "informed_on", "informed_by", "ground", "ground_text", "review_on")


@dataclass(frozen=True)
class SubjectLine:
    """A subject of the case as the dialog lists it."""

    id: int
    name: str


class SubjectInforming(QGroupBox):
    """One subject: informed or not, with its date and party or its ground."""

    def __init__(self, subject: SubjectLine, index: int,
                 parties: list[tuple[int, str]], current: Informing | None) -> None:
        super().__init__(subject.name)
        self.subject = subject
        self.current = current
        self.setObjectName(f"subject_informing_{index}")
        self.informed = QComboBox()
        self.informed.setObjectName("informing_informed")
        for text, value in ((_("Not recorded yet"), ""), (_("Informed"), "yes"),
                            (_("Not informed"), "no")):
            self.informed.addItem(text, value)
        self.informed_on = DateEdit(name="informed_on")
        self.informed_by = QComboBox()
        self.informed_by.setObjectName("informing_informed_by")
        self.informed_by.addItem(_("Choose a party"), None)
        for party_id, name in parties:
            self.informed_by.addItem(name, party_id)
        self.ground = QComboBox()
        self.ground.setObjectName("informing_ground")
        self.ground.addItem(_("Choose a ground"), "")
        for ground in Ground:
            self.ground.addItem(ground.label, ground.value)
        self.ground_text = QLineEdit()
        self.ground_text.setObjectName("informing_ground_text")
        self.review_on = DateEdit(name="review_on")
        self.widgets: dict[str, QWidget] = {
            "informed": self.informed, "informed_on": self.informed_on,
            "informed_by": self.informed_by, "ground": self.ground,
            "ground_text": self.ground_text, "review_on": self.review_on}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout(self)
        for key, caption in (("informed", _("Informed?")), ("informed_on", _("Informed on")),
                             ("informed_by", _("Informed by")),
                             ("ground", _("Ground not to inform")),
                             ("ground_text", _("The ground in words")),
                             ("review_on", _("Look again on"))):
            label = QLabel(caption)
            a11y.tie(label, self.widgets[key])
            form.addRow(label, self._with_error(key))
        self._fill(current)
        self.informed.currentIndexChanged.connect(lambda _i: self._enable())
        self._enable()
        #: what the fields held when the dialog opened (to ask before closing with changes)
        self.loaded = self.snapshot()

    def snapshot(self) -> tuple[object, ...]:
        """The fields as they are now (typed texts included), to compare."""
        return (self.informed.currentData(), self.informed_on.line.text(),
                self.informed_by.currentData(), self.ground.currentData(),
                self.ground_text.text(), self.review_on.line.text())

    def clear_fields(self) -> None:
        """Drop what the fields hold (on lock): the subject's name and the ground."""
        self.setTitle("")
        self.ground_text.clear()
        self.informed_on.setDate(None)
        self.review_on.setDate(None)
        self.loaded = self.snapshot()

    def _with_error(self, key: str) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.widgets[key])
        error = QLabel("")
        error.setObjectName("field_error")
        error.setProperty("field", key)
        error.setWordWrap(True)
        error.setTextFormat(Qt.TextFormat.PlainText)
        error.setStyleSheet(a11y.error_style())
        error.setVisible(False)
        layout.addWidget(error)
        self.errors[key] = error
        return box

    def _fill(self, value: Informing | None) -> None:
        if value is None:
            return
        self.informed.setCurrentIndex(self.informed.findData("yes" if value.informed
                                                             else "no"))
        self.informed_on.setDate(value.informed_on)
        if value.informed_by_party_id is not None:
            self.informed_by.setCurrentIndex(
                max(self.informed_by.findData(value.informed_by_party_id), 0))
        if value.ground is not None:
            self.ground.setCurrentIndex(max(self.ground.findData(value.ground.value), 0))
        self.ground_text.setText(value.ground_text)
        self.review_on.setDate(value.review_on)

    def _enable(self) -> None:
        choice = self.informed.currentData()
        for key in ("informed_on", "informed_by"):
            self.widgets[key].setEnabled(choice == "yes")
        for key in ("ground", "ground_text", "review_on"):
            self.widgets[key].setEnabled(choice == "no")

    @property
    def recorded(self) -> bool:
        """Whether the user chose informed or not informed (else the subject is skipped)."""
        return bool(self.informed.currentData())

    def clear_error(self) -> None:
        for label in self.errors.values():
            label.clear()
            label.setVisible(False)
        for widget in self.widgets.values():
            widget.setAccessibleDescription("")

    def show_error(self, key: str, text: str) -> None:
        label = self.errors.get(key, self.errors["informed"])
        label.setText(text)
        label.setVisible(True)
        widget = self.widgets.get(key, self.informed)
        widget.setAccessibleDescription(text)
        widget.setFocus()

    def _date(self, key: str) -> date | None:
        edit = self.widgets[key]
        assert isinstance(edit, DateEdit)
        if edit.error():
            raise ValidationError(edit.error(), field=f"{PREFIX}.{key}")
        return edit.date()

    def arguments(self) -> dict[str, object]:
        """The keyword arguments of ``set_informing`` for this subject (a typed text that is
        no date: ``ValidationError`` on its field)."""
        yes = self.informed.currentData() == "yes"
        by = self.informed_by.currentData()
        return {
            "informed": yes,
            "informed_on": self._date("informed_on") if yes else None,
            "informed_by_party_id": int(by) if yes and by is not None else None,
            "ground": None if yes else (str(self.ground.currentData() or "") or None),
            "ground_text": "" if yes else self.ground_text.text(),
            "review_on": None if yes else self._date("review_on"),
        }


class InformingDialog(QDialog):
    """Record, per subject of one case, whether the subject was informed or why not."""

    def __init__(self, vault: OpenVault, number: str, subjects: list[SubjectLine],
                 parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("informing_dialog")
        self.vault = vault
        self.number = number
        self.today = today
        # ids only in the title: never a name
        self.setWindowTitle(_("Informing the subjects \u2013 {number}").format(number=number))
        current = referral_contacts.case_informing(vault, number)
        parties = [(p.id, p.name) for p in party_service.list_parties(vault)
                   if p.id is not None]
        self.boxes: list[SubjectInforming] = []
        inner = QWidget()
        column = QVBoxLayout(inner)
        intro = QLabel(_("Whether each subject was informed that the case is "
                         "discussed (AVG art. 13/14), or the ground not to and when "
                         "to look again."))
        intro.setWordWrap(True)
        column.addWidget(intro)
        for i, subject in enumerate(subjects):
            box = SubjectInforming(subject, i, parties, current.get(subject.id))
            self.boxes.append(box)
            column.addWidget(box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # the fields follow the dialog's width; only a long list of subjects scrolls
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        self.message = QLabel("")
        self.message.setObjectName("informing_message")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(a11y.error_style())
        self.message.setVisible(False)
        buttons = QDialogButtonBox()
        self.save_button = buttons.addButton(_("&Save informing"),
                                             QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save_informing")
        self.save_button.setDefault(True)
        cancel = buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        cancel.setText(_("Close without saving"))
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.message)
        layout.addWidget(buttons)
        self.resize(640, 560)
        if self.boxes:
            self.boxes[0].informed.setFocus()

    def save(self) -> bool:
        """Check every subject's entry, then write the changed ones; True when all were
        written (the dialog then closes)."""
        for box in self.boxes:
            box.clear_error()
        self.message.setVisible(False)
        today = self.today or date.today()
        try:
            standings = party_service.standings(self.vault)
        except CasuskamerError as exc:
            return self._fail(str(exc))
        todo: list[tuple[SubjectInforming, dict[str, object]]] = []
        for box in self.boxes:
            if not box.recorded:
                continue
            try:
                arguments = box.arguments()
                value = check_informing(
                    bool(arguments["informed"]), _as_date(arguments["informed_on"]),
                    _as_int(arguments["informed_by_party_id"]),
                    _as_text(arguments["ground"]), str(arguments["ground_text"]),
                    _as_date(arguments["review_on"]), today=today, standings=standings,
                    prefix=PREFIX)
            except ValidationError as refused:
                box.show_error(_field(refused.field), str(refused))
                return False
            if value != box.current:
                todo.append((box, arguments))
        for box, arguments in todo:
            try:
                box.current = referral_contacts.set_informing(
                    self.vault, self.number, box.subject.id,
                    informed=bool(arguments["informed"]),
                    informed_on=_as_date(arguments["informed_on"]),
                    informed_by_party_id=_as_int(arguments["informed_by_party_id"]),
                    ground=_as_text(arguments["ground"]),
                    ground_text=str(arguments["ground_text"]),
                    review_on=_as_date(arguments["review_on"]), today=today,
                    standings=standings)
            except ValidationError as refused:
                box.show_error(_field(refused.field), str(refused))
                return False
            except CasuskamerError as exc:
                return self._fail(str(exc))
        self.accept()
        return True

    @property
    def has_changes(self) -> bool:
        return any(box.snapshot() != box.loaded for box in self.boxes)

    def reject(self) -> None:
        """Close; with changes only after the user says so (Esc must not lose work). On
        lock the fields are cleared first (:meth:`clear`), so this asks nothing."""
        if self.has_changes:
            answer = dialogs.ask_to_save(
                self, _("Unsaved changes"),
                _("The informing of the subjects has changes that have not been saved. "
                  "Save them?"))
            if answer == dialogs.CANCEL:
                return
            if answer == dialogs.SAVE:
                self.save()         # closes the dialog when everything was written
                return
        super().reject()

    def clear(self) -> None:
        """Drop every name and ground shown (on lock); nothing is saved."""
        for box in self.boxes:
            box.clear_fields()
        self.message.clear()
        self.setWindowTitle("")

    def _fail(self, text: str) -> bool:
        self.message.setText(text)
        self.message.setVisible(True)
        return False


def _field(path: str | None) -> str:
    """``informing.ground`` -> ``ground``."""
    key = (path or "").rsplit(".", 1)[-1]
    return key if key in FIELDS else "informed"


def _as_date(value: object) -> date | None:
    return value if isinstance(value, date) else None


def _as_int(value: object) -> int | None:
    return value if isinstance(value, int) else None


def _as_text(value: object) -> str | None:
    return value if isinstance(value, str) else None
