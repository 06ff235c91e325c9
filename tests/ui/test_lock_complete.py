"""Locking is complete (issue 10, point 5), with the real main window and its real screens.

A vault with two cases whose subjects, addresses, BSNs, information items, minutes and plan
carry canary strings; the Cases table, two case windows (one with the triage wizard open, one
with the plan editor), the meeting's live screen and the meeting-room screen, the follow-up
list, and a BSN copied through the case screen's own shortcut. Then Ctrl+L (and, in a second
run, the idle timeout): the key is dropped within a second, and afterwards no widget, no item
model still alive, no clipboard mode and no Python object reachable from the main window and
the program's context holds a canary. The same searches run before the lock and find the
canaries, so they can fail.

Also: copying a BSN or address marks it as secret for clipboard managers, is audited without
the value, is emptied after its time (unless the user copied something else meanwhile); and
the desktop's screen saver locks the window, by its handler and end to end over a private
D-Bus session bus.
"""
# Fixtures are imported from the fixture modules, so pytest sees them as parameters here.
# ruff: noqa: F811

from __future__ import annotations

import gc
import json
import logging
import os
import shutil
import subprocess
import time
import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import shiboken6
from PySide6.QtCore import QAbstractItemModel, QCoreApplication, QEvent, QModelIndex, Qt
from PySide6.QtGui import QClipboard, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.domain.cases import Subject, SubjectRole
from app.domain.criteria import Criterion, CriterionAnswer
from app.domain.information import Category, SharingTerms
from app.domain.intake import InformationInput, IntakeOutcome, Referral
from app.domain.life_domains import LifeDomain
from app.domain.meetings import (
    AgendaDraft,
    DecisionType,
    DraftItem,
    EntryInput,
    EntryKind,
    ItemKind,
)
from app.domain.plan import Action, ActionPlan, ActionStatus, CaseCoordinator, Goal, new_key
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.domain.triage import Route, RoutingDecision
from app.errors import PermissionDenied, VaultNotFound
from app.services import case_view as case_view_service
from app.services import cases as case_service
from app.services import intake, meetings, triage
from app.services import meeting_live
from app.services import minutes as meeting_minutes
from app.services import plan as plan_service
from app.services.case_view import CopyField
from app.store.tables import audit_log
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.ui.cases_fixtures import (  # noqa: F401
    _no_scripted_dialogs,
    accounts_vault,
    cases_vault_template,
    director_vault,
)
from tests.ui.shell_fixtures import (  # noqa: F401
    ctx,
    make_window,
    no_quick_check,
    settings,
)
from ui import dialogs
from ui.app_context import AppContext
from ui.cases.case_actions import PlanDialog
from ui.cases.case_view import CaseViewScreen
from ui.cases.screen import CasesScreen
from ui.clipboard import CLEAR_AFTER_MS, SECRET_HINT_MIME, ClipboardGuard
from ui.main_window import MainWindow, Workspace
from ui.meetings.live import LiveMeetingWindow
from ui.meetings.screen import MeetingsScreen
from ui.screensaver import SCREEN_SAVERS, ScreenSaverWatcher
from ui.triage.wizard import TriageWizard

POLICE, GGZ, CITY = "Politie regionale eenheid Den Haag", "Parnassia Groep", "Den Haag"

#: What must be gone after a lock: names, BSNs, addresses, case text, items, minutes, plan.
CANARY = {
    "t_given": "Kwartelien", "t_surname": "Zwaluwhorst", "t_bsn": "739140012",
    "t_address": "Merelpad 77 Uilendam", "t_child": "Sijsjebeth",
    "t_reason": "Roerdompzorg om het gezin", "t_item": "Reigermelding over de woning",
    "t_domain": "Fuutschulden bij drie schuldeisers",
    "p_given": "Grutteline", "p_surname": "Kievitsbloem", "p_bsn": "462050002",
    "p_address": "Tureluurstraat 5 Plevierdorp", "p_item": "Scholeksterbericht van de wijk",
    "p_minutes": "Wulpafspraak huisbezoek", "p_typing": "Kluutconcept nog niet toegevoegd",
    "p_goal": "Lepelaardoel woning behouden", "p_action": "Grielactie schuldhulp regelen",
    "p_coordinator": "Oeverloperina Smit",
}


@dataclass
class World:
    vault: OpenVault
    triage_number: str     # a case in triage (the triage wizard opens on it)
    progress_number: str   # a case in progress with a plan and a meeting in session
    meeting_id: int


def _party_ids(vault: OpenVault) -> dict[str, int]:
    from app.store.party_tables import parties
    with vault.read() as conn:
        return {str(r[1]): int(r[0]) for r in conn.execute(select(parties.c.id, parties.c.name))}


def _answers() -> list[CriterionAnswer]:
    return [CriterionAnswer(c, True, "ja") for c in Criterion]


def build_world(vault: OpenVault, agenda_goal: str = "Beeld vormen") -> World:
    """Two cases full of canaries, made through the services as the process director (the
    agenda item's goal is ``agenda_goal``)."""
    ids = _party_ids(vault)
    police, ggz = ids[POLICE], ids[GGZ]
    terms = SharingTerms(frozenset({police, ggz}), False, True, "")
    c = CANARY
    number_t = intake.register_referral(vault, Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=ids[CITY],
        received=date.today() - timedelta(days=3), reason=c["t_reason"],
        question="Samen een plan", subjects=(
            Subject(c["t_given"], c["t_surname"], date(1984, 3, 14), SubjectRole.MAIN_SUBJECT,
                    bsn=c["t_bsn"], address=c["t_address"]),
            Subject(c["t_child"], c["t_surname"], date(2014, 6, 1), SubjectRole.CHILD)),
        life_domains={LifeDomain.HOUSING: c["t_domain"]},
        information=(InformationInput(police, date.today(), Category.POLICE, c["t_item"],
                                      terms),)))
    intake.decide_intake(vault, number_t, IntakeOutcome.ACCEPT, _answers())

    number_p = intake.register_referral(vault, Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=ids[CITY],
        received=date.today() - timedelta(days=20), reason="Zorgen over de buurt",
        question="Eén aanpak", subjects=(
            Subject(c["p_given"], c["p_surname"], date(1979, 11, 30),
                    SubjectRole.MAIN_SUBJECT, bsn=c["p_bsn"], address=c["p_address"]),),
        information=(InformationInput(ggz, date.today(), Category.GENERAL, c["p_item"],
                                      terms),)))
    intake.decide_intake(vault, number_p, IntakeOutcome.ACCEPT, _answers())
    triage.decide_routing(vault, number_p, RoutingDecision(
        Route.TO_MEETING, goal="Een gezamenlijk beeld", themes=("wonen",),
        decision_types=(DecisionType.IMAGE_FORMING, DecisionType.DECIDING),
        invitees=frozenset({police, ggz})))
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number_p)
    starts = (datetime.now() + timedelta(hours=1)).replace(second=0, microsecond=0)
    meeting_id = meetings.plan_meeting(vault, AgendaDraft(
        starts_at=starts, place="Zaal 2", chair="A. de Voorzitter", items=[
            DraftItem(case_id, number_p, "", ItemKind.FIRST, 20, agenda_goal, ["wonen"],
                      [DecisionType.IMAGE_FORMING], {police: "Toelichting",
                                                     ggz: "Toelichting"})]))
    meeting_live.start_meeting(vault, meeting_id)
    item_id = meetings.get_meeting(vault, meeting_id).items[0].id
    meeting_live.start_item(vault, item_id)
    meeting_minutes.add_entry(vault, item_id, EntryInput(EntryKind.ACTION, c["p_minutes"], police,
                                                  "Wijkagent", date.today() + timedelta(7)))
    goal = Goal(new_key(), LifeDomain.HOUSING, c["p_goal"])
    plan_service.save_plan(vault, ActionPlan(
        case_id=case_id, goals=(goal,), actions=(Action(
            new_key(), ggz, c["p_action"], owner="", due=date.today() + timedelta(14),
            status=ActionStatus.OPEN, goal_key=goal.key),),
        coordinator=CaseCoordinator(ggz, c["p_coordinator"]),
        closure_criteria="Woning behouden"))
    return World(vault, number_t, number_p, meeting_id)


# -- where a canary could hide --------------------------------------------------------------

_ROLES = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole, Qt.ItemDataRole.ToolTipRole,
          Qt.ItemDataRole.StatusTipRole, Qt.ItemDataRole.WhatsThisRole,
          Qt.ItemDataRole.AccessibleTextRole, Qt.ItemDataRole.AccessibleDescriptionRole,
          *range(Qt.ItemDataRole.UserRole, Qt.ItemDataRole.UserRole + 8))


def _alive(obj: object) -> bool:
    try:
        return shiboken6.isValid(obj)
    except TypeError:
        return True


def widget_texts(widget: QWidget) -> list[str]:
    """Every text a widget shows or carries: its own, its title, tips, accessible names,
    placeholder, and its actions' texts."""
    # Called through the classes: a screen may name an attribute ``actions`` or ``title``.
    texts = [QWidget.windowTitle(widget), QWidget.toolTip(widget), QWidget.statusTip(widget),
             QWidget.whatsThis(widget), QWidget.accessibleName(widget),
             QWidget.accessibleDescription(widget)]
    if isinstance(widget, QLabel):
        texts.append(QLabel.text(widget))
    elif isinstance(widget, QLineEdit):
        texts += [QLineEdit.text(widget), QLineEdit.placeholderText(widget)]
    elif isinstance(widget, QAbstractButton):
        texts.append(QAbstractButton.text(widget))
    elif isinstance(widget, QTextEdit):
        texts += [QTextEdit.toPlainText(widget), QTextEdit.placeholderText(widget)]
    elif isinstance(widget, QPlainTextEdit):
        texts += [QPlainTextEdit.toPlainText(widget), QPlainTextEdit.placeholderText(widget)]
    elif isinstance(widget, QComboBox):
        texts.append(QComboBox.currentText(widget))
    elif isinstance(widget, QGroupBox):
        texts.append(QGroupBox.title(widget))
    for action in QWidget.actions(widget):
        texts += [action.text(), action.toolTip(), action.statusTip()]
    return texts


def _columns(model: QAbstractItemModel, parent: QModelIndex) -> int:
    try:
        return max(model.columnCount(parent), 1)
    except TypeError:  # a list model keeps columnCount private: one column
        return 1


def model_texts(model: QAbstractItemModel, limit: int = 20_000) -> list[str]:
    """Every cell of every row and column (and nested rows), in every role, and the
    headers."""
    texts: list[str] = []
    top = QModelIndex()
    for orientation, count in ((Qt.Orientation.Horizontal, _columns(model, top)),
                               (Qt.Orientation.Vertical, model.rowCount(top))):
        for section in range(min(count, 200)):
            value = model.headerData(section, orientation, Qt.ItemDataRole.DisplayRole)
            if value is not None:
                texts.append(str(value))
    parents = [top]
    seen = 0
    while parents and seen < limit:
        parent = parents.pop()
        for row in range(model.rowCount(parent)):
            for column in range(_columns(model, parent)):
                index = model.index(row, column, parent)
                seen += 1
                for role in _ROLES:
                    value = model.data(index, role)
                    if value is not None:
                        texts.append(str(value))
                if column == 0 and model.rowCount(index) > 0:
                    parents.append(index)
    return texts


def live_models() -> list[QAbstractItemModel]:
    """Every item model still alive: Python-made ones found by the garbage collector, and
    the models behind every existing view, list, table and combo box."""
    found: dict[int, QAbstractItemModel] = {}
    for obj in gc.get_objects():
        if isinstance(obj, QAbstractItemModel) and _alive(obj):
            found[id(obj)] = obj
    for widget in QApplication.allWidgets():
        if isinstance(widget, (QAbstractItemView, QComboBox)):
            model = type(widget).model(widget)
            if model is not None:
                found[id(model)] = model
    return list(found.values())


_SKIP = (types.ModuleType, type, types.FunctionType, types.BuiltinFunctionType,
         types.CodeType, types.FrameType, types.MethodWrapperType,
         types.WrapperDescriptorType, types.MethodDescriptorType)


def reachable_texts(roots: Iterable[object], limit: int = 400_000) -> Iterator[str]:
    """Strings (and decoded bytes) reachable from ``roots`` by ``gc.get_referents``, at most
    ``limit`` objects, without entering modules, classes or functions (those lead to the
    whole program, not to what the window holds)."""
    seen: set[int] = set()
    keep: list[object] = []   # so that no id is reused while walking
    stack = list(roots)
    while stack and len(seen) < limit:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        keep.append(obj)
        if isinstance(obj, str):
            yield obj
        elif isinstance(obj, (bytes, bytearray)):
            yield bytes(obj).decode("utf-8", "replace")
        elif not isinstance(obj, _SKIP):
            stack.extend(gc.get_referents(obj))


def hits(texts: Iterable[str], canaries: Mapping[str, str] = CANARY) -> set[str]:
    """Which canaries appear in ``texts``."""
    found: set[str] = set()
    for text in texts:
        if text:
            found.update(name for name, canary in canaries.items() if canary in text)
    return found


def widget_hits(canaries: Mapping[str, str] = CANARY) -> set[str]:
    return hits((t for w in QApplication.allWidgets() if _alive(w) for t in widget_texts(w)),
                canaries)


def model_hits(canaries: Mapping[str, str] = CANARY) -> set[str]:
    return hits((t for m in live_models() if _alive(m) for t in model_texts(m)), canaries)


def object_hits(window: MainWindow, ctx: AppContext) -> set[str]:
    return hits(reachable_texts([window, ctx]))


def process_hits() -> set[str]:
    """Canaries anywhere in the process's Python objects: every object the garbage
    collector tracks, and the strings it holds directly or in the untracked dicts, lists
    and tuples it holds (CPython does not track a container of only strings). Only the
    test's own table of canaries is left out."""
    texts: list[str] = []
    for obj in gc.get_objects():
        if obj is CANARY:
            continue
        for ref in gc.get_referents(obj):
            if isinstance(ref, str):
                texts.append(ref)
            elif isinstance(ref, (dict, list, tuple)) and not gc.is_tracked(ref) \
                    and ref is not CANARY:
                items = list(ref.items()) if isinstance(ref, dict) else list(ref)
                texts += [str(x) for pair in items
                          for x in (pair if isinstance(pair, tuple) else (pair,))
                          if isinstance(x, str)]
    return hits(texts)


def clipboard_texts() -> list[str]:
    clipboard = QGuiApplication.clipboard()
    texts = [clipboard.text(QClipboard.Mode.Clipboard)]
    if clipboard.supportsSelection():
        texts.append(clipboard.text(QClipboard.Mode.Selection))
    return texts


def settle() -> None:
    """Let the event loop do what follows a lock: the deferred deletions, and the garbage
    collection the main window asks for once the workspace is gone (not done here: the
    program must do it itself)."""
    for _ in range(3):
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()


def make_active(qtbot: QtBot, widget: QWidget) -> None:
    window = widget.window()
    window.raise_()
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=3000)


# -- opening every screen ---------------------------------------------------------------------

@dataclass
class Opened:
    cases: CasesScreen
    triage_view: CaseViewScreen
    plan_view: CaseViewScreen
    wizard: TriageWizard
    plan_dialog: PlanDialog
    live: LiveMeetingWindow


def open_everything(qtbot: QtBot, window: MainWindow, world: World) -> Opened:
    workspace = window.workspace
    assert workspace is not None
    assert window.go_to("followup")
    assert window.go_to("meetings")
    meetings_screen = workspace.screens["meetings"]
    assert isinstance(meetings_screen, MeetingsScreen)
    meetings_screen.refresh(world.meeting_id)
    meetings_screen.select_meeting(world.meeting_id)
    live = meetings_screen.start_live()
    assert live is not None
    live.show_room_screen()
    assert live.room_window.isVisible()
    live.entry_text.setText(CANARY["p_typing"])   # an agreement being typed: a draft

    assert window.go_to("cases")
    cases = workspace.screens["cases"]
    assert isinstance(cases, CasesScreen)
    cases.refresh()
    cases.open_case(world.triage_number)
    cases.open_case(world.progress_number)
    views = {v.number: v for v in cases.findChildren(CaseViewScreen) if v.isVisible()}
    triage_view, plan_view = views[world.triage_number], views[world.progress_number]

    # The BSN copied with the case window's own shortcut (the main subject is selected).
    make_active(qtbot, triage_view)
    qtbot.keyClick(triage_view.subjects, Qt.Key.Key_B,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert QGuiApplication.clipboard().text() == CANARY["t_bsn"]

    triage_view.open_triage()
    wizard = triage_view.step_window
    assert isinstance(wizard, TriageWizard)
    plan_view.open_plan()
    plan_dialog = plan_view.step_window
    assert isinstance(plan_dialog, PlanDialog)
    return Opened(cases, triage_view, plan_view, wizard, plan_dialog, live)


def assert_canaries_everywhere(window: MainWindow, ctx: AppContext) -> None:
    """The control: before the lock each search finds what it looks for, and together they
    find every canary."""
    shown, modelled, held = widget_hits(), model_hits(), object_hits(window, ctx)
    assert {"t_domain", "t_item", "p_typing", "p_coordinator"} <= shown, shown
    assert {"t_given", "t_surname", "t_bsn", "t_address", "t_item", "p_item", "p_minutes",
            "p_goal", "p_action"} <= modelled, modelled
    assert {"t_surname", "t_reason", "p_surname", "p_bsn", "p_minutes", "p_goal"} <= held, held
    assert shown | modelled | held == set(CANARY)
    assert {"t_surname", "p_bsn", "p_minutes"} <= process_hits()
    assert CANARY["t_bsn"] in clipboard_texts()


def assert_nothing_left(window: MainWindow, ctx: AppContext, opened: OpenVault,
                        key: bytearray) -> None:
    settle()
    assert window.workspace is None and not window.findChildren(Workspace)
    # the key: zeroed, forgotten, no connection left or to be made
    assert not opened.is_open and opened._key is None
    assert not any(key), "the data key's bytes are still in memory"
    assert opened.engine.pool.checkedout() == 0
    with pytest.raises(VaultNotFound), opened.read() as conn:
        conn.exec_driver_sql("SELECT 1")
    assert not widget_hits()
    assert not model_hits()
    assert all(text == "" for text in clipboard_texts())
    data = QGuiApplication.clipboard().mimeData()
    assert data is None or not data.hasFormat(SECRET_HINT_MIME)
    assert not object_hits(window, ctx)
    assert not hits(reachable_texts([opened])), "the locked vault still holds personal data"
    assert not process_hits()


@pytest.fixture
def world(director_vault: OpenVault) -> World:
    return build_world(director_vault)


@pytest.fixture(autouse=True)
def _no_check_on_a_timer(no_quick_check: None) -> None:
    """The vault's quick check after an unlock is not what these tests are about."""


@pytest.mark.parametrize("how", ["ctrl_l", "idle"])
def test_after_a_lock_nothing_personal_is_left_and_the_key_goes_within_a_second(
        qtbot: QtBot, ctx: AppContext, world: World, make_window: Callable[..., MainWindow],
        how: str) -> None:
    started: list[float] = []
    if how == "idle":
        # Connected before the window's own lock slot, so it runs first when time is up.
        ctx.idle.idle.connect(lambda: started.append(time.monotonic()))
    opened = world.vault
    window = make_window(opened)
    dropped: list[float] = []
    opened.on_lock(lambda: dropped.append(time.monotonic()))
    everything = open_everything(qtbot, window, world)
    assert_canaries_everywhere(window, ctx)
    key = opened._key
    assert key is not None and any(key)

    if how == "ctrl_l":
        # The plan editor is in front (window-modal); Ctrl+L works there too.
        make_active(qtbot, everything.plan_dialog)
        started.append(time.monotonic())
        qtbot.keyClick(everything.plan_dialog, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    else:
        ctx.idle.set_interval_ms(300)
    del everything
    qtbot.waitUntil(lambda: bool(dropped), timeout=5000)
    assert started, "the lock was not started by the idle timer"
    took = dropped[0] - started[0]
    print(f"{how}: key dropped {took * 1000:.0f} ms after the lock began")
    assert took < 1.0, f"the key was dropped {took:.2f} s after the lock began"
    assert window.stack.currentWidget() is window.unlock_screen

    assert_nothing_left(window, ctx, opened, key)


# -- copying a BSN or address -----------------------------------------------------------------

def _copy_rows(vault: OpenVault) -> list[tuple[str, str, str, dict]]:
    with vault.read() as conn:
        return [(r.action, r.object_type, r.object_id, json.loads(r.detail or "{}"))
                for r in conn.execute(select(audit_log).where(
                    audit_log.c.action == "subject.copy").order_by(audit_log.c.id))]


def test_copy_bsn_and_address_from_the_case_screen(
        qtbot: QtBot, ctx: AppContext, world: World,
        make_window: Callable[..., MainWindow]) -> None:
    vault = world.vault
    window = make_window(vault)
    assert window.go_to("cases")
    cases = window.workspace.screens["cases"]  # type: ignore[union-attr]
    cases.open_case(world.triage_number)
    view = next(v for v in cases.findChildren(CaseViewScreen) if v.isVisible())
    bsn_action, address_action = (view.copy_actions[CopyField.BSN],
                                  view.copy_actions[CopyField.ADDRESS])
    # In the subjects table's context menu, named as the user reads them.
    assert view.subjects.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    assert [a.text() for a in view.subjects.actions()] == ["&BSN kopiëren", "A&dres kopiëren",
                                                           "Inzage&verzoek\u2026"]
    assert bsn_action.shortcut().toString() == "Ctrl+Shift+B"

    # The child has neither BSN nor address: nothing to copy.
    view.subjects.selectRow(1)
    assert not bsn_action.isEnabled() and not address_action.isEnabled()
    with dialogs.scripted() as script:
        assert not view.copy_subject_field(CopyField.BSN)
    assert script.shown == []

    view.subjects.selectRow(0)
    assert bsn_action.isEnabled() and address_action.isEnabled()
    address_action.trigger()
    clipboard = QGuiApplication.clipboard()
    assert clipboard.text() == CANARY["t_address"]
    assert bytes(clipboard.mimeData().data(SECRET_HINT_MIME)) == b"secret"
    assert ctx.clipboard.holds_ours   # the program's guard: the lock clears it
    assert "10 seconden" in view.copy_note.text()

    make_active(qtbot, view)
    qtbot.keyClick(view.subjects, Qt.Key.Key_B,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert clipboard.text() == CANARY["t_bsn"]
    assert bytes(clipboard.mimeData().data(SECRET_HINT_MIME)) == b"secret"

    subject_id = str(view.view.case.subjects[0].id)  # type: ignore[union-attr]
    rows = _copy_rows(vault)
    assert [(r[1], r[2], r[3]["field"]) for r in rows] == [("subject", subject_id, "address"),
                                                           ("subject", subject_id, "bsn")]
    assert all(r[3]["case"] == world.triage_number for r in rows)
    assert not hits(json.dumps(r) for r in rows), "a copied value ended up in the audit log"

    ctx.clipboard.clear_if_ours()            # as when its ten seconds are up
    assert clipboard.text() == "" and view.copy_note.text() == "", "the note goes with it"
    address_action.trigger()
    window.lock()
    assert clipboard.text() == "" and not ctx.clipboard.holds_ours


def test_copy_is_refused_without_the_right_to_see_the_case(world: World) -> None:
    vault = world.vault
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, world.triage_number)
        subject_id = case_service.load_case(conn, case_id).subjects[0].id
    assert subject_id is not None
    assert case_view_service.copy_subject_field(
        vault, world.triage_number, subject_id, CopyField.BSN) == CANARY["t_bsn"]
    # Another case's subject is not this case's.
    from app.errors import NotFound
    with pytest.raises(NotFound):
        case_view_service.copy_subject_field(vault, world.progress_number, subject_id,
                                             CopyField.BSN)
    manager = unlock_as(vault, Role.MANAGER)
    with pytest.raises(PermissionDenied):
        case_view_service.copy_subject_field(manager, world.triage_number, subject_id,
                                             CopyField.BSN)
    with vault.read() as conn:
        last = conn.execute(select(audit_log).order_by(audit_log.c.id.desc())).first()
    assert last is not None and (last.action, last.result) == ("denied", "denied")
    assert len(_copy_rows(vault)) == 1


def test_clipboard_is_marked_secret_and_emptied_after_its_time(qtbot: QtBot) -> None:
    assert CLEAR_AFTER_MS == 10_000   # the ten seconds
    guard = ClipboardGuard(clear_after_ms=50)
    clipboard = QGuiApplication.clipboard()
    guard.copy_sensitive(CANARY["t_bsn"])
    data = clipboard.mimeData()
    assert data.text() == CANARY["t_bsn"]
    assert bytes(data.data(SECRET_HINT_MIME)) == b"secret"
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=2000)
    assert not guard.holds_ours

    # Something the user copied meanwhile is theirs: left alone when the time runs out.
    guard.copy_sensitive(CANARY["p_bsn"])
    clipboard.setText("eigen tekst")
    qtbot.wait(150)
    assert clipboard.text() == "eigen tekst"
    assert not guard.holds_ours
    clipboard.clear()


# -- the desktop's screen saver ---------------------------------------------------------------

def test_screen_saver_on_locks_off_does_not(qtbot: QtBot, ctx: AppContext, world: World,
                                            make_window: Callable[..., MainWindow]) -> None:
    opened = world.vault
    window = make_window(opened)
    ctx.screensaver.on_active_changed(False)
    assert window.opened is opened and opened.is_open
    ctx.screensaver.on_active_changed(True)
    assert window.opened is None and not opened.is_open
    assert window.stack.currentWidget() is window.unlock_screen
    ctx.screensaver.on_active_changed(True)   # already locked: nothing happens


def test_without_a_session_bus_the_watcher_does_nothing(
        qtbot: QtBot, caplog: pytest.LogCaptureFixture) -> None:
    from PySide6.QtDBus import QDBusConnection

    watcher = ScreenSaverWatcher(lambda: QDBusConnection.connectToBus(
        "unix:path=/nonexistent/casuskamer-no-bus", "casuskamer-no-bus"))
    with caplog.at_level(logging.DEBUG, logger="ui.screensaver"):
        assert watcher.watch() is False and watcher.watching == []
    assert "no D-Bus session bus" in caplog.text   # said, in a debug line
    assert watcher.watch() is False   # asked once only
    QDBusConnection.disconnectFromBus("casuskamer-no-bus")


@pytest.fixture
def private_bus() -> Iterator[str]:
    """A session bus of our own (``dbus-daemon --session``), its address."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None or shutil.which("dbus-send") is None:
        pytest.skip("dbus-daemon or dbus-send is not installed on this machine")
    process = subprocess.Popen([daemon, "--session", "--nofork", "--nopidfile",
                                "--print-address=1"], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        assert process.stdout is not None
        address = process.stdout.readline().strip()
        assert address.startswith("unix:"), address
        yield address
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout is not None:
            process.stdout.close()


@pytest.mark.parametrize("interface, path", SCREEN_SAVERS)
def test_screen_saver_signal_on_a_real_session_bus_locks(
        qtbot: QtBot, ctx: AppContext, world: World, make_window: Callable[..., MainWindow],
        private_bus: str, interface: str, path: str) -> None:
    from PySide6.QtDBus import QDBusConnection

    name = f"casuskamer-test-{interface}"
    ctx.screensaver = ScreenSaverWatcher(lambda: QDBusConnection.connectToBus(private_bus,
                                                                              name))
    opened = world.vault
    window = make_window(opened)
    assert ctx.screensaver.watching == list(SCREEN_SAVERS)

    def send(active: bool) -> None:
        subprocess.run(["dbus-send", "--session", "--type=signal", path,
                        f"{interface}.ActiveChanged", f"boolean:{str(active).lower()}"],
                       env=dict(os.environ, DBUS_SESSION_BUS_ADDRESS=private_bus),
                       check=True, timeout=10)

    try:
        send(False)
        qtbot.wait(200)
        assert window.opened is opened and opened.is_open
        send(True)
        qtbot.waitUntil(lambda: window.opened is None, timeout=5000)
        assert not opened.is_open
    finally:
        QDBusConnection.disconnectFromBus(name)

