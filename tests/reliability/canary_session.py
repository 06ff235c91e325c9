"""The child processes of the canary test (``test_canary_session.py``): a scripted working
session in which 50 canary strings go into the vault through the real services, each in
exactly one place, so that a canary found on disk afterwards says where it came from.

Run as ``python -m tests.reliability.canary_session MODE VAULT_FOLDER REPORT ...`` in an
environment whose home, temp and XDG folders all lie in one sandbox folder:

``session INPUT``
    the administrator creates the vault and records a contact person; the process director
    imports a referral file (``INPUT``, the deliberate input, which the parent places outside
    the sandbox), does the intake through a saved draft, leaves a second referral as a
    draft, triages (items of four parties under different terms, two widening requests),
    routes the case to a meeting, runs the meeting (agenda, invitations, attendance, live
    minutes and agreements), completes the plan, prints a handout for every invited party,
    the main subject's subject-access export and the full plan into ``sandbox/exports``,
    then opens the desktop shell offscreen on the vault (Cases screen with a search typed,
    the case screen, its plan and minutes windows, an unexpected error reported) and locks
    it with Ctrl+L; after a new unlock the case is closed, a backup made and the vault
    locked.
``crash``
    unlocks and autosaves an intake draft holding a canary in a loop, printing ``saved N``
    after each acknowledged save, until the parent kills it with SIGKILL.
``recover ACKED``
    unlocks after the kill (WAL recovery, the stale folder lock taken over), runs the quick
    check, checks the draft holds at least save ``ACKED``, and locks.

``REPORT`` is a JSON file outside the sandbox: case number, party ids, the exported files,
the window titles seen. Nothing in it is personal (ids, numbers, file names, titles that
the parent checks for canaries).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from app.domain.information import Category

# -- the canaries -----------------------------------------------------------------------------

POLICE = "Politie regionale eenheid Den Haag"
GGZ = "Parnassia Groep"
VT = "Veilig Thuis"
MUNICIPALITY = "Den Haag"
#: the parties invited to the case meeting, so the ones that get a handout
INVITED = (POLICE, GGZ, VT, MUNICIPALITY)

ADMIN = "beheerder"
ADMIN_PASSPHRASE = "kanarie beheer wachtzin proef"
DIRECTOR = "regie"
DIRECTOR_PASSPHRASE = "kanarie regie wachtzin proef"
#: handouts leave the house AES-encrypted; the parent opens them with it
HANDOUT_PASSWORD = "Overdracht-kanarie-2026"
EXPORTS = "exports"
SUBJECT_ACCESS_FILE = "inzage.pdf"
#: the full plan, for the process director's own file
FULL_PLAN_FILE = "plan.pdf"
BIRTH = date(1981, 4, 17)


class Kind(StrEnum):
    """Where a canary may turn up in a PDF, by what the exports are documented to print."""

    MAIN_NAME = "main_name"          # the main subject's name: every handout, the subject's export
    OTHER_NAME = "other_name"        # another subject's name: every handout only
    MAIN_PRIVATE = "main_private"    # BSN, address: only the subject's own export
    LIFE_DOMAIN = "life_domain"      # problems per life domain: only the subject's export
    ITEM = "item"                    # an information item (or its use restriction): the policy
    RESTRICTION = "restriction"      # an item's use restriction: with the item in a handout,
    #                                  never in the subject's own export (an instruction to
    #                                  parties, which can itself reveal something)
    PLAN = "plan"                    # goals, needs, coordinator, criteria: every handout
    PLAN_ACTION = "plan_action"      # an action (its text, owner, notes): parties it is visible to
    NOWHERE = "nowhere"              # referral text, minutes, drafts, register, closure, ...


@dataclass(frozen=True)
class Use:
    """The one place a canary was put, and what decides who may read it."""

    where: str
    kind: Kind
    #: ITEM: the source party; PLAN_ACTION: the action's party (names, not ids)
    party: str = ""
    #: ITEM: the parties it is shared with once the triage is done
    shared_with: tuple[str, ...] = ()
    category: Category = Category.GENERAL
    #: PLAN_ACTION: the parties the action is limited to (empty: everyone)
    limited_to: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


ARABIC = "كناريطبخ"
BSN = "739516280"  # passes the eleven-test

_TABLE: list[tuple[str, Use]] = [
    ("Kanarie01Jöbk", Use("import: main subject's given names", Kind.MAIN_NAME)),
    ("Kanarie02Wbqz", Use("import: main subject's surname", Kind.MAIN_NAME)),
    (BSN, Use("import: main subject's BSN", Kind.MAIN_PRIVATE)),
    ("Kanarie04Lxvt", Use("import: main subject's address", Kind.MAIN_PRIVATE)),
    (ARABIC, Use("import: child's given names (Arabic script)", Kind.OTHER_NAME)),
    ("Kanarie06Hrmt", Use("import: child's surname", Kind.OTHER_NAME)),
    ("Kanarie07Pvgd", Use("import: referral reason", Kind.NOWHERE)),
    ("Kanarie08Sqnw", Use("import: referral question", Kind.NOWHERE)),
    ("Kanarie09Fzkc", Use("import: life domain housing", Kind.LIFE_DOMAIN)),
    ("Kanarie10Rbtm", Use("import: life domain finances", Kind.LIFE_DOMAIN)),
    ("Kanarie11Gwxh", Use("import: police item shared with the GGZ", Kind.ITEM, POLICE, (GGZ,),
                          Category.POLICE)),
    ("Kanarie12Dmvq", Use("import: that police item's use restriction", Kind.RESTRICTION, POLICE,
                          (GGZ,), Category.POLICE)),
    ("Kanarie13Ycjp", Use("import: Veilig Thuis item shared with nobody", Kind.ITEM, VT)),
    ("Kanarie14Nhbz", Use("intake: referring contact (saved draft, then submitted)",
                          Kind.NOWHERE)),
    ("Kanarie15Twqf", Use("intake: a criterion's motivation", Kind.NOWHERE)),
    ("Kanarie16Vkrs", Use("intake: a new referral left as a draft (surname)", Kind.NOWHERE)),
    ("Kanarie17Bxdl", Use("intake: that draft's reason", Kind.NOWHERE)),
    ("Kanarie18Zéñr", Use("triage: GGZ special item shared with the police", Kind.ITEM, GGZ,
                          (POLICE,), Category.SPECIAL)),
    ("Kanarie19Qpmg", Use("triage: police general item shared with nobody", Kind.ITEM,
                          POLICE)),
    ("Kanarie20Hwfv", Use("triage: municipality item widened to the GGZ", Kind.ITEM,
                          MUNICIPALITY, (GGZ,))),
    ("Kanarie21Cnzt", Use("triage: who said yes to the widening", Kind.NOWHERE)),
    ("Kanarie22Jrkb", Use("triage: Veilig Thuis item shared with three parties", Kind.ITEM, VT,
                          (POLICE, GGZ, MUNICIPALITY))),
    ("Kanarie23Mxsw", Use("triage: GGZ item, widening to the police refused", Kind.ITEM, GGZ)),
    ("Kanarie24Wdgp", Use("triage: who said no to the widening", Kind.NOWHERE)),
    ("Kanarie25Ftlq", Use("triage: routing goal", Kind.NOWHERE)),
    ("Kanarie26Kzbn", Use("triage: routing theme", Kind.NOWHERE)),
    ("Kanarie27Svhx", Use("meeting: chair", Kind.NOWHERE)),
    ("Kanarie28Pgmc", Use("meeting: the police's invitation contribution", Kind.NOWHERE)),
    ("Kanarie29Rjvw", Use("meeting: attendee's name", Kind.NOWHERE)),
    ("Kanarie30Lbqk", Use("meeting: attendee's function", Kind.NOWHERE)),
    ("Kanarie31Xnfd", Use("meeting: minutes note", Kind.NOWHERE)),
    ("Kanarie32Gtzs", Use("shell: message of an unexpected error (crash report)",
                          Kind.NOWHERE)),
    ("Kanarie33Vcwm", Use("meeting: agreement for the GGZ (becomes a plan action)",
                          Kind.PLAN_ACTION, GGZ)),
    ("Kanarie34Hdkr", Use("meeting: that agreement's owner", Kind.PLAN_ACTION, GGZ)),
    ("Kanarie35Qsbx", Use("meeting: case coordinator appointed", Kind.PLAN)),
    ("Kanarie36Nwpj", Use("meeting: closure criteria", Kind.PLAN)),
    ("Kanarie37Bfmz", Use("plan: goal", Kind.PLAN)),
    ("Kanarie38Tkgw", Use("plan: municipality action limited to the police",
                          Kind.PLAN_ACTION, MUNICIPALITY, limited_to=(POLICE,))),
    ("Kanarie39Dzrh", Use("plan: information need", Kind.PLAN)),
    ("Kanarie40Mqvc", Use("plan: next meeting note", Kind.PLAN)),
    ("Kanarie41Wjxn", Use("plan: progress note on the GGZ action", Kind.PLAN_ACTION, GGZ)),
    ("Kanarie42Ycpt", Use("register: contact person's name", Kind.NOWHERE)),
    ("Kanarie43Gbwl", Use("register: contact person's e-mail", Kind.NOWHERE)),
    ("Kanarie44Rxmh", Use("closure: criterion note", Kind.NOWHERE)),
    ("Kanarie45Fjqs", Use("closure: reason", Kind.NOWHERE)),
    ("Kanarie46Pzdv", Use("closure: coordinator who agreed", Kind.NOWHERE)),
    ("Kanarie47Kvtm", Use("crash: intake draft autosaved until killed", Kind.NOWHERE)),
    ("Kanarie48Hscb", Use("shell: typed into the Cases screen's search box", Kind.NOWHERE)),
    ("Kanarie49Lfwz", Use("import: partner's surname", Kind.OTHER_NAME)),
    ("Kanarie50Nmqr", Use("plan: owner of the action limited to the police",
                          Kind.PLAN_ACTION, MUNICIPALITY, limited_to=(POLICE,))),
]

CANARIES: dict[str, Use] = dict(_TABLE)
assert len(CANARIES) == len(_TABLE) == 50
#: the canary by its number in the table (1-based), for the script below
C = {i: text for i, (text, _use) in enumerate(_TABLE, start=1)}

#: Which canaries (by number) the session puts into each column declared personal next to its
#: table (``app.store.personal``), so a test sees every personal field either covered here or
#: listed in :data:`PERSONAL_FIELDS_NOT_IN_SESSION` with the reason.
PERSONAL_FIELD_CANARIES: dict[str, tuple[int, ...]] = {
    "cases.referring_contact": (14,), "cases.reason": (7,), "cases.question": (8,),
    "subjects.given_names": (1, 5), "subjects.surname": (2, 6, 49), "subjects.bsn": (3,),
    "subjects.address": (4,), "life_domain_problems.description": (9, 10),
    "criteria_answers.motivation": (15,),
    "information_items.text": (11, 13, 18, 19, 20, 22, 23),
    "information_items.use_restriction": (12,), "widening_requests.answered_by": (21, 24),
    "routing_decisions.goal": (25,), "routing_decisions.themes": (26,),
    "agenda_items.goal": (25,), "agenda_items.themes": (26,),
    "invitations.contribution": (28,), "minutes_entries.text": (31, 33),
    "minutes_entries.owner": (34,), "case_minutes.body": (31, 33),
    "plans.coordinator_person": (35,), "plans.closure_criteria": (36,),
    "plans.next_meeting_note": (40,), "plan_goals.description": (37,),
    "plan_actions.description": (33, 38), "plan_actions.owner": (34, 50),
    "plan_versions.snapshot": (37, 38), "plan_action_notes.text": (41,),
    "plan_information_needs.description": (39,),
    "case_closures.coordinator_name": (46,), "case_closures.criteria": (44,),
    "case_closures.reason": (45,), "drafts.payload": (16, 17, 47),
}
PERSONAL_FIELDS_NOT_IN_SESSION: dict[str, str] = {
    "cases.external_ref": "the referral file's own reference, not a canary",
    "cases.decline_reason": "the session's case is accepted",
    "cases.decline_advice": "the session's case is accepted",
    "subjects.surname_key": "folded from the surname's canary",
    "subjects.name_key": "folded from the names' canaries",
    "case_search.main_subject": "made from the names' canaries",
    "case_search.search_key": "made from the names' and BSN's canaries",
    "routing_decisions.reason": "a reason is asked only when a case is not routed on",
    "routing_decisions.elsewhere_chain": "the session routes to a case meeting",
    "case_closures.plan_summary": "made from the plan's goal canary",
    "case_invitees.contact_name": "the session's referral file is format /1",
    "case_invitees.contact_role": "the session's referral file is format /1",
    "case_invitees.phone": "the session's referral file is format /1",
    "case_invitees.email": "the session's referral file is format /1",
    "subject_informing.ground_text": "the session's referral file is format /1",
}


def is_accented(text: str) -> bool:
    return unicodedata.normalize("NFD", text) != text


# -- the deliberate input ---------------------------------------------------------------------

def referral_document(today: date) -> dict[str, Any]:
    """The import file: one referral holding canaries 1-13 and 49."""
    return {"format": "casuskamer-referrals/1", "referrals": [{
        "external_ref": "WEB-KANARIE-1",
        "referring_party": VT,
        "protocol": "integrale_veiligheid",
        "received": (today - timedelta(days=3)).isoformat(),
        "reason": f"Zorgen over het gezin ({C[7]}).",
        "question": f"Een gezamenlijk plan van aanpak ({C[8]}).",
        "life_domains": {"housing": f"Huurachterstand, ontruiming aangezegd ({C[9]}).",
                         "finances": f"Schulden bij meerdere schuldeisers ({C[10]})."},
        "subjects": [
            {"given_names": C[1], "surname": C[2], "birth_date": BIRTH.isoformat(),
             "bsn": C[3], "address": f"{C[4]}straat 12, 2511 AA Den Haag",
             "role": "main_subject"},
            {"given_names": "Ilse", "surname": C[49], "birth_date": "1983-09-02",
             "role": "partner"},
            {"given_names": C[5], "surname": C[6], "birth_date": "2014-06-09",
             "role": "child"},
        ],
        "information": [
            {"source_party": POLICE, "received": (today - timedelta(days=5)).isoformat(),
             "category": "police", "text": f"Twee meldingen van overlast ({C[11]}).",
             "shared_with": [GGZ], "pre_meeting_view": True, "meeting_screen": False,
             "use_restriction": f"Niet in het plan opnemen ({C[12]})."},
            {"source_party": VT, "received": (today - timedelta(days=4)).isoformat(),
             "category": "general", "text": f"Eerdere melding kindermishandeling ({C[13]}).",
             "shared_with": [], "pre_meeting_view": False, "meeting_screen": False,
             "use_restriction": ""},
        ],
    }]}


# -- the session ------------------------------------------------------------------------------

def _party_ids(vault: Any) -> dict[str, int]:
    from app.services import parties as party_service

    return {p.name: p.id for p in party_service.list_parties(vault)}


def _intake(vault: Any, number: str, ids: dict[str, int], today: date) -> None:
    from app.domain.criteria import CRITERIA
    from app.domain.intake import CriterionEntry, IntakeDraft, IntakeOutcome, SubjectEntry
    from app.services import intake

    draft, draft_id = intake.draft_for_case(vault, number)
    draft.referring_contact = f"mw. {C[14]}"
    for i, criterion in enumerate(CRITERIA):
        note = f"Voldaan ({C[15]})." if i == 0 else "Voldaan."
        draft.criteria[criterion.value] = CriterionEntry(True, note)
    draft_id = intake.save_draft(vault, draft, draft_id)        # the wizard's autosave
    saved = intake.load_draft(vault, draft_id)                   # resumed later
    intake.submit_intake(vault, saved, IntakeOutcome.ACCEPT, draft_id)
    # a second referral typed in and left as a draft
    intake.save_draft(vault, IntakeDraft(
        protocol="integrale_veiligheid", referring_party_id=ids[MUNICIPALITY],
        received=today.isoformat(), reason=f"Overlast in de buurt ({C[17]}).",
        subjects=[SubjectEntry("Bram", C[16], "1990-01-01", "", "", "main_subject")]))


def _triage(vault: Any, number: str, ids: dict[str, int], today: date) -> None:
    from app.domain.information import SharingTerms
    from app.domain.meetings import DecisionType
    from app.domain.triage import NewItem, QueryAnswer, Route, RoutingDecision, WideningAnswer
    from app.services import triage

    triage.record_query(vault, number, ids[GGZ], today)
    triage.record_answer(vault, number, ids[GGZ], QueryAnswer.KNOWN, today)
    # the police agree to the terms Veilig Thuis's file asked for their item (held at the
    # narrowest until then, covenant 16.2)
    for asked in triage.triage_context(vault, number, today).widening:
        triage.answer_widening(vault, number, asked.id, WideningAnswer.YES, today,
                               "Wachtcommandant")

    def add(source: str, category: Category, text: str, shared: tuple[str, ...] = ()) -> int:
        terms = SharingTerms(frozenset(ids[p] for p in shared))
        return triage.add_item(vault, number, NewItem(ids[source], category, text, today,
                                                      terms))

    add(GGZ, Category.SPECIAL, f"In behandeling bij de ggz ({C[18]}).", (POLICE,))
    add(POLICE, Category.GENERAL, f"Wijkagent kent het gezin ({C[19]}).")
    widened = add(MUNICIPALITY, Category.GENERAL, f"Schuldhulp loopt ({C[20]}).")
    add(VT, Category.GENERAL, f"Kinderen zijn veilig op school ({C[22]}).",
        (POLICE, GGZ, MUNICIPALITY))
    refused = add(GGZ, Category.GENERAL, f"Vader mist afspraken ({C[23]}).")
    yes = triage.request_widening(vault, number, widened, party_id=ids[GGZ])
    triage.answer_widening(vault, number, yes, WideningAnswer.YES, today, f"dhr. {C[21]}")
    no = triage.request_widening(vault, number, refused, party_id=ids[POLICE])
    triage.answer_widening(vault, number, no, WideningAnswer.NO, today, f"mw. {C[24]}")
    triage.decide_routing(vault, number, RoutingDecision(
        Route.TO_MEETING, goal=f"Een gezamenlijk beeld ({C[25]})", themes=("wonen", C[26]),
        decision_types=(DecisionType.IMAGE_FORMING, DecisionType.DECIDING),
        invitees=frozenset(ids[p] for p in INVITED)))


def _meeting(vault: Any, number: str, ids: dict[str, int], today: date) -> int:
    from app.domain.meetings import (
        AgendaDraft,
        DecisionType,
        DraftItem,
        EntryInput,
        EntryKind,
        ItemKind,
    )
    from app.services import cases as case_service
    from app.services import meetings
    from app.services import meeting_live
    from app.services import minutes as meeting_minutes

    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    starts = datetime.combine(today + timedelta(days=1), datetime.min.time()).replace(hour=10)
    invited = {ids[POLICE]: f"Meldingen ({C[28]})", ids[GGZ]: "Behandelbeeld",
               ids[VT]: "Veiligheid kinderen", ids[MUNICIPALITY]: "Schulden en wonen"}
    meeting_id = meetings.plan_meeting(vault, AgendaDraft(
        starts_at=starts, place="Zaal Spui", chair=f"A. {C[27]}", items=[DraftItem(
            case_id, number, "", ItemKind.FIRST, 30, "Beeld vormen en besluiten", ["wonen"],
            [DecisionType.IMAGE_FORMING, DecisionType.DECIDING], invited)]))
    meeting_live.start_meeting(vault, meeting_id)
    attendee = meeting_live.add_attendee(vault, meeting_id, f"J. {C[29]}", ids[POLICE],
                                     f"Wijkagent {C[30]}")
    meeting_live.accept_confidentiality(vault, attendee)
    item_id = meetings.get_meeting(vault, meeting_id).items[0].id
    meeting_live.start_item(vault, item_id)
    due = today + timedelta(days=14)
    for entry in (
            EntryInput(EntryKind.NOTE, f"Moeder was niet aanwezig ({C[31]})."),
            EntryInput(EntryKind.DECISION, "Eén plan, één regisseur."),
            EntryInput(EntryKind.ACTION, f"Huisbezoek en behandelplan ({C[33]}).", ids[GGZ],
                       f"P. {C[34]}", due),
            EntryInput(EntryKind.COORDINATOR, "", ids[VT], f"R. {C[35]}"),
            EntryInput(EntryKind.CLOSURE_CRITERIA, f"Woning behouden ({C[36]})")):
        meeting_minutes.add_entry(vault, item_id, entry)
    meeting_minutes.end_meeting(vault, meeting_id)  # stores the minutes, agreements go to the plan
    return meeting_id


def _plan(vault: Any, number: str, ids: dict[str, int], today: date) -> None:
    from app.domain.life_domains import LifeDomain
    from app.domain.plan import Action, Goal, InformationNeed, new_key
    from app.services import plan as plan_service

    plan = plan_service.get_plan(vault, number)
    goal = Goal(new_key(), LifeDomain.HOUSING, f"Het gezin houdt de woning ({C[37]}).")
    limited = Action(new_key(), ids[MUNICIPALITY], f"Melding bij de politie ({C[38]}).",
                     owner=f"K. {C[50]}", due=today + timedelta(days=30), goal_key=goal.key,
                     limited_to=frozenset({ids[POLICE]}))
    need = InformationNeed(new_key(), ids[GGZ], f"Uitslag van de intake ({C[39]}).")
    plan_service.save_plan(vault, replace(
        plan, goals=plan.goals + (goal,), actions=plan.actions + (limited,),
        information_needs=plan.information_needs + (need,),
        next_meeting=today + timedelta(days=42),
        next_meeting_note=f"Dan bespreken we de voortgang ({C[40]})."))
    agreed = next(a for a in plan_service.get_plan(vault, number).actions
                  if C[33] in a.description)
    plan_service.add_progress_note(vault, number, agreed.key, f"Eerste bezoek gedaan ({C[41]}).")


def _close(vault: Any, number: str, ids: dict[str, int], today: date) -> None:
    from app.domain.closure import ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome
    from app.services import closure

    context = closure.closure_context(vault, number)
    checks = tuple(CriterionCheck(c.criterion, True, f"Bereikt ({C[44]})" if i == 0 else "")
                   for i, c in enumerate(context.criteria))
    decision = ClosureDecision(criteria=checks, reason=f"Afgeschaald naar het wijkteam ({C[45]})",
                               agreement=CoordinatorAgreement(f"R. {C[46]}", ids[VT], today),
                               outcome=Outcome.GOALS_REACHED)
    shown = closure.preview(vault, number, decision.extra_removals)
    closure.close_case(vault, number, decision, shown)


def _shell(vault: Any, number: str) -> tuple[list[str], list[str]]:
    """The desktop shell offscreen, as the program starts it: preferences, crash handler,
    main window on the vault, the Cases screen with a search typed, the case screen in its
    own window with its plan and minutes windows, an unexpected error reported; then Ctrl+L
    and quit. Returns the titles of the top-level windows shown and the texts of the
    dialogs shown."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from app.vault.keyslots import KdfParams
    from ui import crash, dialogs
    from ui.app_context import AppContext, log_folder
    from ui.cases.case_view import CaseViewScreen
    from ui.main_window import MainWindow
    from ui.settings import Settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName("Casuskamer")
    app.setApplicationName("Casuskamer")
    settings = Settings()
    handler = crash.install(log_folder())
    try:
        ctx = AppContext.create(settings, vault.vault.folder, kdf=KdfParams())
        window = MainWindow(ctx, opened=vault)
        window.show()
        assert window.go_to("cases")
        assert window.workspace is not None
        screen: Any = window.workspace.screens["cases"]
        QTest.keyClicks(screen.search_edit, C[48])
        QTest.qWait(50)
        screen.open_case(number)
        QTest.qWait(50)
        case_screen = next(w for w in app.topLevelWidgets()
                           if isinstance(w, CaseViewScreen) and w.isVisible())
        case_screen.open_plan()       # the plan and the minutes, each in its own window
        QTest.qWait(50)
        case_screen.open_minutes()
        QTest.qWait(50)
        titles = [w.windowTitle() for w in app.topLevelWidgets() if w.isVisible()]
        with dialogs.scripted() as script:
            # an unexpected error whose message holds what the user typed, as a failing
            # screen reports it (``Workspace._build``): crash.log and the dialog get neither
            try:
                raise ValueError(f"Onverwacht bij {C[32]}")
            except ValueError:
                sys.excepthook(*sys.exc_info())
        if not handler.log_path.exists() or not script.shown:
            raise SystemExit("the crash handler wrote no report")
        notices = [f"{s.title}\n{s.text}" for s in script.shown]
        window.activateWindow()
        QTest.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
        QTest.qWait(50)
        if vault.is_open:
            raise SystemExit("Ctrl+L did not lock the vault")
        titles += [w.windowTitle() for w in app.topLevelWidgets() if w.isVisible()]
        window.close()  # saves the geometry and syncs the preferences
        QTest.qWait(50)
        window.deleteLater()
        app.processEvents()
    finally:
        handler.uninstall()
    return titles, notices


def session(folder: Path, report: Path, input_file: Path) -> None:
    from app.domain.parties import Contact
    from app.domain.roles import Role
    from app.services import accounts, handouts, referral_import, subject_access
    from app.services import parties as party_service
    from app.vault import maintenance
    from app.services import session as session_step
    from app.vault.keyslots import KdfParams
    from app.vault.vault import Vault

    today = date.today()
    exports = folder.parent / EXPORTS
    exports.mkdir()
    admin = Vault.create(folder, ADMIN, ADMIN_PASSPHRASE, kdf=KdfParams())
    session_step.after_unlock(admin, created=True)  # its seed data
    accounts.add_account(admin, DIRECTOR, Role.PROCESS_DIRECTOR, DIRECTOR_PASSPHRASE,
                         kdf=KdfParams())
    ids = _party_ids(admin)
    party_service.save_contact(admin, Contact(ids[VT], f"M. {C[42]}", "Beleidsmedewerker",
                                              email=f"{C[43].lower()}@example.org",
                                              case_meetings=True))
    admin.lock()

    vault = Vault(folder).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    [number] = referral_import.import_referrals(vault, input_file)
    _intake(vault, number, ids, today)
    _triage(vault, number, ids, today)
    _meeting(vault, number, ids, today)
    _plan(vault, number, ids, today)
    # every party's own password (the service's rule); the harness hands out a known one
    # so that the test can open the files and look inside them
    batch = handouts.export_handouts_for_invited(vault, number, exports,
                                                 passwords=lambda _party: HANDOUT_PASSWORD)
    if batch.refused or len(batch.exported) != len(INVITED):
        raise SystemExit(f"handouts: {len(batch.exported)} made, {len(batch.refused)} refused")
    match = subject_access.find_subject(vault, bsn=BSN)
    draft = subject_access.draft_subject_access(vault, match)
    for item in draft.items:   # the director's review: every item the policy allows included
        draft = draft.decide(item.item_id,
                             subject_access.ItemDecision(subject_access.Choice.INCLUDE))
    subject_access.export_subject_access(vault, exports / SUBJECT_ACCESS_FILE, draft,
                                         match=match)
    handouts.export_plan(vault, number, exports / FULL_PLAN_FILE)
    titles, notices = _shell(vault, number)

    vault = Vault(folder).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    _close(vault, number, ids, today)
    vault.lock()
    backups = folder.parent / "backups"
    backups.mkdir()
    vault = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)  # backups are the administrator's
    maintenance.backup(vault, backups / "kluis.backup")
    vault.lock()
    report.write_text(json.dumps({
        "case": number, "parties": ids, "titles": titles, "notices": notices,
        "handouts": {str(r.party_id): str(r.path) for r in batch.exported},
        "subject_access": str(exports / SUBJECT_ACCESS_FILE),
        "full_plan": str(exports / FULL_PLAN_FILE),
    }, indent=1), encoding="utf-8")


def _crash_draft(version: int) -> Any:
    from app.domain.intake import IntakeDraft, SubjectEntry

    return IntakeDraft(protocol="integrale_veiligheid", reason=f"Zorgen ({C[47]}) v{version}",
                       subjects=[SubjectEntry("Noor", "de Wit", "1995-02-03", "", "",
                                              "main_subject")])


def crash(folder: Path) -> None:
    """Autosave until killed; ``saved N`` on stdout once save N is committed."""
    from app.services import intake
    from app.vault.vault import Vault

    vault = Vault(folder).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    draft_id: int | None = None
    version = 0
    print("ready", flush=True)
    while True:
        version += 1
        draft_id = intake.save_draft(vault, _crash_draft(version), draft_id)
        print(f"saved {version}", flush=True)


def recover(folder: Path, report: Path, acked: int) -> None:
    from app.services import intake
    from app.vault import maintenance
    from app.vault.vault import Vault

    vault = Vault(folder).unlock(DIRECTOR, DIRECTOR_PASSPHRASE)
    try:
        sound = maintenance.verify(vault, quick=True).sound
        versions = []
        for info in intake.list_drafts(vault):
            reason = intake.load_draft(vault, info.id).reason
            if C[47] in reason:
                versions.append(int(reason.rsplit("v", 1)[1]))
    finally:
        vault.lock()
    report.write_text(json.dumps({"sound": sound, "versions": versions, "acked": acked}),
                      encoding="utf-8")


def main(argv: list[str]) -> int:
    mode, folder, report = argv[0], Path(argv[1]), Path(argv[2])
    if mode == "session":
        session(folder, report, Path(argv[3]))
    elif mode == "crash":
        crash(folder)
    elif mode == "recover":
        recover(folder, report, int(argv[3]))
    else:
        raise SystemExit(f"unknown mode {mode}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
