"""The main window: it only assembles. A navigation down the side (the sections the role may
see), the chosen section's screen beside it, and in place of both the unlock screen whenever
the vault is locked.

Locking (Ctrl+L in any window of the program, idle time, the desktop's screen saver
starting (``ui.screensaver``), quitting, or the vault locked from elsewhere) follows the
protocol in ``ui.locking``: drafts saved while the vault is still open, then the vault's key
dropped, then every screen and dialog cleared, every other window closed, the clipboard
cleared if we filled it, the workspace destroyed (so no widget, model or Python object of it
is left) and the unlock screen shown. Ctrl+L is caught by an application-wide key filter
(``locking.LockKeys``), since the Lock action's own shortcut works only in this window and a
modal dialog shadows every shortcut.

After an unlock the workspace shows, above the sections, a short notice of overdue actions
(counts only, from ``app.services.followup.overdue_notice``) that can be dismissed, and a
moment after the window shows, the vault's quick check (``app.vault.maintenance.verify``
with ``quick=True``) runs off the GUI thread; a problem it finds is shown as a warning that
says to restore the latest backup.
"""

from __future__ import annotations

import functools
import gc
import sys
from collections.abc import Sequence

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import CasuskamerError
from app.i18n import _
from app.services import followup, unlocking
from app.vault import maintenance
from app.vault.vault import OpenVault
from ui import a11y, dialogs, locking
from ui import help as program_help
from ui.actions import ActionId, make_action
from ui.app_context import AppContext, log_folder
from ui.clipboard import ClipboardGuard, install_copy_filter
from ui.first_use import show_account_notices
from ui.live_updates import LiveUpdates
from ui.navigation import NotAvailablePage, Section, default_sections
from ui.settings import WINDOW_GEOMETRY
from ui.settings_screen import ChangePassphraseDialog, SettingsScreen
from ui.tasks import run_in_background, wait_for_background
from ui.unlock import UnlockScreen


def _collect_soon(*_args: object) -> None:
    """Once Qt has destroyed the workspace after a lock: free the Python objects its screens
    held (cases, plans, rows kept alive by reference cycles among widgets' wrappers and
    their callbacks) now, not whenever the garbage collector next happens to run; a freeze
    of the heap (``ui.cases.case_table.settle_heap``) is lifted first, or it would keep them."""
    def collect() -> None:
        gc.unfreeze()
        gc.collect()

    QTimer.singleShot(0, collect)


class NoticeBanner(QFrame):
    """A line above the sections: a notice (overdue actions) or a warning (the vault check),
    with a button that puts it away."""

    def __init__(self, name: str, text: str, warning: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"notice_{name}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(text)
        self.label.setObjectName("notice_text")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        if warning:
            self.label.setStyleSheet(a11y.error_style(bold=True))
        self.close_button = QPushButton(_("Dismiss"))
        self.close_button.setObjectName("dismiss_notice")
        self.close_button.setToolTip(_("Put this notice away"))
        self.close_button.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.close_button, 0, Qt.AlignmentFlag.AlignTop)

    def text(self) -> str:
        return self.label.text()

    def dismiss(self) -> None:
        self.hide()
        self.deleteLater()

    def clear(self) -> None:
        self.label.clear()


class Workspace(QWidget):
    """What an unlocked account sees: the navigation and one screen at a time.

    Screens are built on first visit and live until the next lock destroys the workspace.
    """

    def __init__(self, opened: OpenVault, sections: Sequence[Section],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("workspace")
        self.opened = opened
        self.sections = [s for s in sections if s.visible_for(opened.actor.role)]
        self.screens: dict[str, QWidget] = {}

        self.nav = QListWidget()
        self.nav.setObjectName("navigation")
        a11y.name(self.nav, _("Sections"))
        self.nav.setFixedWidth(190)
        self.nav.setSpacing(2)
        font = self.nav.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.nav.setFont(font)
        for section in self.sections:
            item = QListWidgetItem(_(section.label))
            item.setData(Qt.ItemDataRole.UserRole, section.id)
            self.nav.addItem(item)
        self.pages = QStackedWidget()
        self.pages.setObjectName("pages")
        self.notices = QVBoxLayout()
        self.notices.setContentsMargins(0, 0, 0, 0)
        body = QHBoxLayout()
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.nav)
        body.addWidget(self.pages, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.notices)
        layout.addLayout(body, 1)
        self.nav.currentRowChanged.connect(self._row_changed)

    def show_notice(self, name: str, text: str, warning: bool = False) -> NoticeBanner:
        """Show (or replace) the notice called ``name`` above the sections."""
        old = self.notice(name)
        if old is not None:
            old.dismiss()
        banner = NoticeBanner(name, text, warning, self)
        # A warning goes first: it matters more than a count of overdue actions.
        self.notices.insertWidget(0 if warning else self.notices.count(), banner)
        banner.show()
        return banner

    def notice(self, name: str) -> NoticeBanner | None:
        found = self.findChild(NoticeBanner, f"notice_{name}")
        return found if found is not None and not found.isHidden() else None

    def section_ids(self) -> list[str]:
        return [s.id for s in self.sections]

    def current_section(self) -> str | None:
        row = self.nav.currentRow()
        return self.sections[row].id if 0 <= row < len(self.sections) else None

    def show_section(self, section_id: str) -> bool:
        ids = self.section_ids()
        if section_id not in ids:
            return False
        self.nav.setCurrentRow(ids.index(section_id))
        return True

    def _row_changed(self, row: int) -> None:
        if not 0 <= row < len(self.sections):
            return
        section = self.sections[row]
        screen = self.screens.get(section.id)
        if screen is None:
            screen = self._build(section)
            self.screens[section.id] = screen
            self.pages.addWidget(screen)
        self.pages.setCurrentWidget(screen)

    def _build(self, section: Section) -> QWidget:
        if section.factory is None:
            return NotAvailablePage(_(section.label))
        try:
            return section.factory(self.opened)
        except Exception:  # noqa: BLE001 - one broken screen must not take the window down
            sys.excepthook(*sys.exc_info())
            page = NotAvailablePage(_(section.label))
            text = page.findChild(QLabel, "not_available_text")
            if text is not None:
                text.setText(_("This part could not be opened."))
            return page


class MainWindow(QMainWindow):
    locked = Signal()
    unlocked = Signal()
    _closed_elsewhere = Signal()
    #: the quick check after an unlock finished: True when it found nothing wrong
    vault_checked = Signal(bool)

    #: how long after the workspace shows the vault's quick check starts (the window first
    #: paints and the user can start working; the check runs off the GUI thread anyway)
    QUICK_CHECK_DELAY_MS = 1500
    #: the overdue notice is counted (off the GUI thread) this long after the unlock
    OVERDUE_NOTICE_AFTER_MS = 150

    def __init__(self, ctx: AppContext, sections: Sequence[Section] | None = None,
                 opened: OpenVault | None = None) -> None:
        super().__init__()
        self.setObjectName("main_window")
        self.ctx = ctx
        self.sections = list(sections) if sections is not None else default_sections(
            self._settings_screen)
        self.opened: OpenVault | None = None
        self.workspace: Workspace | None = None
        # Kept only in memory, for this run: which account and section to offer after a lock.
        self._last_account: str | None = None
        self._last_section: str | None = None
        self._quitting = False

        self.stack = QStackedWidget()
        self.unlock_screen = UnlockScreen(ctx.vault, backoff=ctx.backoff, kdf=ctx.kdf,
                                          first_use_idle_ms=ctx.idle.interval_ms)
        self.unlock_screen.unlocked.connect(self.open_workspace)
        self.stack.addWidget(self.unlock_screen)
        self.setCentralWidget(self.stack)

        self.actions_by_id = {
            ActionId.LOCK: make_action(self, ActionId.LOCK, self.lock),
            ActionId.QUIT: make_action(self, ActionId.QUIT, self.close),
            ActionId.HELP: make_action(self, ActionId.HELP, self.show_help),
            ActionId.ABOUT: make_action(self, ActionId.ABOUT, self.show_about),
            ActionId.CHANGE_PASSPHRASE: make_action(self, ActionId.CHANGE_PASSPHRASE,
                                                    self.change_passphrase),
        }
        for section in self.sections:
            self.actions_by_id[section.action] = make_action(
                self, section.action, functools.partial(self.go_to, section.id))
        self.actions_by_id[ActionId.FIND_CASE] = make_action(self, ActionId.FIND_CASE,
                                                             self.find_case)
        for action in self.actions_by_id.values():
            self.addAction(action)
        self._build_menus()
        # Ctrl+L in every window of the program, dialogs and modal loops included.
        self.lock_keys = locking.LockKeys(self.actions_by_id[ActionId.LOCK].shortcut(),
                                          self.lock, self._has_vault, self)
        # Every copy out of any window through the clipboard guard, audited (ui.clipboard).
        self.copy_filter = install_copy_filter(ctx.clipboard, self, lambda: self.opened)

        self.account_label = QLabel("")
        self.statusBar().addPermanentWidget(self.account_label)
        ctx.idle.idle.connect(self.lock)
        ctx.screensaver.activated.connect(self.lock)
        ctx.screensaver.watch()
        self._closed_elsewhere.connect(self._vault_closed_elsewhere,
                                       Qt.ConnectionType.QueuedConnection)
        self._restore_geometry()
        if opened is not None:
            self.open_workspace(opened)
        else:
            self._show_locked()

    @property
    def clipboard_guard(self) -> ClipboardGuard:
        """What screens copy sensitive text through (``ui.clipboard.guard_for``), so that a
        lock clears it."""
        return self.ctx.clipboard

    # -- assembly ---------------------------------------------------------------------------

    def _settings_screen(self, opened: OpenVault) -> QWidget:
        return SettingsScreen(opened, self.ctx)

    def _build_menus(self) -> None:
        a = self.actions_by_id
        program = self.menuBar().addMenu(_("&Casuskamer"))
        program.addAction(a[ActionId.LOCK])
        program.addAction(a[ActionId.CHANGE_PASSPHRASE])
        program.addSeparator()
        program.addAction(a[ActionId.QUIT])
        go = self.menuBar().addMenu(_("&Go"))
        for section in self.sections:
            go.addAction(a[section.action])
        go.addSeparator()
        go.addAction(a[ActionId.FIND_CASE])
        self.go_menu = go
        help_menu = self.menuBar().addMenu(_("&Help"))
        help_menu.addAction(a[ActionId.HELP])
        help_menu.addAction(a[ActionId.ABOUT])

    def _restore_geometry(self) -> None:
        geometry = self.ctx.settings.get(WINDOW_GEOMETRY)
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        else:
            self.resize(1200, 800)

    def _update_chrome(self) -> None:
        """Title, status line and which actions work: nothing personal in the title."""
        is_open = self.opened is not None
        self.setWindowTitle(_("Casuskamer") if is_open else _("Casuskamer (locked)"))
        for action_id, action in self.actions_by_id.items():
            spec_locked = action_id in (ActionId.QUIT, ActionId.HELP, ActionId.ABOUT)
            visible_sections = self.workspace.section_ids() if self.workspace else []
            if action_id in (s.action for s in self.sections):
                section_id = next(s.id for s in self.sections if s.action == action_id)
                action.setEnabled(is_open and section_id in visible_sections)
                action.setVisible(not is_open or section_id in visible_sections)
            else:
                action.setEnabled(is_open or spec_locked)
        self.go_menu.setEnabled(is_open)
        if self.opened is not None:
            self.account_label.setText(_("Signed in as {account} ({role})").format(
                account=self.opened.actor.account, role=self.opened.actor.role.label))
        else:
            self.account_label.setText("")

    # -- unlocking --------------------------------------------------------------------------

    def open_workspace(self, opened: OpenVault) -> None:
        self.opened = opened
        same_account = opened.actor.account == self._last_account
        self._last_account = opened.actor.account
        opened.on_lock(self._closed_elsewhere.emit)
        self.workspace = Workspace(opened, self.sections)
        # on the house server: other workstations' saves refresh the open screens
        LiveUpdates.follow(opened, self.workspace,
                           on_withdrawn=lambda: self._session_ended(opened, "login"),
                           on_key_changed=lambda: self._session_ended(opened, "key"))
        self.stack.addWidget(self.workspace)
        self.stack.setCurrentWidget(self.workspace)
        back_where_it_was = bool(same_account and self._last_section
                                 and self.workspace.show_section(self._last_section))
        if not back_where_it_was and self.workspace.sections:
            self.workspace.nav.setCurrentRow(0)
        self.workspace.nav.setFocus()
        self.ctx.settings.last_vault_folder = self.ctx.location  # a folder or a profile
        locking.note_unlocked()
        self.ctx.idle.start()
        self.lock_keys.start()
        self._update_chrome()
        self._show_overdue_notice()
        show_account_notices(self.workspace, opened)
        self.unlock_screen.show_attempts_notice(self.workspace)  # failed attempts since
        if self.QUICK_CHECK_DELAY_MS >= 0:
            # Tied to the workspace: a lock before the delay ends cancels the check.
            QTimer.singleShot(self.QUICK_CHECK_DELAY_MS, self.workspace, self.start_quick_check)
        self.unlocked.emit()

    # -- after the unlock: the overdue notice and the quick check ---------------------------

    def _show_overdue_notice(self) -> None:
        """Counted off the GUI thread (a query over every open action), after the first
        frame (whose reads keep the one open connection to themselves): the window does
        not wait for it; the notice appears when counted."""
        if self.workspace is not None:
            QTimer.singleShot(self.OVERDUE_NOTICE_AFTER_MS, self.workspace,
                              self._count_overdue)

    def _count_overdue(self) -> None:
        opened, workspace = self.opened, self.workspace
        if opened is None or workspace is None or not opened.is_open:
            return
        run_in_background(lambda: followup.overdue_notice(opened).text(),
                          lambda text: self._overdue_counted(opened, workspace, text),
                          self._overdue_failed, context=workspace)

    def _overdue_counted(self, opened: OpenVault, workspace: Workspace, text: str) -> None:
        if workspace is self.workspace and opened.is_open and text:
            workspace.show_notice("overdue", text)

    @staticmethod
    def _overdue_failed(exc: BaseException) -> None:
        if not isinstance(exc, CasuskamerError):
            raise exc  # a notice, not a condition for working: only a real fault is raised

    def start_quick_check(self) -> None:
        """Run the vault's quick check off the GUI thread; warn when it finds a problem."""
        opened, workspace = self.opened, self.workspace
        if opened is None or workspace is None or not opened.is_open:
            return
        # a folder's file, or the audit chain on the house server (app.services.unlocking)
        run_in_background(lambda: unlocking.quick_check(opened),
                          self._quick_check_done, self._quick_check_failed, context=workspace)

    def _quick_check_done(self, report: maintenance.VerifyReport) -> None:
        if report.sound:
            self.vault_checked.emit(True)
            return
        self._warn_damaged("\n".join(report.problems))

    def _quick_check_failed(self, exc: BaseException) -> None:
        if self.opened is None or not self.opened.is_open:
            return  # locked meanwhile: nothing was checked, nothing to say
        self._warn_damaged(str(exc) if isinstance(exc, CasuskamerError) else type(exc).__name__)

    def _warn_damaged(self, details: str) -> None:
        text = _("The check of the vault found a problem: the data may be damaged. Stop "
                 "working in this vault and ask the administrator to restore the latest "
                 "backup (casuskamer restore).")
        if unlocking.is_server(self.ctx.vault):  # the server's backup is IT's (pg_dump)
            text = _("The check of the house server found a problem: the data may be "
                     "damaged or altered. Stop working and tell your administrator, who has "
                     "the server checked (casuskamer verify) and its backup restored.")
        if self.workspace is not None:
            banner = self.workspace.show_notice("vault_check", text, warning=True)
            banner.setToolTip(details)
        self.vault_checked.emit(False)
        dialogs.warn(self, _("The vault may be damaged"), text)

    def go_to(self, section_id: str) -> bool:
        return self.workspace is not None and self.workspace.show_section(section_id)

    def find_case(self) -> None:
        """Ctrl+F from anywhere in the window: the Cases screen, its search box focused."""
        if self.workspace is None or not self.go_to("cases"):
            return
        screen = self.workspace.screens.get("cases")
        focus = getattr(screen, "focus_search", None)
        if callable(focus):
            focus()

    # -- locking ----------------------------------------------------------------------------

    def lock(self) -> None:
        """Lock now: save drafts while the vault is open, drop the key, then clear, close
        and destroy every window (each on its own, so one failure cannot stop the rest)."""
        opened = self.opened
        if opened is None:
            self.unlock_screen.cancel_first_use()  # an account still choosing its passphrase
            return
        if opened.is_open:
            locking.save_drafts(locking.participants(self._lock_roots()))
        try:
            opened.lock()
        finally:
            self._lock_ui()

    def _lock_roots(self) -> list[QWidget]:
        windows = locking.other_windows(self)
        return [w for w in (self.workspace, *windows) if w is not None]

    def _has_vault(self) -> bool:
        return self.opened is not None

    def _lock_ui(self) -> None:
        # From here on no question or message of the ending session is shown (ui.dialogs),
        # not even one asked by a window closing now or by code after a modal loop.
        locking.note_locked()
        windows = locking.other_windows(self)
        roots = [w for w in (self.workspace, *windows) if w is not None]
        taking_part = locking.participants(roots)
        locking.clear_all(taking_part)
        locking.close_windows(windows)
        del taking_part, roots, windows
        self.ctx.clipboard.clear_if_ours()
        self.ctx.idle.stop()
        self.lock_keys.stop()
        if self.workspace is not None:
            self._last_section = self.workspace.current_section()
            self.stack.removeWidget(self.workspace)
            self.workspace.hide()
            self.workspace.destroyed.connect(_collect_soon)
            self.workspace.deleteLater()
            self.workspace = None
        self.opened = None
        self._show_locked()
        self.locked.emit()
        locking.report_failures_later()

    def _show_locked(self) -> None:
        self.stack.setCurrentWidget(self.unlock_screen)
        self.unlock_screen.prepare(self._last_account)
        self._update_chrome()

    def _session_ended(self, opened: OpenVault, why: str) -> None:
        """The house server ended this session: its account may no longer log in (``why``
        "login": revoked, or its passphrase changed at another workstation) or an
        administrator changed the house's data key ("key"). Lock now, so nothing of the
        session stays on screen, and say why on the unlock screen."""
        from app.vault.server import DataKeyChanged, LoginWithdrawn

        if self.opened is not opened:
            return
        self.lock()
        reason = LoginWithdrawn() if why == "login" else DataKeyChanged()
        self.unlock_screen.show_message(str(reason))

    def _vault_closed_elsewhere(self) -> None:
        """The vault was locked by someone other than this window (a service, a test)."""
        if self.opened is not None and not self.opened.is_open:
            self._lock_ui()

    # -- other actions ----------------------------------------------------------------------

    def change_passphrase(self) -> None:
        if self.opened is None:
            return
        dialog = ChangePassphraseDialog(self.opened, self.ctx.kdf, self)
        dialog.accepted.connect(lambda: dialogs.inform(
            self, _("Change passphrase"), _("Your passphrase has been changed.")))
        dialog.open()

    def help_topic(self) -> str | None:
        """The help topic of the screen the keyboard is in, else of the section shown."""
        if self.workspace is None:
            return "unlock"
        focus = QApplication.focusWidget()
        topic = program_help.topic_for(focus) if focus is not None and (
            focus.window() is self) else None
        section = self.workspace.current_section()
        return topic or program_help.SECTION_TOPICS.get(section or "")

    def show_help(self) -> None:
        """F1: the guide of the current screen and every shortcut (``ui.help``)."""
        note = _("Casuskamer keeps the case work of the house in one encrypted vault. "
                 "The program locks itself after {minutes} minutes without activity.").format(
            minutes=self.ctx.settings.idle_lock_minutes)
        self.help_dialog = program_help.show_help(self, self.help_topic(),
                                                  about=self.show_about, note=note)

    def show_about(self) -> None:
        self.about_dialog = program_help.show_about(
            self, self.ctx.location, self.ctx.settings.path, log_folder())

    def closeEvent(self, event: QCloseEvent) -> None:
        """Quitting locks first (drafts saved), waits for running key work, saves geometry."""
        self.lock()
        wait_for_background()
        self.ctx.settings.set(WINDOW_GEOMETRY, self.saveGeometry())
        self.ctx.settings.sync()
        event.accept()
