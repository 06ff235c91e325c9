"""Starting the desktop program on a house server's profile (issue 22, point 1), without a
server: ``casuskamer gui --vault FILE`` with a profile that holds a password, or with a file
that is no profile, stops with one line (and a message window for a start from the desktop)
and exit status 2, making nothing; a profile used last time is opened again when no
``--vault`` is given."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.store.profile import ServerProfile, write_profile
from tests.pg_server import write_tls_files
from tests.ui.shell_fixtures import _no_scripted_dialogs  # noqa: F401
from ui import dialogs
from ui.main import run_gui
from ui.settings import Settings


@pytest.fixture
def profile(tmp_path: Path) -> Path:
    tls = tmp_path / "tls"
    tls.mkdir()
    ca_file, _cert, _key = write_tls_files(tls)
    path = tmp_path / "huisserver.json"
    write_profile(path, ServerProfile(host="server.zvh.local", port=5432,
                                      database="casuskamer", ca_file=ca_file))
    return path


@pytest.fixture(autouse=True)
def no_first_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The first-run wizard is never the answer to a file: were it shown, it is cancelled
    (in place of its modal loop) and noted."""
    from ui.first_run import FirstRunWizard

    asked: list[str] = []
    monkeypatch.setattr(FirstRunWizard, "exec", lambda self: asked.append("wizard") or 0)
    return asked


def _start(qtbot: Any, words: list[str]) -> tuple[int, list[Any]]:
    with dialogs.scripted(None) as script:
        code = run_gui([*words, "--lang", "nl"])
    return code, script.shown


def test_a_profile_with_a_password_stops_the_start_in_one_line(
        qtbot: Any, profile: Path, capsys: pytest.CaptureFixture[str],
        no_first_run: list[str]) -> None:
    data = json.loads(profile.read_text(encoding="utf-8"))
    data["password"] = "geheim-wachtwoord"
    profile.write_text(json.dumps(data), encoding="utf-8")
    before = sorted(p.name for p in profile.parent.iterdir())
    code, shown = _start(qtbot, ["--vault", str(profile)])
    err = capsys.readouterr().err
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("casuskamer: ")
    assert "wachtwoord" in lines[0] and "geheim-wachtwoord" not in err
    assert "Traceback" not in err
    assert [s.kind for s in shown] == ["error"] and "geheim-wachtwoord" not in shown[0].text
    assert sorted(p.name for p in profile.parent.iterdir()) == before
    assert no_first_run == []


def test_a_file_that_is_no_profile_is_not_taken_for_a_vault_folder(
        qtbot: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        no_first_run: list[str]) -> None:
    other = tmp_path / "notities.txt"
    other.write_text("geen profiel", encoding="utf-8")
    code, shown = _start(qtbot, ["--vault", str(other)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == f"casuskamer: {other} is geen serverprofiel van dit programma."
    assert [s.kind for s in shown] == ["error"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notities.txt"]
    assert no_first_run == []


def test_the_profile_used_last_time_is_opened_again(tmp_path: Path, profile: Path) -> None:
    settings = Settings(tmp_path / "settings" / "casuskamer.ini")
    settings.last_vault_folder = profile
    assert settings.preferred_vault_folder() == profile.resolve()


def test_a_mistyped_profile_is_not_taken_for_a_new_vault_folder(
        qtbot: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        no_first_run: list[str]) -> None:
    missing = tmp_path / "huisservr.json"
    code, shown = _start(qtbot, ["--vault", str(missing)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == f"casuskamer: Het profiel {missing} bestaat niet."
    assert [s.kind for s in shown] == ["error"] and no_first_run == []
    assert not missing.exists()
