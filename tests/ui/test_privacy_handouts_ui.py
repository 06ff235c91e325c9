"""Issue 16 in the desktop program (covenant 12.2e, 12.2f, 9.2): the handouts dialog offers
no handout for a case on no agenda and says why, shows whether the handouts are made before
the case meeting or after its start, and lists each refused invitee with the reason; the
Meetings screen's agendas per party refuse a party that withdrew and say so in the summary.
Each test failed on the code before the issue (commit 7ca920e)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from app.domain.parties import EndReason
from app.domain.roles import Role
from app.services import meeting_live as live_service
from app.services import parties as party_service
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.handout_cases import as_process_director, item, make_case, on_agenda, party_ids
from ui import dialogs
from ui.meetings.screen import MeetingsScreen
from ui.plan.handouts_dialog import HandoutsDialog

POLICE = "Politie regionale eenheid Den Haag"
PROBATION = "Reclassering Nederland"
LEAVER = "Leger des Heils reclassering"


@pytest.fixture(autouse=True)
def _no_scripted_dialogs() -> Iterator[None]:
    dialogs.reset()
    yield
    dialogs.reset()


@pytest.fixture
def case(admin_vault: OpenVault) -> tuple[OpenVault, str, dict[str, int]]:
    ids = party_ids(admin_vault)
    vault = as_process_director(admin_vault)
    number = make_case(vault, items=[
        item(ids[POLICE], "NIETVOORAF melding", [ids[PROBATION]])])
    return vault, number, ids


def _withdraw_today(vault: OpenVault, party_id: int) -> None:
    party_service.end_participation(unlock_as(vault, Role.ADMIN), party_id, date.today(),
                                    EndReason.WITHDRAWAL)


def test_12_2e_9_2_no_handouts_for_a_case_on_no_agenda_and_the_dialog_says_why(
        qtbot, case) -> None:  # type: ignore[no-untyped-def]
    """Before the case is on an agenda nobody is invited: the dialog offers nobody (it used
    to offer every party of the protocol, to be ticked by hand) and names the reason."""
    vault, number, _ids = case
    dialog = HandoutsDialog(vault)
    qtbot.addWidget(dialog)
    dialog.load(number)
    assert dialog.recipients.count() == 0 and dialog.chosen() == []
    assert dialog.intro.text() == (f"Geen hand-outs voor casus {number}: De casus staat niet "
                                   "op de agenda van een casusoverleg.")
    assert not dialog.make_button.isEnabled()


def test_12_2f_the_dialog_says_which_handout_and_lists_refusals_with_reasons(
        qtbot, case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, ids = case
    meeting_id = on_agenda(vault, number, [ids[POLICE], ids[PROBATION], ids[LEAVER]])
    _withdraw_today(vault, ids[LEAVER])
    dialog = HandoutsDialog(vault)
    qtbot.addWidget(dialog)
    dialog.load(number)
    assert dialog.phase.text().startswith("Hand-outs vóór het casusoverleg.")
    assert "12.2f" in dialog.phase.text()
    texts = [dialog.recipients.item(i).text() for i in range(dialog.recipients.count())]
    assert f"{LEAVER} \u2013 geen hand-out: De partij is uitgetreden of uitgesloten" in texts
    assert sorted(dialog.chosen()) == sorted([ids[POLICE], ids[PROBATION]])
    # Made before the meeting: probation does not get the police's item yet.
    out = tmp_path / "voor"
    out.mkdir()
    with dialogs.scripted(out):
        dialog.start()
        qtbot.waitUntil(lambda: dialog.batch_result is not None or dialog.error is not None,
                        timeout=20_000)
    assert dialog.error is None
    probation = next(r.path for r in dialog.batch_result.exported if r.party_id == ids[PROBATION])
    reader = PdfReader(str(probation))   # protected with probation's own password
    assert reader.decrypt(dialog.shown_passwords()[probation.name])
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert "NIETVOORAF" not in text and "vóór het casusoverleg" in text
    # Once the meeting has started, the dialog says so.
    live_service.start_meeting(vault, meeting_id)
    dialog.load(number)
    assert dialog.phase.text().startswith("Hand-outs na het casusoverleg.")


def test_12_2e_agendas_per_party_refuse_a_party_that_withdrew_and_say_why(
        qtbot, case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    vault, number, ids = case
    on_agenda(vault, number, [ids[POLICE], ids[PROBATION], ids[LEAVER]])
    _withdraw_today(vault, ids[LEAVER])
    screen = MeetingsScreen(vault)
    qtbot.addWidget(screen)
    folder = tmp_path / "agendas"
    folder.mkdir()
    with dialogs.scripted(folder) as script:
        written = screen.export_agendas()
    assert len(written) == 2 and sorted(p.name for p in folder.iterdir()) == sorted(
        p.name for p in written)
    assert all("Leger" not in p.name for p in written)
    summary = script.shown[-1].text
    assert "2 agenda's" in summary or "2 agendas" in summary
    assert f"Geen agenda voor {LEAVER}: De partij is uitgetreden of uitgesloten." in summary
