"""Starting the desktop program: ``casuskamer`` or
``casuskamer gui [--vault DIR|PROFILE] [--lang nl|en]``.

Sets up the QApplication, the language (ours through ``app.i18n``, Qt's own buttons through
its bundled ``qtbase_<lang>.qm``), the crash handler, and then shows either the first-run
wizard (no vault in the folder yet) or the main window with its unlock screen. ``--vault``
takes a vault folder or a house server's connection profile (issue 22, point 1): the unlock
screen then asks the account name and passphrase for the server. The first-run wizard's
server branch ends on that same unlock screen, for the profile it wrote.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QDialog

from app.errors import CasuskamerError
from app.i18n import LANGUAGES, N_, _, set_language
from app.resources import resource_path
from app.vault.server import ServerVault
from app.vault.vault import OpenVault
from ui import crash, focus_style, single_instance
from ui import help as program_help
from ui.app_context import AppContext, default_vault_folder, log_folder
from ui.first_run import FirstRunWizard
from ui.main_window import MainWindow
from ui.settings import Settings


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="casuskamer gui",
                                     description=_("Start the Casuskamer desktop program."))
    parser.add_argument("--vault", type=Path, default=None, metavar="DIR|PROFILE",
                        help=_("the vault folder, or a house server's connection profile "
                               "(default: the last one used, else {folder})")
                        .format(folder=default_vault_folder()))
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help=_("language of the program (default: the saved choice, else nl)"))
    return parser.parse_args(list(argv))


#: Qt's own texts that its bundled Dutch catalogue lacks (Qt 6 added a mnemonic to the file
#: picker's labels, and the old translations no longer match): (context, source) -> msgid
QT_GAPS: dict[tuple[str, str], str] = {
    ("QFileDialog", "&Look in:"): N_("&Look in:"),
    ("QFileDialog", "Files of &type:"): N_("Files of &type:"),
    ("QFileDialog", "Directory:"): N_("Directory:"),
    ("QPlatformTheme", "Don't Save"): N_("Don't Save"),
    # Qt's Dutch "Vol&tooien" clashes with "< &Terug" on a wizard's last page
    ("QWizard", "&Finish"): N_("&Finish"),
}


class QtGaps(QTranslator):
    """Fills the gaps in Qt's catalogue from ours (asked before Qt's own, it answers only
    for the texts in :data:`QT_GAPS`)."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str | None:
        msgid = QT_GAPS.get((context, source))
        # None is Qt's "no translation here", so Qt asks its own catalogue next
        return _(msgid) if msgid else None

    def isEmpty(self) -> bool:
        return False


def install_qt_translation(app: QApplication, language: str) -> QTranslator | None:
    """Load Qt's bundled ``qtbase_<lang>.qm`` so Qt's own buttons (OK, Cancel, Yes) and
    dialogs (the file picker's "Look in:") speak the program's language, with the few texts
    it lacks from our catalogue (:class:`QtGaps`). English needs none."""
    QLocale.setDefault(QLocale(language))
    if language == "en":
        return None
    translator = QTranslator(app)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if translator.load(f"qtbase_{language}", folder):
        app.installTranslator(translator)
        app.installTranslator(QtGaps(translator))
        return translator
    return None


def choose_folder(args: argparse.Namespace, settings: Settings) -> Path:
    if args.vault is not None:
        return Path(args.vault).expanduser()
    # the machine-wide folder if IT locked it, else the last one used, else IT's default
    return settings.preferred_vault_folder() or default_vault_folder()


def build_window(ctx: AppContext) -> MainWindow | None:
    """The first-run wizard when there is no vault yet (None if cancelled), then the window:
    unlocked on the vault the wizard made, or locked on the house server whose profile it
    wrote (its unlock screen asks the account and passphrase)."""
    opened: OpenVault | None = None
    if not ctx.vault.exists():
        wizard = FirstRunWizard(ctx.vault.folder, kdf=ctx.kdf)
        if wizard.exec() != QDialog.DialogCode.Accepted:
            return None
        if wizard.opened is not None:
            opened = wizard.opened
            # The wizard may have been pointed at another folder than the one we started with.
            ctx.vault = opened.vault
        elif wizard.profile_path is not None:
            ctx.vault = ServerVault.from_file(wizard.profile_path)
            ctx.settings.last_vault_folder = wizard.profile_path  # opened next time too
        else:
            return None
    window = MainWindow(ctx, opened=opened)
    return window


def _refuse(text: str) -> int:
    """A start that cannot go on (a damaged profile): one line on stderr and a message
    window (a program started from the desktop has no terminal); exit status 2."""
    line = f"casuskamer: {text}"
    if sys.stderr is not None:  # None in the windowed Windows program
        print(line, file=sys.stderr)
    if os.environ.get(SMOKE_EXIT) is None:
        from ui import dialogs

        dialogs.error(None, _("Casuskamer cannot start"), text)
    return 2


#: Set to ``unlock`` by ``packaging/smoke.py``: quit as soon as the unlock screen is shown and
#: say how long it took (the built program's start-up time). Nothing else reads it.
SMOKE_EXIT = "CASUSKAMER_SMOKE_EXIT"


def _smoke_exit(app: QApplication, window: MainWindow) -> None:
    from ui.launcher import STARTED

    shown = window.isVisible() and window.stack.currentWidget() is window.unlock_screen
    if shown:
        took = time.perf_counter() - STARTED
        print(f"casuskamer: unlock screen shown after {took:.2f} s", flush=True)
    app.exit(0 if shown else 1)


def run_gui(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setOrganizationName("Casuskamer")
    app.setApplicationName("Casuskamer")
    app.setDesktopFileName("casuskamer")
    app.setWindowIcon(QIcon(str(resource_path("icons", "casuskamer.svg"))))
    settings = Settings()
    language = args.lang or settings.language
    set_language(language)
    install_qt_translation(app, language)
    focus_style.install(app)          # a visible focus ring on every input
    handler = crash.install(log_folder())
    program_help.install_f1(app)
    try:
        folder = choose_folder(args, settings)
        instance = single_instance.claim(folder)  # a second start on this vault: raise the first
        if instance is None:
            if sys.stderr is not None:  # None in the windowed Windows program
                print(_("Casuskamer is already open on this vault; its window has been "
                        "brought forward."), file=sys.stderr)
            return 0
        try:
            ctx = AppContext.create(settings, folder)
            window = build_window(ctx)
        except CasuskamerError as exc:  # a profile that is damaged or holds a password
            instance.close()
            return _refuse(str(exc))
        if window is None:
            return 0
        instance.window = window
        window.show()
        if os.environ.get(SMOKE_EXIT) == "unlock":
            QTimer.singleShot(0, lambda: _smoke_exit(app, window))
        return int(app.exec())
    finally:
        handler.uninstall()
