"""The Cases screen: the table model and its proxy (checked by qtmodeltester), the search box
over number, name and BSN, the filters, sorting, Unicode and very long names, clearing on
lock, drafts listed and reopened, and File > Import referrals with a good and a broken file."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import IntakeDraft, IntakeStep, Referral, SubjectEntry
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.services import cases as case_service
from app.services import intake as intake_service
from app.services import synthetic
from app.services.cases import CaseRow
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
from ui import dialogs
from ui.cases.case_table import (
    CASE_NUMBER_ROLE,
    DISPLAY_LIMIT,
    SORT_ROLE,
    CaseFilterProxy,
    CaseTableModel,
    Column,
)
from ui.cases.screen import CasesScreen

UNICODE_NAMES = [("Şükrü", "Yılmaz"), ("Łukasz", "Wiśniewski"), ("Thị Minh Khai", "Nguyễn"),
                 ("محمد", "العلي")]


def make_screen(qtbot, vault: OpenVault) -> CasesScreen:
    screen = CasesScreen(vault)
    qtbot.addWidget(screen)
    screen.resize(1200, 700)
    screen.show()
    return screen


def register(vault: OpenVault, given: str, surname: str, bsn: str | None = None,
             received: date = date(2026, 3, 2), protocol: Protocol = Protocol.INTEGRALE_VEILIGHEID,
             ) -> str:
    party = eligible_party(vault, protocol)
    referral = Referral(protocol=protocol, referring_party_id=party.id, received=received,
                        reason="Zorgen over het gezin", question="Samenhangend plan",
                        subjects=(Subject(given, surname, date(1984, 6, 1),
                                          SubjectRole.MAIN_SUBJECT, bsn),),
                        referring_contact="J. de Vries")
    return intake_service.register_referral(vault, referral)


def shown_numbers(screen: CasesScreen) -> list[str]:
    proxy = screen.proxy
    return [proxy.index(r, Column.NUMBER).data(CASE_NUMBER_ROLE) for r in range(proxy.rowCount())]


def test_model_and_proxy_pass_the_model_tester(qtmodeltester, director_vault) -> None:
    add_synthetic_cases(director_vault, 25)
    model = CaseTableModel()
    model.set_rows(case_service.list_cases(director_vault))
    qtmodeltester.check(model)
    proxy = CaseFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy)
    proxy.set_states({CaseState.REFERRED})
    proxy.set_search("a")
    qtmodeltester.check(proxy)
    proxy.sort(Column.RECEIVED, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy)
    model.clear()
    qtmodeltester.check(proxy)
    assert proxy.rowCount() == 0


def test_every_column_shows_text_and_status_is_named_not_only_coloured(qtbot,
                                                                      director_vault) -> None:
    number = register(director_vault, "Anna", "Jansen", GOOD_BSN)
    screen = make_screen(qtbot, director_vault)
    assert screen.model.columnCount() == len(Column) == 9
    headers = [screen.model.headerData(c, Qt.Orientation.Horizontal) for c in Column]
    assert headers == ["Casusnummer", "Hoofdbetrokkene", "Protocol", "Status",
                       "Aanmeldende partij", "Ontvangen", "Volgend casusoverleg", "Open acties",
                       "Te laat"]
    row = [screen.proxy.index(0, c).data() for c in Column]
    assert row[Column.NUMBER] == number
    assert row[Column.MAIN_SUBJECT] == "Jansen, Anna"
    assert row[Column.PROTOCOL] == Protocol.INTEGRALE_VEILIGHEID.label
    assert row[Column.STATUS] == "Aangemeld"          # the status's name, not just a colour
    assert row[Column.REFERRING_PARTY] == eligible_party(director_vault).name
    assert row[Column.RECEIVED] == "02-03-2026"     # a Dutch date in Dutch
    assert row[Column.OPEN_ACTIONS] == "0" and row[Column.OVERDUE_ACTIONS] == "0"
    assert screen.proxy.index(0, Column.STATUS).data(Qt.ItemDataRole.DecorationRole) is not None
    assert screen.count_label.text() == "1 casus"


def test_search_finds_by_number_name_and_bsn_as_you_type(qtbot, director_vault) -> None:
    numbers = {given: register(director_vault, given, surname, bsn)
               for (given, surname), bsn in zip(UNICODE_NAMES,
                                                (GOOD_BSN, "111222345", None, None))}
    other = register(director_vault, "Piet", "Bakker")
    screen = make_screen(qtbot, director_vault)
    assert screen.proxy.rowCount() == 5

    def search(text: str) -> list[str]:
        screen.search_edit.clear()
        if text.isascii():
            qtbot.keyClicks(screen.search_edit, text)
        else:   # QTest types ASCII only; other scripts arrive as from an input method
            screen.search_edit.insert(text)
        screen.apply_search()
        return shown_numbers(screen)

    # accents and dotless i ignored, any case, word order free
    assert search("yilmaz") == [numbers["Şükrü"]]
    assert search("SUKRU yil") == [numbers["Şükrü"]]
    assert search("wisniewski") == [numbers["Łukasz"]]
    assert search("Nguyễn") == search("nguyen") == [numbers["Thị Minh Khai"]]
    assert search("العلي") == [numbers["محمد"]]
    assert search("111 222 333") == [numbers["Şükrü"]]      # BSN as people type it
    assert search(other.lower()) == [other]                 # case number
    assert search("niemand-zo-genoemd") == []
    assert screen.count_label.text() == "0 van 5 casussen"
    assert search("") and screen.proxy.rowCount() == 5


def test_typing_on_narrows_and_deleting_widens_again(qtbot, director_vault) -> None:
    add_synthetic_cases(director_vault, 60)
    screen = make_screen(qtbot, director_vault)
    keys = [r.search_key for r in screen.model.rows()]
    for text in ("e", "en", "ens", "en", "e", "", "e s", "e"):
        screen.search_edit.setText(text)
        screen.apply_search()
        words = text.split()
        expected = sum(1 for k in keys if all(w in k for w in words))
        assert screen.proxy.rowCount() == expected, text


def test_status_protocol_and_party_filters_combine(qtbot, director_vault) -> None:
    add_synthetic_cases(director_vault, 40)
    rows = case_service.list_cases(director_vault)
    intake_service.start_intake(director_vault, rows[0].number)
    rows = case_service.list_cases(director_vault)
    screen = make_screen(qtbot, director_vault)

    screen.status_combo.setCurrentIndex(screen.status_combo.findData(CaseState.INTAKE.value))
    assert shown_numbers(screen) == [rows[0].number]
    assert screen.proxy.index(0, Column.STATUS).data() == "Intake"
    screen.status_combo.setCurrentIndex(screen.status_combo.findData("open"))
    assert screen.proxy.rowCount() == 40

    party = rows[5].referring_party
    screen.party_combo.setCurrentIndex(screen.party_combo.findData(party))
    assert set(shown_numbers(screen)) == {r.number for r in rows if r.referring_party == party}
    screen.protocol_combo.setCurrentIndex(
        screen.protocol_combo.findData(Protocol.RADICALISERING.value))
    assert screen.proxy.rowCount() == 0
    screen.protocol_combo.setCurrentIndex(0)
    screen.party_combo.setCurrentIndex(0)
    screen.status_combo.setCurrentIndex(0)
    assert screen.proxy.rowCount() == 40


def test_clicking_a_header_sorts_through_the_source_model(qtbot, director_vault) -> None:
    add_synthetic_cases(director_vault, 30)
    screen = make_screen(qtbot, director_vault)
    header = screen.table.horizontalHeader()
    header.setSortIndicator(Column.RECEIVED, Qt.SortOrder.AscendingOrder)
    received = [screen.proxy.index(r, Column.RECEIVED).data(SORT_ROLE)
                for r in range(screen.proxy.rowCount())]
    assert received == sorted(received)
    header.setSortIndicator(Column.MAIN_SUBJECT, Qt.SortOrder.DescendingOrder)
    names = [screen.proxy.index(r, Column.MAIN_SUBJECT).data().casefold()
             for r in range(screen.proxy.rowCount())]
    assert names == sorted(names, reverse=True)
    # filtering after sorting keeps the order and still matches the right rows
    screen.search_edit.setText("a")
    screen.apply_search()
    names = [screen.proxy.index(r, Column.MAIN_SUBJECT).data().casefold()
             for r in range(screen.proxy.rowCount())]
    assert names == sorted(names, reverse=True)
    assert all(k for k in names)


def test_a_selection_survives_sorting(qtbot, director_vault) -> None:
    add_synthetic_cases(director_vault, 20)
    screen = make_screen(qtbot, director_vault)
    target = screen.model.row_at(7).number
    assert screen.select_case(target)
    screen.table.horizontalHeader().setSortIndicator(Column.MAIN_SUBJECT,
                                                     Qt.SortOrder.AscendingOrder)
    assert screen.selected_case_number() == target


def test_very_long_and_multiline_names_do_not_break_the_table(qtbot, director_vault) -> None:
    long_surname = "Van " + "Oud-Beijerland " * 700
    register(director_vault, "Eva\nMaria", long_surname.strip())
    screen = make_screen(qtbot, director_vault)
    cell = screen.proxy.index(0, Column.MAIN_SUBJECT)
    assert len(cell.data()) <= DISPLAY_LIMIT + 1 and cell.data().endswith("\u2026")
    assert "\n" not in cell.data()
    assert cell.data(Qt.ItemDataRole.ToolTipRole).startswith("Van Oud-Beijerland")
    screen.search_edit.setText("oud-beijerland")
    screen.apply_search()
    assert screen.proxy.rowCount() == 1


def test_clear_drops_every_case_and_search_text(qtbot, director_vault) -> None:
    add_synthetic_cases(director_vault, 10)
    intake_service.save_draft(director_vault, IntakeDraft(reason="Iets", step="problems"))
    screen = make_screen(qtbot, director_vault)
    screen.search_edit.setText("a")
    screen.clear()
    assert screen.model.rowCount() == 0 and screen.proxy.rowCount() == 0
    assert screen.model.rows() == []
    assert screen.search_edit.text() == "" and screen.drafts_list.count() == 0
    assert screen.party_combo.count() == 0


def test_drafts_are_listed_and_reopen_on_their_page(qtbot, director_vault) -> None:
    party = eligible_party(director_vault)
    draft = IntakeDraft(protocol=Protocol.INTEGRALE_VEILIGHEID.value,
                        referring_party_id=party.id, referring_contact="M. Bos",
                        received="2026-02-01",
                        subjects=[SubjectEntry("Łukasz", "Wiśniewski", "1990-01-02")],
                        step=IntakeStep.PROBLEMS.value)
    draft_id = intake_service.save_draft(director_vault, draft)
    screen = make_screen(qtbot, director_vault)
    assert screen.drafts_box.isVisible() and screen.drafts_list.count() == 1
    # The draft's title holds no personal data.
    assert "Wiśniewski" not in screen.drafts_list.item(0).text()
    screen.open_draft_button.click()
    wizard = screen.wizard
    assert wizard is not None and wizard.draft_id == draft_id
    assert wizard.current_step() is IntakeStep.PROBLEMS
    subjects = wizard.page_for(IntakeStep.SUBJECTS)
    assert subjects.forms[0].surname.text() == "Wiśniewski"
    wizard.close()

    with dialogs.scripted(True) as script:
        screen.discard_draft_button.click()
    assert script.shown[0].kind == "confirm"
    assert screen.drafts_list.count() == 0 and not screen.drafts_box.isVisible()
    assert intake_service.list_drafts(director_vault) == []


def test_a_referred_case_opens_its_intake(qtbot, director_vault) -> None:
    number = register(director_vault, "Fatma", "Demir", GOOD_BSN)
    screen = make_screen(qtbot, director_vault)
    assert not screen.intake_button.isEnabled()
    screen.select_case(number)
    assert screen.intake_button.isEnabled()
    screen.intake_button.click()
    wizard = screen.wizard
    assert wizard is not None and wizard.draft.case_number == number
    assert wizard.page_for(IntakeStep.SUBJECTS).forms[0].surname.text() == "Demir"
    wizard.close()


def test_a_case_past_intake_opens_the_case_screen(qtbot, director_vault) -> None:
    from app.domain.criteria import CRITERIA, CriterionAnswer
    from app.domain.intake import IntakeOutcome
    from ui.cases.case_view import CaseViewScreen

    number = register(director_vault, "Karim", "Ouali", GOOD_BSN)
    intake_service.decide_intake(director_vault, number, IntakeOutcome.ACCEPT,
                                 [CriterionAnswer(c, True, "Ja.") for c in CRITERIA])
    screen = make_screen(qtbot, director_vault)
    assert screen.select_case(number) and not screen.intake_button.isEnabled()
    with qtbot.waitSignal(screen.open_case_requested) as signal:
        screen.table.doubleClicked.emit(screen.proxy.index(0, Column.MAIN_SUBJECT))
    assert signal.args == [number]
    views = screen.findChildren(CaseViewScreen)
    assert len(views) == 1 and views[0].isWindow() and views[0].windowTitle() == number
    views[0].close()


def test_the_information_centre_registers_but_does_not_decide(qtbot, centre_vault) -> None:
    """The centre registers referrals (and only registers them); once registered, it sees
    the case in the register by number and initials, not the names it typed, and neither
    the case screen nor the intake opens for it (issue 16: case substance is the process
    director's)."""
    screen = make_screen(qtbot, centre_vault)
    assert screen.new_button.isVisible() and screen.import_button.isVisible()
    screen.new_button.click()
    summary = screen.wizard.page_for(IntakeStep.SUMMARY)
    from app.domain.intake import IntakeOutcome
    assert not summary.outcome_buttons[IntakeOutcome.ACCEPT].isEnabled()
    assert not summary.outcome_buttons[IntakeOutcome.DECLINE].isEnabled()
    assert summary.outcome() is IntakeOutcome.REGISTER
    screen.wizard.close()

    number = register(centre_vault, "Jan Pieter", "de Vries", GOOD_BSN)
    screen.refresh()
    assert shown_numbers(screen) == [number]
    assert screen.proxy.index(0, Column.MAIN_SUBJECT).data() == "J.P. de V."
    for typed, found in (("de vries", 0), (GOOD_BSN, 0), ("J.P.", 1), (number, 1)):
        screen.search_edit.setText(typed)
        screen.apply_search()
        assert screen.proxy.rowCount() == found, typed
    screen.search_edit.clear()
    screen.apply_search()
    assert screen.select_case(number) and not screen.intake_button.isVisibleTo(screen)
    screen.table.doubleClicked.emit(screen.proxy.index(0, Column.NUMBER))
    assert screen.wizard is None
    assert "procesregisseur" in screen.message_label.text()


# -- import -------------------------------------------------------------------------------------

def write_file(tmp_path: Path, referrals: list[dict], name: str = "aanmeldingen.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(synthetic.referral_file(referrals), ensure_ascii=False),
                    encoding="utf-8")
    return path


def open_import(qtbot, screen: CasesScreen, path: Path):
    with dialogs.scripted(path) as script:
        screen.import_action.trigger()
    assert [s.kind for s in script.shown] == ["open"]
    dialog = screen.import_dialog
    assert dialog is not None and dialog.file_edit.text() == str(path)
    return dialog


def test_import_of_a_good_file_lists_the_new_case_numbers(qtbot, director_vault,
                                                          tmp_path) -> None:
    screen = make_screen(qtbot, director_vault)
    dialog = open_import(qtbot, screen, write_file(tmp_path, synthetic.generate_referrals(3, 11)))
    with qtbot.waitSignal(dialog.import_done, timeout=20_000):  # read off the GUI thread
        dialog.import_button.click()
    numbers = [dialog.numbers_list.item(i).text() for i in range(dialog.numbers_list.count())]
    assert len(numbers) == 3 and all(n.startswith("ZVH-") for n in numbers)
    assert dialog.status_label.text().startswith("3 aanmeldingen")
    assert not dialog.import_button.isEnabled()
    # the screen shows them at once, in "referred"
    assert sorted(shown_numbers(screen)) == sorted(numbers)
    assert {screen.proxy.index(r, Column.STATUS).data()
            for r in range(screen.proxy.rowCount())} == {"Aangemeld"}
    dialog.close()


def test_a_broken_file_imports_nothing_and_names_the_field(qtbot, director_vault,
                                                           tmp_path) -> None:
    add_synthetic_cases(director_vault, 2)
    screen = make_screen(qtbot, director_vault)
    referrals = synthetic.generate_referrals(5, 12)
    referrals[3]["subjects"][0]["bsn"] = "123456789"
    dialog = open_import(qtbot, screen, write_file(tmp_path, referrals))
    with qtbot.waitSignal(dialog.import_done, timeout=20_000):
        dialog.import_button.click()
    assert "referrals[3].subjects[0].bsn" in dialog.status_label.text()
    assert "elfproef" in dialog.status_label.text()
    assert dialog.numbers_list.count() == 0 and not dialog.numbers_list.isVisible()
    assert screen.proxy.rowCount() == 2
    assert len(case_service.list_cases(director_vault)) == 2
    dialog.close()


def test_a_file_that_is_not_json_is_refused_with_the_place(qtbot, director_vault,
                                                          tmp_path) -> None:
    screen = make_screen(qtbot, director_vault)
    path = tmp_path / "kapot.json"
    path.write_text('{"format": "casuskamer-referrals/1", "referrals": [', encoding="utf-8")
    dialog = open_import(qtbot, screen, path)
    with qtbot.waitSignal(dialog.import_done, timeout=20_000) as done:
        dialog.do_import()
    assert done.args == [False]
    assert "JSON" in dialog.status_label.text() and "regel 1" in dialog.status_label.text()
    assert case_service.list_cases(director_vault) == []
    dialog.close()


def test_cancelling_the_file_picker_imports_nothing(qtbot, director_vault) -> None:
    screen = make_screen(qtbot, director_vault)
    with dialogs.scripted(None):
        screen.import_action.trigger()
    dialog = screen.import_dialog
    assert dialog is not None and not dialog.import_button.isEnabled()
    assert not dialog.do_import()
    dialog.close()


@pytest.mark.parametrize("rows", [0, 1])
def test_empty_and_single_row_models(qtmodeltester, rows: int) -> None:
    model = CaseTableModel()
    model.set_rows([CaseRow(1, "ZVH-2026-0001", "Yılmaz, Şükrü", Protocol.JEUGDGROEPEN,
                            CaseState.TRIAGE, "Delft", date(2026, 1, 2), None, 2, 1,
                            "zvh-2026-0001 sukru yilmaz")][:rows])
    qtmodeltester.check(model)
    assert model.index(0, 0, QModelIndex()).isValid() == bool(rows)


def test_the_newest_cases_show_at_once_and_the_rest_load_in_the_background(
        qtbot, director_vault, monkeypatch) -> None:
    from ui.cases import screen as screen_module

    add_synthetic_cases(director_vault, 30)
    every = [r.number for r in case_service.list_cases(director_vault)]
    monkeypatch.setattr(screen_module, "FIRST_ROWS", 8)
    screen = make_screen(qtbot, director_vault)
    # At once: the newest eight, said to be still loading, and usable (search, select).
    assert shown_numbers(screen) == every[:8]
    assert screen.loading and "8" in screen.count_label.text()
    assert screen.select_case(every[3])
    with qtbot.waitSignal(screen.loaded, timeout=10_000):
        pass
    assert not screen.loading
    assert shown_numbers(screen) == every
    assert screen.selected_case_number() == every[3]
    assert screen.count_label.text() == "30 casussen"
    # The search then covers every case, also the ones that came later.
    screen.search_edit.setText(every[-1].lower())
    screen.apply_search()
    assert shown_numbers(screen) == [every[-1]]


def test_a_background_load_that_ends_after_the_lock_shows_nothing(
        qtbot, director_vault, monkeypatch) -> None:
    from ui.cases import screen as screen_module

    add_synthetic_cases(director_vault, 12)
    monkeypatch.setattr(screen_module, "FIRST_ROWS", 4)
    screen = make_screen(qtbot, director_vault)
    assert screen.loading
    screen.clear()
    qtbot.wait(300)  # the load finishes meanwhile; its rows must not come back
    assert screen.model.rowCount() == 0 and not screen.loading


def test_proxy_follows_the_source_when_it_sorts_and_resets(qtbot, director_vault) -> None:
    """The proxy keeps only the matching rows as a list of source rows: a sort in the source
    and a selection across a filter change must keep pointing at the same case."""
    add_synthetic_cases(director_vault, 40)
    screen = make_screen(qtbot, director_vault)
    keys = {r.number: r.search_key for r in screen.model.rows()}
    screen.search_edit.setText("e")
    screen.apply_search()
    shown = shown_numbers(screen)
    assert shown == [n for n in keys if "e" in keys[n]]
    assert screen.select_case(shown[-1])
    screen.proxy.sort(Column.NUMBER, Qt.SortOrder.AscendingOrder)
    assert shown_numbers(screen) == sorted(shown, key=lambda n: (len(n), n))
    assert screen.selected_case_number() == shown[-1]
    screen.search_edit.setText("")
    screen.apply_search()
    assert screen.proxy.rowCount() == len(keys)
    assert screen.selected_case_number() == shown[-1]
