"""Two lists of the working day (issue 18, daily-work findings): the Parties screen's search
box has room for a name in English as in Dutch (it was squeezed to 20 pixels in English),
and the Meetings list is in one order by date with the dates on one line (it put 2023 after
the upcoming meetings and wrapped its dates). Both failed on 7ca920e."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import insert

from app.i18n import set_language
from app.store.meeting_tables import meetings
from app.vault.vault import OpenVault
from tests.unit.handout_cases import as_process_director
from ui.meetings.screen import MeetingsScreen
from ui.parties.screen import PartiesScreen


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_parties_search_box_has_room_for_a_name(qtbot, admin_vault: OpenVault,  # type: ignore[no-untyped-def]
                                                     language: str) -> None:
    set_language(language)
    try:
        screen = PartiesScreen(admin_vault)
        qtbot.addWidget(screen)
        screen.resize(1280, 720)
        screen.show()
        qtbot.waitExposed(screen)
        room = screen.search.fontMetrics().horizontalAdvance("Politie regionale eenheid")
        assert screen.search.width() >= min(room, 180)
        assert screen.search.width() >= 150
    finally:
        set_language("nl")


def test_meetings_in_one_order_by_date_and_the_next_one_chosen(qtbot,  # type: ignore[no-untyped-def]
                                                               admin_vault: OpenVault) -> None:
    vault = as_process_director(admin_vault)
    when = {"2023": datetime(2023, 5, 10, 9, 30), "june": datetime(2026, 6, 1, 14, 0),
            "next": datetime(2099, 12, 10, 10, 0), "later": datetime(2100, 1, 14, 13, 30)}
    state = {"2023": "finished", "june": "finished", "next": "planned", "later": "planned"}
    with vault.begin() as conn:
        for key, starts in when.items():
            conn.execute(insert(meetings).values(
                starts_at=starts, place=f"Zaal {key}", place_key=f"zaal {key}",
                chair="Voorzitter", state=state[key], created_at=datetime(2023, 1, 1),
                created_by="procesregisseur"))
    screen = MeetingsScreen(vault)
    qtbot.addWidget(screen)
    screen.resize(1280, 720)
    screen.show()
    qtbot.waitExposed(screen)
    places = [screen.model.index(r, 1).data() for r in range(screen.model.rowCount())]
    assert places == ["Zaal later", "Zaal next", "Zaal june", "Zaal 2023"]
    chosen = screen.model.rows[screen.table.selectionModel().selectedRows()[0].row()]
    assert chosen.place == "Zaal next"
    # the date and time on one line, in full
    assert not screen.table.wordWrap()
    first = screen.model.index(0, 0).data()
    assert first == "14-01-2100 13:30"
    needed = screen.table.fontMetrics().horizontalAdvance(first)
    assert screen.table.columnWidth(0) >= needed
