"""Moving a house from a local vault to the house server (issue 22, point 5):
``casuskamer migrate --from-vault DIR --to PROFILE`` copies everything, seals the personal
values, continues the audit chain, gives the other accounts a server login they must replace,
verifies the result, leaves the vault folder byte for byte as it was, and refuses a second
move into the same house.

On the session's throwaway PostgreSQL (``tests/pg_server.py``); skipped with the reason
where no PostgreSQL 15+ binaries are installed. Fails on 4caafe6 (no ``migrate``)."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from app.cli import main as cli_main
from app.domain.roles import Role
from app.services import demo as demo_service
from app.services import intake
from app.store import audit, db
from app.store.profile import ServerProfile, write_profile
from app.store.schema import metadata
from app.vault import keyslots
from app.vault.server import FirstAccount, ServerVault, create_house
from app.vault.vault import Vault

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "beheerder"                       # the demo vault's administrator
PASSPHRASE = "een lange demo wachtzin voor de verhuizing"
DIRECTOR = "procesregisseur"
OWN = "de regie blijft bij de mensen zelf"


def main(words: list[str]) -> int:
    return cli_main(["--lang", "en", *words])


@pytest.fixture(autouse=True)
def at_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """These moves run as at a terminal, where the one-time passphrases are printed (output
    that is no terminal: tests/unit/test_pg_seam_migrate_passphrases.py)."""
    from app.cli import move_command

    monkeypatch.setattr(move_command, "output_is_terminal", lambda: True)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("move") / "kluis"
    demo_service.build_demo_vault(folder, PASSPHRASE, cases=12, account=ADMIN)
    return folder


def _fingerprint(folder: Path) -> dict[str, str]:
    """Every file of the vault folder and its SHA-256."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


def _local_counts(folder: Path) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Rows per table of the vault file and its audit rows' (id, hash), read with the
    administrator's slot from a copy of the folder (so that this read touches nothing)."""
    copy = folder.parent / f"{folder.name}-kopie-{secrets.token_hex(3)}"
    shutil.copytree(folder, copy)
    vault = Vault(copy)
    slots = vault.slot_file()
    keys = keyslots.open_slot(slots.vault_id, slots.find(ADMIN), PASSPHRASE)  # type: ignore[arg-type]
    engine = db.make_engine(vault.db_path, lambda: keys[0], read_only=True)
    try:
        with engine.connect() as conn:
            counts = {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t))
                                  .scalar() or 0) for t in metadata.sorted_tables}
            chain = [(int(r[0]), str(r[1])) for r in conn.execute(sa.text(
                "SELECT id, hash FROM audit_log ORDER BY id"))]
    finally:
        engine.dispose()
    return counts, chain


@pytest.fixture
def house(pg_server: Any, tmp_path: Path) -> Iterator[tuple[Any, ServerProfile, Path]]:
    """An empty house as ``init --server --create`` makes it, the demo's administrator as
    its first administrator."""
    profile = ServerProfile(host=pg_server.host, port=pg_server.port,
                            database=pg_server.new_database("move"), ca_file=pg_server.ca_file)
    create_house(profile, pg_server.superuser, pg_server.superuser_password,
                 [FirstAccount(ADMIN, Role.ADMIN, PASSPHRASE)],
                 prefix=f"ck{secrets.token_hex(3)}")
    path = tmp_path / "zvh.json"
    write_profile(path, profile)
    yield pg_server, profile, path


def _documented_line() -> list[str]:
    """The command as docs/house-server.md gives it (its section on the move)."""
    doc = (ROOT / "docs" / "house-server.md").read_text(encoding="utf-8")
    section = doc.split("## Van een lokale kluis naar de server", 1)[1].split("\n## ", 1)[0]
    line = re.search(r"`(casuskamer migrate [^`]*)`", section)
    assert line, "the section gives the command"
    return line.group(1).split()[1:]


def _server_engine(pg: Any, profile: ServerProfile) -> sa.Engine:
    return sa.create_engine(pg.sqlalchemy_url(pg.superuser, pg.superuser_password,
                                              profile.database))


def _show(words: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    assert main(words) == 0, capsys.readouterr().err
    return dict(json.loads(capsys.readouterr().out))


def test_a_vault_moves_to_the_server_whole_and_untouched(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pg, profile, path = house
    before = _fingerprint(demo_folder)
    counts, chain = _local_counts(demo_folder)
    assert counts["cases"] >= 10 and counts["meetings"] and counts["plans"] and chain

    # the documented command, its placeholders filled in
    values = {"DIR": str(demo_folder), "PROFILE": str(path), "LOGIN": pg.superuser,
              "NAME": ADMIN}
    words = [values.get(w, w) for w in _documented_line()]
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg.superuser_password)
    capsys.readouterr()
    assert main(words) == 0, capsys.readouterr().err
    out = capsys.readouterr().out
    one_time = dict(re.findall(r"^  (\S+): (\S+)$", out, re.M))
    # every other account of the vault (none revoked in the demo) got a server login
    assert set(one_time) == {"procesregisseur", "informatiecentrum", "manager"}

    # the vault folder: byte for byte what it was
    assert _fingerprint(demo_folder) == before

    engine = _server_engine(pg, profile)
    try:
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                if table.name in ("meta", "audit_log"):
                    continue
                found = conn.execute(sa.text(f'SELECT count(*) FROM "{table.name}"')).scalar()
                assert found == counts[table.name], table.name
            rows = conn.execute(sa.text(
                "SELECT id, hash, action, actor, detail FROM audit_log ORDER BY id")).all()
            # the vault's rows as they were, then the house's own, the logins and the move
            assert [(r[0], r[1]) for r in rows[:len(chain)]] == chain
            assert rows[-1][2] == "house.migrated" and rows[-1][3] == ADMIN
            detail = json.loads(rows[-1][4])
            assert set(detail) <= {"tables", "rows", "audit_rows", "logins"}
            assert all(isinstance(v, int) for v in detail.values())
            assert detail["audit_rows"] == len(chain)
            added = [r for r in rows[len(chain):] if r[2] == "account.add"]
            assert {r[3] for r in added} == {ADMIN}
            # the chain verifies across the move
            assert audit.verify_chain(conn) == []
            # nothing readable: no BSN of the vault in the clear on the server
            stored = b"".join(bytes(r[0]) for r in conn.execute(sa.text(
                "SELECT bsn FROM subjects WHERE bsn IS NOT NULL")))
            # new ids continue after the copied ones
            nxt = conn.execute(sa.text(
                "SELECT nextval(pg_get_serial_sequence('cases', 'id'))")).scalar()
            top = conn.execute(sa.text("SELECT max(id) FROM cases")).scalar()
            assert nxt is not None and top is not None and nxt > top
    finally:
        engine.dispose()

    # a case opened on the server shows the same subjects and items as in the vault
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    local = ["--vault", str(demo_folder), "--account", DIRECTOR]
    listed = _show(["cases", "list", *local, "--json"], capsys)
    for listed_case in listed["cases"]:  # a case with a BSN (most demo subjects have one)
        number = str(listed_case["number"])
        in_vault = _show(["cases", "show", number, *local, "--json"], capsys)
        bsn = next((s["bsn"] for s in in_vault["case"]["subjects"] if s.get("bsn")), None)
        if bsn:
            break
    assert bsn and in_vault["items"]
    for subject in in_vault["case"]["subjects"]:
        if subject.get("bsn"):
            assert subject["bsn"].encode() not in stored
    server = ["--vault", str(path), "--account", DIRECTOR]
    # the one-time passphrase works, but only to choose one's own first
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", one_time[DIRECTOR])
    assert main(["cases", "show", number, *server, "--json"]) == 2
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", OWN)
    assert main(["users", "passwd", *server]) == 0
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", OWN)
    on_server = _show(["cases", "show", number, *server, "--json"], capsys)
    assert on_server["case"]["subjects"] == in_vault["case"]["subjects"]
    assert on_server["items"] == in_vault["items"]
    # the blind indexes were filled: the "already known" check finds the case by BSN
    opened = ServerVault(profile).unlock(DIRECTOR, OWN, exclusive=False)
    try:
        assert number in [k.number for k in intake.already_known(opened, bsn=bsn)]
    finally:
        opened.lock()

    # the administrator's verify on the server finds the chain and the values sound
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    capsys.readouterr()
    assert main(["verify", "--vault", str(path), "--account", ADMIN]) == 0, \
        capsys.readouterr().out


def test_a_second_move_into_the_same_house_is_refused(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pg, profile, path = house
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg.superuser_password)
    words = ["migrate", "--from-vault", str(demo_folder), "--to", str(path),
             "--owner", pg.superuser]
    assert main(words) == 0
    engine = _server_engine(pg, profile)
    try:
        with engine.connect() as conn:
            audit_rows = conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar()
        capsys.readouterr()
        assert main(words) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert "already holds" in err
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM audit_log")).scalar() \
                == audit_rows
    finally:
        engine.dispose()


def test_the_wrong_passphrase_or_a_folder_as_target_changes_nothing(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    pg, profile, path = house
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg.superuser_password)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", "niet de goede wachtzin van de beheerder")
    words = ["migrate", "--from-vault", str(demo_folder), "--to", str(path),
             "--owner", pg.superuser]
    capsys.readouterr()
    assert main(words) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    assert main(["migrate", "--from-vault", str(demo_folder), "--to", str(demo_folder),
                 "--owner", pg.superuser]) == 2
    engine = _server_engine(pg, profile)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM cases")).scalar() == 0
    finally:
        engine.dispose()


def _house_with(pg: Any, tmp_path: Path, account: str, passphrase: str) -> tuple[ServerProfile,
                                                                                Path]:
    profile = ServerProfile(host=pg.host, port=pg.port, database=pg.new_database("move"),
                            ca_file=pg.ca_file)
    create_house(profile, pg.superuser, pg.superuser_password,
                 [FirstAccount(account, Role.ADMIN, passphrase)],
                 prefix=f"ck{secrets.token_hex(3)}")
    path = tmp_path / f"{profile.database}.json"
    write_profile(path, profile)
    return profile, path


def test_the_administrators_own_server_passphrase_is_asked_when_it_differs(
        demo_folder: Path, pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The house was made with another passphrase for the same administrator: the move
    takes it from CASUSKAMER_SERVER_PASSPHRASE (else a prompt; no terminal: one line)."""
    server_pass = "op de server koos de beheerder een andere wachtzin"
    profile, path = _house_with(pg_server, tmp_path, ADMIN, server_pass)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg_server.superuser_password)
    monkeypatch.delenv("CASUSKAMER_SERVER_PASSPHRASE", raising=False)
    words = ["migrate", "--from-vault", str(demo_folder), "--to", str(path),
             "--owner", pg_server.superuser]
    capsys.readouterr()
    assert main(words) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "CASUSKAMER_SERVER_PASSPHRASE" in err
    monkeypatch.setenv("CASUSKAMER_SERVER_PASSPHRASE", server_pass)
    assert main(words) == 0


def test_a_house_without_the_vaults_administrator_is_refused(
        demo_folder: Path, pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    profile, path = _house_with(pg_server, tmp_path, "iemand_anders", PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg_server.superuser_password)
    capsys.readouterr()
    assert main(["migrate", "--from-vault", str(demo_folder), "--to", str(path),
                 "--owner", pg_server.superuser, "--account", ADMIN]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "init --server" in err
    engine = _server_engine(pg_server, profile)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM cases")).scalar() == 0
            assert conn.execute(sa.text("SELECT count(*) FROM accounts")).scalar() == 1
    finally:
        engine.dispose()


def test_a_vault_in_use_is_not_moved(
        demo_folder: Path, house: tuple[Any, ServerProfile, Path],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """What a program still open on the vault writes during the move would not reach the
    server: the move waits for no one and refuses, in one line, while the vault is open."""
    pg, profile, path = house
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg.superuser_password)
    held = Vault(demo_folder).unlock(DIRECTOR, PASSPHRASE, exclusive=True)
    try:
        capsys.readouterr()
        assert main(["migrate", "--from-vault", str(demo_folder), "--to", str(path),
                     "--owner", pg.superuser]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and "in use" in err
    finally:
        held.lock()
    engine = _server_engine(pg, profile)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM cases")).scalar() == 0
    finally:
        engine.dispose()


def test_the_move_runs_as_a_migration_owner_that_is_no_superuser(
        demo_folder: Path, pg_server: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """As a house runs it: the owner's login may create roles and owns the database, and is
    no superuser (the tables' owner role switches the append-only trigger off for the one
    statement that takes the creation rows out; nothing else of the log is touched)."""
    pg = pg_server
    login, password = f"mover_{secrets.token_hex(3)}", secrets.token_urlsafe(18)
    database = f"move_{secrets.token_hex(4)}"
    with pg.admin() as conn:
        conn.execute(f"CREATE ROLE {login} LOGIN CREATEROLE PASSWORD '{password}'")
        conn.execute(f'CREATE DATABASE "{database}" OWNER {login}')
    profile = ServerProfile(host=pg.host, port=pg.port, database=database, ca_file=pg.ca_file)
    create_house(profile, login, password, [FirstAccount(ADMIN, Role.ADMIN, PASSPHRASE)],
                 prefix=f"ck{secrets.token_hex(3)}")
    path = tmp_path / "zvh.json"
    write_profile(path, profile)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", PASSPHRASE)
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", password)
    capsys.readouterr()
    assert main(["migrate", "--from-vault", str(demo_folder), "--to", str(path),
                 "--owner", login]) == 0, capsys.readouterr().err
    counts, chain = _local_counts(demo_folder)
    engine = _server_engine(pg, profile)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM cases")).scalar() \
                == counts["cases"]
            assert audit.verify_chain(conn) == []
            # the append-only triggers are on again
            assert conn.execute(sa.text(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = 'audit_log'::regclass "
                "AND NOT tgisinternal AND tgenabled = 'D'")).scalar() == 0
    finally:
        engine.dispose()
