"""A house on the server with many listed cases, for the house server's bench rows (issue 22,
"make bench gains ... the case list at 100,000 cases ... on PostgreSQL").

Moving the benchmark's listed vault with ``casuskamer migrate``'s code seals every value of
every row one statement at a time (69 s per 2,157 cases here: close to an hour at 100,000).
So the server's house is filled the way ``casuskamer demo`` fills a vault file: the demo's
producer (``synthetic.fill_demo``) writes the cases through SQLAlchemy Core on the server,
in a process director's session, so every personal value is sealed on the workstation and
the blind indexes (BSN, surname plus birth date) are the real ones, made under the house's
data key.

A filled house is kept between runs under ``benchmarks/cache/`` (gitignored) as the server
keeps a house's backup (docs/house-server.md, Backup): the database as ``pg_dump --format=
custom --create`` and the house's login and group roles as ``pg_dumpall --roles-only``
(SCRAM verifiers, never a secret), without the throwaway server's own superuser. A later
run restores both into its fresh throwaway server in seconds, under the database's own name
(an account's login role and salt are derived from it). A cache is used only once its
``complete`` marker is written; the accounts' passphrase is the benchmarks' own.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.harness import ACCOUNT, CACHE, CACHE_VERSION, DIRECTOR, PASSPHRASE

#: The day the demo's cases are made relative to (fixed, so a cache is the same each time).
FILL_DAY = date(2026, 11, 16)
#: The demo's seed for the server's house.
FILL_SEED = 2026


@dataclass(frozen=True)
class FilledHouse:
    """A house on the throwaway server: its profile, how many cases the director lists,
    and how long the fill took when it was made (from the cache's note when restored)."""

    profile: Any
    listed: int
    fill_seconds: float
    restore_seconds: float | None  # None when filled in this run


def cache_folder(listed: int, smoke: bool = False) -> Path:
    return CACHE / f"{'smoke-' if smoke else ''}pg-listed-{listed}-v{CACHE_VERSION}"


def _bin(pg_ctl: Path, name: str) -> str:
    """``name`` beside the server's ``pg_ctl`` (the same major version), else on the path."""
    beside = pg_ctl.parent / name
    if beside.is_file():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed (Debian's postgresql-client)")
    return found


def _pg_ctl() -> Path:
    from tests.pg_server import find_pg_ctl

    found = find_pg_ctl()
    if found is None:
        raise RuntimeError("no PostgreSQL 15+ server binaries")
    return found


def _env(pg: Any) -> dict[str, str]:
    return {**os.environ, "PGPASSWORD": pg.superuser_password, "PGSSLMODE": "verify-full",
            "PGSSLROOTCERT": str(pg.ca_file), "PGCONNECT_TIMEOUT": "30"}


def _run(pg: Any, command: list[str]) -> str:
    """``command`` as the server's superuser; its output, or an error with its last lines."""
    done = subprocess.run(command, env=_env(pg), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{Path(command[0]).name} failed: {done.stderr.strip()[-800:]}")
    return done.stdout


def _conn_args(pg: Any, dbname: str) -> list[str]:
    return ["--host", pg.host, "--port", str(pg.port), "--username", pg.superuser,
            "--dbname", dbname]


def fill_house(pg: Any, listed: int) -> tuple[Any, float]:
    """A new house on ``pg`` with an administrator and a process director, and ``listed``
    demo cases written by the director; the profile and the seconds the cases took."""
    from app.domain.roles import Role
    from app.services import session, synthetic
    from app.store.profile import ServerProfile
    from app.vault.server import FirstAccount, ServerVault, create_house

    os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
    profile = ServerProfile(host=pg.host, port=pg.port, database=pg.new_database("benchhouse"),
                            ca_file=pg.ca_file)
    create_house(profile, pg.superuser, pg.superuser_password,
                 [FirstAccount(ACCOUNT, Role.ADMIN, PASSPHRASE),
                  FirstAccount(DIRECTOR, Role.PROCESS_DIRECTOR, PASSPHRASE)],
                 prefix=f"ck{secrets.token_hex(3)}")
    admin = ServerVault(profile).unlock(ACCOUNT, PASSPHRASE, exclusive=False)
    try:
        session.after_unlock(admin, created=True)  # the covenant's parties, as on a new vault
    finally:
        admin.lock()
    director = ServerVault(profile).unlock(DIRECTOR, PASSPHRASE, exclusive=False)
    try:
        started = time.perf_counter()
        synthetic.fill_demo(director, cases=listed, seed=FILL_SEED, today=FILL_DAY)
        took = time.perf_counter() - started
    finally:
        director.lock()
    return profile, took


def dump_house(pg: Any, profile: Any, folder: Path, note: dict[str, Any]) -> None:
    """The house's database and roles into ``folder``: written whole in a sibling folder of
    this process, marked ``complete`` and then renamed into place, so that a run beside this
    one never restores half a dump (a folder another run finished meanwhile is kept)."""
    pg_ctl = _pg_ctl()
    part = folder.with_name(f"{folder.name}.part-{os.getpid()}")
    if part.exists():
        shutil.rmtree(part)
    part.mkdir(parents=True)
    database = profile.database
    with pg.admin() as conn:
        owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database "
                             "WHERE datname = %s", (database,)).fetchone()[0]
    _run(pg, [_bin(pg_ctl, "pg_dump"), "--format=custom", "--create",
              "--file", str(part / "house.dump"), *_conn_args(pg, database)])
    roles = _run(pg, [_bin(pg_ctl, "pg_dumpall"), "--roles-only", "--host", pg.host,
                      "--port", str(pg.port), "--username", pg.superuser,
                      "--database", "postgres"])
    (part / "roles.sql").write_text(_house_roles(roles, pg.superuser), encoding="utf-8")
    (part / "house.json").write_text(json.dumps({**note, "database": database,
                                                 "owner": owner}, indent=1),
                                     encoding="utf-8")
    (part / "complete").write_text("1\n", encoding="utf-8")
    if (folder / "complete").exists():
        shutil.rmtree(part)
        return
    if folder.exists():
        shutil.rmtree(folder)  # a dump of an older program that was cut off
    part.rename(folder)


def _house_roles(dumped: str, superuser: str) -> str:
    """``pg_dumpall --roles-only`` without the server's own superuser (it exists on every
    throwaway server, under another password) and without its session settings."""
    keep = []
    for line in dumped.splitlines():
        words = line.replace(";", " ").split()
        if len(words) >= 3 and words[0] in ("CREATE", "ALTER") and words[1] == "ROLE" \
                and words[2].strip('"') == superuser:
            continue
        keep.append(line)
    return "\n".join(keep) + "\n"


def restore_house(pg: Any, folder: Path) -> Any:
    """The cached house restored into ``pg`` (a server that does not hold it yet); its
    profile."""
    from app.store.profile import ServerProfile

    pg_ctl = _pg_ctl()
    note = json.loads((folder / "house.json").read_text(encoding="utf-8"))
    _run(pg, [_bin(pg_ctl, "psql"), "--quiet", "--no-psqlrc", "-v", "ON_ERROR_STOP=1",
              "--file", str(folder / "roles.sql"), *_conn_args(pg, "postgres")])
    _run(pg, [_bin(pg_ctl, "pg_restore"), "--create", "--exit-on-error",
              *_conn_args(pg, "postgres"), str(folder / "house.dump")])
    return ServerProfile(host=pg.host, port=pg.port, database=note["database"],
                         ca_file=pg.ca_file)


def filled(pg: Any, listed: int, smoke: bool = False) -> FilledHouse:
    """A house with ``listed`` demo cases on ``pg``: restored from the cache when there is
    one, else filled now and cached for the next run."""
    folder = cache_folder(listed, smoke)
    if (folder / "complete").exists():
        started = time.perf_counter()
        profile = restore_house(pg, folder)
        restored = time.perf_counter() - started
        note = json.loads((folder / "house.json").read_text(encoding="utf-8"))
        return FilledHouse(profile, int(note["listed"]), float(note["fill_seconds"]), restored)
    profile, took = fill_house(pg, listed)
    count = listed_on_server(profile)
    dump_house(pg, profile, folder, {"listed": count, "fill_seconds": round(took, 1),
                                     "made": time.strftime("%Y-%m-%d %H:%M:%S")})
    return FilledHouse(profile, count, took, None)


def same_cases_vault(listed: int, smoke: bool = False) -> Path:
    """A vault file with the very cases :func:`fill_house` writes on the server (the same
    producer, seed and day, written by a process director), cached beside the server's dump:
    the server's rows set beside SQLCipher doing the same work on the same rows. Used only
    once its ``complete`` marker is written."""
    from app.domain.roles import Role
    from app.services import accounts as account_service
    from app.services import session, synthetic
    from app.vault.keyslots import KdfParams
    from app.vault.vault import Vault

    folder = CACHE / f"{'smoke-' if smoke else ''}fill-listed-{listed}-v{CACHE_VERSION}"
    if (folder / "complete").exists():
        return folder
    if folder.exists():
        shutil.rmtree(folder)  # a fill that was cut off
    os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
    admin = Vault.create(folder, ACCOUNT, PASSPHRASE, kdf=KdfParams())
    try:
        session.after_unlock(admin, created=True)
        account_service.add_account(admin, DIRECTOR, Role.PROCESS_DIRECTOR, PASSPHRASE,
                                    kdf=KdfParams())
    finally:
        admin.lock()
    director = Vault(folder).unlock(DIRECTOR, PASSPHRASE, exclusive=False)
    try:
        synthetic.fill_demo(director, cases=listed, seed=FILL_SEED, today=FILL_DAY)
    finally:
        director.lock()
    (folder / "complete").write_text(f"{listed}\n", encoding="utf-8")
    return folder


def listed_on_server(profile: Any) -> int:
    """How many cases the process director's case list holds."""
    from app.services import cases as case_service
    from app.vault.server import ServerVault

    director = ServerVault(profile).unlock(DIRECTOR, PASSPHRASE, exclusive=False)
    try:
        return len(case_service.list_cases(director, today=FILL_DAY))
    finally:
        director.lock()


def main() -> None:
    """``python -m benchmarks.pg_house N``: fill (or find) the cache for N listed cases on a
    throwaway server and say how long it took."""
    import sys

    from benchmarks.bench_pg_server import throwaway_server

    listed = int(sys.argv[1])
    with throwaway_server() as pg:
        house = filled(pg, listed)
    print(json.dumps({"listed": house.listed, "fill_seconds": round(house.fill_seconds, 1),
                      "restore_seconds": house.restore_seconds,
                      "cache": str(cache_folder(listed))}))


if __name__ == "__main__":
    main()
