"""Choosing a new passphrase: typed twice, checked by the domain rule, the reason shown.

Used by the first-run wizard, adding an account and changing one's own passphrase, so the
three say the same thing in the same words.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from app.domain.passphrase import MIN_LENGTH, check_passphrase
from app.errors import ValidationError
from app.i18n import _
from ui import a11y


def secret_field(object_name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(object_name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setDragEnabled(False)
    return field


def grow_to_fit(window: QWidget) -> None:
    """A wrapped label that appears does not make its dialog grow by itself; grow it (never
    shrink it, which would cut off what the user is reading)."""
    hint = window.sizeHint()
    if hint.width() > window.width() or hint.height() > window.height():
        window.resize(max(window.width(), hint.width()), max(window.height(), hint.height()))


class PassphrasePair(QWidget):
    """Two password fields and a line telling what is wrong (empty while nothing is)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = secret_field("new_passphrase")
        self.second = secret_field("repeat_passphrase")
        self.hint = QLabel(_("At least {n} characters, and hard to guess: four or more "
                             "unusual words that do not belong together. Not your account "
                             "name, a role, the program's name, a month, a season, a city "
                             "or a keyboard row.").format(n=MIN_LENGTH))
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(a11y.secondary_style())
        self.reason = QLabel("")
        self.reason.setObjectName("passphrase_reason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet(a11y.error_style())
        self.reason.setVisible(False)
        #: dialogs insert their own rows (account name, current passphrase) above, so all
        #: labels line up in one column
        self.form = form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.addRow(_("&New passphrase:"), self.first)
        form.addRow(_("&Repeat passphrase:"), self.second)
        form.addRow("", self.hint)
        form.addRow("", self.reason)
        self.first.textChanged.connect(lambda _t: self.show_reason(""))
        self.second.textChanged.connect(lambda _t: self.show_reason(""))

    def show_reason(self, text: str) -> None:
        self.reason.setText(text)
        self.reason.setVisible(bool(text))
        if text:
            grow_to_fit(self.window())

    def checked_value(self, account: str = "") -> str:
        """The passphrase if both fields agree and the rule accepts it; else empty both
        fields and raise ValidationError with the reason (also shown under the fields)."""
        value = self.first.text()
        try:
            check_passphrase(value, account)
            if value != self.second.text():
                raise ValidationError(_("The two passphrases are not the same."),
                                      field="passphrase")
        except ValidationError as exc:
            # Start over in the first field: both have to be typed again anyway.
            self.wipe_and_focus()
            self.show_reason(str(exc))
            raise
        self.show_reason("")
        return value

    def wipe_and_focus(self) -> None:
        """After a refusal: empty both fields (keeping the reason) and start in the first."""
        self.first.blockSignals(True)
        self.second.blockSignals(True)
        self.first.clear()
        self.second.clear()
        self.first.blockSignals(False)
        self.second.blockSignals(False)
        self.first.setFocus()

    def wipe(self) -> None:
        self.first.clear()
        self.second.clear()
        self.show_reason("")
