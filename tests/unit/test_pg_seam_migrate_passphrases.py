"""``casuskamer migrate`` and the one-time passphrases it makes (issue 22; the review's gap in
docs/house-server.md): they are printed only at a terminal. Output that is no terminal (a
file, a pipe, a log) is refused before anything is written on the server, unless the
operator names a new file for them with ``--one-time-passphrases FILE``: written readable by
its owner only, never over an existing file, and taken away again when the move does not
happen (the passphrases in it would open nothing).

On the session's throwaway PostgreSQL (``tests/pg_server.py``). Fails on e9db4e2, which
printed the passphrases on any output and knew no such option."""

from __future__ import annotations

import re
import stat
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.cli import move_command
from app.errors import ValidationError
from app.services import demo as demo_service
from app.store import engine as server_engine
from app.store.profile import ServerProfile
from tests.unit.test_pg_move_vault import (ADMIN, DIRECTOR, OWN, PASSPHRASE, _fingerprint,
                                           _house_with, _server_engine, main)

ONE_TIME_LINE = re.compile(r"^  (\S+): (\S+)$", re.M)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("move-pw") / "kluis"
    demo_service.build_demo_vault(folder, PASSPHRASE, cases=4, account=ADMIN)
    return folder


@pytest.fixture
def house(pg_server: Any, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> tuple[Any, ServerProfile, Path]:
    profile, path = _house_with(pg_server, tmp_path, ADMIN, PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg_server.superuser_password)
    monkeypatch.delenv("CASUSKAMER_SERVER_PASSPHRASE", raising=False)
    return pg_server, profile, path


def _words(folder: Path, path: Path, pg: Any, *extra: str) -> list[str]:
    return ["migrate", "--from-vault", str(folder), "--to", str(path), "--owner",
            pg.superuser, *extra]


def _server_state(pg: Any, profile: ServerProfile) -> tuple[int, int, bool]:
    """Cases, key slots, and whether the director has a login role on the server."""
    engine = _server_engine(pg, profile)
    try:
        with engine.connect() as conn:
            cases = int(conn.execute(sa.text("SELECT count(*) FROM cases")).scalar() or 0)
            slots = int(conn.execute(sa.text("SELECT count(*) FROM server_key_slots"))
                        .scalar() or 0)
            login = conn.execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {
                "r": server_engine.login_role(profile, DIRECTOR)}).first() is not None
    finally:
        engine.dispose()
    return cases, slots, login


def test_output_that_is_no_terminal_is_refused_before_anything_is_written(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path],
        capsys: pytest.CaptureFixture[str]) -> None:
    pg, profile, path = house
    before = _fingerprint(demo_folder)
    capsys.readouterr()
    assert main(_words(demo_folder, path, pg)) == 2  # capsys: stdout is no terminal
    out, err = capsys.readouterr()
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert "--one-time-passphrases" in err and "terminal" in err
    assert not ONE_TIME_LINE.search(out + err)
    # nothing on the server: no case, only the first administrator's slot, no new login
    assert _server_state(pg, profile) == (0, 1, False)
    assert _fingerprint(demo_folder) == before


def test_the_passphrases_go_to_a_new_private_file_and_not_to_the_output(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pg, profile, path = house
    target = tmp_path / "eenmalig.txt"
    capsys.readouterr()
    assert main(_words(demo_folder, path, pg, "--one-time-passphrases", str(target))) == 0, \
        capsys.readouterr().err
    out, err = capsys.readouterr()
    assert str(target) in out
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    one_time = dict(ONE_TIME_LINE.findall(target.read_text(encoding="utf-8")))
    # one for every account that got a server login, the administrator who moved excepted
    engine = _server_engine(pg, profile)
    try:
        with engine.connect() as conn:
            logins = {str(a) for a in conn.execute(sa.text(
                "SELECT account FROM server_key_slots")).scalars()}
    finally:
        engine.dispose()
    assert DIRECTOR in one_time and set(one_time) == logins - {ADMIN}
    for passphrase in one_time.values():
        assert passphrase not in out and passphrase not in err
    # the one in the file is the one the server holds: the director replaces it with it
    server = ["--vault", str(path), "--account", DIRECTOR]
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", one_time[DIRECTOR])
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", OWN)
    assert main(["users", "passwd", *server]) == 0, capsys.readouterr().err


def test_an_existing_file_is_refused_and_left_as_it_was(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    pg, profile, path = house
    target = tmp_path / "bestaat.txt"
    target.write_text("iets van de beheerder\n", encoding="utf-8")
    capsys.readouterr()
    assert main(_words(demo_folder, path, pg, "--one-time-passphrases", str(target))) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "already exists" in err
    assert target.read_text(encoding="utf-8") == "iets van de beheerder\n"
    assert _server_state(pg, profile) == (0, 1, False)


def test_the_file_goes_again_when_the_move_fails_after_it_was_written(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """A role with the director's login name already on the server: the move is refused
    inside its transaction, after the file was written; the passphrases in it open
    nothing, so the file is taken away again."""
    pg, profile, path = house
    login = server_engine.login_role(profile, DIRECTOR)
    with pg.admin() as conn:
        conn.execute(f"CREATE ROLE {login} NOLOGIN")
    try:
        target = tmp_path / "eenmalig.txt"
        capsys.readouterr()
        assert main(_words(demo_folder, path, pg, "--one-time-passphrases",
                           str(target))) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "already has a login" in err
        assert not target.exists()
        assert _server_state(pg, profile)[:2] == (0, 1)
    finally:
        with pg.admin() as conn:
            conn.execute(f"DROP ROLE {login}")


def test_a_move_that_makes_no_one_time_passphrase_needs_no_terminal(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the administrator who moves gets a server login: nothing to hand over, so the
    output may go anywhere; with accounts to hand over, output that is no terminal is
    refused."""
    monkeypatch.setattr(move_command, "output_is_terminal", lambda: False)
    move_command.HandOver(None)({})
    with pytest.raises(ValidationError):
        move_command.HandOver(None)({DIRECTOR: "abcd-efgh"})


def test_the_file_stays_when_the_move_was_committed_and_what_follows_is_interrupted(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Interrupted (Ctrl+C) during the verification after the commit: the accounts' logins
    are made and the one-time passphrases are in use, so the file with them stays."""
    from app.store import audit

    def interrupted(conn: Any) -> list[Any]:
        raise KeyboardInterrupt

    pg, profile, path = house
    monkeypatch.setattr(audit, "verify_chain", interrupted)
    target = tmp_path / "eenmalig.txt"
    capsys.readouterr()
    assert main(_words(demo_folder, path, pg, "--one-time-passphrases", str(target))) == 2
    cases, slots, login = _server_state(pg, profile)
    assert cases > 0 and slots > 1 and login
    one_time = dict(ONE_TIME_LINE.findall(target.read_text(encoding="utf-8")))
    assert DIRECTOR in one_time


def test_at_a_terminal_the_passphrases_are_shown_when_what_follows_the_commit_is_interrupted(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from app.store import audit

    def interrupted(conn: Any) -> list[Any]:
        raise KeyboardInterrupt

    pg, profile, path = house
    monkeypatch.setattr(move_command, "output_is_terminal", lambda: True)
    monkeypatch.setattr(audit, "verify_chain", interrupted)
    capsys.readouterr()
    assert main(_words(demo_folder, path, pg)) == 2
    one_time = dict(ONE_TIME_LINE.findall(capsys.readouterr().out))
    assert DIRECTOR in one_time and _server_state(pg, profile)[2]
