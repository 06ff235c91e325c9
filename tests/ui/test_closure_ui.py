"""pytest-qt: clicking through the closure wizard, a refusal shown beside the page, extra
removals in the preview, and the confirmation that names the case."""

from __future__ import annotations

from datetime import date
from typing import Any
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QCheckBox, QComboBox, QLabel, QLineEdit, QRadioButton,
                               QWizard)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.domain.information import Category
from app.domain.plan import ActionStatus
from app.store.case_tables import cases, information_items
from app.store.tables import drafts
from app.vault.vault import OpenVault
from ui import dialogs
from ui.closure.wizard import ClosureWizard

from tests.unit.retention_fixtures import director_vault, make_case  # noqa: F401

DAY = date(2025, 9, 1)


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


def _next(qtbot: QtBot, wizard: QWizard) -> None:
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.NextButton), Qt.MouseButton.LeftButton)


def _open_wizard(qtbot: QtBot, vault: OpenVault) -> tuple[Any, ClosureWizard]:
    """A case in progress with a plan (two criteria, one action done) and its closure
    wizard, shown."""
    made = make_case(vault, items=[("politie", Category.GENERAL, "melding")],
                     actions=[("gemeente-den-haag", "huisbezoek", DAY, ActionStatus.DONE)])
    wizard = ClosureWizard(vault, made.number, today=DAY)
    qtbot.addWidget(wizard)
    wizard.show()
    return made, wizard


def test_click_through_the_closure_wizard(qtbot: QtBot,
                                          director_vault: OpenVault) -> None:  # noqa: F811
    vault = director_vault
    made, wizard = _open_wizard(qtbot, vault)
    assert made.number in wizard.windowTitle()

    # Criteria: one unanswered -> refused with the reason, the page stays.
    page = wizard.currentPage()
    assert page.objectName() == "page_criteria"
    page.findChild(QComboBox, "criterion_0_met").setCurrentIndex(1)
    _next(qtbot, wizard)
    assert wizard.currentPage() is page
    errors = page.findChild(QLabel, "errors")
    assert errors.isVisible() and "criterium 2" in errors.text()
    page.findChild(QComboBox, "criterion_1_met").setCurrentIndex(1)
    page.findChild(QLineEdit, "criterion_1_note").setText("schulden geregeld")
    _next(qtbot, wizard)

    # Decision: the coordinator is prefilled from the plan; an empty name is refused.
    page = wizard.currentPage()
    assert page.objectName() == "page_decision"
    name = page.findChild(QLineEdit, "coordinator_name")
    assert name.text() == "Sanne de Vries"
    name.clear()
    _next(qtbot, wizard)
    assert wizard.currentPage() is page and "casuscoördinator" in page.findChild(
        QLabel, "errors").text()
    qtbot.keyClicks(name, "Sanne de Vries")
    _next(qtbot, wizard)

    # Outcome: required.
    page = wizard.currentPage()
    assert page.objectName() == "page_outcome"
    _next(qtbot, wizard)
    assert wizard.currentPage() is page
    page.findChild(QRadioButton, "outcome_partly_reached").setChecked(True)
    _next(qtbot, wizard)

    # Preview: the default removals, and one more ticked.
    page = wizard.currentPage()
    assert page.objectName() == "page_preview"
    removed = page.findChild(QLabel, "removed").text()
    assert "Informatie-items: 1" in removed and "BSN" in removed
    page.findChild(QCheckBox, "remove_referral_texts").setChecked(True)
    assert "aanmelding" in page.findChild(QLabel, "removed").text()
    _next(qtbot, wizard)

    page = wizard.currentPage()
    assert page.objectName() == "page_confirm"
    assert made.number in page.findChild(QLabel, "summary").text()
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    with dialogs.scripted(False) as script:
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert made.number in script.shown[0].text and wizard.closure_result is None
    with dialogs.scripted(True) as script:
        qtbot.mouseClick(finish, Qt.MouseButton.LeftButton)
    assert script.shown[0].kind == "confirm" and made.number in script.shown[0].title
    assert wizard.closure_result is not None and wizard.closure_result.case_number == made.number
    with vault.read() as conn:
        row = conn.execute(select(cases).where(cases.c.id == made.id)).mappings().one()
        assert row["state"] == "closed" and row["outcome"] == "partly_reached"
        assert row["reason"] is None                     # the extra removal was applied
        assert conn.execute(select(information_items.c.id).where(
            information_items.c.case_id == made.id)).first() is None


def test_answers_kept_at_a_lock_come_back(qtbot: QtBot,
                                         director_vault: OpenVault) -> None:  # noqa: F811
    """The lock asks the wizard for its draft: the answers so far are kept in the vault and
    fill the wizard the next time it opens; closing the case removes them."""
    from app.services import closure as closure_service

    vault = director_vault
    made, wizard = _open_wizard(qtbot, vault)
    wizard.save_draft()
    context = closure_service.closure_context(vault, made.number, today=DAY)
    assert closure_service.load_closure_draft(vault, context) is None, "nothing answered yet"
    page = wizard.currentPage()
    page.findChild(QComboBox, "criterion_0_met").setCurrentIndex(1)
    page.findChild(QLineEdit, "criterion_1_note").setText("schulden geregeld")
    wizard.pages[next(s for s in wizard.pages if s.value == "outcome")].findChild(
        QRadioButton, "outcome_partly_reached").setChecked(True)
    wizard.pages[next(s for s in wizard.pages if s.value == "preview")].findChild(
        QCheckBox, "remove_referral_texts").setChecked(True)
    wizard.save_draft()                       # what the lock does before closing it
    wizard.reject()

    again = ClosureWizard(vault, made.number, today=DAY)
    qtbot.addWidget(again)
    again.show()
    page = again.currentPage()
    assert "teruggezet" in page.subTitle()
    assert page.findChild(QComboBox, "criterion_0_met").currentData() is True
    assert page.findChild(QComboBox, "criterion_1_met").currentData() is None
    assert page.findChild(QLineEdit, "criterion_1_note").text() == "schulden geregeld"
    pages = {s.value: p for s, p in again.pages.items()}
    assert pages["outcome"].findChild(QRadioButton, "outcome_partly_reached").isChecked()
    assert pages["preview"].findChild(QCheckBox, "remove_referral_texts").isChecked()
    assert "aanmelding" in pages["preview"].findChild(QLabel, "removed").text()

    # Closed: the kept answers go with every other draft of the case.
    page.findChild(QComboBox, "criterion_1_met").setCurrentIndex(1)
    for _step in range(4):
        _next(qtbot, again)
    assert again.currentPage().objectName() == "page_confirm"
    with dialogs.scripted(True):
        qtbot.mouseClick(again.button(QWizard.WizardButton.FinishButton),
                         Qt.MouseButton.LeftButton)
    assert again.closure_result is not None
    with vault.read() as conn:
        assert conn.execute(select(drafts.c.id).where(
            drafts.c.object_id == made.number)).first() is None
