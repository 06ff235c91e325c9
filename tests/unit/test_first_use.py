"""First use and account notices (issue 17, point 4), on the command line and in the
services.

The finding: "The administrator sets every new account's passphrase and nobody is asked to
change it, so an administrator can create a process-director account and work under it
unseen." Now an account the administrator adds must choose its own passphrase before it can
do anything else (every command but ``users passwd`` is refused in one line, exit 2,
audited), and adding or revoking an account reaches every process director and
administrator at their next unlock, once, in Dutch, with who did it and when (seeing them is
audited). The covenant's process director holds the case substance (12.2, 16.2): an account
with that role that nobody notices is what the finding is about.

On the old code (commit 7ca920e) the new account's commands simply ran, and nobody was told.

Each test runs on both engines (``make test-pg``): the house is the vault folder, or on the
house server its profile (``--vault`` takes either: tests.pg_engine.vault_arg); the audit log
is read as a session allowed to read all of it (tests.pg_engine.audit_reader).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.cli import main
from app.domain.roles import Role
from app.errors import PermissionDenied
from app.services import accounts
from app.store.audit import verify_chain
from app.store.tables import audit_log
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.pg_engine import audit_reader, is_server_vault, vault_arg

DIRECTOR = "regisseur"
DIRECTOR_PASSPHRASE = "de regisseur kiest zelf een zin"
NEW = "nieuw"
GIVEN = "door de beheerder bedacht 42"
OWN = "alleen ik ken deze wachtzin"
MANAGER = "manager"
MANAGER_PASSPHRASE = "de manager telt alleen cijfers"
SECOND = "de tweede beheerder kiest dit zelf"


def run(monkeypatch: pytest.MonkeyPatch, argv: list[str], passphrase: str,
        new: str | None = None) -> int:
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", passphrase)
    if new is None:
        monkeypatch.delenv("CASUSKAMER_NEW_PASSPHRASE", raising=False)
    else:
        monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", new)
    return main(argv)


@dataclass(frozen=True)
class House:
    """The test's house: what ``--vault`` takes (the folder, or on the server the house's
    profile), the vault to unlock (a ``Vault`` or ``ServerVault``) and a folder for the files
    the commands would write."""

    where: str
    vault: Any
    out: Path
    on_server: bool

    def unlock(self, name: str, passphrase: str) -> OpenVault:
        opened: OpenVault = self.vault.unlock(name, passphrase)
        return opened


def rows(house: House, action: str) -> list[dict[str, object]]:
    opened = house.vault.unlock(ADMIN, ADMIN_PASSPHRASE, exclusive=False)
    try:
        with audit_reader(opened) as conn:
            found = conn.execute(select(audit_log).where(audit_log.c.action == action)
                                 .order_by(audit_log.c.id)).mappings().all()
            return [dict(r) for r in found]
    finally:
        opened.lock(audit_it=False)


@pytest.fixture
def folder(admin_vault: OpenVault, tmp_path: Path) -> House:
    """A vault with its administrator, a process director and a manager who have each
    chosen their passphrase (added before this change's routes, without the mark) and have
    unlocked once since."""
    accounts.add_account(admin_vault, DIRECTOR, Role.PROCESS_DIRECTOR, DIRECTOR_PASSPHRASE,
                         kdf=KdfParams())
    accounts.add_account(admin_vault, MANAGER, Role.MANAGER, MANAGER_PASSPHRASE,
                         kdf=KdfParams())
    house = House(vault_arg(admin_vault), admin_vault.vault, tmp_path / "uit",
                  is_server_vault(admin_vault))
    house.out.mkdir()
    admin_vault.lock()
    for name, passphrase in ((DIRECTOR, DIRECTOR_PASSPHRASE), (ADMIN, ADMIN_PASSPHRASE)):
        house.unlock(name, passphrase).lock()
        opened = house.unlock(name, passphrase)
        accounts.account_notices(opened)  # what came before this test is seen
        opened.lock()
    return house


def add_director_on_the_command_line(monkeypatch: pytest.MonkeyPatch, folder: House) -> None:
    code = run(monkeypatch, ["users", "add", "--vault", folder.where, "--account", ADMIN, NEW,
                             "--role", "process_director"], ADMIN_PASSPHRASE, new=GIVEN)
    assert code == 0


# -- first use -------------------------------------------------------------------------------

def test_an_account_the_administrator_made_is_refused_until_it_chooses_its_own(
        folder: House, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The finding itself: the administrator adds a process director with a passphrase the
    administrator knows and unlocks with it. Every command is refused (one line naming
    'users passwd', exit 2, audited) until a new passphrase is chosen; then it works, and
    the passphrase the administrator knew opens nothing any more."""
    add_director_on_the_command_line(monkeypatch, folder)
    capsys.readouterr()
    v, a = ["--vault", folder.where], ["--account", NEW]
    # the fifth: a backup of the vault folder; on the house server, where backup is the
    # server's own and 'casuskamer backup' unlocks nothing (it says so), the hand-outs
    fifth = (["export", "handouts", *v, *a, "--case", "2026-0001",
              "--out-dir", str(folder.out / "h")] if folder.on_server
             else ["backup", *v, *a, "--to", str(folder.out / "b.zip")])
    for argv in (["parties", "list", *v, *a], ["verify", *v, *a], ["purge", *v, *a, "--due"],
                 ["export", "plan", *v, *a, "--case", "2026-0001",
                  "--out", str(folder.out / "x.pdf")], fifth):
        code = run(monkeypatch, argv, GIVEN)
        err = capsys.readouterr().err
        assert code == 2, argv
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert "casuskamer users passwd --vault" in lines[0] and f"--account {NEW}" in lines[0]
        assert ADMIN in lines[0]  # who set it
        assert "Traceback" not in err
    refused = [r for r in rows(folder, "denied")
               if json.loads(str(r["detail"])).get("reason") == "must choose own passphrase"]
    assert len(refused) == 5
    assert {r["actor"] for r in refused} == {NEW}
    assert {json.loads(str(r["detail"]))["action"] for r in refused} >= {
        "casuskamer parties list", "casuskamer verify",
        "casuskamer export handouts" if folder.on_server else "casuskamer backup"}
    assert not list(folder.out.iterdir())  # nothing written

    # passwd itself works, the new passphrase from the environment (never an argument)
    assert run(monkeypatch, ["users", "passwd", "--vault", folder.where, "--account", NEW],
               GIVEN, new=OWN) == 0
    assert run(monkeypatch, ["parties", "list", "--vault", folder.where, "--account", NEW],
               OWN) == 0
    assert run(monkeypatch, ["verify", "--vault", folder.where, "--account", NEW], GIVEN) == 2
    changed = [r for r in rows(folder, "account.passwd") if r["object_id"] == NEW]
    assert [json.loads(str(r["detail"])) for r in changed] == [{"first_use": True}]
    assert [r["actor"] for r in changed] == [NEW]


def test_the_own_passphrase_obeys_the_strength_rule(
        folder: House, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """First use does not lower the bar: a short or well-known passphrase is refused in one
    line and the account stays marked; reusing the given one is refused too."""
    add_director_on_the_command_line(monkeypatch, folder)
    for weak in ("kort", GIVEN):
        capsys.readouterr()
        assert run(monkeypatch, ["users", "passwd", "--vault", folder.where, "--account", NEW],
                   GIVEN, new=weak) == 2
        assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert run(monkeypatch, ["parties", "list", "--vault", folder.where, "--account", NEW],
               GIVEN) == 2


def test_the_mark_is_read_from_the_audit_chain_and_survives_the_administrators_actions(
        folder: House, request: pytest.FixtureRequest) -> None:
    """The mark has no flag of its own: it is the newest passphrase row of the account in
    the hash-chained log. The administrator changing their own passphrase, locking,
    unlocking, or changing the data key does not clear it; the account's own change does,
    and the chain stays sound throughout.

    The administrator is a second one, added for this test: on the house server the first
    administrator's login is the suite's (every test's house is a copy of one template), so
    its passphrase stays as it is."""
    first = folder.unlock(ADMIN, ADMIN_PASSPHRASE)
    accounts.add_account(first, "tweede", Role.ADMIN, SECOND, kdf=KdfParams())
    first.lock()
    admin = folder.unlock("tweede", SECOND)
    accounts.add_account(admin, NEW, Role.PROCESS_DIRECTOR, GIVEN, kdf=KdfParams(),
                         must_choose_passphrase=True)
    assert admin.passphrase_set_by == ""  # the administrator's own is not affected
    accounts.change_passphrase(admin, SECOND, "de beheerder heeft een nieuwe zin",
                               kdf=KdfParams())
    if folder.on_server:  # the house server's data key changes through its migration owner
        from app.vault import server_rekey

        pg = request.getfixturevalue("pg_server")
        server_rekey.change_data_key(admin, pg.superuser, pg.superuser_password)
    else:
        assert accounts.change_data_key(admin).done
    admin.lock()
    opened = folder.unlock(NEW, GIVEN)
    assert opened.passphrase_set_by == "tweede"
    accounts.change_passphrase(opened, GIVEN, OWN, kdf=KdfParams())
    assert opened.passphrase_set_by == ""
    opened.lock()
    again = folder.unlock(NEW, OWN)
    try:
        assert again.passphrase_set_by == ""
        with audit_reader(again) as conn:  # the whole chain, as a session allowed to read it
            assert verify_chain(conn) == []
    finally:
        again.lock()


def test_the_command_line_add_always_marks_and_the_first_administrator_is_not_marked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'casuskamer init' makes an administrator who chose their own passphrase: not marked.
    Every account 'users add' makes is marked, whatever its role."""
    folder = tmp_path / "v"
    assert run(monkeypatch, ["init", "--vault", str(folder)], ADMIN_PASSPHRASE) == 0
    assert run(monkeypatch, ["verify", "--vault", str(folder)], ADMIN_PASSPHRASE) == 0
    for name, role in (("tweedebeheer", "admin"), ("ic", "information_centre")):
        assert run(monkeypatch, ["users", "add", "--vault", str(folder), name,
                                 "--role", role], ADMIN_PASSPHRASE, new=GIVEN) == 0
        opened = Vault(folder).unlock(name, GIVEN)
        try:
            assert opened.passphrase_set_by == ADMIN
            with pytest.raises(PermissionDenied):
                from app.vault.first_use import refuse_until_chosen
                refuse_until_chosen(opened, "casuskamer users add")
        finally:
            opened.lock()


# -- account notices ---------------------------------------------------------------------------

def test_a_new_account_reaches_the_process_directors_next_unlock_once(
        folder: House, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The administrator adds a process director: the existing process director's next
    command prints, on stderr, 'Nieuw account nieuw (procesregisseur), aangemaakt door
    beheerder op <date time>', once; seeing it is audited. The manager is not told."""
    seen_before = [r for r in rows(folder, "account.notices_seen") if r["actor"] == DIRECTOR]
    add_director_on_the_command_line(monkeypatch, folder)
    capsys.readouterr()
    assert run(monkeypatch, ["parties", "list", "--vault", folder.where, "--account",
                             DIRECTOR], DIRECTOR_PASSPHRASE) == 0
    err = capsys.readouterr().err
    assert (f"Nieuw account {NEW} (procesregisseur), aangemaakt door {ADMIN} op "
            in err), err
    assert "Wijzigingen in de accounts" in err
    # once
    assert run(monkeypatch, ["parties", "list", "--vault", folder.where, "--account",
                             DIRECTOR], DIRECTOR_PASSPHRASE) == 0
    assert "Nieuw account" not in capsys.readouterr().err
    seen = [r for r in rows(folder, "account.notices_seen") if r["actor"] == DIRECTOR]
    assert len(seen) == len(seen_before) + 1
    assert json.loads(str(seen[-1]["detail"]))["count"] == 1
    # the manager is told nothing
    assert run(monkeypatch, ["report", "--vault", folder.where, "--account", MANAGER,
                             "--year", "2026", "--out", str(folder.out / "r.pdf")],
               MANAGER_PASSPHRASE) in (0, 1, 2)
    assert "Nieuw account" not in capsys.readouterr().err


def test_a_revocation_reaches_the_process_director_and_other_administrators(
        folder: House, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Revoking is a notice too ('Account X (rol) ingetrokken door Y op ...'), and a second
    administrator is told what the first did, while the one who did it is not told their
    own doing."""
    admin = folder.unlock(ADMIN, ADMIN_PASSPHRASE)
    accounts.add_account(admin, "tweede", Role.ADMIN, GIVEN, kdf=KdfParams())
    admin.lock()
    second = folder.unlock("tweede", GIVEN)
    accounts.account_notices(second)
    second.lock()
    admin = folder.unlock(ADMIN, ADMIN_PASSPHRASE)
    accounts.account_notices(admin)
    accounts.revoke_account(admin, MANAGER)
    assert accounts.account_notices(admin) == []  # one's own doing
    admin.lock()
    capsys.readouterr()
    assert run(monkeypatch, ["parties", "list", "--vault", folder.where, "--account",
                             DIRECTOR], DIRECTOR_PASSPHRASE) == 0
    err = capsys.readouterr().err
    assert f"Account {MANAGER} (manager) ingetrokken door {ADMIN} op " in err, err
    second = folder.unlock("tweede", GIVEN)
    try:
        texts = [n.text() for n in accounts.account_notices(second)]
    finally:
        second.lock()
    assert len(texts) == 1 and texts[0].startswith(f"Account {MANAGER} (manager) ingetrokken")


def test_notices_only_for_process_directors_and_administrators(folder: House) -> None:
    """The information centre and the manager get no notices, and nothing is recorded for
    them; a new account is not told about what came before it."""
    admin = folder.unlock(ADMIN, ADMIN_PASSPHRASE)
    accounts.add_account(admin, "ic", Role.INFORMATION_CENTRE, GIVEN, kdf=KdfParams())
    accounts.add_account(admin, NEW, Role.PROCESS_DIRECTOR, GIVEN, kdf=KdfParams())
    admin.lock()
    for name in ("ic", MANAGER):
        opened = folder.unlock(name, GIVEN if name == "ic" else MANAGER_PASSPHRASE)
        try:
            assert accounts.account_notices(opened) == []
        finally:
            opened.lock()
    newcomer = folder.unlock(NEW, GIVEN)
    try:
        assert accounts.account_notices(newcomer) == []
    finally:
        newcomer.lock()
    assert {r["actor"] for r in rows(folder, "account.notices_seen")} <= {ADMIN, DIRECTOR}
