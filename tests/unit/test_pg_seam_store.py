"""The house server's SQL in app/store (issue 20, point 4; issue 22): what the repository
functions refuse before anything reaches the server.

``ALTER ROLE ... PASSWORD`` takes no bound parameter, so one's own new verifier is put into
the statement's text. Only a whole SCRAM-SHA-256 verifier may go there: e9db4e2 checked it
with ``re.match`` and a ``$`` that also matches before a final newline, and sent the
statement. No server is needed: the connection records what would be sent.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from app.store.field_crypto import scram_verifier
from app.vault import server_accounts

LOGIN = "ck_0123456789_jan"


class Recorder:
    """A connection that only records the statements it is given."""

    def __init__(self) -> None:
        self.sent: list[str] = []

    def exec_driver_sql(self, statement: str, *args: Any) -> None:
        self.sent.append(statement)

    def execute(self, statement: Any, *args: Any) -> None:
        self.sent.append(str(statement))


@pytest.mark.parametrize("verifier", [
    scram_verifier("geheim") + "\n",                        # a whole verifier, then a newline
    scram_verifier("geheim") + "\n'; DROP ROLE x; --",     # and more after it
    "plaintext'; DROP ROLE x; --",
])
def test_ones_own_new_verifier_must_be_a_whole_verifier_before_alter_role(verifier: str) -> None:
    conn = Recorder()
    made = server_accounts.NewLogin(LOGIN, verifier, None, "s")  # type: ignore[arg-type]
    vault = SimpleNamespace(actor=SimpleNamespace(account="jan"))
    with pytest.raises(ValueError):
        server_accounts.change_own_login(conn, vault, made)  # type: ignore[arg-type]
    assert conn.sent == []


def test_a_whole_verifier_is_sent_in_alter_role() -> None:
    from app.store import server_logins

    conn = Recorder()
    verifier = scram_verifier("geheim")
    server_logins.set_own_verifier(conn, LOGIN, verifier)  # type: ignore[arg-type]
    assert conn.sent == [f"ALTER ROLE {LOGIN} PASSWORD '{verifier}'"]
