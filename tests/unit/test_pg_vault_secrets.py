"""The keyed-hash secrets kept in ``meta`` (the audit log's search hash, the subject-access
fingerprint) are sealed on the house server: its administrator reads every table, and with
the plain key could test each of the ~10^8 valid BSNs against the search hashes in the audit
log. A plain value planted on the server is refused, never used. (Found by review: the key
was stored as plain hex in meta, readable by the superuser and, through the read policy, by
every role.)"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import pytest
import sqlalchemy as sa

from app.errors import VaultDamaged
from app.services import audit_log
from app.services import subject_access
from app.store.vault_secrets import SECRET_KEYS
from tests.unit.test_pg_services import ADMIN, ADMIN_PASS, House


def test_the_services_secrets_are_the_ones_sealed() -> None:
    # and the forwarding's client key (tests/unit/test_pg_forward_server.py)
    from app.vault.forwarding import CLIENT_KEY_KEY

    assert {audit_log.SEARCH_KEY, subject_access.FINGERPRINT_KEY, CLIENT_KEY_KEY} == SECRET_KEYS


def _superuser(pg_server: Any, house: House) -> sa.Engine:
    database = house.vault.profile.database  # type: ignore[attr-defined]
    return sa.create_engine(pg_server.sqlalchemy_url(pg_server.superuser,
                                                     pg_server.superuser_password, database))


def test_the_search_key_is_no_key_to_the_servers_administrator(
        server_house: House, pg_server: Any) -> None:  # noqa: F811
    admin = server_house.unlock(ADMIN, ADMIN_PASS)
    bsn = "111222333"
    audit_log.log_search(admin, "cases", bsn, 1, ["ZVH-2026-0001"])
    engine = _superuser(pg_server, server_house)
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT value FROM meta WHERE key = :k"),
                                  {"k": audit_log.SEARCH_KEY}).scalar_one()
            logged = conn.execute(sa.text(
                "SELECT detail FROM audit_log WHERE action = 'search' ORDER BY id DESC")
            ).scalars().first()
        assert logged is not None and bsn not in logged
        # what the superuser reads does not reproduce the logged hash of the BSN
        for candidate in (stored, stored.removeprefix("sealed:")):
            try:
                key = bytes.fromhex(candidate)
            except ValueError:
                continue
            guess = hmac.new(key, bsn.encode(), hashlib.sha256).hexdigest()
            assert guess not in logged
        # a plain key planted by whoever writes the table is refused, not used
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE meta SET value = :v WHERE key = :k"),
                         {"v": "00" * 32, "k": audit_log.SEARCH_KEY})
        with pytest.raises(VaultDamaged):
            audit_log.log_search(admin, "cases", bsn, 1)
    finally:
        engine.dispose()
