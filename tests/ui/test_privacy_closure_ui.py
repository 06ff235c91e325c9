"""pytest-qt: the closure wizard's preview step lists every kind of text about the case
that goes, each with its count, and offers each optional kind with what it would take
(covenant 1.10; issue 16 point 6). The step is grabbed offscreen to look at."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QLabel, QRadioButton, QWizard
from pytestqt.qtbot import QtBot

from app.domain.closure import OPTIONAL_REMOVALS, Removal, StepId
from app.vault.vault import OpenVault
from ui import dialogs
from ui.closure.wizard import ClosureWizard

from tests.unit.retention_fixtures import director_vault  # noqa: F401
from tests.unit.test_privacy_closure import build_world


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


def _to_preview(qtbot: QtBot, wizard: ClosureWizard) -> None:
    page = wizard.currentPage()
    for combo in page.findChildren(QComboBox):
        if combo.objectName().endswith("_met"):
            combo.setCurrentIndex(1)
    next_button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)          # criteria
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)          # decision (prefilled)
    wizard.currentPage().findChild(QRadioButton, "outcome_goals_reached").setChecked(True)
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)          # outcome
    assert wizard.currentPage().objectName() == "page_preview"


def test_the_preview_step_names_each_kind_with_its_count(
        qtbot: QtBot, director_vault: OpenVault, tmp_path: Path) -> None:  # noqa: F811
    vault = director_vault
    world = build_world(vault)
    wizard = ClosureWizard(vault, world.number, today=date.today())
    qtbot.addWidget(wizard)
    wizard.resize(760, 820)
    wizard.show()
    _to_preview(qtbot, wizard)
    page = wizard.currentPage()
    removed = page.findChild(QLabel, "removed").text()
    # The defaults: the minutes and the drafts are named with their counts.
    assert f"{Removal.MINUTES.label}: 5" in removed
    assert f"{Removal.DRAFTS.label}: 6" in removed
    # Each optional kind says how much it would take before it is ticked.
    for removal in OPTIONAL_REMOVALS:
        box = page.findChild(QCheckBox, f"remove_{removal.value}")
        assert box is not None and box.text().startswith(removal.label)
    agenda = page.findChild(QCheckBox, f"remove_{Removal.AGENDA_TEXTS.value}")
    assert agenda.text().endswith(": 3")
    assert Removal.AGENDA_TEXTS.label not in removed
    agenda.setChecked(True)
    assert f"{Removal.AGENDA_TEXTS.label}: 3" in page.findChild(QLabel, "removed").text()
    for removal in OPTIONAL_REMOVALS:
        page.findChild(QCheckBox, f"remove_{removal.value}").setChecked(True)
    removed = page.findChild(QLabel, "removed").text()
    assert all(r.label in removed for r in Removal)
    qtbot.wait(50)       # let the layout follow the longer list before the grab
    shot = Path(os.environ.get("CLOSURE_PREVIEW_PNG", str(tmp_path / "preview.png")))
    assert wizard.grab().save(str(shot))
    assert wizard.shown.removals == tuple(Removal)
    assert wizard.pages[StepId.PREVIEW] is page
