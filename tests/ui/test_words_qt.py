"""Qt's own texts speak the program's language (issue 18, point 6): the file picker said
"Look in:" and "Files of type:" in Dutch, since Qt 6 gave those labels a mnemonic and its
bundled Dutch catalogue no longer matches them. The program fills such gaps from its own
catalogue (``ui.main.QtGaps``), installed with Qt's translation at start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel

from app.i18n import set_language
from ui.main import QtGaps, install_qt_translation


@pytest.fixture
def dutch_qt(qapp: QApplication) -> Iterator[None]:
    set_language("nl")
    translator = install_qt_translation(qapp, "nl")
    assert translator is not None, "Qt's Dutch catalogue ships with PySide6"
    yield
    for gaps in translator.findChildren(QTranslator):
        qapp.removeTranslator(gaps)
    qapp.removeTranslator(translator)
    install_qt_translation(qapp, "en")


def _picker_labels(mode: QFileDialog.AcceptMode) -> list[str]:
    picker = QFileDialog(None, "x")
    picker.setOption(QFileDialog.Option.DontUseNativeDialog)
    picker.setAcceptMode(mode)
    picker.setNameFilter("JSON (*.json)")
    try:
        return [label.text() for label in picker.findChildren(QLabel) if label.text()]
    finally:
        picker.deleteLater()


@pytest.mark.parametrize("mode", [QFileDialog.AcceptMode.AcceptOpen,
                                  QFileDialog.AcceptMode.AcceptSave])
def test_the_file_picker_speaks_dutch(dutch_qt: None, mode: QFileDialog.AcceptMode) -> None:
    labels = _picker_labels(mode)
    plain = [text.replace("&", "") for text in labels]
    assert "Zoeken in:" in plain and "Bestandstype:" in plain, labels
    assert not any(word in text for text in plain for word in ("Look in", "Files of type")), \
        labels
    # each label keeps a mnemonic, and no two share one
    keys = [text[text.index("&") + 1].lower() for text in labels if "&" in text]
    assert len(keys) == len(labels) and len(set(keys)) == len(keys), labels


def test_the_close_question_says_niet_opslaan(dutch_qt: None) -> None:
    assert QCoreApplication.translate("QPlatformTheme", "Don't Save") == "Niet opslaan"
    assert QCoreApplication.translate("QPlatformTheme", "Save") == "Opslaan"


def test_english_keeps_qts_own_words(qapp: QApplication) -> None:
    set_language("en")
    assert install_qt_translation(qapp, "en") is None
    labels = [text.replace("&", "") for text in _picker_labels(QFileDialog.AcceptMode.AcceptOpen)]
    assert "Look in:" in labels
    # the gap filler answers only for its own texts
    assert QtGaps().translate("QFileDialog", "Detail View") is None
