"""Issue 24 on the case screen: the partners to invite with their contact persons and each
subject's informing are shown where the case is shown; the receipt for the referring party
is written from the screen and recorded in the disclosure log, the triage outcome of a case
without one is refused with one line and no file. Fails on HEAD 303c06b."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from PySide6.QtWidgets import QPushButton

from app.services import disclosures
from app.services.referral_import import FORMAT, import_referrals
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director
from ui import dialogs
from ui.cases.case_view import CaseViewScreen

TODAY = date(2026, 11, 29)


@pytest.fixture
def imported(admin_vault: OpenVault) -> tuple[OpenVault, str]:
    vault = as_process_director(admin_vault)
    [number] = import_referrals(vault, {"format": FORMAT, "referrals": [{
        "external_ref": "WEB-25", "referring_party": "Den Haag",
        "protocol": "integrale_veiligheid", "received": "2026-11-20",
        "reason": "Zorgen.", "question": "Plan.",
        "invitees": [{"party": "Parnassia Groep", "contact_person": "Mw. De Vries",
                      "contact_role": "behandelaar", "email": "devries@parnassia.example"}],
        "subjects": [
            {"given_names": "Şükrü", "surname": "Yılmaz", "birth_date": "1984-03-02",
             "role": "main_subject",
             "informing": {"informed": False, "ground": "safety",
                           "review_on": "2027-02-01"}}]}]}, today=TODAY)
    return vault, number


def test_the_case_screen_shows_partners_and_informing(imported, qtbot) -> None:  # type: ignore[no-untyped-def]
    vault, number = imported
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    invitees = screen.referral_fields["invitees"].text()
    assert "Parnassia Groep" in invitees and "Mw. De Vries" in invitees
    assert "devries@parnassia.example" in invitees
    informing = screen.referral_fields["informing"].text()
    assert "Niet geïnformeerd" in informing and "veiligheid" in informing
    screen.clear()


def test_the_receipt_is_written_from_the_screen(imported, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number = imported
    screen = CaseViewScreen(vault, number)
    qtbot.addWidget(screen)
    out = tmp_path / "ontvangst.pdf"
    with dialogs.scripted(out, None) as script:
        screen.findChild(QPushButton, "export_receipt").click()
    assert out.read_bytes().startswith(b"%PDF")
    assert [d.action for d in disclosures.case_disclosures(vault, number)] == [
        "export.receipt"]
    assert script is not None
    none = tmp_path / "uitkomst.pdf"
    with dialogs.scripted(none, None):
        screen.findChild(QPushButton, "export_triage_outcome").click()
    assert not none.exists()          # no outcome yet: refused, no file
    screen.clear()
