"""The engine choice (issue 22, point 1): a vault is a folder (SQLCipher, ``app.store.db``) or a
connection profile for the house server (PostgreSQL 15 or newer, this module). Both give a
SQLAlchemy ``Engine`` over the same Core tables and Alembic migrations, so the services do not
know which one they run on.

On the server:

- every connection goes through psycopg 3 with ``sslmode=verify-full`` against the profile's
  CA (the server's certificate must chain to it and name the host); the profile never holds a
  password;
- each account logs in as its own PostgreSQL role (:func:`login_role`) with the login secret
  that the one Argon2id derivation at unlock yields (``field_crypto.split_unlock_key``);
- that derivation needs its salt before there is a connection, so on the server the salt is
  derived from the profile's database name and the account name (:func:`server_salt`) and the
  Argon2id settings are the key slots' floor (:data:`SERVER_KDF`); the key that opens the
  account's slot comes from the same derivation;
- write transactions are serialized as in the vault file (SQLite's ``BEGIN IMMEDIATE``): each
  takes one transaction-scoped advisory lock (:data:`WRITE_LOCK`) first, so the audit chain's
  appends and the gap-free case numbers stay one line under concurrent workstations; reads
  (``READ_OPTION``) take no lock;
- a server that cannot be reached, a certificate that does not verify and a refused login
  each give one clear message (:class:`ServerUnreachable`, :class:`ServerNotTrusted`,
  ``WrongPassphrase``; an open session whose login is refused later, because the account
  was revoked or its passphrase changed meanwhile: :class:`LoginWithdrawn`), never a
  driver's traceback.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from app.errors import VaultError, WrongPassphrase
from app.i18n import _
from app.store import key_check
from app.store.db import READ_OPTION
from app.store.profile import ServerProfile

#: The key of the transaction-scoped advisory lock every write transaction takes first
#: (``pg_advisory_xact_lock``): "casuskamer" as a number, so that it is recognisable in
#: ``pg_locks``.
WRITE_LOCK = int.from_bytes(b"casusk", "big")
#: Seconds to wait for the server before saying it cannot be reached.
CONNECT_TIMEOUT = 10
#: The prefix of every account's own login role (``<prefix>_<hash>_<account>``).
LOGIN_PREFIX = "casuskamer"
SALT_INFO = b"casuskamer server slot salt v1"

_ROLE_PART = re.compile(r"[^a-z0-9_]")


class ServerUnreachable(VaultError):
    """The house server did not answer (address, port, network, or the server is down)."""


class ServerNotTrusted(VaultError):
    """The server's certificate does not chain to the profile's CA or does not name the
    host: nothing was sent."""


class LoginWithdrawn(VaultError):
    """An open session's login is refused by the server: an administrator revoked the
    account (its login role is dropped and its connections ended), or its passphrase was
    changed at another workstation. Its next statement after that is refused with this."""

    def __init__(self) -> None:
        super().__init__(_("The house server no longer lets your account log in: an "
                           "administrator revoked it, or its passphrase was changed at another "
                           "workstation. Nothing of this step was read or saved. Lock, and "
                           "unlock again or ask your administrator."))


#: The oldest PostgreSQL a house may run on (issue 22, point 1: "PostgreSQL 15 or newer"), as
#: ``server_version_num`` gives it; the tests' throwaway server is 15.
MIN_SERVER_VERSION = 150000


def check_server_version(raw: Any) -> None:
    """Refuse a server older than :data:`MIN_SERVER_VERSION` in one line, at the connection
    itself, before any statement (the version comes with the login: no round trip). The
    program's grants, row-level policies and defaults are those of PostgreSQL 15."""
    found = int(raw.info.server_version)
    if found < MIN_SERVER_VERSION:
        shown = (raw.info.parameter_status("server_version") or str(found)).split()[0]
        raw.close()
        raise VaultError(_("The house server runs PostgreSQL {version}; the program needs "
                           "PostgreSQL 15 or newer. Nothing was changed.").format(
            version=shown))


def login_role(profile: ServerProfile, account: str) -> str:
    """The PostgreSQL role an account logs in as. Roles belong to the whole server, not to
    one database, so the name carries a short hash of the database and the exact account
    name (two houses on one server, or two names that fold alike, stay apart), then the
    account name folded to ``[a-z0-9_]`` for the server's administrator to recognise."""
    folded = _ROLE_PART.sub("_", account.lower())[:32]
    digest = hashlib.sha256(profile.database.encode("utf-8") + b"|"
                            + account.encode("utf-8")).hexdigest()[:10]
    return f"{LOGIN_PREFIX}_{digest}_{folded}"


def server_salt(profile: ServerProfile, account: str) -> bytes:
    """The Argon2id salt of ``account`` on the server of ``profile``: known before any
    connection (the login secret comes from the derivation), distinct per house database and
    per account, so one derivation never serves two accounts or two houses."""
    return hashlib.sha256(SALT_INFO + b"|" + profile.database.encode("utf-8") + b"|"
                          + account.encode("utf-8")).digest()[:16]


def _translate(exc: Exception, profile: ServerProfile) -> Exception:
    """A driver error at connecting as one of our errors (one line, no traceback)."""
    text = str(exc).lower()
    where = f"{profile.host}:{profile.port}"
    # a certificate that does not verify or name the host, a failed TLS handshake ("SSL
    # error: ..."), a server without TLS: nothing was sent
    if "certificate" in text or "ssl" in text:
        return ServerNotTrusted(_(
            "The server {server} did not present a certificate that the profile's CA "
            "confirms for that host; nothing was sent. Check the CA file and the server's "
            "address with your IT department.").format(server=where))
    if "password authentication failed" in text or "authentication failed" in text:
        return WrongPassphrase(_("The account or passphrase is not correct."))
    if "does not exist" in text and "database" in text:
        return ServerUnreachable(_("The server {server} has no database {database}.").format(
            server=where, database=profile.database))
    if "no pg_hba.conf entry" in text or "not permitted to log in" in text:
        return WrongPassphrase(_("The server does not let this account log in. Ask your "
                                 "administrator."))
    return ServerUnreachable(_("The server {server} cannot be reached. Check the network and "
                               "the profile, or try again later.").format(server=where))


def connect(profile: ServerProfile, user: str, password: str) -> Any:
    """One psycopg connection to the profile's server (TLS, verify-full), as ``user``."""
    import psycopg

    params: dict[str, Any] = dict(profile.libpq_params())
    params.update(user=user, password=password, connect_timeout=CONNECT_TIMEOUT,
                  application_name="casuskamer")
    try:
        made = psycopg.connect(**params)
    except psycopg.OperationalError as exc:
        raise _translate(exc, profile) from None
    check_server_version(made)
    return made


def make_server_engine(profile: ServerProfile, user: str,
                       secret_getter: Callable[[], str]) -> Engine:
    """An engine on the house server whose pool logs in as ``user``.

    ``secret_getter`` is asked each time a new connection is made, so that dropping the
    secret (on lock) leaves nothing that can make another one. Once a login has succeeded,
    a refused one is :class:`LoginWithdrawn` (the login was dropped or its secret changed
    meanwhile), not ``WrongPassphrase``: nobody typed anything."""
    logged_in = False

    def creator() -> Any:
        nonlocal logged_in
        try:
            made = connect(profile, user, secret_getter())
        except WrongPassphrase:
            if logged_in:
                raise LoginWithdrawn() from None
            raise
        logged_in = True
        return made

    engine = create_engine("postgresql+psycopg://", creator=creator, poolclass=QueuePool,
                           pool_size=2, max_overflow=4, pool_pre_ping=True)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:  # pragma: no cover - exercised by every transaction
        # Writers one at a time, as BEGIN IMMEDIATE does in the vault file; readers free.
        if not conn.get_execution_options().get(READ_OPTION, False):
            # and a session still holding a data key changed meanwhile is refused here
            key_check.lock_for_writing(conn, WRITE_LOCK)

    key_check.watch(engine)  # each checkout: the session's data key is still the house's
    return engine
