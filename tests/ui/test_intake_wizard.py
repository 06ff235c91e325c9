"""The intake wizard, clicked through as a user would: accept for triage, decline, keep as
draft and resume after a lock (through the real main window); field-level refusals shown
next to the field; Unicode names and a very long pasted text; the "already known" check."""

from __future__ import annotations

from datetime import date, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWizard

from app.domain.criteria import CRITERIA, Criterion
from app.domain.intake import IntakeOutcome, IntakeStep
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.services import cases as case_service
from app.services import intake as intake_service
from app.vault.vault import OpenVault, Vault
from tests.ui.cases_fixtures import (  # noqa: F401
    BAD_BSN,
    DIRECTOR,
    DIRECTOR_PASSPHRASE,
    GOOD_BSN,
    _no_scripted_dialogs,
    accounts_vault,
    cases_vault_template,
    director_vault,
    eligible_party,
)
from tests.ui.shell_fixtures import ctx, make_window, settings  # noqa: F401
from ui import dialogs
from ui.cases.intake_wizard import IntakeWizard
from ui.cases.screen import CasesScreen

ARABIC_GIVEN, ARABIC_SURNAME = "فاطمة", "الزهراء"


def make_wizard(qtbot, vault: OpenVault, **kwargs) -> IntakeWizard:
    wizard = IntakeWizard(vault, **kwargs)
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def click(qtbot, wizard: QWizard, which: QWizard.WizardButton) -> None:
    qtbot.mouseClick(wizard.button(which), Qt.MouseButton.LeftButton)


def next_page(qtbot, wizard: IntakeWizard) -> None:
    click(qtbot, wizard, QWizard.WizardButton.NextButton)


def fill_protocol(qtbot, wizard: IntakeWizard,
                  protocol: Protocol = Protocol.INTEGRALE_VEILIGHEID) -> None:
    assert wizard.current_step() is IntakeStep.PROTOCOL
    wizard.page_for(IntakeStep.PROTOCOL).buttons[protocol].click()
    next_page(qtbot, wizard)


def fill_party(qtbot, wizard: IntakeWizard, contact: str = "Ingrid de Graaf") -> None:
    assert wizard.current_step() is IntakeStep.REFERRING_PARTY
    page = wizard.page_for(IntakeStep.REFERRING_PARTY)
    party = eligible_party(wizard.vault)
    page.party_combo.setCurrentIndex(page.party_combo.findData(party.id))
    page.contact_combo.setEditText(contact)
    next_page(qtbot, wizard)


def fill_subject(form, given: str, surname: str, birth: str, bsn: str = "",
                 address: str = "Laan van Meerdervoort 12, Den Haag") -> None:
    form.given_names.setText(given)
    form.surname.setText(surname)
    form.birth_date.setText(birth)
    form.bsn.setText(bsn)
    form.address.setText(address)


def fill_subjects(qtbot, wizard: IntakeWizard) -> None:
    assert wizard.current_step() is IntakeStep.SUBJECTS
    page = wizard.page_for(IntakeStep.SUBJECTS)
    fill_subject(page.forms[0], "Şükrü", "Yılmaz", "1981-04-12", GOOD_BSN)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    child = page.forms[1]
    fill_subject(child, ARABIC_GIVEN, ARABIC_SURNAME, "2012-09-30")
    assert child.role.currentData() == "child"
    next_page(qtbot, wizard)


def fill_problems(qtbot, wizard: IntakeWizard, reason: str = "Zorgen van politie, GGZ en "
                  "school over het gezin.") -> None:
    assert wizard.current_step() is IntakeStep.PROBLEMS
    page = wizard.page_for(IntakeStep.PROBLEMS)
    page.reason.setPlainText(reason)
    page.domains[LifeDomain.HOUSING].setPlainText("Dreigende huisuitzetting.")
    page.domains[LifeDomain.MENTAL_HEALTH].setPlainText("Psychose in de voorgeschiedenis.")
    next_page(qtbot, wizard)


def fill_criteria(qtbot, wizard: IntakeWizard, met: bool = True) -> None:
    assert wizard.current_step() is IntakeStep.CRITERIA
    page = wizard.page_for(IntakeStep.CRITERIA)
    for criterion, box in page.boxes.items():
        (box.met if met else box.not_met).click()
        box.motivation.setPlainText(f"Motivering bij {criterion.value}.")
    next_page(qtbot, wizard)


def fill_question(qtbot, wizard: IntakeWizard) -> None:
    assert wizard.current_step() is IntakeStep.QUESTION
    wizard.page_for(IntakeStep.QUESTION).question.setPlainText(
        "Eén gezamenlijk plan van aanpak met één regisseur.")
    next_page(qtbot, wizard)
    # issue 24: the partners to invite and the informing may stay empty
    assert wizard.current_step() is IntakeStep.PARTNERS
    next_page(qtbot, wizard)


def fill_all(qtbot, wizard: IntakeWizard, met: bool = True) -> None:
    fill_protocol(qtbot, wizard)
    fill_party(qtbot, wizard)
    fill_subjects(qtbot, wizard)
    fill_problems(qtbot, wizard)
    fill_criteria(qtbot, wizard, met)
    fill_question(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.SUMMARY


# -- whole flows ------------------------------------------------------------------------------

def test_accept_for_triage_creates_the_case_with_everything_typed(qtbot,
                                                                   director_vault) -> None:
    wizard = make_wizard(qtbot, director_vault)
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        fill_all(qtbot, wizard)
        summary = wizard.page_for(IntakeStep.SUMMARY)
        text = summary.summary.toPlainText()
        assert "Şükrü Yılmaz" in text and ARABIC_SURNAME in text
        assert Criterion.MULTI_PROBLEM.title in text
        assert summary.outcome() is IntakeOutcome.ACCEPT
        assert wizard.button(QWizard.WizardButton.FinishButton).text() == "Aannemen voor triage"
        click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    result = wizard.result_of_submit
    assert result is not None and result.state is CaseState.TRIAGE
    case = case_service.get_case(director_vault, result.case_number)
    assert case.state is CaseState.TRIAGE
    assert case.referring_contact == "Ingrid de Graaf"
    assert [(s.given_names, s.surname, s.role.value) for s in case.subjects] == [
        ("Şükrü", "Yılmaz", "main_subject"), (ARABIC_GIVEN, ARABIC_SURNAME, "child")]
    assert case.subjects[0].bsn == GOOD_BSN
    assert set(case.life_domains) == {LifeDomain.HOUSING, LifeDomain.MENTAL_HEALTH}
    assert [a.criterion for a in case.criteria] == list(CRITERIA)
    assert all(a.met for a in case.criteria)
    # nothing left as a draft once submitted
    assert intake_service.list_drafts(director_vault) == []


def test_decline_needs_reason_and_advice_next_to_their_fields(qtbot, director_vault) -> None:
    wizard = make_wizard(qtbot, director_vault)
    fill_all(qtbot, wizard, met=False)
    summary = wizard.page_for(IntakeStep.SUMMARY)
    # accepting a case the answers call not complex is refused, with the reason shown
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert wizard.current_step() is IntakeStep.SUMMARY
    assert "geen complexe" in wizard.error_text("").lower() or wizard.error_text("")
    summary.choose(IntakeOutcome.DECLINE)
    assert summary.decline_box.isVisible()
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert wizard.isVisible() and wizard.result_of_submit is None
    assert wizard.error_text("decline_reason") and wizard.error_text("decline_advice")
    summary.decline_reason.setPlainText("Problemen op één leefgebied.")
    click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert not wizard.error_text("decline_reason") and wizard.error_text("decline_advice")
    summary.decline_advice.setPlainText("Pak het op in het wijkteam; meld opnieuw bij "
                                        "escalatie.")
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    case = case_service.get_case(director_vault, wizard.result_of_submit.case_number)
    assert case.state is CaseState.DECLINED
    assert case.decline_reason == "Problemen op één leefgebied."
    assert case.decline_advice.startswith("Pak het op")


def test_keep_as_draft_then_resume_after_a_lock(qtbot, director_vault, make_window) -> None:
    window = make_window(director_vault)
    assert window.workspace.current_section() == "cases"
    screen = window.workspace.screens["cases"]
    assert isinstance(screen, CasesScreen)
    screen.new_button.click()
    wizard = screen.wizard
    assert wizard is not None
    fill_protocol(qtbot, wizard)
    fill_party(qtbot, wizard)
    page = wizard.page_for(IntakeStep.SUBJECTS)
    fill_subject(page.forms[0], "Łukasz", "Wiśniewski", "1979-11-03", "")
    # half way through the subjects page: the vault locks (Ctrl+L, idle, ...)
    window.lock()
    assert window.workspace is None and window.opened is None
    assert wizard.draft.subjects == [] and page.forms[0].surname.text() == ""

    reopened = Vault(director_vault.vault.folder).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    window.open_workspace(reopened)
    screen = window.workspace.screens["cases"]
    assert screen.drafts_list.count() == 1
    screen.open_draft_button.click()
    wizard = screen.wizard
    assert wizard.current_step() is IntakeStep.SUBJECTS
    form = wizard.page_for(IntakeStep.SUBJECTS).forms[0]
    assert (form.given_names.text(), form.surname.text(), form.birth_date.text()) == (
        "Łukasz", "Wiśniewski", "03-11-1979")  # shown as every screen shows dates
    assert wizard.page_for(IntakeStep.REFERRING_PARTY).contact_combo.currentText() == \
        "Ingrid de Graaf"

    # "Keep as draft and close" from any page
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.PROBLEMS
    wizard.page_for(IntakeStep.PROBLEMS).reason.setPlainText("Zorgen over de kinderen.")
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        click(qtbot, wizard, QWizard.WizardButton.CustomButton1)
    assert wizard.result_of_submit.outcome is IntakeOutcome.KEEP_DRAFT
    drafts = intake_service.list_drafts(reopened)
    assert len(drafts) == 1 and drafts[0].step is IntakeStep.PROBLEMS
    assert intake_service.load_draft(reopened, drafts[0].id).reason == "Zorgen over de kinderen."
    assert screen.drafts_list.count() == 1

    # and finish it from the draft: the draft is gone, the case is in triage
    screen.open_draft_button.click()
    wizard = screen.wizard
    assert wizard.current_step() is IntakeStep.PROBLEMS
    next_page(qtbot, wizard)
    fill_criteria(qtbot, wizard)
    fill_question(qtbot, wizard)
    with qtbot.waitSignal(wizard.finished, timeout=5000):
        click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    assert wizard.result_of_submit.state is CaseState.TRIAGE
    assert intake_service.list_drafts(reopened) == []
    assert screen.drafts_list.count() == 0
    assert screen.selected_case_number() == wizard.result_of_submit.case_number
    window.lock()


def test_closing_keeps_a_draft_but_an_untouched_wizard_leaves_none(qtbot,
                                                                   director_vault) -> None:
    wizard = make_wizard(qtbot, director_vault)
    click(qtbot, wizard, QWizard.WizardButton.CancelButton)
    assert intake_service.list_drafts(director_vault) == []
    wizard = make_wizard(qtbot, director_vault)
    fill_protocol(qtbot, wizard)
    click(qtbot, wizard, QWizard.WizardButton.CancelButton)
    drafts = intake_service.list_drafts(director_vault)
    assert len(drafts) == 1 and drafts[0].step is IntakeStep.REFERRING_PARTY


# -- refusals next to the field ---------------------------------------------------------------

def to_subjects(qtbot, vault: OpenVault) -> IntakeWizard:
    wizard = make_wizard(qtbot, vault)
    fill_protocol(qtbot, wizard)
    fill_party(qtbot, wizard)
    return wizard


def test_a_bsn_failing_the_eleven_test_is_refused_beside_it(qtbot, director_vault) -> None:
    wizard = to_subjects(qtbot, director_vault)
    form = wizard.page_for(IntakeStep.SUBJECTS).forms[0]
    fill_subject(form, "Anna", "Jansen", "1990-02-03", BAD_BSN)
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.SUBJECTS
    assert wizard.error_text("subjects[0].bsn") == "voldoet niet aan de elfproef"
    assert form.bsn.accessibleDescription() == "voldoet niet aan de elfproef"
    assert not wizard.error_text("subjects[0].surname")
    form.bsn.setText("1112 22 333")            # typed with spaces: fine
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.PROBLEMS


def test_a_future_or_too_old_birth_date_is_refused(qtbot, director_vault) -> None:
    wizard = to_subjects(qtbot, director_vault)
    form = wizard.page_for(IntakeStep.SUBJECTS).forms[0]
    fill_subject(form, "Anna", "Jansen", (date.today() + timedelta(days=1)).isoformat())
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.SUBJECTS
    assert "toekomst" in wizard.error_text("subjects[0].birth_date")
    form.birth_date.setText("1890-01-01")
    next_page(qtbot, wizard)
    assert "120" in wizard.error_text("subjects[0].birth_date")
    form.birth_date.setText("12-03-90")  # dd-mm-jjjj is a date now; a two-digit year is not
    next_page(qtbot, wizard)
    assert "dd-mm-jjjj" in wizard.error_text("subjects[0].birth_date")
    assert wizard.current_step() is IntakeStep.SUBJECTS


def test_an_empty_surname_is_refused_on_the_right_subject(qtbot, director_vault) -> None:
    wizard = to_subjects(qtbot, director_vault)
    page = wizard.page_for(IntakeStep.SUBJECTS)
    fill_subject(page.forms[0], "Anna", "Jansen", "1990-02-03")
    page.add_button.click()
    fill_subject(page.forms[1], "Tim", "   ", "2015-05-05")
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.SUBJECTS
    assert wizard.error_text("subjects[1].surname")
    assert not wizard.error_text("subjects[0].surname")
    # removing a subject with typed data asks first; then the page may go
    with dialogs.scripted(False) as script:
        page.forms[1].remove_button.click()
    assert script.shown[0].kind == "confirm" and len(page.forms) == 2
    with dialogs.scripted(True):
        page.forms[1].remove_button.click()
    assert len(page.forms) == 1 and page.forms[0].surname.text() == "Jansen"
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.PROBLEMS


def test_the_first_pages_refuse_without_a_choice(qtbot, director_vault) -> None:
    wizard = make_wizard(qtbot, director_vault)
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.PROTOCOL
    assert wizard.error_text("protocol")
    fill_protocol(qtbot, wizard)
    page = wizard.page_for(IntakeStep.REFERRING_PARTY)
    page.received_edit.setText((date.today() + timedelta(days=3)).isoformat())
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.REFERRING_PARTY
    assert wizard.error_text("referring_party") and wizard.error_text("referring_contact")
    assert "toekomst" in wizard.error_text("received")


def test_a_protocol_without_parties_says_so(qtbot, director_vault) -> None:
    wizard = make_wizard(qtbot, director_vault)
    fill_protocol(qtbot, wizard, Protocol.RADICALISERING)
    page = wizard.page_for(IntakeStep.REFERRING_PARTY)
    assert page.party_combo.count() == 1          # only "choose the referring party"
    assert page.no_parties.isVisible()
    next_page(qtbot, wizard)
    assert wizard.error_text("referring_party")


def test_criteria_show_the_covenant_text_and_need_a_motivation(qtbot, director_vault) -> None:
    wizard = to_subjects(qtbot, director_vault)
    fill_subject(wizard.page_for(IntakeStep.SUBJECTS).forms[0], "A", "B", "1990-01-01")
    next_page(qtbot, wizard)
    fill_problems(qtbot, wizard)
    page = wizard.page_for(IntakeStep.CRITERIA)
    for criterion, box in page.boxes.items():
        texts = [label.text() for label in box.findChildren(type(page.conclusion))]
        assert any(criterion.text in t for t in texts)
    box = page.boxes[Criterion.SYSTEM_IMPACT]
    box.met.click()
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.CRITERIA
    assert wizard.error_text(f"criteria.{Criterion.SYSTEM_IMPACT.value}.motivation")
    box.motivation.setPlainText("Kinderen in het gezin.")
    next_page(qtbot, wizard)
    assert wizard.current_step() is IntakeStep.QUESTION


# -- any Unicode, any length ------------------------------------------------------------------

def test_unicode_names_and_a_very_long_paste_survive_the_round_trip(qtbot,
                                                                    director_vault) -> None:
    names = [("Şükrü", "Yılmaz"), ("Łukasz", "Wiśniewski"), ("Thị Minh Khai", "Nguyễn"),
             (ARABIC_GIVEN, ARABIC_SURNAME)]
    pasted = ("De buren melden al maanden overlast en geweld; de school ziet verzuim. "
              * 800).strip()                     # ~57,000 characters
    long_address = "Straat " * 6000              # longer than a QLineEdit's default limit
    wizard = to_subjects(qtbot, director_vault)
    page = wizard.page_for(IntakeStep.SUBJECTS)
    for i, (given, surname) in enumerate(names):
        if i:
            page.add_button.click()
        fill_subject(page.forms[i], given, surname, f"19{70 + i}-01-0{i + 1}",
                     address=long_address if i == 0 else "")
    next_page(qtbot, wizard)
    fill_problems(qtbot, wizard, reason=pasted)
    fill_criteria(qtbot, wizard)
    fill_question(qtbot, wizard)
    assert pasted[:200] in wizard.page_for(IntakeStep.SUMMARY).summary.toPlainText()
    with qtbot.waitSignal(wizard.finished, timeout=10_000):
        click(qtbot, wizard, QWizard.WizardButton.FinishButton)
    case = case_service.get_case(director_vault, wizard.result_of_submit.case_number)
    assert [(s.given_names, s.surname) for s in case.subjects] == names
    assert case.reason == pasted
    assert case.subjects[0].address == long_address.strip()


# -- already known ----------------------------------------------------------------------------

def test_already_known_shows_only_number_status_and_dates(qtbot, director_vault) -> None:
    first = make_wizard(qtbot, director_vault)
    with qtbot.waitSignal(first.finished, timeout=5000):
        fill_all(qtbot, first)
        click(qtbot, first, QWizard.WizardButton.FinishButton)
    number = first.result_of_submit.case_number

    wizard = to_subjects(qtbot, director_vault)
    form = wizard.page_for(IntakeStep.SUBJECTS).forms[0]
    fill_subject(form, "S.", "Someone Else", "2001-01-01", GOOD_BSN)
    form.check_known()
    text = form.known.text()
    assert number in text and "Triage" in text and "ontvangen" in text
    assert "Yılmaz" not in text and "Şükrü" not in text
    # by surname (accents ignored) and birth date, without a BSN
    fill_subject(form, "X", "yilmaz", "1981-04-12", "")
    form.check_known()
    assert number in form.known.text()
    fill_subject(form, "X", "Yılmaz", "1981-04-13", "")
    form.check_known()
    assert form.known.text() == "Niet bekend in de casussen die het Zorg- en " \
                                "Veiligheidshuis nog bewaart."
