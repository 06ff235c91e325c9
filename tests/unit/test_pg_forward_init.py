"""``casuskamer init --server URL --ca FILE --vault PROFILE --create ... --collector HOST:PORT
--ca-file FILE``: a new house on the server forwards its audit log from the start, as
``init --collector`` does for a new vault folder (issue 22, point 1: the forwarding commands
accept a profile). The collector's options are checked before the server is touched; for a
house that exists already, the administrator uses ``casuskamer config`` (one line).

Fails on 45f1d89: there ``--collector`` with ``--server`` was refused whatever else was
given."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.vault import forwarding
from tests.unit.audit_forwarding_receiver import Receiver

ADMIN_PASS = "een lange wachtzin voor het nieuwe huis op de server"


pytestmark = pytest.mark.usefixtures("forwarding_waits")


@pytest.fixture
def owner_env(pg_server: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("CASUSKAMER_OWNER_PASSWORD", pg_server.superuser_password)
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASS)
    return pg_server


def _init(pg: Any, database: str, profile: Path, *extra: str) -> int:
    return main(["init", "--server", f"postgresql://{pg.host}:{pg.port}/{database}",
                 "--ca", str(pg.ca_file), "--vault", str(profile), "--account", "hoofdbeheer",
                 *extra])


def _tables(pg: Any, database: str) -> list[str]:
    with pg.admin(database) as conn:
        return [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()]


def test_a_new_house_forwards_from_the_start(
        owner_env: Any, receiver: Receiver, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    pg = owner_env
    database = pg.new_database("fwdinit")
    profile = tmp_path / "huis.json"
    assert _init(pg, database, profile, "--create", "--owner", pg.superuser,
                 "--collector", receiver.address,
                 "--ca-file", str(receiver.authority.ca_file)) == 0
    assert receiver.address in capsys.readouterr().out
    actions = [m.params["action"] for m in receiver.unique()]
    assert actions[0] == "forwarding.configure" and actions[-1] == "lock", actions
    assert [int(m.params["seq"]) for m in receiver.unique()] == \
        list(range(1, len(actions) + 1))
    assert forwarding.profile_side_file(profile).exists()


def test_the_collector_options_are_checked_before_the_server_is_touched(
        owner_env: Any, receiver: Receiver, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    pg = owner_env
    database = pg.new_database("fwdbad")
    profile = tmp_path / "huis.json"
    for bad in (["--collector", "geen-poort", "--ca-file", str(receiver.authority.ca_file)],
                ["--collector", receiver.address],
                ["--collector", receiver.address, "--ca-file", str(tmp_path / "nope.pem")]):
        capsys.readouterr()
        assert _init(pg, database, profile, "--create", "--owner", pg.superuser, *bad) == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "Traceback" not in err[0]
        assert _tables(pg, database) == [] and not profile.exists()
    # joining a house: the administrator sets the collector with config instead
    assert _init(pg, database, profile, "--collector", receiver.address,
                 "--ca-file", str(receiver.authority.ca_file)) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "config" in err[0]
    assert receiver.total() == 0
