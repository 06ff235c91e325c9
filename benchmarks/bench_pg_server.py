"""The house server's rows (issue 22, "make bench gains the query mix, the case list and a
concurrent-intake run on PostgreSQL, beside the same on SQLCipher"; issue 23's rows).

Run by ``python -m benchmarks`` only where a PostgreSQL 15+ is installed: the server is a
throwaway one started as the tests start theirs (``tests/pg_server.py``: pytest-postgresql's
executor, TLS with verify-full, SCRAM only, 127.0.0.1; stopped and removed afterwards).
Without one the rows are skipped with one line saying why.

- **query mix** and **case list** on the server at the run's size (100,000 listed cases in
  a full run), each measured as interleaved pairs beside the same on the SQLCipher vault file
  with as many listed cases that the other rows use, both unlocked as the process director.
  The server's house is filled by the demo's producer writing through Core as the director
  (every personal value sealed on the workstation, the real pair indexes) and kept between
  runs as a ``pg_dump`` under ``benchmarks/cache/``, restored into the run's fresh server
  (``benchmarks/pg_house.py``). The two houses hold the same number of listed cases, not the
  same cases: the vault file has the demo's years of activity (meetings, plans, closed and
  destroyed cases), the server's house the demo's new cases (referred, intake, triage,
  declined); the row's note says so. Two more rows set the same reads beside a vault file
  that holds the very cases of the server's house (the same producer, seed and day, written
  by a director; cached too): SQLCipher doing the same work on the same rows.
- **concurrent intake**: two program instances (two processes) register referrals at the
  same moment, on a new house on the server and on a new vault file: cases per second over
  both (wall time from the start signal until both are done), and whether the numbers are
  gap-free and each given once (the row's check; the audit chain is verified too).

No budget is asserted here beyond the concurrent intake's gap-free numbers: the issue asks for
these figures beside SQLCipher's, not for a ratio."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.harness import (ACCOUNT, CACHE, DIRECTOR, PASSPHRASE, ROOT, Row, listed_vault,
                                paired, spread)

#: Referrals each of the two processes registers at once (full runs).
INTAKE_PER_PROCESS = 25


def _skip_reason() -> str | None:
    for module in ("psycopg", "pytest_postgresql", "port_for"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (the dev extras)"
    from tests.pg_server import find_pg_ctl

    if find_pg_ctl() is None:
        return "no PostgreSQL 15+ server binaries (pg_ctl): `make sysdeps` installs them"
    return None


@contextlib.contextmanager
def throwaway_server() -> Iterator[Any]:
    """The tests' throwaway server (``tests.pg_server``); raises ``_Unavailable`` with the
    reason where it cannot start (as root without a postgres account, say)."""
    import pytest

    from tests.pg_server import _start, find_pg_ctl

    pg_ctl = find_pg_ctl()
    assert pg_ctl is not None
    try:
        with contextlib.contextmanager(_start)(pg_ctl) as server:
            yield server
    except pytest.skip.Exception as skipped:
        raise _Unavailable(str(skipped.msg)) from None


class _Unavailable(Exception):
    pass


def rows(cases: int, smoke: bool) -> list[Row]:
    reason = _skip_reason()
    if reason is not None:
        print(f"  house server rows skipped: {reason}", file=sys.stderr)
        return []
    os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
    try:
        with throwaway_server() as pg:
            listed = 40 if smoke else cases
            found = _reads(pg, listed, smoke)
            found.append(_concurrent_intake(pg, 3 if smoke else INTAKE_PER_PROCESS, smoke))
            return found
    except _Unavailable as exc:
        print(f"  house server rows skipped: {exc}", file=sys.stderr)
        return []


# -- a house on the throwaway server ----------------------------------------------------------

def _profile(pg: Any, prefix: str) -> Any:
    from app.store.profile import ServerProfile

    return ServerProfile(host=pg.host, port=pg.port, database=pg.new_database(prefix),
                         ca_file=pg.ca_file)


def _new_house(pg: Any, prefix: str, accounts: list[tuple[str, Any]]) -> Any:
    from app.vault.server import FirstAccount, create_house

    profile = _profile(pg, prefix)
    create_house(profile, pg.superuser, pg.superuser_password,
                 [FirstAccount(name, role, PASSPHRASE) for name, role in accounts],
                 prefix=f"ck{secrets.token_hex(3)}")
    return profile


# -- the query mix and the case list -----------------------------------------------------------

def _reads(pg: Any, listed: int, smoke: bool) -> list[Row]:
    """The query mix and the case list on a server house with ``listed`` demo cases
    (``benchmarks.pg_house``: filled by the demo's producer as a process director, restored
    from the cache when there is one), beside the same on the vault file with as many listed
    cases that the other rows use, both unlocked as the process director."""
    from app.services import cases as case_service
    from app.vault.server import ServerVault
    from benchmarks.bench_core import _query_mix
    from benchmarks.harness import unlock
    from benchmarks.pg_house import filled, same_cases_vault

    folder = listed_vault(listed, smoke)
    unlock(folder, ACCOUNT).lock()  # a cached vault: brought to this program's schema first
    same_folder = same_cases_vault(listed, smoke)
    unlock(same_folder, ACCOUNT).lock()
    house = filled(pg, listed, smoke)
    server = ServerVault(house.profile).unlock(DIRECTOR, PASSPHRASE, exclusive=False)
    local = unlock(folder)
    same = unlock(same_folder)
    try:
        with local.read() as conn:
            count, destroyed = (int(x or 0) for x in conn.exec_driver_sql(
                "SELECT count(*) FILTER (WHERE state != 'destroyed'), "
                "count(*) FILTER (WHERE state = 'destroyed') FROM cases").one())
        on_server = len(case_service.list_cases(server))
        load = _load()
        rounds = 2 if smoke else 7
        mix = paired(lambda: _query_mix(server), lambda: _query_mix(local), rounds=rounds)
        listing = paired(lambda: case_service.list_cases(server),
                         lambda: case_service.list_cases(local), rounds=rounds)
        same_mix = paired(lambda: _query_mix(server), lambda: _query_mix(same), rounds=rounds)
        same_listing = paired(lambda: case_service.list_cases(server),
                              lambda: case_service.list_cases(same), rounds=rounds)
    finally:
        server.lock()
        local.lock()
        same.lock()
    made = (f"filled in {house.fill_seconds:.0f} s by the demo's producer as the director"
            + ("" if house.restore_seconds is None
               else f", restored from the cached pg_dump in {house.restore_seconds:.1f} s"))
    note = (f"reference: the same on the SQLCipher vault file the other rows use ({count} "
            f"listed, {destroyed} destroyed on top, with the demo's years of meetings and "
            f"plans; the server's house has the demo's new cases only: referred, intake, "
            f"triage, declined); server house {made}; throwaway local server, TLS; "
            f"load average {load} at the start of the row")
    size = f"{on_server} listed cases on the server, {count} in the vault file"
    same_note = (f"reference: a SQLCipher vault file holding the very cases of the server's "
                 f"house (the demo's producer, same seed and day, written by a process "
                 f"director; cached beside the dump); server house {made}; throwaway local "
                 f"server, TLS; load average {load} at the start of the first row")
    same_size = f"{on_server} listed cases, the same on both"
    return [_paired_row("house server: query mix (list, open, search name+BSN, open actions)",
                        size, mix, note),
            _paired_row("house server: case list", size, listing, note),
            _paired_row("house server: query mix, beside a vault file with the same cases",
                        same_size, same_mix, same_note),
            _paired_row("house server: case list, beside a vault file with the same cases",
                        same_size, same_listing, same_note)]


def _load() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def _paired_row(what: str, size: str, pair: Any, note: str) -> Row:
    return Row(what, size, pair.ours_median * 1000, pair.reference_median * 1000, "ms",
               "none (beside SQLCipher)", None, note, ratio_median=pair.ratio_median,
               ratio_spread=spread(pair.ratios),
               ours_spread=(min(pair.ours) * 1000, max(pair.ours) * 1000),
               samples=len(pair.ours))


# -- concurrent intake: two processes ----------------------------------------------------------

#: One workstation: opens the house (a profile file or a vault folder), says "ready", waits
#: for the start signal, registers ``count`` referrals and prints their numbers.
_WORKSTATION = r"""
import json, os, sys, time
from datetime import date
from pathlib import Path
os.environ["CASUSKAMER_KDF_SECONDS"] = "0"
from app.domain.cases import Subject, SubjectRole
from app.domain.intake import Referral
from app.domain.life_domains import LifeDomain
from app.domain.protocols import Protocol
from app.services import intake
from app.services import parties as party_service
from app.vault.server import ServerVault
from app.vault.vault import Vault
where, go, count, tag = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
account, passphrase = sys.argv[5], sys.argv[6]
house = ServerVault.from_file(where) if where.is_file() else Vault(where)
opened = house.unlock(account, passphrase, exclusive=False)
police = party_service.find_party_by_name(opened, "Politie regionale eenheid Den Haag")
print("ready", flush=True)
while not go.exists():
    time.sleep(0.002)
numbers = []
for i in range(count):
    numbers.append(intake.register_referral(opened, Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=police.id,
        received=date(2026, 3, 2), reason="Zorgen over de woonsituatie",
        question="Samen een plan maken",
        subjects=(Subject("Piet", f"Werkplek{tag}{i}", date(1980, 5, 17),
                          SubjectRole.MAIN_SUBJECT, None, "Laan 1, Den Haag"),),
        life_domains={LifeDomain.HOUSING: "Dreigende huisuitzetting"},
        referring_contact="Wijkagent")))
opened.lock()
print(json.dumps(numbers), flush=True)
"""


def _vault_house(folder: Path) -> None:
    """A new vault file with the covenant's parties and a process director."""
    from app.domain.roles import Role
    from app.services import accounts as account_service
    from app.services import session
    from app.vault.keyslots import KdfParams
    from app.vault.vault import Vault

    admin = Vault.create(folder, ACCOUNT, PASSPHRASE, kdf=KdfParams())
    session.after_unlock(admin, created=True)
    account_service.add_account(admin, DIRECTOR, Role.PROCESS_DIRECTOR, PASSPHRASE,
                                kdf=KdfParams())
    admin.lock()


def _server_house(pg: Any, folder: Path) -> Path:
    """A new house on the server with the covenant's parties and a process director; the
    profile file the workstations open."""
    from app.domain.roles import Role
    from app.services import session
    from app.store.profile import write_profile
    from app.vault.server import ServerVault

    profile = _new_house(pg, "benchintake", [(ACCOUNT, Role.ADMIN),
                                              (DIRECTOR, Role.PROCESS_DIRECTOR)])
    admin = ServerVault(profile).unlock(ACCOUNT, PASSPHRASE, exclusive=False)
    try:
        session.after_unlock(admin, created=True)
    finally:
        admin.lock()
    path = folder / "zvh.json"
    write_profile(path, profile)
    return path


def _run_two(where: Path, per_process: int, folder: Path) -> tuple[float, list[str]]:
    """Seconds from the start signal until both workstations are done, and their numbers."""
    go = folder / f"go-{secrets.token_hex(3)}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CASUSKAMER_KDF_SECONDS": "0"}
    workers = [subprocess.Popen([sys.executable, "-c", _WORKSTATION, str(where), str(go),
                                 str(per_process), tag, DIRECTOR, PASSPHRASE],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True) for tag in ("a", "b")]
    try:
        for worker in workers:
            assert worker.stdout is not None
            line = worker.stdout.readline().strip()
            if line != "ready":
                raise RuntimeError(f"a workstation did not start: {worker.stderr.read()[-500:]}"
                                   if worker.stderr else "a workstation did not start")
        start = time.perf_counter()
        go.touch()
        outputs = [worker.communicate(timeout=600) for worker in workers]
        took = time.perf_counter() - start
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    if any(w.returncode for w in workers):
        raise RuntimeError("a workstation failed: " + " | ".join(err[-300:] for _o, err in outputs))
    numbers = [n for out, _err in outputs for n in json.loads(out.strip().splitlines()[-1])]
    return took, numbers


def _gap_free(numbers: list[str]) -> bool:
    year = date.today().year
    return sorted(numbers) == [f"ZVH-{year}-{n:04d}" for n in range(1, len(numbers) + 1)]


def _chain_whole(opened: Any) -> bool:
    from app.store import audit

    with opened.read() as conn:
        return audit.verify_chain(conn) == []


def _concurrent_intake(pg: Any, per_process: int, smoke: bool) -> Row:
    from app.vault.server import ServerVault
    from app.vault.vault import Vault

    CACHE.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="bench-intake-", dir=CACHE) as tmp:
        folder = Path(tmp)
        profile_file = _server_house(pg, folder)
        on_server, server_numbers = _run_two(profile_file, per_process, folder)
        vault_folder = folder / "kluis"
        _vault_house(vault_folder)
        on_vault, vault_numbers = _run_two(vault_folder, per_process, folder)
        server_admin = ServerVault.from_file(profile_file).unlock(ACCOUNT, PASSPHRASE,
                                                                   exclusive=False)
        vault_admin = Vault(vault_folder).unlock(ACCOUNT, PASSPHRASE, exclusive=False)
        try:
            chains = _chain_whole(server_admin) and _chain_whole(vault_admin)
        finally:
            server_admin.lock()
            vault_admin.lock()
    total = 2 * per_process
    gap_free = _gap_free(server_numbers) and _gap_free(vault_numbers)
    return Row("house server: concurrent intake, two processes (cases per second)",
               f"2 x {per_process} referrals", total / on_server, total / on_vault,
               "cases/s", "numbers gap-free and unique, one audit chain",
               None if smoke else (gap_free and chains),
               f"reference: the same two processes on one SQLCipher vault file; "
               f"wall {on_server:.1f} s on the server, {on_vault:.1f} s on the vault file; "
               f"gap-free {'yes' if gap_free else 'NO'}, audit chains "
               f"{'whole' if chains else 'BROKEN'} (higher is better here: the ratio is "
               f"server/vault throughput)")
