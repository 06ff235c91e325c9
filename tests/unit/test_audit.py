"""The audit log: every change to the chain is found; no secrets in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.store import audit
from app.store.db import connect_raw
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE


def _fill(vault: OpenVault, n: int = 8) -> None:
    for i in range(n):
        vault.log_now("case.open", "case", f"ZVH-2026-{i:04d}")


def _raw(vault: OpenVault):  # type: ignore[no-untyped-def]
    key = vault.data_key
    folder = vault.vault.folder
    vault.lock()
    conn = connect_raw(folder / "casuskamer.db", key)
    conn.execute("DROP TRIGGER audit_log_no_update")
    conn.execute("DROP TRIGGER audit_log_no_delete")
    return conn, folder


def _problems(folder: Path) -> list[audit.ChainProblem]:
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        with opened.read() as conn:
            return audit.verify_chain(conn)
    finally:
        opened.lock(audit_it=False)


def test_sound_chain_has_no_problems(admin_vault: OpenVault) -> None:
    _fill(admin_vault)
    with admin_vault.read() as conn:
        assert audit.verify_chain(conn) == []


def test_the_table_refuses_update_and_delete(admin_vault: OpenVault) -> None:
    from sqlalchemy import select
    from sqlalchemy.exc import DatabaseError

    from app.errors import PermissionDenied
    from app.store.tables import audit_log
    from tests.pg_engine import is_server_vault

    # The vault file's triggers refuse it (the driver's error); the server gives no role the
    # privilege, which the program reports as its PermissionDenied (server_error).
    refused = PermissionDenied if is_server_vault(admin_vault) else DatabaseError
    first = select(audit_log).where(audit_log.c.id == 1)
    with admin_vault.read() as conn:
        before = conn.execute(first).one()
    with pytest.raises(refused), admin_vault.begin() as conn:
        conn.exec_driver_sql("UPDATE audit_log SET result='tampered' WHERE id=1")
    with pytest.raises(refused), admin_vault.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log WHERE id=1")
    with admin_vault.read() as conn:
        assert conn.execute(first).one() == before


@pytest.mark.parametrize("tamper", ["change", "delete_middle", "delete_last", "reorder",
                                    "insert"])
def test_every_kind_of_tampering_is_found(admin_vault: OpenVault, tamper: str) -> None:
    _fill(admin_vault)
    conn, folder = _raw(admin_vault)
    if tamper == "change":
        conn.execute("UPDATE audit_log SET object_id='ZVH-2026-9999' WHERE id=5")
    elif tamper == "delete_middle":
        conn.execute("DELETE FROM audit_log WHERE id=5")
    elif tamper == "delete_last":
        last = conn.execute("SELECT max(id) FROM audit_log").fetchone()[0]
        conn.execute("DELETE FROM audit_log WHERE id=?", (last,))
    elif tamper == "reorder":
        a = conn.execute("SELECT * FROM audit_log WHERE id=4").fetchone()
        b = conn.execute("SELECT * FROM audit_log WHERE id=5").fetchone()
        conn.execute("DELETE FROM audit_log WHERE id IN (4, 5)")
        conn.execute("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (4,) + b[1:])
        conn.execute("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", (5,) + a[1:])
    elif tamper == "insert":
        conn.execute("UPDATE audit_log SET id = id + 100 WHERE id > 5")
        row = conn.execute("SELECT * FROM audit_log WHERE id=5").fetchone()
        conn.execute("INSERT INTO audit_log VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                     (6,) + row[1:])
    conn.close()
    assert _problems(folder), f"{tamper} was not detected"


def test_rows_hold_no_passphrase_or_key(admin_vault: OpenVault) -> None:
    _fill(admin_vault, 2)
    key_hex = admin_vault.data_key.hex()
    with admin_vault.read() as conn:
        rows = conn.exec_driver_sql("SELECT * FROM audit_log").all()
    dump = repr(rows)
    assert ADMIN_PASSPHRASE not in dump and key_hex not in dump
    origins = {r.origin for r in rows}
    assert origins == {audit.workstation()}
    assert {r.role for r in rows} == {"admin"}
