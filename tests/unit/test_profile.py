"""The house server's connection profile (issue 22, point 1 and "Bad input"): a profile holds
host, port, database, sslmode=verify-full and the CA file, never a password or a user name;
each bad input gives one clear error (and never repeats a password it was given)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.errors import ValidationError
from app.store.profile import (is_profile, make_profile, parse_server_url, read_profile,
                               write_profile)
from tests.pg_server import write_tls_files


@pytest.fixture()
def ca_file(tmp_path: Path) -> Path:
    ca, _cert, _key = write_tls_files(tmp_path)
    return ca


def test_init_writes_host_port_database_verify_full_and_ca_only(tmp_path: Path,
                                                                ca_file: Path) -> None:
    target = tmp_path / "zvh.casuskamer-server"
    write_profile(target, make_profile("postgresql://db.zvh.example:6432/casuskamer", ca_file))
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data == {"kind": "casuskamer-server-profile", "version": 1,
                    "host": "db.zvh.example", "port": 6432, "database": "casuskamer",
                    "sslmode": "verify-full", "ca_file": str(ca_file.resolve())}
    assert is_profile(target) and not is_profile(tmp_path)
    profile = read_profile(target)
    assert profile.libpq_params() == {"host": "db.zvh.example", "port": "6432",
                                      "dbname": "casuskamer", "sslmode": "verify-full",
                                      "sslrootcert": str(ca_file.resolve())}


def test_port_defaults_to_5432() -> None:
    address = parse_server_url("postgresql://db.zvh.example/casuskamer")
    assert (address.host, address.port, address.database) == ("db.zvh.example", 5432,
                                                              "casuskamer")
    assert parse_server_url("postgres://10.1.2.3/zvh?sslmode=verify-full").host == "10.1.2.3"


@pytest.mark.parametrize("url", ["postgresql://beheer:Geheim-w8woord@db.zvh.example/casuskamer",
                                 "postgresql://:Geheim-w8woord@db.zvh.example/casuskamer",
                                 "postgresql://db.zvh.example/casuskamer?password=Geheim-w8woord",
                                 "postgresql://db.zvh.example/casuskamer?sslmode=verify-full"
                                 "&PASSWORD=Geheim-w8woord"])
def test_a_password_in_the_address_is_refused_and_not_repeated(url: str, tmp_path: Path,
                                                               ca_file: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        write_profile(tmp_path / "p.json", make_profile(url, ca_file))
    message = str(caught.value)
    assert caught.value.field == "server"
    assert "Geheim" not in message and "\n" not in message
    assert not (tmp_path / "p.json").exists()


@pytest.mark.parametrize("url", ["http://db.zvh.example/casuskamer",        # another scheme
                                 "db.zvh.example/casuskamer",               # no scheme
                                 "postgresql:///casuskamer",                # no host
                                 "postgresql://db.zvh.example",             # no database
                                 "postgresql://db.zvh.example/",            # no database
                                 "postgresql://db.zvh.example:99999/zvh",   # port out of range
                                 "postgresql://db.zvh.example:poort/zvh",   # port not a number
                                 "postgresql://db.zvh.example/zvh?sslmode=require",  # weaker TLS
                                 "postgresql://db.zvh.example/zvh?sslmode=disable",
                                 "postgresql://db.zvh.example/zvh?options=-csearch_path%3Dx",
                                 "postgresql://beheer@db.zvh.example/zvh",  # a user name
                                 "postgresql://db.zvh.example/zvh;drop"])
def test_a_bad_address_gives_one_clear_error(url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_server_url(url)
    assert caught.value.field == "server"
    assert str(caught.value) and "\n" not in str(caught.value)


def test_a_missing_or_wrong_ca_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as missing:
        make_profile("postgresql://db.zvh.example/zvh", tmp_path / "no-such-ca.pem")
    assert missing.value.field == "ca" and "no-such-ca.pem" in str(missing.value)
    not_pem = tmp_path / "ca.pem"
    not_pem.write_text("not a certificate\n", encoding="utf-8")
    with pytest.raises(ValidationError) as wrong:
        make_profile("postgresql://db.zvh.example/zvh", not_pem)
    assert wrong.value.field == "ca"


def test_a_profile_with_a_password_added_by_hand_is_refused(tmp_path: Path,
                                                            ca_file: Path) -> None:
    target = tmp_path / "zvh.json"
    write_profile(target, make_profile("postgresql://db.zvh.example/zvh", ca_file))
    data = json.loads(target.read_text(encoding="utf-8"))
    data["password"] = "Geheim-w8woord"
    target.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError) as caught:
        read_profile(target)
    assert "Geheim" not in str(caught.value)
    data.pop("password")
    data["sslmode"] = "prefer"
    target.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValidationError):
        read_profile(target)


def test_an_existing_file_is_never_overwritten(tmp_path: Path, ca_file: Path) -> None:
    target = tmp_path / "zvh.json"
    target.write_text("earlier work\n", encoding="utf-8")
    with pytest.raises(ValidationError):
        write_profile(target, make_profile("postgresql://db.zvh.example/zvh", ca_file))
    assert target.read_text(encoding="utf-8") == "earlier work\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["zvh.json", "ca.crt", "server.crt", "server.key"])


# -- casuskamer init --server URL --ca FILE --vault PROFILE -------------------------------

def test_cli_init_server_writes_the_profile(tmp_path: Path, ca_file: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    target = tmp_path / "zvh-server.json"
    code = main(["init", "--server", "postgresql://db.zvh.example/casuskamer",
                 "--ca", str(ca_file), "--vault", str(target)])
    assert code == 0
    assert read_profile(target).database == "casuskamer"
    assert str(target) in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["zvh-server.json", "ca.crt", "server.crt", "server.key"])  # no vault made


@pytest.mark.parametrize("args", [
    ["--server", "postgresql://beheer:Geheim-w8woord@db.zvh.example/zvh", "--ca", "CA"],
    ["--server", "postgresql://db.zvh.example/zvh", "--ca", "MISSING"],
    ["--server", "https://db.zvh.example/zvh", "--ca", "CA"],
    ["--server", "postgresql://db.zvh.example/zvh"],                  # no CA
    ["--ca", "CA"],                                                   # no server
])
def test_cli_init_server_bad_input_is_one_line_and_exit_2(
        args: list[str], tmp_path: Path, ca_file: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    target = tmp_path / "zvh-server.json"
    filled = [str(ca_file) if a == "CA" else str(tmp_path / "geen-ca.pem") if a == "MISSING"
              else a for a in args]
    assert main(["init", *filled, "--vault", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "Geheim" not in err
    assert not target.exists()


def test_a_folder_that_does_not_exist_is_one_clear_error(tmp_path: Path, ca_file: Path,
                                                         capsys: pytest.CaptureFixture[str]
                                                         ) -> None:
    from app.cli import main

    target = tmp_path / "geen-map" / "zvh.json"
    assert main(["init", "--server", "postgresql://db.zvh.example/zvh", "--ca", str(ca_file),
                 "--vault", str(target)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "zvh.json" in err
