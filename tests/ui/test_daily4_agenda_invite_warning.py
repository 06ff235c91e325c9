"""Issue 18, point 4: "warns before inviting a party that answered 'niet bekend' or declined".
Triage asked first (tests/ui/test_daily2_triage.py); the agenda wizard's invitations page
did not: ticking a party that told triage it does not know the family, or would not share,
invited it without a word. Now both ask, from the one list of such answers."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import delete, insert

from app.domain.meetings import WizardStep
from app.domain.triage import QueryAnswer
from app.services import cases as case_service
from app.services import meetings as meeting_service
from app.store.triage_tables import triage_queries
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director, party_ids
from tests.unit.meeting_fixtures import GGZ, MUNICIPALITY, POLICE, TOMORROW_10, routed_case
from ui import dialogs
from ui.meetings.wizard import AgendaWizard

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support raise")


def _answered(vault: OpenVault, number: str, party_id: int, answer: QueryAnswer) -> None:
    """As triage stored it: the party was asked and gave ``answer``."""
    with vault.begin() as conn:
        case_id = case_service.case_id_for(conn, number)
        conn.execute(delete(triage_queries).where(triage_queries.c.case_id == case_id,
                                                  triage_queries.c.party_id == party_id))
        conn.execute(insert(triage_queries).values(
            case_id=case_id, party_id=party_id, asked_on=date(2026, 11, 3),
            answered_on=date(2026, 11, 4), answer=answer.value, recorded_by="regisseur",
            updated_at=datetime(2026, 11, 4, 9, 0)))


def _row(page: object, party_id: int):  # type: ignore[no-untyped-def]
    parties = page.parties  # type: ignore[attr-defined]
    return next(parties.item(r) for r in range(parties.count())
                if int(parties.item(r).data(Qt.ItemDataRole.UserRole)) == party_id)


@pytest.mark.parametrize("answer", [QueryAnswer.NOT_KNOWN, QueryAnswer.DECLINED])
def test_ticking_a_party_that_answered_not_known_or_declined_asks_first(
        qtbot: QtBot, admin_vault: OpenVault, answer: QueryAnswer) -> None:
    vault = as_process_director(admin_vault)
    ids = party_ids(vault)
    _id, number = routed_case(vault, "Jan", "de Vries", invitees=[ids[POLICE], ids[MUNICIPALITY]])
    _answered(vault, number, ids[GGZ], answer)
    _answered(vault, number, ids[POLICE], QueryAnswer.KNOWN)
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    answers = {c.party_id: c.triage_answer
               for c in meeting_service.invitee_choices(vault, case_id, date(2026, 12, 8))}
    assert answers[ids[GGZ]] is answer and answers[ids[POLICE]] is QueryAnswer.KNOWN

    wizard = AgendaWizard(vault)
    qtbot.addWidget(wizard)
    wizard.show()
    meeting = wizard.page_for(WizardStep.MEETING)
    meeting.set_start(TOMORROW_10)
    meeting.place.setText("Zaal 3")
    meeting.chair.setText("A. de Regisseur")
    wizard.next()
    cases = wizard.page_for(WizardStep.CASES)
    for row in range(cases.cases.count()):
        cases.cases.item(row).setCheckState(Qt.CheckState.Checked)
    wizard.next()
    wizard.next()
    wizard.next()
    page = wizard.page_for(WizardStep.INVITATIONS)
    assert wizard.currentPage() is page
    # "No": the question is asked, the party stays uninvited
    with dialogs.scripted(False) as script:
        page.check(ids[GGZ])
    assert [s.kind for s in script.shown] == ["confirm"]
    assert _row(page, ids[GGZ]).checkState() is Qt.CheckState.Unchecked
    # "Yes, invite": invited
    with dialogs.scripted(True) as script:
        page.check(ids[GGZ])
    assert [s.kind for s in script.shown] == ["confirm"]
    assert _row(page, ids[GGZ]).checkState() is Qt.CheckState.Checked
    # a party that knows the family: no question
    page.check(ids[POLICE], False)
    with dialogs.scripted() as script:
        page.check(ids[POLICE])
    assert script.shown == []
    wizard.clear()
