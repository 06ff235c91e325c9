"""The house server's failed attempts in the desktop program (issue 22, point 1): counted in
memory (``app.vault.memory_attempts``) with the same rule as a vault folder's file: three
free attempts, then 1 s, 2 s, 4 s ... before the next; a success clears the count, reports it
and audits it; nothing is written to the disk."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from app.errors import WrongPassphrase
from app.vault import attempts
from app.vault.memory_attempts import MemoryAttempts


class FakeServer:
    """Stands in for a ServerVault: refuses every passphrase but ``right``."""

    folder = Path("/nonexistent-profile-folder")

    def __init__(self, right: str) -> None:
        self.right = right
        self.logged: list[tuple[str, dict[str, Any]]] = []

    def unlock(self, account: str, passphrase: str, *, exclusive: bool = True) -> Any:
        if passphrase != self.right:
            raise WrongPassphrase("no")
        vault = self

        class Opened:
            def log_now(self, action: str, object_type: str, object_id: str,
                        result: str = "ok", detail: dict[str, Any] | None = None) -> None:
                vault.logged.append((action, detail or {}))

            def lock(self, audit_it: bool = True) -> None:
                pass

        return Opened()


def test_the_waits_grow_after_the_free_attempts_and_a_success_reports_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    now = [1_000_000.0]
    counter = MemoryAttempts(attempts.Delay(3, 1.0, 60.0), clock=lambda: now[0])
    server = FakeServer("goed")
    slept: list[float] = []
    for _ in range(5):
        with pytest.raises(WrongPassphrase):
            attempts.guarded_unlock(server, "regisseur", "fout",  # type: ignore[arg-type]
                                    counter=counter, sleep=slept.append)
    # the 4th and 5th attempts waited 1 s and 2 s (after 3 and 4 failures)
    assert slept == [1.0, 2.0]
    assert counter.wait_seconds("regisseur") == 4.0
    assert counter.wait_seconds("collega") == 0.0      # per account
    opened, earlier = attempts.guarded_unlock(server, "regisseur", "goed",  # type: ignore[arg-type]
                                              counter=counter, sleep=slept.append)
    assert earlier is not None and earlier.count == 5
    assert server.logged == [(attempts.AUDIT_ACTION, {"count": 5, "since": earlier.since,
                                                      "last": earlier.last})]
    assert counter.failures("regisseur") is None and counter.wait_seconds("regisseur") == 0
    assert os.listdir(tmp_path) == []                  # nothing written anywhere here
    assert not FakeServer.folder.exists()
