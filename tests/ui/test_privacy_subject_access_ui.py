"""The subject-access review dialog (issue 16, point 4; AVG art. 15, 15(4), 23): the case
screen's subject-access action opens a review of the chosen subject's draft; the PDF can be
made only once every marked item is decided, all of it from the keyboard; and after a lock
the dialog holds nothing.

On the old code (commit 7ca920e) the case screen had no subject-access action and there was
no review: the export went straight to a PDF.
"""
# Fixtures are imported from the fixture modules, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication, QLabel, QPlainTextEdit
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from app.domain.cases import Subject, SubjectRole
from app.domain.information import Category
from app.errors import PermissionDenied
from app.services import cases as case_service
from app.services import subject_access
from app.store.case_tables import information_items
from app.vault.vault import OpenVault, Vault
from tests.ui.cases_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    accounts_vault,
    CENTRE,
    CENTRE_PASSPHRASE,
    cases_vault_template,
    director_vault,
)
from tests.ui.shell_fixtures import ctx, make_window, no_quick_check, settings  # noqa: F401
from tests.unit.retention_fixtures import make_case
from ui import dialogs
from ui.app_context import AppContext
from ui.cases.case_actions import subject_access_available
from ui.cases.case_view import CaseViewScreen
from ui.cases.subject_access_review import (
    DECISION,
    FLAGS,
    TEXT,
    SubjectAccessReviewDialog,
)
from ui.main_window import MainWindow

RENT = "Kwikstaartmelding huurachterstand van drie maanden"
CARE = "Roodborstzorg: behandeling gestart, niet aan betrokkenen verstrekken"
PARTNER = "Zwaluwstaart gezondheid van de partner"
CANARIES = (RENT, CARE, PARTNER, "Kwikstaartmelding", "Roodborstzorg")


def family(vault: OpenVault) -> str:
    """A case with a main subject and a partner: a rent item about him the municipality
    agreed to give, a care item about him with a use restriction, the partner's health."""
    made = make_case(vault, surname="Boomkleverhof", given="Pimpel", bsn="111222333",
                     birth=date(1975, 4, 3), life_domains={},   # items only
                     extra_subjects=[Subject("Mies", "Bakker", date(1978, 2, 9),
                                             SubjectRole.PARTNER)],
                     items=[("gemeente-den-haag", Category.GENERAL, RENT),
                            ("parnassia-groep", Category.GENERAL, CARE),
                            ("parnassia-groep", Category.SPECIAL, PARTNER)])
    case = case_service.get_case(vault, made.number)
    him, her = (s.id for s in case.subjects)
    assert him is not None and her is not None
    with vault.begin() as conn:
        ids = {text: i for i, text in conn.execute(
            information_items.select().with_only_columns(information_items.c.id,
                                                         information_items.c.text))}
        conn.execute(update(information_items).where(information_items.c.text == RENT)
                     .values(subject_access=True))
        conn.execute(update(information_items).where(information_items.c.text == CARE)
                     .values(use_restriction="niet aan betrokkenen verstrekken"))
        case_service.set_item_concerns(conn, ids[RENT], frozenset({him}))
        case_service.set_item_concerns(conn, ids[CARE], frozenset({him}))
        case_service.set_item_concerns(conn, ids[PARTNER], frozenset({her}))
    return made.number


def open_review(qtbot: QtBot, screen: CaseViewScreen) -> SubjectAccessReviewDialog:
    """Choose the main subject and press the action's shortcut, as a keyboard user would."""
    screen.subjects.selectRow(0)
    window = screen.window()
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)
    screen.subjects.setFocus()
    qtbot.keyClick(screen.subjects, Qt.Key.Key_R,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    dialog = screen.step_window
    assert isinstance(dialog, SubjectAccessReviewDialog)
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dialog, timeout=3000)
    return dialog


def pdf_text(path: Path) -> str:
    return "\n".join(p.extract_text() or "" for p in PdfReader(str(path)).pages)


def squeeze(text: str) -> str:
    return "".join(text.split())


def test_avg_15_review_by_keyboard_then_the_pdf(
        qtbot: QtBot, director_vault: OpenVault, tmp_path: Path) -> None:
    vault = director_vault
    number = family(vault)
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    screen.show()
    dialog = open_review(qtbot, screen)

    model = dialog.model
    texts = [model.index(r, TEXT).data() for r in range(model.rowCount())]
    assert sorted(texts) == sorted([RENT, CARE]), "the partner's item is not his"
    care_row = texts.index(CARE)
    assert "gebruiksbeperking" in model.index(care_row, FLAGS).data()
    assert model.index(care_row, DECISION).data() == "Te beslissen"
    assert not dialog.export_button.isEnabled(), "a marked item is undecided"

    # keyboard only: to the item still to decide, withhold it, choose a ground
    assert dialog.table.hasFocus()
    qtbot.keyClick(dialog, Qt.Key.Key_V, Qt.KeyboardModifier.AltModifier)   # Volgende
    qtbot.waitUntil(lambda: getattr(dialog.current_item(), "text", None) == CARE,
                    timeout=2000)
    qtbot.keyClick(dialog, Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)   # Achterhouden
    qtbot.waitUntil(dialog.withhold.isChecked, timeout=2000)   # a mnemonic animates a click
    assert not dialog.export_button.isEnabled(), "withholding needs a ground"
    assert "grond" in dialog.problem.text()
    qtbot.keyClick(dialog, Qt.Key.Key_R, Qt.KeyboardModifier.AltModifier)   # G&rond
    assert dialog.ground.hasFocus()
    qtbot.keyClick(dialog.ground, Qt.Key.Key_Down)
    qtbot.keyClick(dialog.ground, Qt.Key.Key_Down)
    assert dialog.export_button.isEnabled()
    assert "Achterhouden" in model.index(care_row, DECISION).data()

    out = tmp_path / "inzage.pdf"
    with dialogs.scripted(out, None) as script:
        qtbot.keyClick(dialog, Qt.Key.Key_P, Qt.KeyboardModifier.AltModifier)   # PDF maken
        qtbot.waitUntil(lambda: len(script.shown) == 2, timeout=5000)
    assert [s.kind for s in script.shown] == ["save", "inform"]
    assert script.shown[0].text.endswith(f"inzage-{number}.pdf")   # no name in it
    text = pdf_text(out)
    assert squeeze(RENT) in squeeze(text)
    assert "Roodborst" not in text and "Zwaluwstaart" not in text
    assert "Parnassia Groep" in text and "art. 23" in text
    assert screen.step_window is None, "the dialog closed once the PDF was written"


def test_avg_15_4_a_redacted_version_must_differ_and_is_what_the_pdf_holds(
        qtbot: QtBot, director_vault: OpenVault, tmp_path: Path) -> None:
    vault = director_vault
    number = family(vault)
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    screen.show()
    dialog = open_review(qtbot, screen)
    dialog.next_undecided()
    qtbot.keyClick(dialog, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)   # Geschoond
    qtbot.waitUntil(dialog.redact.isChecked, timeout=2000)
    assert dialog.redacted.isEnabled()
    assert dialog.redacted.toPlainText() == CARE   # starts from the original
    assert not dialog.export_button.isEnabled(), "the same text is no redaction"
    dialog.redacted.selectAll()
    qtbot.keyClicks(dialog.redacted, "Zorg: behandeling gestart")
    assert dialog.export_button.isEnabled()
    out = tmp_path / "inzage.pdf"
    with dialogs.scripted(out, None):
        dialog.export_button.click()
    text = squeeze(pdf_text(out))
    assert squeeze("Zorg: behandeling gestart") in text
    assert "Roodborst" not in text and "nietaanbetrokkenen" not in text


def test_the_information_centre_is_not_offered_subject_access(
        director_vault: OpenVault, accounts_vault: Path) -> None:
    """The information centre handles meeting logistics, never a subject's data: the
    action is not offered, and the service refuses it."""
    number = family(director_vault)
    subject_id = case_service.get_case(director_vault, number).subjects[0].id
    assert subject_access_available(director_vault.actor.role, subject_id)
    director_vault.lock(audit_it=False)
    centre = Vault(accounts_vault).unlock(CENTRE, CENTRE_PASSPHRASE)
    try:
        assert not subject_access_available(centre.actor.role, subject_id)
        with pytest.raises(PermissionDenied):
            subject_access.find_subject(centre, subject_id=subject_id)
    finally:
        centre.lock(audit_it=False)


def test_after_a_lock_the_review_dialog_holds_nothing(
        qtbot: QtBot, ctx: AppContext, director_vault: OpenVault,
        make_window: Callable[..., MainWindow], no_quick_check: None) -> None:
    vault = director_vault
    number = family(vault)
    window = make_window(vault)
    assert window.go_to("cases")
    workspace = window.workspace
    assert workspace is not None
    cases = workspace.screens["cases"]
    cases.refresh()
    cases.open_case(number)
    screen = next(v for v in cases.findChildren(CaseViewScreen) if v.number == number)
    dialog = open_review(qtbot, screen)
    dialog.next_undecided()
    dialog.redact.setChecked(True)
    dialog.redacted.setPlainText("Roodborstzorg ingekort")

    def shown() -> set[str]:
        found: set[str] = set()
        for widget in QApplication.allWidgets():
            texts = []
            if isinstance(widget, QPlainTextEdit):
                texts.append(widget.toPlainText())
            elif isinstance(widget, QLabel):
                texts.append(widget.text())
            if isinstance(widget, QAbstractItemView) and widget.model() is not None:
                m = widget.model()
                try:
                    size = m.rowCount(QModelIndex()), m.columnCount(QModelIndex())
                except TypeError:   # Qt's own private models (a header's)
                    continue
                texts += [str(m.index(r, c).data()) for r in range(size[0])
                          for c in range(size[1])]
            found |= {c for c in CANARIES for t in texts if c in t}
        return found

    assert {RENT, CARE} <= shown()
    qtbot.keyClick(dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: not vault.is_open, timeout=5000)
    for _ in range(3):
        QApplication.processEvents()
    assert not shown()
    # the Python object, if anything still holds it, holds no draft, person or typed text
    assert dialog.draft is None and dialog.match is None and not dialog._typed
    assert dialog.model.rowCount() == 0
    del dialog, screen, cases, workspace
    gc.collect()
    held = [o for o in gc.get_objects() if isinstance(o, SubjectAccessReviewDialog)]
    assert all(d.draft is None for d in held)
