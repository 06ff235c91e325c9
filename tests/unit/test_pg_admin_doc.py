"""docs/house-server.md's commands run (issue 22, point 6): the section "Setting up the house"
(the SQL the superuser runs, then every ``$ casuskamer ...`` line) and the section "Backup"
(``pg_dump`` and ``pg_restore``) are run as written against the session's throwaway
PostgreSQL, with the example names replaced by the test's. The migration owner is a
plain login with CREATEROLE that owns the database, as the page says (not the superuser).

Skipped with the reason where no PostgreSQL 15+ binaries are installed."""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.cli import main as cli_main
from app.domain.roles import Role
from app.vault.server import ServerVault

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "house-server.md"
ADMIN_PASS = "de sleutel ligt bij het zorg en veiligheidshuis"
FIRST_PASS = "een eerste wachtzin die zij zelf vervangt"
OWN_PASS = "regie over de casus blijft mensenwerk"


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    assert f"\n## {title}\n" in text, f"docs/house-server.md has no section {title!r}"
    return text.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def _fenced(section: str, language: str | None = None) -> list[str]:
    """The lines of the section's fenced blocks (of ``language`` only, when given)."""
    lines: list[str] = []
    inside = False
    for raw in section.splitlines():
        line = raw.strip()
        if line.startswith("```"):
            inside = not inside and (language is None or line == f"```{language}")
            continue
        if inside and line:
            lines.append(line)
    return lines


class Names:
    """The example names of the page and the test's own."""

    def __init__(self, pg: Any, tmp: Path) -> None:
        self.pg = pg
        self.database = f"casuskamer_{secrets.token_hex(3)}"
        self.owner = f"zvh_migratie_{secrets.token_hex(3)}"
        self.password = secrets.token_urlsafe(18)
        self.profile = tmp / "zvh.json"
        self.joined = tmp / "werkplek.json"
        self.dump = tmp / "casuskamer.dump"

    def apply(self, line: str) -> str:
        pg = self.pg
        line = line.replace("postgresql://db.zvh.local/casuskamer",
                            f"postgresql://{pg.host}:{pg.port}/{self.database}")
        line = line.replace("host=db.zvh.local dbname=casuskamer",
                            f"host={pg.host} port={pg.port} dbname={self.database}")
        line = line.replace("DATABASE casuskamer OWNER", f"DATABASE {self.database} OWNER")
        line = line.replace("'kies-een-lang-wachtwoord'", f"'{self.password}'")
        line = line.replace("zvh_migratie", self.owner)
        line = line.replace("user=postgres", f"user={pg.superuser}")
        line = line.replace("zvh-ca.pem", str(pg.ca_file))
        line = line.replace("casuskamer.dump", str(self.dump))
        if line.startswith("$ casuskamer init") and "--create" not in line:
            return line.replace("zvh.json", str(self.joined))
        return line.replace("zvh.json", str(self.profile))


def _run_commands(names: Names, lines: list[str],
                  monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Run each ``$ casuskamer`` line; returns them as run. The passphrases go where the
    page says they may: the environment (never an option)."""
    passphrase = {"beheerder": ADMIN_PASS, "regisseur": FIRST_PASS}
    ran: list[str] = []
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", names.password)
    for line in lines:
        assert line.startswith("$ casuskamer "), line
        words = shlex.split(names.apply(line))[2:]  # after "$ casuskamer"
        account = words[words.index("--account") + 1] if "--account" in words else "beheerder"
        monkeypatch.setenv("CASUSKAMER_PASSPHRASE", passphrase[account])
        if words[:2] == ["users", "add"]:
            monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", FIRST_PASS)
        elif words[:2] == ["users", "passwd"]:
            monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", OWN_PASS)
            passphrase[account] = OWN_PASS
        assert cli_main(["--lang", "en", *words]) == 0, line
        ran.append("casuskamer " + words[0])
    return ran


def test_setting_up_the_house_as_the_page_says(pg_server: Any, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    names = Names(pg_server, tmp_path)
    section = _section("Setting up the house")
    sql = _fenced(section, "sql")
    assert any("CREATEROLE" in s for s in sql)
    with pg_server.admin() as conn:
        for statement in sql:
            conn.execute(names.apply(statement).rstrip(";"))
    commands = [line for line in _fenced(section) if line.startswith("$ ")]
    ran = _run_commands(names, commands, monkeypatch)
    assert ran[:2] == ["casuskamer init", "casuskamer init"]
    assert {"casuskamer users", "casuskamer upgrade", "casuskamer verify"} <= set(ran)
    assert names.profile.exists() and names.joined.exists()
    # the house works, made by a migration owner that is not the superuser
    opened = ServerVault.from_file(names.joined).unlock("beheerder", ADMIN_PASS,
                                                        exclusive=False)
    try:
        assert opened.actor.role is Role.ADMIN
    finally:
        opened.lock(audit_it=False)


def test_the_backup_lines_dump_and_restore_the_house(pg_server: Any, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    pg_dump, pg_restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if pg_dump is None or pg_restore is None:
        pytest.skip("pg_dump/pg_restore not installed (Debian's postgresql-client)")
    names = Names(pg_server, tmp_path)
    section = _section("Setting up the house")
    with pg_server.admin() as conn:
        for statement in _fenced(section, "sql"):
            conn.execute(names.apply(statement).rstrip(";"))
    create = next(line for line in _fenced(section) if "--create" in line)
    _run_commands(names, [create], monkeypatch)
    backup = [line for line in _fenced(_section("Backup"))
              if line.startswith(("pg_dump", "pg_restore"))]
    assert [line.split()[0] for line in backup] == ["pg_dump", "pg_restore"]
    dump_line, restore_line = (shlex.split(names.apply(line)) for line in backup)
    done = subprocess.run(dump_line, env={**os.environ, "PGPASSWORD": names.password},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert ADMIN_PASS not in names.dump.read_bytes().decode("latin-1")
    # the database is lost; an empty one of the same name, owned by the same login
    with pg_server.admin() as conn:
        conn.execute(f'DROP DATABASE "{names.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{names.database}" OWNER {names.owner}')
    done = subprocess.run(restore_line,
                          env={**os.environ, "PGPASSWORD": pg_server.superuser_password},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    assert cli_main(["--lang", "en", "verify", "--vault", str(names.profile), "--account",
                     "beheerder"]) == 0
    # and the administrator can still add an account (the account maker's functions)
    monkeypatch.setenv("CASUSKAMER_NEW_PASSPHRASE", FIRST_PASS)
    assert cli_main(["--lang", "en", "users", "add", "regisseur", "--role",
                     "process_director", "--vault", str(names.profile), "--account",
                     "beheerder"]) == 0


def test_the_page_no_longer_calls_the_server_commands_planned() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert "## Backup (planned)" not in text
    assert not re.search(r"`verify`/`backup`/`upgrade` in server mode", text)
