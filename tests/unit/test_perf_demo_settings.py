"""Only the demo's own generation may write differently (issue 23, point 6): while a NEW demo
vault is filled its chunks' commits do not wait for the disk and its connections have a large page
cache; the program's connections keep ``synchronous = FULL`` and SQLite's cache, also in the
same process right after a demo was filled, and adding to a vault that exists keeps FULL."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import event

from app.services import demo, demo_activity
from app.store import demo_rows
from app.vault.vault import OpenVault, Vault
from tests import pg_engine

FULL = 2
OFF = 0


def settings(vault: OpenVault) -> tuple[int, int]:
    with vault.read() as conn:
        return (int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0),
                int(conn.exec_driver_sql("PRAGMA cache_size").scalar() or 0))


def watch_commits(vault: OpenVault, seen: list[int]) -> None:
    """Record the safety level each commit of ``vault`` runs under."""

    @event.listens_for(vault.engine, "commit")
    def _commit(conn: object) -> None:
        seen.append(int(conn.exec_driver_sql("PRAGMA synchronous").scalar() or 0))  # type: ignore[attr-defined]


def test_adding_to_a_vault_that_exists_keeps_full_sync(admin_vault: OpenVault,
                                                       request: pytest.FixtureRequest) -> None:
    if pg_engine.on_server(request.config):
        pytest.skip("SQLite's settings")
    before = settings(admin_vault)
    assert before[0] == FULL
    seen: list[int] = []
    watch_commits(admin_vault, seen)
    demo_activity.fill(admin_vault, cases=30, seed=3, today=date(2026, 11, 1))
    assert seen and set(seen) == {FULL}
    assert settings(admin_vault) == before


def test_a_new_demo_vault_is_written_unsynced_then_synced(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[int] = []
    real_fill = demo_activity.fill

    def fill(vault: OpenVault, **kwargs: object) -> int:
        watch_commits(vault, seen)
        made = real_fill(vault, **kwargs)  # type: ignore[arg-type]
        # once filled, the vault's next connection has the program's settings again
        assert settings(vault)[0] == FULL
        return made

    synced: list[Path] = []
    real_sync = demo_rows.sync_file
    monkeypatch.setattr(demo_activity, "fill", fill)
    monkeypatch.setattr(demo_rows, "sync_file", lambda p: (synced.append(p), real_sync(p)))
    monkeypatch.setenv("CASUSKAMER_KDF_SECONDS", "0")
    folder = tmp_path / "kluis"
    demo.build_demo_vault(folder, "demo-wachtzin voor iedereen", cases=25, seed=4)
    # the chunk's two transactions (cases, then their activity) did not wait for the disk
    assert seen.count(OFF) >= 2
    assert synced == [Vault(folder).db_path]   # and the finished file synced once
    # a vault opened afterwards, as the program opens it, writes with FULL
    reopened = Vault(folder).unlock("beheerder", "demo-wachtzin voor iedereen")
    try:
        assert settings(reopened)[0] == FULL
    finally:
        reopened.lock(audit_it=False)


def test_a_new_demo_vault_derives_its_keys_at_the_floor(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's passphrase is published: its four key slots take the program's floor for
    the key derivation (64 MiB, 3 passes) instead of what calibration would choose here (a
    calibration that asks more, as on a quiet machine)."""
    import json

    from app.vault import keyslots

    def calibrated(_target: float | None = None) -> keyslots.KdfParams:
        return keyslots.KdfParams(memory_kib=2 * keyslots.MIN_MEMORY_KIB, iterations=4)

    monkeypatch.setattr(keyslots, "calibrate", calibrated)
    monkeypatch.setattr(demo, "calibrate", calibrated, raising=False)
    monkeypatch.delenv("CASUSKAMER_KDF_SECONDS", raising=False)
    folder = tmp_path / "kluis"
    demo.build_demo_vault(folder, "demo-wachtzin voor iedereen", cases=0, seed=4)
    slots = json.loads(Vault(folder).slots_path.read_text(encoding="utf-8"))["slots"]
    assert sorted(s["account"] for s in slots) == [
        "beheerder", "informatiecentrum", "manager", "procesregisseur"]
    assert {(s["kdf"]["memory_kib"], s["kdf"]["iterations"]) for s in slots} == {
        (keyslots.MIN_MEMORY_KIB, keyslots.MIN_ITERATIONS)}
