"""Every command that takes --vault accepts a house server's profile (issue 22, point 1:
"``--vault`` accepts a profile as well as a folder"; "Bad input": a clear message).

The commands are read from the command line's own parser, so a command added later is
tried too. Each runs against a house made by ``init --server --create`` on the session's
throwaway server, with the profile as ``--vault`` and the first administrator's account:
its answer is the command's own (done, or one clear line: the permission matrix's refusal,
the server's backup, a missing case), never a traceback, never "not a vault", never more
than one line of error, and nothing is written into the working directory."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pytest

from app.cli import build_parser
from app.cli import main as cli_main
from app.cli.options import SHARED, commands

ADMIN_PASS = "de sleutel ligt bij het zorg en veiligheidshuis"


def _words_for(words: tuple[str, ...], parser: argparse.ArgumentParser, tmp: Path) -> list[str]:
    """The command with a value for each required argument (a made-up case number, a new
    file in the test's folder)."""
    out: list[str] = list(words)
    for action in parser._actions:
        if action.dest in SHARED or isinstance(action, argparse._HelpAction):
            continue
        if action.option_strings and not action.required:
            continue
        if action.nargs == 0:
            out.append(action.option_strings[0])
            continue
        if action.type is int:
            value = "2026"
        elif action.choices:
            value = str(list(action.choices)[0])
        elif "number" in action.dest or action.dest in {"case", "case_number"}:
            value = "ZVH-2026-0001"
        elif "id" in action.dest or action.dest == "meeting":
            value = "1"
        elif action.dest == "name":
            value = "collega"
        else:
            value = str(tmp / f"out-{action.dest}")
        out += [value] if not action.option_strings else [action.option_strings[0], value]
    return out


def _vault_commands() -> list[tuple[str, ...]]:
    tree = commands(build_parser())
    return sorted(w for w, p in tree.items()
                  if any("--vault" in a.option_strings for a in p._actions))


@pytest.fixture(scope="module")
def house(pg_server: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("CASUSKAMER_OWNER_PASSWORD", pg_server.superuser_password)
    mp.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    try:
        database = pg_server.new_database("every")
        profile = tmp_path_factory.mktemp("profile") / "huis.json"
        assert cli_main(["--lang", "en", "init", "--server",
                         f"postgresql://{pg_server.host}:{pg_server.port}/{database}",
                         "--ca", str(pg_server.ca_file), "--vault", str(profile),
                         "--create", "--owner", pg_server.superuser]) == 0
    finally:
        mp.undo()
    return profile


@pytest.mark.parametrize("words", _vault_commands(), ids=" ".join)
def test_every_command_with_vault_accepts_a_profile(
        words: tuple[str, ...], house: Path, tmp_path: Path, pg_server: Any,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    if words == ("gui",):
        pytest.skip("the desktop program: tests/ui/test_pg_desktop_server.py")
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg_server.superuser_password)
    monkeypatch.chdir(tmp_path)
    parser = commands(build_parser())[words]
    argv = ["--lang", "en", *_words_for(words, parser, tmp_path), "--vault", str(house)]
    if any("--account" in a.option_strings for a in parser._actions):
        argv += ["--account", "beheerder"]
    if any("--owner" in a.option_strings for a in parser._actions):
        argv += ["--owner", pg_server.superuser]
    before = set(tmp_path.iterdir())
    try:
        code = cli_main(argv)
    except SystemExit as stop:
        code = stop.code  # argparse's usage error
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 1, 2)
    assert len(err.strip().splitlines()) <= 1, err
    # a folder's answers, which say nothing to someone who gave a profile
    for folder_words in ("not a vault", "no vault", "cannot be created", "not a directory"):
        assert folder_words not in err.lower(), err
    assert set(tmp_path.iterdir()) - before <= {p for p in tmp_path.iterdir()
                                                if p.name.startswith("out-")}


# -- the commands about a vault folder, given a profile (no server needed) ------------------

@pytest.fixture
def profile(tmp_path: Path) -> Path:
    from app.store.profile import make_profile, write_profile
    from tests.pg_server import write_tls_files

    ca, _cert, _key = write_tls_files(tmp_path)
    path = tmp_path / "huis.json"
    write_profile(path, make_profile("postgresql://db.zvh.example/casuskamer", ca))
    return path


@pytest.mark.parametrize(("words", "expected"), [
    (["restore", "--from", "BACKUP"], "pg_restore"),
    (["demo", "--cases", "0"], "new folder"),
    (["init"], "--server"),
])
def test_restore_demo_and_init_on_a_profile_say_what_to_do_and_write_nothing(
        words: list[str], expected: str, profile: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 22, point 6: on the server the backup is the server's (``backup`` says so), and
    so is the restore; ``demo`` and ``init`` make a new vault folder. Given a profile, each
    says so in one line (exit 2) and leaves the profile and its folder as they were (on
    45f1d89 "The folder huis.json cannot be created" and "Not a directory")."""
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    backup = tmp_path / "kluis.bak"
    backup.write_bytes(b"a backup file of a vault folder")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    argv = [w.replace("BACKUP", str(backup)) for w in words]
    assert cli_main(["--lang", "en", *argv, "--vault", str(profile)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and expected in err, err
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
