"""Issue 23, points 3 and 4: the case search reaches every case from the first frame (while
the rest of the list still loads, the service searches every case), and a painted cell of
the case table costs one call into Python, not one per role.

Each test fails on 4caafe6: ``list_cases`` had no ``search``, a search typed while loading
saw only the newest rows, and the view asked ``data`` about seven times per painted cell."""

from __future__ import annotations

import json
from datetime import date

from PySide6.QtCore import QModelRoleData, Qt
from PySide6.QtWidgets import QTableView

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.protocols import Protocol
from app.services import cases as case_service
from app.services import intake as intake_service
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.ui.cases_fixtures import (  # noqa: F401
    GOOD_BSN,
    _no_scripted_dialogs,
    accounts_vault,
    add_synthetic_cases,
    cases_vault_template,
    centre_vault,
    director_vault,
    eligible_party,
)
from ui.cases import screen as screen_module
from ui.cases.case_table import CASE_NUMBER_ROLE, CaseFilterProxy, CaseTableModel, Column
from ui.cases.screen import CasesScreen

#: A second valid BSN (eleven-test: 9*2+8*3+7*4+6*5+5*6+4*7+3*8+2*9-1*3 = 207 ... checked
#: by the service on registration).
OTHER_BSN = "123456782"


def register(vault: OpenVault, given: str, surname: str, bsn: str | None = None) -> str:
    party = eligible_party(vault, Protocol.INTEGRALE_VEILIGHEID)
    referral = Referral(protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=party.id,
                        received=date(2026, 3, 2), reason="Zorgen over het gezin",
                        question="Samenhangend plan",
                        subjects=(Subject(given, surname, date(1984, 6, 1),
                                          SubjectRole.MAIN_SUBJECT, bsn),),
                        referring_contact="J. de Vries")
    return intake_service.register_referral(vault, referral)


def shown_numbers(screen: CasesScreen) -> list[str]:
    proxy = screen.proxy
    return [proxy.index(r, Column.NUMBER).data(CASE_NUMBER_ROLE) for r in range(proxy.rowCount())]


def last_list_detail(vault: OpenVault) -> dict[str, object]:
    with vault.read() as conn:
        detail = conn.execute(audit_log.select().where(audit_log.c.action == "case.list")
                              .order_by(audit_log.c.id.desc())).mappings().first()["detail"]
    return dict(json.loads(detail))


# -- the service: list_cases(search=...) ----------------------------------------------------

def test_list_cases_searches_every_case_by_name_bsn_and_number(director_vault) -> None:
    vault = director_vault
    old = register(vault, "Tjitske", "Zwanenburg", GOOD_BSN)
    add_synthetic_cases(vault, 20)
    second = register(vault, "Anna", "Zwanenburg-Kok", None)
    last = register(vault, "Pieter", "Bakker", OTHER_BSN)

    assert [r.number for r in case_service.list_cases(vault, search="zwanenburg")] == [
        second, old]  # newest number first
    # accents and case ignored, every word must match, a BSN typed with dots
    assert [r.number for r in case_service.list_cases(vault, search="ZWÄNENBURG tjits")] == [
        old]
    assert [r.number for r in case_service.list_cases(vault, search="111.222.333")] == [old]
    assert [r.number for r in case_service.list_cases(vault, search=last.lower())] == [last]
    assert list(case_service.list_cases(vault, search="qqxqq")) == []
    # with a limit: the newest matches only (what the screen asks while it loads)
    assert [r.number for r in case_service.list_cases(vault, search="zwanenburg",
                                                      limit=1)] == [second]
    # the rows are whole Cases-table rows
    row = case_service.list_cases(vault, search="bakker")[0]
    assert (row.main_subject, row.protocol) == ("Bakker, Pieter", Protocol.INTEGRALE_VEILIGHEID)
    # audited as a list read: the count, never the searched text
    detail = last_list_detail(vault)
    assert detail["count"] == 1 and "bakker" not in json.dumps(detail).lower()


def test_the_register_role_is_searched_on_number_and_initials_only(centre_vault) -> None:
    """The information centre's search key is the case number and the main subject's
    initials: a name or BSN it may not see finds nothing, also through the service's SQL."""
    vault = centre_vault
    number = register(vault, "Jan Pieter", "de Vries", GOOD_BSN)
    register(vault, "Karin", "Mulder", None)
    for typed, found in (("de vries", []), ("vries", []), (GOOD_BSN, []), ("jan", []),
                         ("J.P.", [number]), (number, [number])):
        rows = case_service.list_cases(vault, search=typed, limit=300)
        assert [r.number for r in rows] == found, typed
        assert all("Vries" not in r.main_subject for r in rows)


# -- the screen: the search reaches every case while the rest loads -------------------------

def test_a_search_typed_while_the_list_loads_finds_a_case_not_yet_loaded(
        qtbot, director_vault, monkeypatch) -> None:
    vault = director_vault
    old = register(vault, "Tjitske", "Zwanenburg", GOOD_BSN)
    for i in range(8):  # newer numbers: the old case is not among the first rows
        register(vault, "Karin", f"Mulder{'x' * i}", None)
    add_synthetic_cases(vault, 22)
    monkeypatch.setattr(screen_module, "FIRST_ROWS", 5)
    monkeypatch.setattr(screen_module, "LOAD_REST_AFTER_MS", 600_000)  # still loading
    screen = CasesScreen(vault)
    qtbot.addWidget(screen)
    screen.show()
    newest = shown_numbers(screen)
    assert screen.loading and len(newest) == 5 and old not in newest
    assert screen.search_covers_all()

    qtbot.keyClicks(screen.search_edit, "zwanenb")
    qtbot.waitUntil(lambda: shown_numbers(screen) == [old], timeout=5_000)
    assert screen.loading  # found before the rest was loaded
    assert "1 gevonden" in screen.count_label.text()
    qtbot.keyClicks(screen.search_edit, "urg 111222333")  # typing on keeps it
    qtbot.waitUntil(lambda: not screen._loading_search_timer.isActive(), timeout=5_000)
    qtbot.wait(200)
    assert shown_numbers(screen) == [old]

    # the box emptied: the newest cases again
    screen.search_edit.selectAll()
    qtbot.keyClick(screen.search_edit, Qt.Key.Key_Backspace)
    qtbot.waitUntil(lambda: shown_numbers(screen) == newest, timeout=5_000)

    # the whole list arrives: the search filters every case in the table
    qtbot.keyClicks(screen.search_edit, "zwanenburg")
    with qtbot.waitSignal(screen.loaded, timeout=20_000):
        screen._load_rest(screen._generation)
    assert not screen.loading and screen.model.rowCount() == 31
    assert shown_numbers(screen) == [old]


def test_while_loading_the_register_role_finds_no_case_by_a_name(
        qtbot, centre_vault, monkeypatch) -> None:
    vault = centre_vault
    old = register(vault, "Jan Pieter", "de Vries", GOOD_BSN)
    for i in range(6):
        register(vault, "Karin", f"Mulder{'x' * i}", None)
    monkeypatch.setattr(screen_module, "FIRST_ROWS", 3)
    monkeypatch.setattr(screen_module, "LOAD_REST_AFTER_MS", 600_000)
    screen = CasesScreen(vault)
    qtbot.addWidget(screen)
    screen.show()
    assert screen.loading and old not in shown_numbers(screen)
    qtbot.keyClicks(screen.search_edit, "vries")
    qtbot.wait(400)
    assert shown_numbers(screen) == []
    screen.search_edit.clear()
    qtbot.keyClicks(screen.search_edit, old.lower())
    qtbot.waitUntil(lambda: shown_numbers(screen) == [old], timeout=5_000)


# -- painting: one call per cell ------------------------------------------------------------

def test_a_painted_cell_is_one_call_into_python(qtbot, director_vault) -> None:
    """The view asks each cell's roles (text, icon, alignment, colours, font, check state)
    in one ``multiData`` call; ``data`` is not called once per role per painted cell."""
    add_synthetic_cases(director_vault, 40)
    calls: list[int] = []

    class Counting(CaseFilterProxy):
        def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[override]
            calls.append(int(role))
            return super().data(index, role)

    class CountingModel(CaseTableModel):
        def data(self, index, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[override]
            calls.append(int(role))
            return super().data(index, role)

        def data_at(self, r, c, role=Qt.ItemDataRole.DisplayRole):  # type: ignore[override]
            calls.append(int(role))
            return super().data_at(r, c, role)

    model = CountingModel()
    rows = case_service.list_cases(director_vault)
    model.set_rows(rows)
    proxy = Counting()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.resize(900, 500)
    view.show()
    qtbot.waitExposed(view)
    calls.clear()
    assert not view.viewport().grab().isNull()  # painted into a pixmap: every shown cell
    assert calls == []

    # and what one call answers is what the cell shows
    first = rows[0]
    for column, role, expected in (
            (Column.NUMBER, Qt.ItemDataRole.DisplayRole, first.number),
            (Column.STATUS, Qt.ItemDataRole.DisplayRole, first.state.label),
            (Column.OPEN_ACTIONS, Qt.ItemDataRole.DisplayRole, str(first.open_actions)),
            (Column.OPEN_ACTIONS, Qt.ItemDataRole.TextAlignmentRole,
             int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)),
            (Column.NUMBER, Qt.ItemDataRole.TextAlignmentRole, None),
            (Column.NUMBER, Qt.ItemDataRole.DecorationRole, None)):
        asked = QModelRoleData(int(role))
        proxy.multiData(proxy.index(0, column), asked)
        assert asked.data() == expected, (column, role)
    icon = QModelRoleData(int(Qt.ItemDataRole.DecorationRole))
    proxy.multiData(proxy.index(0, Column.STATUS), icon)
    assert not icon.data().isNull()


# -- the search's shortcuts give the same rows ----------------------------------------------

def _keys_model(keys: list[str]) -> CaseTableModel:
    from app.domain.lifecycle import CaseState
    model = CaseTableModel()
    model.set_rows([case_service.CaseRow(i + 1, f"ZVH-2026-{i + 1:04d}", "",
                                         Protocol.INTEGRALE_VEILIGHEID,
                                         CaseState.INTAKE, "", date(2026, 1, 1), None, 0, 0,
                                         key)
                    for i, key in enumerate(keys)])
    return model


def test_a_case_number_typed_and_a_letter_typed_again_find_the_same_rows_as_a_pass() -> None:
    keys = ["zvh-2026-0001 piet jansen 111222333", "zvh-2026-0002 anna de wit",
            "zvh-2025-0003 kees pietersen", "zvh-2026-0004 jan"]
    model = _keys_model(keys)
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)

    def shown() -> list[str]:
        return [proxy.index(r, Column.NUMBER).data() for r in range(proxy.rowCount())]

    for typed, expected in (("z", [1, 2, 3, 4]), ("zvh-20", [1, 2, 3, 4]),
                            ("zvh-2026", [1, 2, 4]), ("zvh-2026-000", [1, 2, 4]),
                            ("zvh-2026-0002", [2]), ("", [1, 2, 3, 4]), ("p", [1, 3]),
                            ("pi", [1, 3]), ("", [1, 2, 3, 4]), ("p", [1, 3]),
                            ("zvh p", [1, 3]), ("zvh-2025 p", [3])):
        proxy.set_search(typed)
        assert shown() == [f"ZVH-2026-{n:04d}" for n in expected], typed
    # new rows: what was kept for 'p' is not used again
    proxy.set_search("")
    model.set_rows(list(_keys_model(keys + ["zvh-2026-0005 pim"]).rows()))
    proxy.set_search("p")
    assert shown() == ["ZVH-2026-0001", "ZVH-2026-0003", "ZVH-2026-0005"]
