"""A throwaway PostgreSQL server for the house-server tests (issue 22).

One server per test session, started the first time a test asks for ``pg_server`` (so a run
without PostgreSQL tests pays nothing), through pytest-postgresql's executor and the
PostgreSQL binaries the system installer puts in place (Debian's ``postgresql`` package:
``/usr/lib/postgresql/<version>/bin``; ``make sysdeps`` installs it where missing). The server
is set up the way the README's server section asks a house to set up its own:

- TLS on (``ssl=on``) with a certificate from a CA made for this session with
  ``cryptography``; clients connect with ``sslmode=verify-full`` against that CA;
- ``password_encryption=scram-sha-256`` and a ``pg_hba.conf`` that allows only
  ``hostssl ... scram-sha-256`` from 127.0.0.1: no Unix socket, no plain TCP, no md5/trust;
- listening on 127.0.0.1 only, on a free port.

PostgreSQL refuses to run as root; as root (CI) the server runs as the ``postgres`` system
account the Debian package creates, in a folder owned by that account. The test is skipped
with the reason when the binaries (or, as root, that account) are missing.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

#: The server's superuser (made by initdb, with a random password for this session).
SUPERUSER = "casuskamer_test_superuser"
#: The host name in the server certificate besides 127.0.0.1.
SERVER_NAME = "localhost"


def find_pg_ctl() -> Path | None:
    """The newest ``pg_ctl`` of PostgreSQL 15 or newer on this machine, or None."""
    candidates: list[tuple[int, Path]] = []
    for bindir in Path("/usr/lib/postgresql").glob("*/bin"):
        if bindir.parent.name.isdigit() and (bindir / "pg_ctl").is_file():
            candidates.append((int(bindir.parent.name), bindir / "pg_ctl"))
    on_path = shutil.which("pg_ctl")
    if on_path:
        out = subprocess.run([on_path, "--version"], capture_output=True, text=True,
                             check=False).stdout
        major = re.search(r"(\d+)", out)
        if major:
            candidates.append((int(major.group(1)), Path(on_path)))
    usable = [c for c in candidates if c[0] >= 15]
    return max(usable)[1] if usable else None


@dataclass(frozen=True)
class PgServer:
    """How to reach the throwaway server."""

    host: str
    port: int
    superuser: str
    superuser_password: str
    ca_file: Path
    log_file: Path
    start_seconds: float

    def conninfo(self, user: str, password: str, dbname: str = "postgres",
                 sslmode: str = "verify-full") -> dict[str, Any]:
        return {"host": self.host, "port": self.port, "user": user, "password": password,
                "dbname": dbname, "sslmode": sslmode, "sslrootcert": str(self.ca_file),
                "connect_timeout": 10}

    def connect(self, user: str, password: str, dbname: str = "postgres",
                **kwargs: Any) -> Any:
        """A psycopg connection (TLS, verify-full against the session's CA)."""
        import psycopg

        params = self.conninfo(user, password, dbname)
        params.update(kwargs)
        return psycopg.connect(**params)

    def admin(self, dbname: str = "postgres") -> Any:
        """A connection as the superuser, autocommit (for CREATE ROLE/DATABASE)."""
        return self.connect(self.superuser, self.superuser_password, dbname, autocommit=True)

    def sqlalchemy_url(self, user: str, password: str, dbname: str = "postgres") -> Any:
        from sqlalchemy.engine import URL

        return URL.create("postgresql+psycopg", username=user, password=password,
                          host=self.host, port=self.port, database=dbname,
                          query={"sslmode": "verify-full", "sslrootcert": str(self.ca_file)})

    def new_database(self, prefix: str = "t") -> str:
        """A fresh, empty database for one test module (name returned)."""
        name = f"{prefix}_{secrets.token_hex(4)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


def write_tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1/localhost signed by it (ECDSA P-256:
    quick to make). Returns (ca.crt, server.crt, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "casuskamer test CA")])
    ca_cert = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
        .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False,
                                     key_encipherment=False, data_encipherment=False,
                                     key_agreement=False, key_cert_sign=True, crl_sign=True,
                                     encipher_only=False, decipher_only=False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SERVER_NAME)]))
        .issuer_name(ca_name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName(SERVER_NAME), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    ca_file, cert_file, key_file = folder / "ca.crt", folder / "server.crt", folder / "server.key"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_file.chmod(0o600)
    return ca_file, cert_file, key_file


#: The only way in: TLS from 127.0.0.1 with SCRAM-SHA-256 (no local socket, no md5/trust).
HBA = ("# TYPE   DATABASE  USER  ADDRESS        METHOD\n"
       "hostssl  all       all   127.0.0.1/32   scram-sha-256\n")


def _start(pg_ctl: Path) -> Iterator[PgServer]:
    from pytest_postgresql.executors import PostgreSQLExecutor

    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="casuskamer-pg-"))
    executable = pg_ctl
    try:
        ca_file, cert_file, key_file = write_tls_files(folder)
        (folder / "pg_hba.conf").write_text(HBA, encoding="utf-8")
        if as_root:
            # PostgreSQL will not run as root: pg_ctl (initdb, start, stop) runs as the
            # Debian package's postgres account, in a folder it owns.
            runuser = shutil.which("runuser")
            import pwd

            try:
                pw: Any = pwd.getpwnam("postgres")
            except KeyError:
                pw = None
            if runuser is None or pw is None:
                pytest.skip("running as root and no 'postgres' system account (or runuser) "
                            "to run PostgreSQL as: install Debian's 'postgresql' package")
            wrapper = folder / "pg_ctl-as-postgres"
            wrapper.write_text(
                f'#!/bin/sh\ncd / && exec {runuser} -u postgres -- "{pg_ctl}" "$@"\n',
                encoding="utf-8")
            wrapper.chmod(0o755)
            executable = wrapper
            for path in [folder, *folder.iterdir()]:
                os.chown(path, pw.pw_uid, pw.pw_gid)
        folder.chmod(0o755 if as_root else 0o700)  # the wrapper is run by root from here
        password = secrets.token_urlsafe(24)
        port = _free_port()
        options = " ".join([
            # TCP on 127.0.0.1 only; no Unix socket (a long temporary path, as on macOS,
            # would not fit a socket's name)
            "-c listen_addresses=127.0.0.1", "-c unix_socket_directories=''",
            "-c ssl=on", f"-c ssl_cert_file={cert_file}", f"-c ssl_key_file={key_file}",
            "-c ssl_min_protocol_version=TLSv1.2",
            "-c password_encryption=scram-sha-256",
            f"-c hba_file={folder / 'pg_hba.conf'}",
            "-c fsync=off", "-c full_page_writes=off", "-c synchronous_commit=off",
        ])
        began = time.monotonic()
        # initdb here rather than in the executor (it writes the password file as the
        # current user, which the postgres account cannot read when we are root)
        pwfile = folder / "superuser.pw"
        pwfile.write_text(password, encoding="utf-8")
        pwfile.chmod(0o600)
        if as_root:
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        initdb = subprocess.run(
            [str(executable), "initdb", "--pgdata", str(folder / "data"), "-s", "-o",
             f"--username={SUPERUSER} --auth=scram-sha-256 --pwfile={pwfile} "
             "--encoding=UTF8 --locale=C.UTF-8 --no-instructions --no-sync"],
            capture_output=True, text=True, check=False, timeout=120,
            env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})
        pwfile.unlink()
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed: {initdb.stderr.strip()[-500:]}")
        executor = PostgreSQLExecutor(
            executable=str(executable), host="127.0.0.1", port=port,
            datadir=str(folder / "data"), unixsocketdir=str(folder),
            logfile=str(folder / "postgresql.log"), startparams="-w", dbname="postgres",
            user=SUPERUSER, password=password, postgres_options=options, timeout=60)
        executor._directory_initialised = True  # done above
        executor.start()
        try:
            server = PgServer(host="127.0.0.1", port=port, superuser=SUPERUSER,
                              superuser_password=password, ca_file=ca_file,
                              log_file=folder / "postgresql.log", start_seconds=0.0)
            _wait_ready(server)
            yield PgServer(**{**server.__dict__, "start_seconds": time.monotonic() - began})
        finally:
            executor.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait_ready(server: PgServer, seconds: float = 60.0) -> None:
    """Until the server takes a connection (the port opens before recovery has finished)."""
    import psycopg

    deadline = time.monotonic() + seconds
    while True:
        try:
            with server.admin():
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _free_port() -> int:
    import port_for

    return int(port_for.select_random())


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's throwaway PostgreSQL (TLS, SCRAM-SHA-256 only, 127.0.0.1)."""
    pytest.importorskip("psycopg", reason="psycopg (test dependency) is not installed")
    pytest.importorskip("pytest_postgresql",
                        reason="pytest-postgresql (test dependency) is not installed")
    pg_ctl = find_pg_ctl()
    if pg_ctl is None:
        pytest.skip("PostgreSQL 15+ server binaries (pg_ctl) not found: install Debian's "
                    "'postgresql' package (`make sysdeps` as root does)")
    yield from _start(pg_ctl)


@pytest.fixture
def server_house(pg_server: PgServer) -> Iterator[Any]:
    """A house on the throwaway server as the service tests make it
    (``tests.unit.test_pg_services._server_house``: a ``House``); every session it opened is
    locked afterwards. Registered in ``tests/conftest.py``, so each test file need not copy it."""
    from tests.unit.test_pg_services import _server_house

    made = _server_house(pg_server)
    yield made
    for opened in made.opened:
        opened.lock(audit_it=False)


# -- a house's roles on the throwaway server (the tests of grants and row-level policies) ---

def prepare_roles(server: PgServer, dbname: str, prefix: str,
                  schema_privileges: str = "USAGE, CREATE") -> None:
    """As the superuser: the program's group roles and migration owner under ``prefix``
    (``pg_roles.role_statements``) and the owner's ``schema_privileges`` on the public
    schema of ``dbname`` (USAGE too where the owner checks foreign keys after the grants
    took the schema from PUBLIC)."""
    from app.store import pg_roles

    with server.admin(dbname) as admin:
        for statement in pg_roles.role_statements(prefix):
            admin.execute(statement)
        admin.execute(f"GRANT {schema_privileges} ON SCHEMA public TO "
                      f"{pg_roles.owner_role(prefix)}")


def role_logins(server: PgServer, dbname: str, prefix: str, *, key_slots: bool = False,
                accounts: dict[Any, str] | None = None) -> dict[Any, tuple[str, str]]:
    """As the superuser: one LOGIN role per program role, in its group, with a SCRAM
    verifier of a random secret (``pg_roles.login_role_statements``): {role: (login,
    secret)}. With ``key_slots``, each login also gets a key slot row (an empty slot) in the
    server's key-slot table, which must exist: the session policies know it as an account,
    named as ``accounts`` names it for its role (default: the login's own name)."""
    from app.domain.roles import Role
    from app.store import pg_roles
    from app.store.field_crypto import scram_verifier
    from app.store.server_slots import KEY_SLOTS_TABLE

    logins: dict[Any, tuple[str, str]] = {}
    with server.admin(dbname) as admin:
        for role in Role:
            login, secret = f"{prefix}_acct_{role.value}", secrets.token_urlsafe(32)
            for statement in pg_roles.login_role_statements(login, role,
                                                            scram_verifier(secret), prefix):
                admin.execute(statement)
            if key_slots:
                account = (accounts or {}).get(role, login)
                admin.execute(f"INSERT INTO {KEY_SLOTS_TABLE} (account, login_role, role, "
                              "slot) VALUES (%s, %s, %s, '{}')", (account, login, role.value))
            logins[role] = (login, secret)
    return logins


def role_engines(server: PgServer, dbname: str, logins: dict[Any, tuple[str, str]],
                 data_key: bytes | None = None) -> dict[Any, Any]:
    """A SQLAlchemy engine per role of ``logins``, logged in as that role; with
    ``data_key``, each carries it for the sealed columns, as an unlocked session does."""
    import sqlalchemy as sa

    from app.store import sealed

    engines: dict[Any, Any] = {}
    for role, (login, secret) in logins.items():
        engine = sa.create_engine(server.sqlalchemy_url(login, secret, dbname))
        if data_key is not None:
            sealed.attach(engine, data_key)
        engines[role] = engine
    return engines


def connect_as(server: PgServer, dbname: str, logins: dict[Any, tuple[str, str]],
               role: Any) -> Any:
    """A psycopg connection (autocommit) logged in as ``role``'s login of ``logins``."""
    login, secret = logins[role]
    return server.connect(login, secret, dbname, autocommit=True)


def required_values(table: str, **given: object) -> dict[str, object]:
    """``given`` plus a plain value for every other NOT NULL column without a default of the
    schema's ``table`` (a row the tests of grants and policies can insert)."""
    import datetime as dt

    from app.store.schema import metadata

    values = dict(given)
    for column in metadata.tables[table].columns:
        if column.name in values or column.nullable or column.server_default is not None:
            continue
        kind = column.type.python_type
        values[column.name] = {int: 1, str: "x", bool: False, dt.date: dt.date(2026, 1, 5),
                               dt.datetime: dt.datetime(2026, 1, 5, 9, 0)}[kind]
    return values
