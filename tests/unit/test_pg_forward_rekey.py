"""The central log's client key across a change of the house server's data key (issue 22,
points 2 and 3, with the forwarding of issue 17, point 6): the key is sealed under the data
key on the server (tests/unit/test_pg_forward_server.py), so the change seals it again under
the new key, and every role's session still presents the client certificate afterwards.
A guard for the sealing (on 45f1d89 the key lay in the clear and needed no resealing; the
director's session there failed at its second audit row with forwarding on)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.domain.roles import Role
from app.store.tables import meta
from app.vault import forwarding, server_rekey
from app.vault.vault import OpenVault
from tests.conftest import unlock_as
from tests.unit.audit_forwarding_receiver import Authority, Receiver


pytestmark = pytest.mark.usefixtures("forwarding_waits")


@pytest.fixture
def admin(suite_house: Any) -> Iterator[OpenVault]:
    opened = suite_house.fresh().unlock(suite_house.admin, suite_house.admin_passphrase,
                                        exclusive=False)
    yield opened
    opened.lock(audit_it=False)


def _stored_key(suite_house: Any) -> str:
    with suite_house.as_administrator() as conn:
        return str(conn.execute(select(meta.c.value).where(
            meta.c.key == forwarding.CLIENT_KEY_KEY)).scalar_one())


def test_the_client_key_is_sealed_again_at_a_data_key_change(
        admin: OpenVault, suite_house: Any, tmp_path: Path) -> None:
    authority = Authority(tmp_path / "ca")
    strict = Receiver(authority, require_client=True).start()
    try:
        cert, key = authority.client_pair()
        assert forwarding.configure(admin, strict.address, authority.ca_pem, cert,
                                    key) is None
        before = _stored_key(suite_house)
        pg = suite_house.pg
        server_rekey.change_data_key(admin, pg.superuser, pg.superuser_password)
        after = _stored_key(suite_house)
        assert after.startswith("sealed:") and after != before
        assert forwarding.config_of(admin).client_key_pem == key  # type: ignore[union-attr]
        director = unlock_as(admin, Role.PROCESS_DIRECTOR)
        director.log_now("case.open", "case", "2026-0001")
        director.log_now("case.open", "case", "2026-0002")
        assert forwarding.send_pending(director).problem is None
        assert [m.params["oid"] for m in strict.unique()][-2:] == ["2026-0001", "2026-0002"]
    finally:
        strict.stop()
