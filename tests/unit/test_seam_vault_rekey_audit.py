"""NEN 7513 / BIO logging: the audit log says what happened. A change of the data key that
fails must not leave a ``vault.rekey`` row that claims success (issue 20's vault floor, the
defect found: the ``ok`` row was written before the copy was made, so a change that then
failed left it in the old database). The row with result ``ok`` is there exactly when the
database is the re-keyed one; a failure leaves an honest ``failed`` row and the request."""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest
from sqlalchemy import select

from app.errors import WriteFailed
from app.services import accounts
from app.store import audit
from app.store.db import connect_raw
from app.store.tables import audit_log, meta
from app.vault import rekey
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE


def _rekey_rows(opened: OpenVault) -> list[tuple[str, dict[str, object]]]:
    with opened.read() as conn:
        rows = conn.execute(select(audit_log.c.result, audit_log.c.detail).where(
            audit_log.c.action == "vault.rekey").order_by(audit_log.c.id)).all()
    return [(str(r), json.loads(d)) for r, d in rows]


def _pending(opened: OpenVault) -> str | None:
    with opened.read() as conn:
        value = conn.execute(select(meta.c.value).where(
            meta.c.key == "data_key_change")).scalar()
    return None if value is None else str(value)


def _disk_full(*_args: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_change_whose_copy_does_not_fit_leaves_no_row_claiming_success(
        admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    old_key = admin_vault.data_key
    monkeypatch.setattr(rekey, "_copy_file", _disk_full)
    change = accounts.change_data_key(admin_vault)
    assert not change.done  # reported as not done, with its reason
    # the database is still the old one: the old key opens it
    connect_raw(admin_vault.vault.db_path, old_key, read_only=True).close()
    rows = _rekey_rows(admin_vault)
    assert [result for result, _ in rows] == ["failed"]
    assert rows[0][1]["reason"] == "administrator"
    assert _pending(admin_vault) == "administrator"  # the next unlock tries again


def test_a_change_that_fails_at_the_swap_leaves_no_row_claiming_success(
        admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The re-keyed copy (which holds the ``ok`` row) is made; renaming it over the database
    fails: the copy goes, and with it the ``ok`` row."""
    real_replace = os.replace

    def refuse_the_database(source: object, target: object) -> None:
        if Path(str(target)).name == "casuskamer.db":
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(rekey.os, "replace", refuse_the_database)
    with pytest.raises(WriteFailed):
        rekey.change_data_key(admin_vault, rekey.ADMINISTRATOR)
    monkeypatch.setattr(rekey.os, "replace", real_replace)
    assert [result for result, _ in _rekey_rows(admin_vault)] == ["failed"]
    assert not (admin_vault.vault.folder / rekey.COPY_NAME).exists()


def test_the_change_made_at_the_next_unlock_has_one_row_that_says_ok(
        admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The failed change, then the unlock that finishes it: a ``failed`` row, then one
    ``ok`` row for generation 1 (resumed), and the chain is sound."""
    folder = admin_vault.vault.folder
    monkeypatch.setattr(rekey, "_copy_file", _disk_full)
    accounts.change_data_key(admin_vault)
    monkeypatch.undo()
    admin_vault.lock()
    opened = Vault(folder).unlock(ADMIN, ADMIN_PASSPHRASE)
    try:
        rows = _rekey_rows(opened)
        assert [result for result, _ in rows] == ["failed", "ok"]
        assert rows[1][1]["generation"] == 1 and rows[1][1]["resumed"] is True
        assert _pending(opened) is None
        with opened.read() as conn:
            assert audit.verify_chain(conn) == []
    finally:
        opened.lock()


def test_a_change_that_succeeds_has_its_ok_row_in_the_new_database(
        admin_vault: OpenVault) -> None:
    change = accounts.change_data_key(admin_vault)
    assert change.done and change.generation == 1
    rows = _rekey_rows(admin_vault)
    assert [(result, detail["generation"]) for result, detail in rows] == [("ok", 1)]
    with admin_vault.read() as conn:
        assert audit.verify_chain(conn) == []
