"""`casuskamer users list` shows which accounts must still choose their own passphrase
(issue 17's first-use rule): an administrator who added an account on the command line can
see that its holder has not yet replaced the passphrase the administrator knows."""

from __future__ import annotations

import pytest

from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.unit.test_first_use import (  # noqa: F401  (fixture)
    GIVEN,
    NEW,
    House,
    add_director_on_the_command_line,
    folder,
    run,
)


def _line_for(out: str, name: str) -> str:
    lines = [line for line in out.splitlines() if line.split("\t")[0] == name]
    assert len(lines) == 1, out
    return lines[0]


def test_users_list_marks_an_account_until_it_chose_its_own_passphrase(
        folder: House, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    add_director_on_the_command_line(monkeypatch, folder)
    capsys.readouterr()
    # --vault: the folder, or on the house server its profile (which names no account)
    listing = ["users", "list", "--vault", folder.where, "--account", ADMIN]
    assert run(monkeypatch, listing, ADMIN_PASSPHRASE) == 0
    assert "wachtwoordzin" in _line_for(capsys.readouterr().out, NEW)

    chosen = "de nieuwe regisseur kiest dit zelf"
    assert run(monkeypatch, ["users", "passwd", "--vault", folder.where, "--account", NEW],
               GIVEN, new=chosen) == 0
    capsys.readouterr()
    assert run(monkeypatch, listing, ADMIN_PASSPHRASE) == 0
    line = _line_for(capsys.readouterr().out, NEW)
    assert line.endswith("\tactief"), line
