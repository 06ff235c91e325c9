"""Failed passphrases on the command line against a house server's profile (issue 22, review
gap G5): counted per workstation in a small file beside the profile with the vault folder's
rule (``app.vault.attempts``: three free attempts, then 1 s, 2 s, 4 s ... before the next, per
account), holding only account names, counts and times; a right passphrase clears the count,
reports it on stderr and audits it; the message for a wrong passphrase stays the one line it
was. The desktop program keeps counting a server's attempts in memory, writing nothing.

On the session's throwaway PostgreSQL (``tests/pg_server.py``); the delays checked are the
ones the counter asks the command to wait (recorded, with the counter's clock held still),
never wall time."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.cli import main as cli_main
from app.errors import WrongPassphrase
from app.services import unlocking
from app.store.profile import write_profile
from app.store.tables import audit_log
from app.vault import attempts
from app.vault.memory_attempts import MemoryAttempts
from app.vault.server import ServerVault
from tests.unit.test_pg_services import ADMIN, ADMIN_PASS, DIRECTOR, DIRECTOR_PASS

WRONG = ["niet de goede wachtzin een", "niet de goede wachtzin twee",
         "niet de goede wachtzin drie", "niet de goede wachtzin vier"]
#: a moment the counter's clock is held at: every wait is then exactly the rule's delay
NOW = 1_800_000_000.0


@pytest.fixture
def profile(server_house: Any, tmp_path: Path) -> Path:
    path = tmp_path / "werkplek" / "huis.json"
    path.parent.mkdir()
    write_profile(path, server_house.vault.profile)
    return path


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """What the command line's unlock is asked to wait, with the counter's clock held still
    (the real counter, the real unlock; only the sleep is recorded instead of slept)."""
    slept: list[float] = []
    real = attempts.guarded_unlock

    def recording(*args: Any, **kwargs: Any) -> Any:
        counter = kwargs.get("counter")
        if counter is not None:
            counter.clock = lambda: NOW
        return real(*args, **{**kwargs, "sleep": slept.append})

    monkeypatch.setattr(attempts, "guarded_unlock", recording)
    return slept


def _cases_list(profile: Path, account: str, passphrase: str, tmp_path: Path) -> int:
    """``casuskamer cases list --vault PROFILE --account ACCOUNT`` with ``passphrase``."""
    secret = tmp_path / "wachtzin.txt"
    secret.write_text(passphrase + "\n", encoding="utf-8")
    try:
        return cli_main(["--lang", "en", "cases", "list", "--vault", str(profile),
                         "--account", account, "--passphrase-file", str(secret)])
    finally:
        secret.unlink()


def _counter_file(profile: Path) -> Path:
    return profile.parent / (profile.name + ".unlock-attempts.json")


def _audited(server_house: Any) -> list[tuple[str, str]]:
    """The house's ``unlock.failed_attempts`` rows: (account, detail)."""
    opened = server_house.unlock(ADMIN, ADMIN_PASS)
    with opened.read() as conn:
        return [(str(r.object_id), str(r.detail)) for r in conn.execute(
            sa.select(audit_log.c.object_id, audit_log.c.detail)
            .where(audit_log.c.action == attempts.AUDIT_ACTION))]


def test_three_wrong_passphrases_make_the_fourth_wait_and_a_right_one_resets(
        server_house: Any, profile: Path, waits: list[float], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    lines = []
    for wrong in WRONG[:3]:
        assert _cases_list(profile, DIRECTOR, wrong, tmp_path) == 2
        lines.append(capsys.readouterr().err)
    # three free attempts; the counter now asks the next one to wait 1 s
    assert waits == []
    assert _cases_list(profile, DIRECTOR, WRONG[3], tmp_path) == 2
    lines.append(capsys.readouterr().err)
    assert waits == [1.0]
    # the message for a wrong passphrase is the same one line every time
    assert len(set(lines)) == 1 and len(lines[0].strip().splitlines()) == 1
    assert "account or passphrase is not correct" in lines[0]
    # per account: a colleague on the same workstation is not slowed
    assert attempts.Attempts.beside(profile, clock=lambda: NOW).wait_seconds(ADMIN) == 0.0
    # the right passphrase waits its 2 s (after four failures), is let in and clears the count
    assert _cases_list(profile, DIRECTOR, DIRECTOR_PASS, tmp_path) == 0
    err = capsys.readouterr().err
    assert waits == [1.0, 2.0]
    assert "4 failed attempts to unlock this account since" in err
    audited = _audited(server_house)
    assert len(audited) == 1 and audited[0][0] == DIRECTOR and '"count": 4' in audited[0][1]
    counter = attempts.Attempts.beside(profile, clock=lambda: NOW)
    assert counter.failures(DIRECTOR) is None and counter.wait_seconds(DIRECTOR) == 0.0
    # the next three wrong ones are free again
    for wrong in WRONG[:3]:
        assert _cases_list(profile, DIRECTOR, wrong, tmp_path) == 2
    assert waits == [1.0, 2.0]


def test_the_counter_beside_the_profile_holds_counts_and_times_only(
        server_house: Any, profile: Path, waits: list[float], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    for wrong in WRONG:
        assert _cases_list(profile, DIRECTOR, wrong, tmp_path) == 2
    assert _cases_list(profile, ADMIN, WRONG[0], tmp_path) == 2
    capsys.readouterr()
    # the workstation's file beside the profile: account names, counts and times
    raw = _counter_file(profile).read_bytes()
    doc = json.loads(raw)
    assert set(doc) == {"format", "accounts"}
    assert set(doc["accounts"]) == {DIRECTOR, ADMIN}
    assert doc["accounts"][DIRECTOR]["count"] == 4 and doc["accounts"][ADMIN]["count"] == 1
    for entry in doc["accounts"].values():
        assert set(entry) == {"count", "since", "last"}
    # no passphrase typed, right or wrong, nor a part of one, in anything beside the profile
    beside = [p for p in profile.parent.iterdir() if p != profile]
    assert {p.name for p in beside} == {"huis.json.unlock-attempts.json",
                                        "huis.json.unlock-attempts.lock"}
    for path in beside:
        content = path.read_bytes()
        for phrase in [*WRONG, ADMIN_PASS, DIRECTOR_PASS]:
            for word in {w for w in phrase.split() if len(w) > 5}:
                assert word.encode() not in content
    # the profile itself is not touched by the counter
    assert "unlock" not in profile.read_text(encoding="utf-8")


def test_profiles_sharing_a_folder_count_apart(
        server_house: Any, profile: Path, waits: list[float], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    other = profile.parent / "ander-huis.json"
    write_profile(other, server_house.vault.profile)
    for wrong in WRONG:
        assert _cases_list(profile, DIRECTOR, wrong, tmp_path) == 2
    assert waits == [1.0]
    # the same server and account through another profile file: its own count, no wait
    assert _cases_list(other, DIRECTOR, WRONG[0], tmp_path) == 2
    assert waits == [1.0]
    assert attempts.Attempts.beside(other, clock=lambda: NOW).failures(DIRECTOR).count == 1
    assert attempts.Attempts.beside(profile, clock=lambda: NOW).failures(DIRECTOR).count == 4
    capsys.readouterr()


def test_the_desktop_program_still_counts_a_server_in_memory(
        server_house: Any, profile: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The desktop path is unchanged: its counter in memory asks the same waits and writes
    nothing beside the profile, and the command line's file does not feed it."""
    for wrong in WRONG[:3]:  # the command line's three free failures, in its file
        assert _cases_list(profile, DIRECTOR, wrong, tmp_path) == 2
    capsys.readouterr()
    beside = {p.name: p.read_bytes() for p in profile.parent.iterdir() if p != profile}
    now = [NOW]
    counter = MemoryAttempts(attempts.Delay(), clock=lambda: now[0])
    slept: list[float] = []
    locked = ServerVault.from_file(profile)
    for wrong in WRONG:  # as the unlock screen's worker does (unlocking.unlock)
        with pytest.raises(WrongPassphrase):
            attempts.guarded_unlock(locked, DIRECTOR, wrong, exclusive=False, counter=counter,
                                    sleep=slept.append)
    # its own three free attempts (the command line's count is not its), then 1 s
    assert slept == [1.0]
    now[0] += 60  # past the wait
    opened, earlier = unlocking.unlock(ServerVault.from_file(profile), DIRECTOR,
                                       DIRECTOR_PASS, counter=counter)
    try:
        assert earlier is not None and earlier.count == 4
    finally:
        opened.lock(audit_it=False)
    # nothing written beside the profile by the desktop's attempts
    assert {p.name: p.read_bytes() for p in profile.parent.iterdir() if p != profile} == beside
