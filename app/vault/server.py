"""A vault on the house server (issue 22): a connection profile instead of a folder.

``ServerVault(profile)`` plays the part of ``Vault(folder)``; ``unlock`` returns a
:class:`ServerOpenVault`, an ``OpenVault`` whose engine is the server's (``app.store.engine``),
so the services run on it unchanged.

Unlocking an account (one passphrase, one Argon2id derivation):

1. Argon2id over the passphrase with the account's server salt (``engine.server_salt``: known
   before any connection) at the key slots' floor settings (:data:`SERVER_KDF`);
2. ``field_crypto.split_unlock_key`` turns the result into the account's PostgreSQL login
   secret and the key that opens its key slot;
3. the workstation logs in as the account's own role (``engine.login_role``; TLS verify-full,
   SCRAM-SHA-256: the server holds only the verifier, computed on the workstation when the
   account was made), reads its own slot from ``server_key_slots`` (row-level security shows
   each login only its own row) and opens it as the local vault opens a slot: the X25519
   private key sealed with AES-256-GCM (format, vault id, account and public key as
   associated data), then the data key wrapped for its public key.

A server holds its key slots in the table :data:`KEY_SLOTS_TABLE`, made by :func:`create_house`
beside the program's schema (it is the server's, not part of the vault file's schema: a vault
file keeps its slots in ``keyslots.json``). The SQL is in the store, as for every other
table: the slot rows in ``app.store.server_slots``, the roles and the generated statements in
``app.store.server_logins``; this module keeps the steps, the checks and the transaction.
The schema itself is made and upgraded only by the migration owner (``create_house``;
``casuskamer upgrade`` later): an account's unlock checks the revision and never migrates.

Elsewhere: adding, changing and revoking accounts (``app.vault.server_accounts``), the
owner's commands (``app.vault.server_admin``), the move from a vault folder
(``app.vault.move``), live updates (``app.store.live``, :meth:`ServerOpenVault.listen`),
changing the data key (``app.vault.server_rekey``; every session's key is checked against
the house's in ``app.store.key_check``).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc

from app import keymem
from app.domain.accounts import check_account_name
from app.domain.live_changes import Change
from app.domain.roles import Role
from app.errors import (PermissionDenied, VaultDamaged, VaultError, VaultNotFound,
                        WriteFailed, WrongPassphrase)
from app.i18n import _
from app.store import (accounts as account_rows, audit, engine as server_engine, live, migrate,
                       pg_accounts, pg_roles, sealed, server_logins, server_slots, vault_meta)
from app.store.field_crypto import UnlockKeys, scram_verifier, split_unlock_key
from app.store.profile import ServerProfile, is_profile, read_profile
from app.store.engine import LoginWithdrawn
from app.store.key_check import DataKeyChanged
from app.store.live import DATA_KEY
from app.store.schema import metadata
from app.store.server_slots import KEY_SLOTS_TABLE, key_slot_statements
from app.vault import keyslots
from app.vault.keyslots import KdfParams, KeySlot
from app.vault.vault import Actor, OpenVault, Vault, record_slot_key, utcnow

# the server's table (app.store); the error of a session whose login the server withdrew
__all__ = ["DATA_KEY", "DataKeyChanged", "KEY_SLOTS_TABLE", "LoginWithdrawn",
           "key_slot_statements"]

#: Argon2id on the server: the key slots' floor (the salt must be known before login, so
#: the settings are too; a house that wants more changes them for every account at once).
SERVER_KDF = KdfParams()


def _unlock_keys(profile: ServerProfile, account: str, passphrase: str) -> UnlockKeys:
    master = keymem.take(keyslots.derive(passphrase, server_engine.server_salt(profile, account),
                                         SERVER_KDF))
    try:
        return split_unlock_key(bytes(master))
    finally:
        keymem.wipe(master)


def _seal(vault_id: str, account: str, slot_key: bytes, data_key: bytes | bytearray,
          profile: ServerProfile) -> KeySlot:
    """A slot as ``keyslots.seal`` makes it, the private key sealed under ``slot_key``."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    raw = keymem.take(private.private_bytes(serialization.Encoding.Raw,
                                            serialization.PrivateFormat.Raw,
                                            serialization.NoEncryption()))
    nonce = secrets.token_bytes(12)
    try:
        sealed = AESGCM(slot_key).encrypt(nonce, raw,
                                          keyslots._aad(vault_id, account, public))
    finally:
        keymem.wipe(raw)
    return KeySlot(account, SERVER_KDF, server_engine.server_salt(profile, account), nonce,
                   sealed, audit.utc_now_iso()[:19] + "Z", public,
                   (keyslots.wrap(vault_id, account, public, data_key),))


def _open(vault_id: str, slot: KeySlot, slot_key: bytes) -> list[bytearray]:
    """The data keys ``slot`` holds (new first), opened with ``slot_key``."""
    try:
        secret = keymem.take(AESGCM(slot_key).decrypt(
            slot.nonce, slot.sealed, keyslots._aad(vault_id, slot.account, slot.public_key)))
    except InvalidTag:
        raise WrongPassphrase(_("The account or passphrase is not correct.")) from None
    try:
        private = X25519PrivateKey.from_private_bytes(bytes(secret))
    except ValueError:
        raise VaultDamaged(_("A key slot holds a key of the wrong length.")) from None
    finally:
        keymem.wipe(secret)
    aad = keyslots._wrap_aad(vault_id, slot.account, slot.public_key)
    keys: list[bytearray] = []
    for wrapped in slot.keys:
        try:
            kek = keyslots._kek(private.exchange(
                X25519PublicKey.from_public_bytes(wrapped.ephemeral)), aad)
            try:
                keys.append(keymem.take(AESGCM(kek).decrypt(wrapped.nonce, wrapped.sealed,
                                                             aad)))
            finally:
                keymem.wipe_bytes(kek)
        except (InvalidTag, ValueError):
            continue
    if not keys:
        raise VaultDamaged(_("The key slot of {account} is damaged on the server. Ask your "
                             "administrator.").format(account=slot.account))
    return keys


def server_error(exc: sa_exc.DBAPIError, vault: Vault) -> Exception:
    """The server's refusal of a statement as one of our errors (one line; only the
    SQLSTATE, never the statement or its values), or ``exc`` itself when it is none of
    these: a role without the grant, a server gone away, a server out of disk space."""
    code = str(getattr(exc.orig, "sqlstate", None) or "")
    if code == "42501":
        return PermissionDenied(_("The house server does not let your role do this. Ask your "
                                  "administrator if you need it."))
    if code.startswith("08") or exc.connection_invalidated:
        where = (f"{vault.profile.host}:{vault.profile.port}"
                 if isinstance(vault, ServerVault) else "-")
        return server_engine.ServerUnreachable(_(
            "The connection to the server {server} was lost; nothing of this step was saved. "
            "Try again.").format(server=where))
    if code in ("53100", "53200"):
        return WriteFailed(_("The house server has no room to store this (SQLSTATE {code}); "
                             "nothing was saved. Ask your administrator.").format(code=code))
    return exc


def is_server_profile(path: Path) -> bool:
    """Whether ``--vault`` names a server profile rather than a vault folder."""
    return is_profile(path)


class LoginSecret:
    """The account's login secret while its session is open (asked for by the engine's pool
    for each new connection); after :meth:`drop` it makes none."""

    def __init__(self, value: str) -> None:
        self._value: str | None = value

    def get(self) -> str:
        if self._value is None:
            raise VaultNotFound(_("The vault is locked."))
        return self._value

    def drop(self) -> None:
        self._value = None

    def replace(self, value: str) -> None:
        """The new secret after the account changed its own passphrase."""
        if self._value is not None:
            self._value = value

    def __repr__(self) -> str:
        return "LoginSecret(<hidden>)"


class ServerVault(Vault):
    """A vault on the house server, reached through ``profile``; nothing is opened until
    ``unlock``. ``path`` is the profile file (for messages and the folder-shaped parts)."""

    def __init__(self, profile: ServerProfile, path: Path | None = None) -> None:
        super().__init__(Path(path).parent if path is not None else Path("."))
        self.profile = profile
        self.profile_path = path

    @classmethod
    def from_file(cls, path: Path) -> ServerVault:
        """The house server of the profile file ``path`` (``ValidationError`` for a file that
        is not a valid profile)."""
        return cls(read_profile(path), path)

    def check_folder(self, *, existing: bool = True) -> None:
        return None  # no folder: the server keeps the data

    def exists(self) -> bool:
        return True

    def require_exists(self) -> None:
        return None

    def slot_file(self) -> keyslots.SlotFile:
        raise VaultError(_("On the house server the key slots are kept by the server; this "
                           "is not available there yet."))

    def unlock(self, account: str, passphrase: str, *,
               exclusive: bool = True) -> ServerOpenVault:
        """Open the house server as ``account`` (``exclusive`` means nothing here: several
        workstations work at once). A refused attempt is remembered, as on a folder, and
        written to the audit log by this vault's next successful unlock (``unlock``,
        ``failed``, reason ``refused``: the server answers a wrong passphrase, an unknown
        and a revoked account alike)."""
        try:
            return self._unlock(account, passphrase)
        except WrongPassphrase:
            self._remember_failure(account, "refused")
            raise

    def _unlock(self, account: str, passphrase: str) -> ServerOpenVault:
        keys = _unlock_keys(self.profile, account, passphrase)
        login = server_engine.login_role(self.profile, account)
        secret = LoginSecret(keys.login_secret)
        opened_engine = server_engine.make_server_engine(self.profile, login, secret.get)
        try:
            try:
                with opened_engine.connect() as conn:
                    row = server_slots.slot_and_role(conn, account)
                    vault_id = vault_meta.value(conn, "vault_id")
            except sa_exc.DBAPIError as exc:
                translated = server_error(exc, self)
                if translated is exc:  # no key-slot table, no meta: not a house's database
                    raise VaultError(_("The database {database} on the server is not a "
                                       "Casuskamer house, or your role cannot read it. Ask "
                                       "your administrator.").format(
                        database=self.profile.database)) from None
                raise translated from None
            if row is None or not vault_id:
                raise WrongPassphrase(_("The account or passphrase is not correct."))
            try:
                slot = KeySlot.from_json(json.loads(row[0]))
                role = Role(row[1])
            except ValueError:
                raise VaultDamaged(_("The key slot of {account} is damaged on the server. "
                                     "Ask your administrator.").format(account=account)) \
                    from None
            candidates = _open(str(vault_id), slot, keys.slot_key)
        except BaseException:
            opened_engine.dispose()
            raise
        try:
            opened = ServerOpenVault(self, Actor(account, role), bytearray(candidates[0]),
                                     str(vault_id), None, server_engine=opened_engine,
                                     login_secret=secret)
        finally:
            for key in candidates:
                keymem.wipe(key)
        with opened.unlock_step():
            opened.migrate()
            opened.after_unlock()
        return opened


@dataclass
class ServerOpenVault(OpenVault):
    """An ``OpenVault`` on the house server: the same transactions, audit log and checks,
    on the server's engine."""

    server_engine: Engine | None = None
    #: what the engine's pool logs in with; dropped at the lock, so that nothing can make
    #: another connection afterwards
    login_secret: LoginSecret | None = field(default=None, repr=False)
    #: this session's token in the live updates it announces (issue 22, point 4)
    origin: str = field(default_factory=lambda: secrets.token_hex(8))
    _listeners: list[live.Listener] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if self._key is not None:
            keymem.pin(self._key)
        assert self.server_engine is not None
        self.engine = self.server_engine
        live.watch(self.engine)  # which tables each write transaction changes
        if self._key is not None:
            # personal values are sealed with the data key at the store's edge
            sealed.attach(self.engine, self._key)
            live.attach(self.engine, self._key)  # announcements sealed under the data key

    def migrate(self) -> None:
        """An account never migrates the server (only the migration owner does): it checks
        that the schema is the one this program expects."""
        with self.read() as conn:
            current = migrate.stored_revision(conn)
        if current != migrate.newest_revision():
            raise VaultError(_("The house server's database is at schema version {found}; "
                               "this program needs {needed}. Ask your administrator to "
                               "upgrade the server.").format(found=current or "-",
                                                             needed=migrate.newest_revision()))

    @contextmanager
    def unlock_step(self) -> Iterator[None]:
        """As ``OpenVault.unlock_step`` (the session is closed again when a step fails), with
        the server's words: a statement the server refused is not a damaged file. Only the
        SQLSTATE is told (no statement, no value)."""
        try:
            yield
        except sa_exc.DBAPIError as exc:
            self.lock(audit_it=False)
            code = getattr(exc.orig, "sqlstate", None) or "-"
            raise VaultError(_("The house server refused a step of opening the session "
                               "(SQLSTATE {code}). Ask your administrator.").format(
                code=code)) from None
        except BaseException:
            self.lock(audit_it=False)
            raise

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """One write transaction (serialized with every other workstation's: the engine's
        advisory lock). A statement the server refuses reaches the caller as one of our
        errors (:func:`server_error`), not as a driver error; nothing of it is written."""
        try:
            with self.engine.begin() as conn:
                yield conn
                live.notify(conn, self.origin)  # delivered when it commits (ids only)
        except sa_exc.DBAPIError as exc:
            raise self._refused(exc) from None

    def log(self, conn: Connection, action: str, object_type: str, object_id: str | int,
            result: str = "ok", detail: dict[str, Any] | None = None) -> int:
        live.note_object(conn, object_type, object_id)
        return super().log(conn, action, object_type, object_id, result, detail)

    def listen(self, callback: Callable[[Change], None],
               on_refused: Callable[[], None] | None = None) -> live.Listener:
        """Hear what other sessions' committed writes change (kinds and ids only), on a
        thread of its own: ``callback`` runs on that thread. Stops at the lock, and when the
        server refuses the login (the account revoked, or its passphrase changed at another
        workstation): then ``on_refused`` runs, on that thread."""
        vault = self.vault
        assert isinstance(vault, ServerVault) and self.login_secret is not None
        secret, account = self.login_secret, self.actor.account

        def connect() -> Any:
            return server_engine.connect(vault.profile,
                                         server_engine.login_role(vault.profile, account),
                                         secret.get())

        announcements = live.attached(self.engine)
        if announcements is None:
            raise VaultNotFound(_("The vault is locked."))
        listener = live.Listener(connect, callback, self.origin, announcements, on_refused)
        self._listeners.append(listener)
        listener.start()
        return listener

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reading (no advisory lock), with the same errors as ``begin``."""
        try:
            with super().read() as conn:
                yield conn
        except sa_exc.DBAPIError as exc:
            raise self._refused(exc) from None

    def _refused(self, exc: sa_exc.DBAPIError) -> Exception:
        translated = server_error(exc, self.vault)
        if translated is exc:
            return exc
        if isinstance(translated, PermissionDenied):
            # audited as a refusal by the role check is (no statement, no value)
            try:
                with self.engine.begin() as conn:
                    self.log(conn, "denied", "-", "-", "denied", {"server": "42501"})
            except sa_exc.DBAPIError:
                pass  # the refusal itself is what the user must hear
        return translated

    def _reconcile_slots(self, conn: Connection) -> None:
        return None  # slots are rows of the same database, written in the same transaction

    def lock(self, audit_it: bool = True) -> None:
        for listener in self._listeners:
            listener.stop()
        self._listeners.clear()
        live.detach(self.engine)  # before the lock zeroes the key buffer it derives from
        super().lock(audit_it)
        sealed.detach(self.engine)
        if self.login_secret is not None:
            self.login_secret.drop()


# -- making a house on the server (the migration owner) ------------------------------------

@dataclass(frozen=True)
class FirstAccount:
    name: str
    role: Role
    passphrase: str


def create_house(profile: ServerProfile, owner_user: str, owner_password: str,
                 first: Sequence[FirstAccount], *, prefix: str = pg_roles.PREFIX) -> str:
    """Make the program's schema in the profile's (empty) database as ``owner_user`` (a
    role that may create roles: the migration owner's login, or the server's superuser),
    with the group roles and grants, the key-slot table, and ``first`` accounts (the first
    must be an administrator). Returns the vault id. Each account's login role gets only the
    SCRAM verifier computed here; no secret goes to the server. One transaction: a failure
    leaves the database as it was."""
    if not first or first[0].role is not Role.ADMIN:
        raise ValueError("the first account must be an administrator")
    for account in first:
        check_account_name(account.name)
    owner = pg_roles.owner_role(prefix)
    everyone = ", ".join(pg_roles.group_role(r, prefix) for r in Role)
    vault_id = secrets.token_hex(16)
    data_key = keymem.random_key(keyslots.DATA_KEY_BYTES)
    engine = server_engine.make_server_engine(profile, owner_user, lambda: owner_password)
    try:
        with engine.begin() as conn:
            existing = server_logins.roles_named(conn, prefix)
            server_logins.run(conn, [statement for statement in pg_roles.role_statements(prefix)
                                     if statement.split()[2] not in existing])
            # USAGE too: the foreign keys are checked as the owner of the tables
            server_logins.run(conn, [f"GRANT USAGE, CREATE ON SCHEMA public TO {owner}",
                                     f"GRANT {owner} TO CURRENT_USER"])
            # the schema and the key-slot table belong to the migration owner
            with server_logins.as_role(conn, owner):
                migrate.upgrade(conn)
                server_logins.run(conn, key_slot_statements(prefix))
            server_logins.run(conn, pg_roles.grant_statements(metadata.sorted_tables, [],
                                                              prefix))
            server_logins.run(conn, pg_roles.session_policy_statements(KEY_SLOTS_TABLE,
                                                                       prefix))
            # the accounts administrators add later (app.vault.server_accounts)
            server_logins.run(conn, pg_accounts.maker_statements(prefix)
                              + pg_accounts.own_slot_statements(KEY_SLOTS_TABLE, prefix))
            server_logins.record_prefix(conn, prefix)
            server_logins.run(conn, ["REVOKE ALL ON TABLE alembic_version FROM PUBLIC",
                                     f"GRANT SELECT ON TABLE alembic_version TO {everyone}"])
            vault_meta.set_value(conn, "vault_id", vault_id)
            vault_meta.set_value(conn, "created_at", audit.utc_now_iso())
            audit.append(conn, actor=first[0].name, role=Role.ADMIN.value,
                         entry=audit.AuditEntry("vault.create", "vault", vault_id))
            for account in first:
                keys = _unlock_keys(profile, account.name, account.passphrase)
                login = server_engine.login_role(profile, account.name)
                server_logins.run(conn, pg_roles.login_role_statements(
                    login, account.role, scram_verifier(keys.login_secret), prefix))
                slot = _seal(vault_id, account.name, keys.slot_key, data_key, profile)
                server_slots.add_slot(conn, account.name, login, account.role.value,
                                      json.dumps(slot.to_json()))
                account_rows.insert_account(conn, {
                    "name": account.name, "role": account.role.value, "created_at": utcnow(),
                    "created_by": None if account is first[0] else first[0].name})
                audit.append(conn, actor=first[0].name, role=Role.ADMIN.value,
                             entry=audit.AuditEntry("account.add", "account", account.name,
                                                    "ok", {"role": account.role.value}))
                record_slot_key(conn, slot)
    finally:
        engine.dispose()
        keymem.wipe(data_key)
    return vault_id
