"""The Parties screen with pytest-qt: the model passes Qt's model tester, the filters work,
the accession wizard is clicked through and prints Bijlage 1, refusals show at the field,
and clear() drops everything."""

from __future__ import annotations

import re

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QWizard

from app.domain.parties import EndReason, PartyDomain, PartyType
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.services import parties as ps
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from ui import dialogs
from ui.parties import PartiesScreen
from ui.parties.accession import AccessionWizard
from ui.parties.forms import ContactDialog, MembershipDialog
from ui.parties.model import PartyFilterProxy, PartyTableModel


@pytest.fixture
def screen(qtbot, admin_vault: OpenVault) -> PartiesScreen:  # type: ignore[no-untyped-def]
    widget = PartiesScreen(admin_vault)
    qtbot.addWidget(widget)
    yield widget
    dialogs.reset()


def drive(screen: PartiesScreen, fill: Callable[[QDialog], None]) -> list[QDialog]:
    """Replace the screen's modal run with ``fill`` (which clicks the buttons)."""
    seen: list[QDialog] = []

    def run(dialog: QDialog) -> bool:
        seen.append(dialog)
        fill(dialog)
        return dialog.result() == QDialog.DialogCode.Accepted

    screen.exec_dialog = run  # type: ignore[method-assign]
    return seen


def test_model_passes_the_model_tester(qtmodeltester, admin_vault: OpenVault) -> None:  # type: ignore[no-untyped-def]
    model = PartyTableModel()
    model.set_parties(ps.list_parties(admin_vault), date(2024, 1, 1))
    qtmodeltester.check(model)
    proxy = PartyFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_filters(domain=PartyDomain.CARE)
    qtmodeltester.check(proxy)
    model.clear()
    assert model.rowCount() == 0


def test_filters_narrow_the_table(screen: PartiesScreen) -> None:
    assert screen.proxy.rowCount() == 34
    screen.type_filter.setCurrentIndex(screen.type_filter.findData(PartyType.MUNICIPALITY))
    assert screen.proxy.rowCount() == 9
    screen.type_filter.setCurrentIndex(0)
    screen.domain_filter.setCurrentIndex(
        screen.domain_filter.findData(PartyDomain.CRIMINAL_JUSTICE))
    names = {screen.proxy.index(r, 0).data() for r in range(screen.proxy.rowCount())}
    assert "Openbaar Ministerie" in names and "Delft" not in names
    screen.domain_filter.setCurrentIndex(0)
    screen.protocol_filter.setCurrentIndex(
        screen.protocol_filter.findData(Protocol.RADICALISERING))
    assert screen.proxy.rowCount() == 0
    screen.protocol_filter.setCurrentIndex(0)
    screen.search.setText("ggz")
    assert screen.proxy.rowCount() == 2
    assert "2" in screen.count_label.text() and "34" in screen.count_label.text()
    screen.search.clear()
    screen.active_filter.setCurrentIndex(screen.active_filter.findData(False))
    assert screen.proxy.rowCount() == 0
    # The two protocols that start empty are pointed out.
    assert screen.prompt.isVisibleTo(screen)
    assert Protocol.RADICALISERING.label in screen.prompt.text()


def test_accession_wizard_is_clicked_through(qtbot, admin_vault: OpenVault,  # type: ignore[no-untyped-def]
                                              tmp_path: Path) -> None:
    wizard = AccessionWizard(admin_vault)
    qtbot.addWidget(wizard)
    wizard.show()
    form = wizard.details_form
    # Labels are tied to their fields.
    buddies = {label.buddy() for label in wizard.findChildren(QLabel) if label.buddy()}
    assert form.name in buddies and form.representative in buddies
    assert form.name.accessibleName()

    next_button = wizard.button(QWizard.WizardButton.NextButton)
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == 0 and wizard.errors.text("name")

    qtbot.keyClicks(form.name, "Stichting De Brug")
    form.party_type.setCurrentIndex(form.party_type.findData(PartyType.SOCIAL_HOUSING_SUPPORT))
    form.domain.setCurrentIndex(form.domain.findData(PartyDomain.CARE))
    qtbot.keyClicks(form.seat, "Rijswijk")
    qtbot.keyClicks(form.address, "Haagweg 4, 2281 AA Rijswijk")
    form.representative.setText("M. Yılmaz, directeur")  # keyClicks knows only ASCII
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == 1

    wizard.requested_on.setDate(QDate(2025, 1, 10))
    wizard.agreed.setChecked(True)
    wizard.agreed_on.setDate(QDate(2025, 2, 20))
    qtbot.mouseClick(next_button, Qt.MouseButton.LeftButton)
    assert wizard.currentId() == 2

    wizard.signed.setChecked(True)
    wizard.signed_on.setDate(QDate(2025, 3, 1))
    wizard.protocols.checks[Protocol.JEUGDGROEPEN].setChecked(True)
    target = tmp_path / "bijlage1-de-brug.pdf"
    with dialogs.scripted(target) as script:
        qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton),
                         Qt.MouseButton.LeftButton)
    assert [s.kind for s in script.shown] == ["save"]
    assert wizard.result() == QDialog.DialogCode.Accepted

    party = ps.get_party(admin_vault, wizard.party_id)  # type: ignore[arg-type]
    assert party.name == "Stichting De Brug" and party.active_from == date(2025, 3, 1)
    assert party.steering_group_agreed_on == date(2025, 2, 20)
    assert set(party.protocols_on(date(2025, 3, 1))) == {Protocol.INTEGRALE_VEILIGHEID,
                                                         Protocol.JEUGDGROEPEN}
    raw = PdfReader(target).pages[0].extract_text()
    # a word hyphenated at a line's end ("kantoor-/houdend") joined again
    text = " ".join(re.sub(r"(\w)-\n(\w)", r"\1\2", raw).split())
    assert "Stichting De Brug, statutair gevestigd te Rijswijk" in text
    assert "kantoorhoudend aan Haagweg 4, 2281 AA Rijswijk" in text
    assert "vertegenwoordigd door M. Yılmaz, directeur" in text


def test_wizard_refusal_goes_back_to_the_field(qtbot, admin_vault: OpenVault) -> None:  # type: ignore[no-untyped-def]
    wizard = AccessionWizard(admin_vault)
    qtbot.addWidget(wizard)
    wizard.show()
    qtbot.keyClicks(wizard.details_form.name, "Openbaar Ministerie")
    wizard.next()
    wizard.next()
    wizard.print_form.setChecked(False)
    qtbot.mouseClick(wizard.button(QWizard.WizardButton.FinishButton),
                     Qt.MouseButton.LeftButton)
    assert wizard.party_id is None and wizard.currentId() == 0
    assert "Openbaar Ministerie" in wizard.errors.text("name")
    assert len(ps.list_parties(admin_vault)) == 34


def test_screen_accession_selects_the_new_party(screen: PartiesScreen) -> None:
    def fill(wizard: QDialog) -> None:
        assert isinstance(wizard, AccessionWizard)
        wizard.details_form.name.setText("Stichting Later")
        wizard.print_form.setChecked(False)
        wizard.accept()

    drive(screen, fill)
    screen.accession_button.click()
    assert screen.detail_title.text() == "Stichting Later"
    assert not screen.protocols_button.isEnabled() and screen.agreed_button.isEnabled()
    assert screen.model.rowCount() == 35


def test_protocols_contacts_and_end_through_the_screen(screen: PartiesScreen,
                                                       admin_vault: OpenVault) -> None:
    ggd = ps.find_party_by_name(admin_vault, "GGD Haaglanden")
    assert ggd is not None and screen.select_party(ggd.id)

    def protocols(dialog: QDialog) -> None:
        assert isinstance(dialog, MembershipDialog)
        takes_part, start, _has_end, _end = dialog.rows[Protocol.RADICALISERING]
        takes_part.setChecked(True)
        start.setDate(QDate(2018, 1, 1))          # before the party was active
        dialog.accept()
        assert dialog.result() != QDialog.DialogCode.Accepted
        assert dialog.errors.text("memberships")
        start.setDate(QDate(2021, 1, 1))
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    drive(screen, protocols)
    screen.protocols_button.click()
    assert ps.standing(admin_vault, ggd.id).takes_part(Protocol.RADICALISERING,
                                                       date(2021, 1, 1))
    assert Protocol.RADICALISERING.label not in screen.prompt.text()

    def contact(dialog: QDialog) -> None:
        assert isinstance(dialog, ContactDialog)
        dialog.name.setText("Dr. K. Bakker")
        dialog.email.setText("k.bakker@ggd")
        dialog.accept()
        assert dialog.errors.text("email") and dialog.email.hasFocus() is not None
        dialog.email.setText("k.bakker@ggdhaaglanden.nl")
        dialog.case_meetings.setChecked(True)
        dialog.accept()

    drive(screen, contact)
    screen.add_contact_button.click()
    assert screen.contacts_view.topLevelItemCount() == 1
    assert screen.contacts_view.topLevelItem(0).text(0) == "Dr. K. Bakker"

    def end(dialog: QDialog) -> None:
        dialog.reason.setCurrentIndex(dialog.reason.findData(EndReason.EXCLUSION))
        dialog.end_on.setDate(QDate(2024, 6, 1))
        dialog.accept()

    drive(screen, end)
    screen.end_button.click()
    assert not ps.standing(admin_vault, ggd.id).is_active(date(2024, 6, 1))
    assert not screen.end_button.isEnabled()
    assert screen.history_view.topLevelItemCount() >= 4


def test_roles_and_clear(qtbot, admin_vault: OpenVault) -> None:  # type: ignore[no-untyped-def]
    director = unlock_as(admin_vault, Role.PROCESS_DIRECTOR)
    screen = PartiesScreen(director)
    qtbot.addWidget(screen)
    assert not screen.accession_button.isVisibleTo(screen)
    assert screen.contacts_box.isVisibleTo(screen)
    screen.select_party(ps.list_parties(director)[0].id)
    assert screen.detail_title.text()
    screen.clear()
    assert screen.model.rowCount() == 0 and screen.detail_title.text() == ""
    assert all(not label.text() for label in screen.fact_labels.values())
