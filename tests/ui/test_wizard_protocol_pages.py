"""Every wizard in ui/ is made of the one StepPage base, and its pages are the steps of its
domain flow, in order (issue 20, point 6).

The wizards and the page classes are found in the code (every module under ``ui/``), so a new
wizard or page is covered: a wizard without a builder here fails the test until it has one.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QWizard, QWizardPage

import ui
from app.domain import accession, closure, first_run, intake, meetings, triage
from app.domain.wizard import Flow
from app.i18n import _
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault
from tests.unit.meeting_fixtures import as_process_director
from ui.wizard import StepPage

UI = Path(ui.__file__).parent


def ui_classes(base: type) -> list[type]:
    """Every class defined in a module under ui/ that derives from ``base``."""
    found: list[type] = []
    for info in pkgutil.walk_packages([str(UI)], "ui."):
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, base) \
                    and value.__module__ == module.__name__ and value not in found:
                found.append(value)
    return found


def _first_run(_vault: OpenVault, tmp: Path) -> QWizard:
    from ui.first_run import FirstRunWizard

    return FirstRunWizard(tmp / "new", kdf=KdfParams())


def _accession(vault: OpenVault, _tmp: Path) -> QWizard:
    from ui.parties.accession import AccessionWizard

    return AccessionWizard(vault)


def _intake(vault: OpenVault, _tmp: Path) -> QWizard:
    from ui.cases.intake_wizard import IntakeWizard

    return IntakeWizard(as_process_director(vault))


def _triage(vault: OpenVault, _tmp: Path) -> QWizard:
    from app.domain.criteria import Criterion, CriterionAnswer
    from app.domain.intake import IntakeOutcome
    from app.services import intake as intake_service
    from tests.unit.handout_cases import make_case
    from ui.triage.wizard import TriageWizard

    director = as_process_director(vault)
    number = make_case(director)
    intake_service.decide_intake(director, number, IntakeOutcome.ACCEPT,
                                 [CriterionAnswer(c, True, "ja") for c in Criterion])
    return TriageWizard(director, number)


def _agenda(vault: OpenVault, _tmp: Path) -> QWizard:
    from ui.meetings.wizard import AgendaWizard

    return AgendaWizard(as_process_director(vault))


def _closure(vault: OpenVault, _tmp: Path) -> QWizard:
    from tests.unit.retention_fixtures import make_case
    from ui.closure.wizard import ClosureWizard

    director = as_process_director(vault)
    return ClosureWizard(director, make_case(director).number)


#: how to build each wizard of ui/, and the domain flow its steps must come from
BUILDERS: dict[str, tuple[Callable[[OpenVault, Path], QWizard], Flow[object, object]]] = {
    "FirstRunWizard": (_first_run, first_run.FLOW),         # type: ignore[dict-item]
    "AccessionWizard": (_accession, accession.FLOW),        # type: ignore[dict-item]
    "IntakeWizard": (_intake, intake.FLOW),                 # type: ignore[dict-item]
    "TriageWizard": (_triage, triage.FLOW),                 # type: ignore[dict-item]
    "AgendaWizard": (_agenda, meetings.FLOW),               # type: ignore[dict-item]
    "ClosureWizard": (_closure, closure.FLOW),              # type: ignore[dict-item]
}


def test_every_page_class_in_ui_derives_from_the_one_step_page() -> None:
    pages = ui_classes(QWizardPage)
    assert StepPage in pages and len(pages) > 6
    assert [c.__qualname__ for c in pages if not issubclass(c, StepPage)] == []


def test_no_wizard_adds_a_bare_qwizard_page() -> None:
    """A page made as ``QWizardPage()`` would skip the base (the old accession wizard did)."""
    offenders: list[str] = []
    for path in sorted(UI.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "QWizardPage":
                offenders.append(f"{path.relative_to(UI)}:{node.lineno}")
    assert offenders == []


def test_every_wizard_shows_the_steps_of_its_domain_flow_in_order(
        admin_vault: OpenVault, tmp_path: Path, qtbot: object) -> None:
    wizards = ui_classes(QWizard)
    # a wizard found in ui/ that this test cannot build is a wizard nobody checked
    assert sorted(c.__name__ for c in wizards) == sorted(BUILDERS)
    for cls in wizards:
        build, flow = BUILDERS[cls.__name__]
        wizard = build(admin_vault, tmp_path)
        qtbot.addWidget(wizard)  # type: ignore[attr-defined]
        assert isinstance(wizard, cls)
        pages = [wizard.page(page_id) for page_id in wizard.pageIds()]
        assert all(isinstance(page, StepPage) for page in pages), cls.__name__
        steps = [page for page in pages if isinstance(page, StepPage)]
        assert all(page.flow is flow for page in steps), cls.__name__
        assert [page.flow_step.id for page in steps] == list(flow.ids()), cls.__name__
        assert [page.title() for page in steps] == [_(s.title) for s in flow.steps]
        wizard.close()
