"""The desktop program on a house server's profile (issue 22, point 1), on the session's
throwaway PostgreSQL (``tests/pg_server.py``: TLS verify-full, SCRAM only).

The program is started on a profile file as ``casuskamer gui --vault PROFILE`` starts it
(``ui.app_context.AppContext.create`` with the profile's path): the unlock screen asks the
account name and the passphrase, the process director unlocks, sees the case list with a case
made through the services, locks (the window then holds nothing of the case and the
account's connections to the server are gone), and unlocks again. A wrong passphrase, a
revoked account, a server that does not answer and a certificate from another CA each give
one line on the unlock screen, no traceback, and nothing written beside the profile.
"""
# ruff: noqa: F811

from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt

from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.services import accounts as account_service
from app.services import intake
from app.services import parties as party_service
from app.services import session
from app.store import engine as server_engine
from app.store import sealed
from app.store.profile import ServerProfile, write_profile
from app.vault.keyslots import KdfParams
from app.vault.server import FirstAccount, ServerVault, create_house
from tests.pg_server import write_tls_files
from tests.ui.shell_fixtures import FAST_BACKOFF, _no_scripted_dialogs, all_texts  # noqa: F401
from tests.ui.test_cases_screen import shown_numbers
from ui.app_context import AppContext
from ui.main_window import MainWindow
from ui.settings import Settings

pytest.importorskip("psycopg")

ADMIN, ADMIN_PASS = "beheer", "de sleutel ligt bij het zorg en veiligheidshuis"
DIRECTOR, DIRECTOR_PASS = "regisseur", "regie over de casus blijft mensenwerk"
CANARY_GIVEN, CANARY_SURNAME = "Kanarie", "Vliegenthart-Desktop"
WRONG = "Het account of de wachtzin klopt niet, of het account is ingetrokken."


@dataclass
class House:
    pg: Any
    profile: ServerProfile
    path: Path
    number: str


def _referral(vault: Any) -> Referral:
    police = party_service.find_party_by_name(vault, "Politie regionale eenheid Den Haag")
    assert police is not None
    return Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=police.id,
        received=date(2026, 3, 2), reason="Zorgen over de woonsituatie",
        question="Samen een plan maken",
        subjects=(Subject(CANARY_GIVEN, CANARY_SURNAME, date(1980, 5, 17),
                          SubjectRole.MAIN_SUBJECT, None),),
        referring_contact="Wijkagent Bakker")


@pytest.fixture
def house(pg_server: Any, tmp_path: Path) -> House:
    """A house with an administrator and a process director, seeded, with one case the
    process director registered through the services; its profile in a folder of its own."""
    profile = ServerProfile(host=pg_server.host, port=pg_server.port,
                            database=pg_server.new_database("desk"), ca_file=pg_server.ca_file)
    create_house(profile, pg_server.superuser, pg_server.superuser_password,
                 [FirstAccount(ADMIN, Role.ADMIN, ADMIN_PASS),
                  FirstAccount(DIRECTOR, Role.PROCESS_DIRECTOR, DIRECTOR_PASS)],
                 prefix=f"ck{secrets.token_hex(3)}")
    vault = ServerVault(profile)
    admin = vault.unlock(ADMIN, ADMIN_PASS, exclusive=False)
    session.after_unlock(admin, created=True)  # the covenant's parties
    admin.lock()
    director = vault.unlock(DIRECTOR, DIRECTOR_PASS, exclusive=False)
    try:
        number = intake.register_referral(director, _referral(director))
    finally:
        director.lock()
    folder = tmp_path / "profiel"
    folder.mkdir()
    path = folder / "huisserver.json"
    write_profile(path, profile)
    return House(pg_server, profile, path, number)


@pytest.fixture
def window(qtbot: Any, house: House, tmp_path: Path) -> Iterator[MainWindow]:
    """The program started on the profile (``casuskamer gui --vault PROFILE``), locked."""
    MainWindow.QUICK_CHECK_DELAY_MS, before = -1, MainWindow.QUICK_CHECK_DELAY_MS
    settings = Settings(tmp_path / "settings" / "casuskamer.ini")
    ctx = AppContext.create(settings, house.path, kdf=KdfParams(), backoff=FAST_BACKOFF)
    made = MainWindow(ctx)
    qtbot.addWidget(made)
    made.show()
    yield made
    if made.opened is not None:
        made.opened.lock(audit_it=False)
    ctx.idle.stop()
    MainWindow.QUICK_CHECK_DELAY_MS = before


def _attempt(qtbot: Any, window: MainWindow, account: str, passphrase: str) -> None:
    screen = window.unlock_screen
    screen.account.setCurrentText(account)
    screen.passphrase.setFocus()
    qtbot.keyClicks(screen.passphrase, passphrase)
    qtbot.keyClick(screen.passphrase, Qt.Key.Key_Return)
    assert screen.passphrase.text() == ""
    qtbot.waitUntil(lambda: not screen.busy, timeout=30_000)


def _sessions(house: House, account: str) -> int:
    """The account's connections to the server, as its superuser sees them."""
    role = server_engine.login_role(house.profile, account)
    with house.pg.admin() as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s",
                           (role,)).fetchone()
    return int(row[0])


def _shown(window: MainWindow) -> str:
    """Every text the window shows: its widgets' and every cell of every list or table."""
    from PySide6.QtCore import QModelIndex
    from PySide6.QtWidgets import QAbstractItemView

    parts = [all_texts(window)]
    for view in window.findChildren(QAbstractItemView):
        model = view.model()
        if model is None:
            continue
        try:
            columns = model.columnCount(QModelIndex())
        except TypeError:  # a list model keeps it private: one column
            columns = 1
        for row in range(model.rowCount(QModelIndex())):
            for column in range(columns):
                parts.append(str(model.index(row, column).data() or ""))
    return "\n".join(parts)


def _case_list(qtbot: Any, window: MainWindow) -> list[str]:
    assert window.go_to("cases")
    assert window.workspace is not None
    screen = window.workspace.screens["cases"]
    qtbot.waitUntil(lambda: bool(shown_numbers(screen)), timeout=30_000)  # type: ignore[arg-type]
    return shown_numbers(screen)  # type: ignore[arg-type]


@pytest.fixture
def no_traceback(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """What reaches the program's exception hook (a traceback the user would see)."""
    seen: list[Any] = []
    monkeypatch.setattr(sys, "excepthook", lambda *exc: seen.append(exc))
    return seen


def test_the_program_opens_the_house_server_locks_and_unlocks_again(
        qtbot: Any, house: House, window: MainWindow, no_traceback: list[Any],
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    screen = window.unlock_screen
    # the server lists no accounts before a login: the account is typed
    assert screen.account.isEditable() and screen.account.count() == 0
    assert house.profile.host in screen.folder_label.text()
    _attempt(qtbot, window, DIRECTOR, DIRECTOR_PASS)
    assert window.opened is not None, screen.message.text()
    assert window.opened.actor == window.opened.actor.__class__(DIRECTOR,
                                                                 Role.PROCESS_DIRECTOR)
    assert _case_list(qtbot, window) == [house.number]
    assert CANARY_SURNAME in _shown(window)
    assert _sessions(house, DIRECTOR) > 0
    # the live updates follow the session: a listener runs while it is open
    listeners = list(window.opened._listeners)  # type: ignore[attr-defined]
    assert listeners and all(listener.running for listener in listeners)
    title_open = window.windowTitle()
    session_open = window.opened
    assert hasattr(session_open.engine.dialect, sealed.CIPHER_ATTRIBUTE)

    window.ctx.idle.idle.emit()  # the idle time ran out
    assert window.opened is None and window.workspace is None
    # the data key is wiped and taken off the engine: nothing more is sealed or opened
    assert not session_open.is_open
    assert not hasattr(session_open.engine.dialect, sealed.CIPHER_ATTRIBUTE)
    shown = _shown(window)
    for secret in (CANARY_SURNAME, CANARY_GIVEN, house.number):
        assert secret not in shown
    qtbot.waitUntil(lambda: _sessions(house, DIRECTOR) == 0, timeout=10_000)
    assert not any(listener.running for listener in listeners)
    # the same account offered again, to be typed over
    assert screen.account.currentText() == DIRECTOR

    _attempt(qtbot, window, DIRECTOR, DIRECTOR_PASS)
    assert window.opened is not None, screen.message.text()
    assert _case_list(qtbot, window) == [house.number]
    window.ctx.screensaver.activated.emit()  # the desktop's screen saver started
    assert window.opened is None and window.workspace is None
    assert house.number not in _shown(window)
    qtbot.waitUntil(lambda: _sessions(house, DIRECTOR) == 0, timeout=10_000)

    assert no_traceback == []
    # no title or log line names the person, the passphrase or a derived secret
    for title in (title_open, window.windowTitle()):
        for word in (DIRECTOR, house.profile.host, house.profile.database, CANARY_SURNAME):
            assert word not in title
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for word in (DIRECTOR_PASS, CANARY_SURNAME, CANARY_GIVEN):
        assert word not in logged


def test_a_wrong_passphrase_is_one_line_and_writes_nothing(
        qtbot: Any, house: House, window: MainWindow, no_traceback: list[Any]) -> None:
    before = sorted(p.name for p in house.path.parent.iterdir())
    _attempt(qtbot, window, DIRECTOR, "dit is niet de goede zin")
    screen = window.unlock_screen
    assert window.opened is None
    assert screen.message.isVisible() and screen.message.text() == WRONG
    assert screen.failures == 1  # counted (in memory) for the next wait
    assert sorted(p.name for p in house.path.parent.iterdir()) == before
    assert no_traceback == []
    # an account name nobody has is told the same way (the server names no accounts)
    _attempt(qtbot, window, "niemand", DIRECTOR_PASS)
    assert screen.message.text() == WRONG and window.opened is None
    # after the free attempts the next one waits (counted in memory, per account)
    for _ in range(2):
        _attempt(qtbot, window, DIRECTOR, "nog steeds niet de goede zin")
    assert screen.failures == 3
    assert screen.wait_ms() > 0 and not screen.button.isEnabled()
    assert sorted(p.name for p in house.path.parent.iterdir()) == before


def test_a_revoked_account_is_refused_in_one_line(
        qtbot: Any, house: House, window: MainWindow, no_traceback: list[Any]) -> None:
    admin = ServerVault(house.profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    try:
        account_service.revoke_account(admin, DIRECTOR)
    finally:
        admin.lock()
    _attempt(qtbot, window, DIRECTOR, DIRECTOR_PASS)
    screen = window.unlock_screen
    assert window.opened is None
    assert screen.message.isVisible()
    assert "\n" not in screen.message.text() and "Traceback" not in screen.message.text()
    assert "ingetrokken" in screen.message.text()
    assert no_traceback == []


def _other_profile(house: House, folder: Path, **changes: Any) -> Path:
    values = {"host": house.profile.host, "port": house.profile.port,
              "database": house.profile.database, "ca_file": house.profile.ca_file,
              **changes}
    path = folder / "ander.json"
    write_profile(path, ServerProfile(**values))
    return path


def _window_on(qtbot: Any, tmp_path: Path, profile: Path) -> MainWindow:
    settings = Settings(tmp_path / "settings2" / "casuskamer.ini")
    ctx = AppContext.create(settings, profile, kdf=KdfParams(), backoff=FAST_BACKOFF)
    made = MainWindow(ctx)
    qtbot.addWidget(made)
    made.show()
    return made


def test_an_unreachable_server_is_one_line(qtbot: Any, house: House, tmp_path: Path,
                                           no_traceback: list[Any]) -> None:
    import port_for

    folder = tmp_path / "weg"
    folder.mkdir()
    profile = _other_profile(house, folder, port=int(port_for.select_random()))
    made = _window_on(qtbot, tmp_path, profile)
    _attempt(qtbot, made, DIRECTOR, DIRECTOR_PASS)
    text = made.unlock_screen.message.text()
    assert made.opened is None
    assert "niet bereikbaar" in text or "niet te bereiken" in text, text
    assert "\n" not in text and "Traceback" not in text
    assert sorted(p.name for p in folder.iterdir()) == ["ander.json"]
    assert no_traceback == []


def test_a_certificate_from_another_ca_is_one_line(qtbot: Any, house: House, tmp_path: Path,
                                                   no_traceback: list[Any]) -> None:
    folder = tmp_path / "vreemd"
    folder.mkdir()
    other_ca, _cert, _key = write_tls_files(folder)
    profile = _other_profile(house, folder, ca_file=other_ca)
    made = _window_on(qtbot, tmp_path, profile)
    _attempt(qtbot, made, DIRECTOR, DIRECTOR_PASS)
    text = made.unlock_screen.message.text()
    assert made.opened is None
    assert "certificaat" in text, text
    assert "\n" not in text and "Traceback" not in text
    assert no_traceback == []


def _unlock_checked(qtbot: Any, window: MainWindow, account: str, passphrase: str
                    ) -> list[bool]:
    """Unlock with the quick check after it on, and wait for its outcome."""
    outcome: list[bool] = []
    window.vault_checked.connect(outcome.append)
    MainWindow.QUICK_CHECK_DELAY_MS = 0
    _attempt(qtbot, window, account, passphrase)
    assert window.opened is not None, window.unlock_screen.message.text()
    qtbot.waitUntil(lambda: bool(outcome), timeout=30_000)
    return outcome


def test_the_check_after_an_unlock_finds_a_sound_house_sound(
        qtbot: Any, house: House, window: MainWindow, no_traceback: list[Any]) -> None:
    from ui import dialogs

    with dialogs.scripted() as script:
        assert _unlock_checked(qtbot, window, DIRECTOR, DIRECTOR_PASS) == [True]
        window.lock()
        assert _unlock_checked(qtbot, window, ADMIN, ADMIN_PASS) == [True]  # the chain too
    assert script.shown == []
    assert window.workspace is None or window.workspace.notice("vault_check") is None
    assert no_traceback == []


def test_the_check_after_an_unlock_warns_of_a_changed_audit_row(
        qtbot: Any, house: House, window: MainWindow) -> None:
    from ui import dialogs

    with house.pg.admin(house.profile.database) as conn:  # the server's superuser
        conn.execute("ALTER TABLE audit_log DISABLE TRIGGER ALL")
        conn.execute("UPDATE audit_log SET object_id = 'anders' WHERE id = 2")
        conn.execute("ALTER TABLE audit_log ENABLE TRIGGER ALL")
    with dialogs.scripted(None) as script:
        assert _unlock_checked(qtbot, window, ADMIN, ADMIN_PASS) == [False]
    assert [shown.kind for shown in script.shown] == ["warn"]
    text = script.shown[0].text
    assert "huisserver" in text and "casuskamer restore" not in text
    assert window.workspace is not None and window.workspace.notice("vault_check")


def test_the_first_runs_server_branch_ends_on_the_unlock_screen_of_its_profile(
        qtbot: Any, house: House, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A new workstation: the first run joins the house server, and the program goes on to
    that server's unlock screen (and opens the same profile next time)."""
    from PySide6.QtWidgets import QWizard

    from ui import dialogs, main
    from ui.first_run import FirstRunWizard

    # as the wizard proposes on a new workstation: in the program's data folder, which
    # does not exist yet
    written = tmp_path / "gegevens" / "Casuskamer" / "huisserver.json"
    shown: list[Any] = []

    class Joining(FirstRunWizard):
        def exec(self) -> int:  # the user's clicks, in place of the modal loop
            qtbot.addWidget(self)
            self.show()
            self.folder_page.server.click()
            self.button(QWizard.WizardButton.NextButton).click()
            page = self.server_page
            page.server.setText(f"postgresql://127.0.0.1:{house.profile.port}/"
                                f"{house.profile.database}")
            page.ca_file.setText(str(house.profile.ca_file))
            page.profile.setText(str(written))
            with dialogs.scripted() as script:
                self.button(QWizard.WizardButton.FinishButton).click()
            shown.extend(script.shown)
            return int(self.result())

    monkeypatch.setattr(main, "FirstRunWizard", Joining)
    MainWindow.QUICK_CHECK_DELAY_MS, before = -1, MainWindow.QUICK_CHECK_DELAY_MS
    settings = Settings(tmp_path / "settings" / "casuskamer.ini")
    ctx = AppContext.create(settings, tmp_path / "nog-geen-kluis", kdf=KdfParams(),
                            backoff=FAST_BACKOFF)
    try:
        made = main.build_window(ctx)
        assert made is not None
        qtbot.addWidget(made)
        made.show()
        assert [s.kind for s in shown] == ["inform"] and str(written) in shown[0].text
        assert written.is_file() and written.parent.stat().st_mode & 0o077 == 0
        assert isinstance(ctx.vault, ServerVault) and ctx.location == written
        assert made.stack.currentWidget() is made.unlock_screen
        assert made.unlock_screen.on_server
        assert settings.preferred_vault_folder() == written.resolve()  # opened next time
        assert not (tmp_path / "nog-geen-kluis").exists()                # no vault made
        _attempt(qtbot, made, DIRECTOR, DIRECTOR_PASS)
        assert made.opened is not None, made.unlock_screen.message.text()
        assert _case_list(qtbot, made) == [house.number]
        made.lock()
    finally:
        MainWindow.QUICK_CHECK_DELAY_MS = before
        ctx.idle.stop()


def test_an_account_added_by_the_administrator_chooses_its_passphrase_first(
        qtbot: Any, house: House, window: MainWindow, no_traceback: list[Any]) -> None:
    """As on a folder (issue 17, point 4): only the choice of an own passphrase, then the
    workspace; afterwards the given passphrase opens nothing on the server, the own one
    does."""
    from ui.first_use import FirstUsePanel

    new, given = "collega", "een eerste wachtzin van de beheerder"
    own = "mijn eigen zin voor de regie"
    admin = ServerVault(house.profile).unlock(ADMIN, ADMIN_PASS, exclusive=False)
    try:
        account_service.add_account(admin, new, Role.PROCESS_DIRECTOR, given,
                                    must_choose_passphrase=True)
    finally:
        admin.lock()
    _attempt(qtbot, window, new, given)
    screen = window.unlock_screen
    panel = screen.first_use
    assert isinstance(panel, FirstUsePanel), screen.message.text()
    assert window.opened is None and window.workspace is None
    panel.given.setText(given)
    panel.pair.first.setText(own)
    panel.pair.second.setText(own)
    panel.choose_button.click()
    qtbot.waitUntil(lambda: window.opened is not None, timeout=30_000)
    assert window.opened is not None and window.opened.actor.account == new
    window.lock()
    _attempt(qtbot, window, new, given)
    assert window.opened is None and screen.first_use is None
    assert screen.message.text() == WRONG
    _attempt(qtbot, window, new, own)
    assert window.opened is not None and screen.first_use is None
    window.lock()
    assert no_traceback == []


def test_a_server_session_forwards_the_houses_audit_log(
        qtbot: Any, house: House, window: MainWindow, tmp_path: Path) -> None:
    """A server session sends the house's one audit log to the central log while it is
    unlocked, as a vault folder's does (one workstation at a time: app.vault.forwarding),
    and stops at the lock; a failed login reaches the collector too, through the file
    beside the profile. (Until P5 of issue 22 a server session forwarded nothing.)"""
    from app.vault import forwarding
    from tests.unit.audit_forwarding_receiver import Authority, Receiver

    receiver = Receiver(Authority(tmp_path / "ca")).start()
    try:
        admin = ServerVault.from_file(house.path).unlock(ADMIN, ADMIN_PASS, exclusive=False)
        try:
            assert forwarding.configure(admin, receiver.address, receiver.authority.ca_pem,
                                        timeout=1) is None
            vault_id = admin.vault_id
        finally:
            admin.lock()
        _attempt(qtbot, window, ADMIN, ADMIN_PASS)
        assert window.opened is not None, window.unlock_screen.message.text()
        running = forwarding._threads.get(vault_id)
        assert running is not None and running.is_alive()
        qtbot.waitUntil(lambda: [m.params["action"] for m in receiver.unique()][-1:]
                        == ["unlock"], timeout=10_000)
        assert [m.params["action"] for m in receiver.unique()][0] == "forwarding.configure"
        window.lock()
        running.join(timeout=10)
        assert not running.is_alive()

        _attempt(qtbot, window, ADMIN, "niet de wachtzin")
        qtbot.waitUntil(lambda: any(m.params.get("result") == "failed"
                                    for m in receiver.received), timeout=10_000)
    finally:
        receiver.stop()
