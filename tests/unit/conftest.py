"""Fixtures the unit tests share: the session's throwaway PostgreSQL (``tests/pg_server.py``,
issue 22), started only when a test asks for ``pg_server``."""

from tests.pg_server import pg_server  # noqa: F401


# -- audit forwarding (tests/unit/test_audit_forwarding.py, test_pg_forward_*.py) ------------

from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402


@pytest.fixture
def forwarding_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forwarder that gives up on a silent collector after a second, not the program's
    wait (the forwarding files use it for every test: ``pytest.mark.usefixtures``)."""
    from app.vault import forwarding

    monkeypatch.setattr(forwarding, "TIMEOUT", 1.0)


@pytest.fixture
def forwarding_batches(forwarding_waits: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Short waits and batches of four rows, so a cut lands inside a batch."""
    from app.vault import forwarding

    monkeypatch.setattr(forwarding, "BATCH", 4)


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator["Receiver"]:
    """A TLS syslog collector on 127.0.0.1 with its own throwaway CA, stopped afterwards."""
    r = Receiver(Authority(tmp_path / "ca")).start()
    yield r
    r.stop()


from tests.unit.audit_forwarding_receiver import Authority, Receiver  # noqa: E402
