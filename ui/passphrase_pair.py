"""Choosing a new passphrase: typed twice, checked by the domain rule, the reason shown.

Used by the first-run wizard, adding an account and changing one's own passphrase, so the
three say the same thing in the same words.
"""

from __future__ import annotations

from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QWidget

from app.domain.passphrase import MIN_LENGTH, check_passphrase
from app.errors import ValidationError
from app.i18n import _


def secret_field(object_name: str) -> QLineEdit:
    field = QLineEdit()
    field.setObjectName(object_name)
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setDragEnabled(False)
    return field


class PassphrasePair(QWidget):
    """Two password fields and a line telling what is wrong (empty while nothing is)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.first = secret_field("new_passphrase")
        self.second = secret_field("repeat_passphrase")
        self.hint = QLabel(_("At least {n} characters; a few unusual words make a strong "
                             "passphrase.").format(n=MIN_LENGTH))
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: palette(mid);")
        self.reason = QLabel("")
        self.reason.setObjectName("passphrase_reason")
        self.reason.setWordWrap(True)
        self.reason.setStyleSheet("color: #b00020;")
        self.reason.setVisible(False)
        form = QFormLayout(self)
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

    def checked_value(self, account: str = "") -> str:
        """The passphrase if both fields agree and the rule accepts it; else raise
        ValidationError with the reason (also shown under the fields)."""
        value = self.first.text()
        try:
            check_passphrase(value, account)
            if value != self.second.text():
                raise ValidationError(_("The two passphrases are not the same."),
                                      field="passphrase")
        except ValidationError as exc:
            self.show_reason(str(exc))
            raise
        self.show_reason("")
        return value

    def wipe(self) -> None:
        self.first.clear()
        self.second.clear()
        self.show_reason("")
