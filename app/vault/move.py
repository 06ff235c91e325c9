"""Moving a house from a local vault to the house server (issue 22, point 5):
``casuskamer migrate --from-vault DIR --to PROFILE``.

What it needs: the vault folder, an administrator of that vault (their passphrase opens the
vault's data key), and an empty house on the server made by ``casuskamer init --server ...
--create --account`` *with the same administrator's name* (their server slot opens the
server's data key; the same passphrase is tried first, else the command asks for the one
used at ``init --server --create``), plus the migration owner's login (only the owner may
write every table: an administrator's server role is refused the case tables).

What it does, in ONE transaction on the server (a failure leaves the server as it was):

1. refuses a server that already holds cases or an earlier move (``house.migrated``);
2. takes away what ``init --server --create`` wrote besides the house itself (its
   ``accounts`` row of the first administrator, the rows of the session step, and its audit
   rows, which are appended again after the vault's, see 4);
3. copies every table of the schema through SQLAlchemy Core in dependency order
   (``metadata.sorted_tables``), ids preserved; personal columns are sealed on the way (the
   owner's engine carries the server's data key, so the sealed types encrypt each value and
   put the blind index in front of the searchable ones); ``meta`` keeps the server's own
   identity (vault id, creation, key records, role prefix) and takes the vault's settings;
4. the audit chain goes on: the vault's rows are copied as they are (their hashes verify
   unchanged), the server's creation rows are appended again chained to the last one (their
   own moment, actor and detail kept), then one ``account.add`` row per account that gets a
   server login (see below) and one ``house.migrated`` row with counts only;
5. key slots: the vault's slots cannot be moved (each is sealed under a key derived from the
   holder's passphrase with the vault's salt; the server derives the login secret and the
   slot key from the passphrase with the server's salt, so both need the passphrase, which
   only the holder knows). Each other account that is not revoked therefore gets a login
   role and a slot as ``users add`` makes them, with a one-time passphrase made here and
   handed back (before anything is written on the server: the command prints them once at
   a terminal, or writes them to a new file the administrator names, to hand over in person);
   its ``account.add`` row carries ``must_choose``, so the holder chooses their own
   passphrase before anything else (``app.vault.first_use``). Revoked accounts get none;
6. the sequences of the integer ids are set past the copied ids;
7. counts are compared table by table before the commit (a difference rolls everything
   back);

then, after the commit, the server is verified: the audit chain whole, every sealed value
opens and every blind index fits (``app.store.sealed.unreadable_values``).

The vault folder is opened read-only (SQLite's ``mode=ro``): nothing is written to it, not
even an unlock row; its files are byte for byte what they were.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine
from sqlalchemy import exc as sa_exc

from app import keymem
from app.domain.roles import GRANTS, Permission, Role
from app.errors import (PermissionDenied, ValidationError, VaultDamaged, VaultError,
                        VaultExists, WrongPassphrase)
from app.i18n import _
from app.store import (accounts as account_rows, audit, copy_rows, db, engine as server_engine,
                       migrate, pg_roles, sealed, server_logins, server_slots, vault_meta)
from app.store.case_tables import cases
from app.store.field_crypto import scram_verifier
from app.store.profile import ServerProfile
from app.store.schema import metadata
from app.store.tables import meta
from app.store.vault_meta import SLOT_KEY_ANNOUNCED_PREFIX, SLOT_KEY_PREFIX
from app.store.vault_secrets import SECRET_KEYS
from app.vault import keyslots, server_admin
from app.vault.keyslots import KeySlot
from app.vault.vault import FolderLock, Vault, record_slot_key

#: The audit action of the move (detail: counts only).
MIGRATED = "house.migrated"
#: ``meta`` keys that are the server's own and are never taken from the vault.
SERVER_OWN_META = frozenset({"vault_id", "created_at", audit.HEAD_KEY,
                             "server_role_prefix", "data_key_change",
                             "data_key_generation"})
#: Rows read from the vault per round trip.
CHUNK = 1000


@dataclass
class MoveReport:
    """What ``migrate`` did: rows per table (vault = server), the one-time passphrases of
    the accounts that got a server login, and what the verification found."""

    counts: dict[str, int] = field(default_factory=dict)
    audit_rows: int = 0
    first_passphrases: dict[str, str] = field(default_factory=dict, repr=False)
    problems: list[str] = field(default_factory=list)
    #: whether the move's transaction was committed (what fails after it, the
    #: verification, does not undo the move: the one-time passphrases are in use)
    committed: bool = False

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


# -- the vault, read-only -------------------------------------------------------------------

def _tidy(absent: list[Path]) -> None:
    """Take away the files the move made in the folder (an empty log, SQLite's index, an
    empty lock file)."""
    for made in absent:
        if made.exists() and (made.name.endswith("-shm") or made.stat().st_size == 0):
            made.unlink()


@contextmanager
def _read_vault(vault: Vault, account: str, passphrase: str) -> Iterator[Engine]:
    """A read-only engine on the vault file, opened with ``account``'s slot (an
    administrator's), while the folder's lock is held: no program opens the vault during
    the move (what it wrote then would not be on the server), and a vault in use is refused
    (``VaultInUse``: close the program there first). Nothing of the folder is changed: the
    lock file is only locked (made and taken away again if there was none), the holder note
    goes at the release."""
    vault.require_exists()
    slots = vault.slot_file()
    slot = slots.find(account)
    if slot is None:
        raise WrongPassphrase(_("The account or passphrase is not correct."))
    role = Role(slots.roles.get(account, Role.PROCESS_DIRECTOR.value))
    if Permission.MANAGE_ACCOUNTS not in GRANTS[role]:
        raise PermissionDenied(_("Only an administrator of the vault moves it to the house "
                                 "server."))
    candidates = keyslots.open_slot(slots.vault_id, slot, passphrase)
    lock_absent = not vault.lock_path.exists()
    lock = FolderLock(vault.lock_path)
    try:
        lock.acquire(account)
    except BaseException:
        for candidate in candidates:
            keymem.wipe(candidate)
        _tidy([vault.lock_path] if lock_absent else [])
        raise
    try:
        with _read_only(vault, candidates) as engine:
            yield engine
    finally:
        lock.release()
        _tidy([vault.lock_path] if lock_absent else [])


@contextmanager
def _read_only(vault: Vault, candidates: list[bytearray]) -> Iterator[Engine]:
    # SQLite's read-only open of a WAL file still makes its -wal and -shm beside it when
    # they are not there (a vault closed cleanly has none): those it made go again
    companions = [vault.db_path.with_name(vault.db_path.name + s) for s in ("-wal", "-shm")]
    absent = [p for p in companions if not p.exists()]
    key: bytearray | None = None
    try:
        for candidate in candidates:
            try:
                db.connect_raw(vault.db_path, candidate, read_only=True).close()
            except VaultDamaged:
                continue
            key = keymem.take(bytes(candidate))
            break
    finally:
        for candidate in candidates:
            keymem.wipe(candidate)
    if key is None:
        _tidy(absent)
        raise VaultDamaged(_("The database of this vault cannot be read: it is damaged or "
                             "was altered. Restore the vault from a backup."))
    held = key
    engine = db.make_engine(vault.db_path, lambda: held, read_only=True)
    try:
        with engine.connect() as conn:
            if migrate.current_revision(conn) != migrate.head_revision():
                raise VaultError(_("The vault is at another schema version than this program: "
                                   "open it once with this program (which upgrades it), then "
                                   "move it."))
        yield engine
    finally:
        engine.dispose()
        keymem.wipe(held)
        _tidy(absent)


# -- the server ----------------------------------------------------------------------------

def _server_data_key(conn: Connection, profile: ServerProfile, account: str,
                     passphrases: list[Callable[[], str]]) -> tuple[str, bytearray]:
    """The house's vault id and data key, opened with ``account``'s server slot (the first
    of ``passphrases`` that opens it)."""
    from app.vault import server

    vault_id = vault_meta.value(conn, "vault_id")
    row = server_slots.slot_of(conn, account)
    if not vault_id or row is None:
        raise ValidationError(_("The house on the server has no administrator {account}: make "
                                "it with casuskamer init --server ... --create --account "
                                "{account}.").format(account=account), field="account")
    slot = KeySlot.from_json(json.loads(str(row)))
    for i, passphrase in enumerate(passphrases):
        keys = server._unlock_keys(profile, account, passphrase())
        try:
            opened = server._open(str(vault_id), slot, keys.slot_key)
        except WrongPassphrase:
            if i == len(passphrases) - 1:
                raise
            continue
        for extra in opened[1:]:
            keymem.wipe(extra)
        return str(vault_id), opened[0]
    raise WrongPassphrase(_("The account or passphrase is not correct."))


def _check_empty(conn: Connection) -> None:
    if copy_rows.row_count(conn, cases) or copy_rows.audit_rows_of(conn, MIGRATED):
        raise VaultExists(_("The house on the server already holds cases or an earlier move: "
                            "a vault is moved only into an empty house made by casuskamer "
                            "init --server ... --create. Nothing was changed."))


def first_passphrase() -> str:
    """A one-time passphrase for an account's server login (the holder replaces it)."""
    raw = secrets.token_urlsafe(24).replace("-", "x").replace("_", "y")
    return "-".join(raw[i:i + 4] for i in range(0, len(raw), 4))


@dataclass(frozen=True)
class _Login:
    name: str
    role: Role
    login: str
    verifier: str
    slot: KeySlot


def _make_login(profile: ServerProfile, vault_id: str, data_key: bytearray, name: str,
                role: Role, passphrase: str) -> _Login:
    from app.vault import server

    keys = server._unlock_keys(profile, name, passphrase)
    slot = server._seal(vault_id, name, keys.slot_key, data_key, profile)
    return _Login(name, role, server_engine.login_role(profile, name),
                  scram_verifier(keys.login_secret), slot)


def migrate_vault(vault: Vault, profile: ServerProfile, account: str, passphrase: str,
                  owner_user: str, owner_password: str, *,
                  server_passphrase: Callable[[], str] | None = None,
                  hand_over: Callable[[dict[str, str]], None] | None = None,
                  report: MoveReport | None = None) -> MoveReport:
    """Copy the vault in ``vault`` into the empty house of ``profile`` (see the module's
    description). ``server_passphrase`` is asked when ``passphrase`` does not open
    ``account``'s slot on the server. ``hand_over`` is given the one-time passphrases
    (account -> passphrase; empty when no account gets one) once they are made and before
    anything is written on the server: what it raises stops the move with nothing
    changed (the command line refuses there to print them where no one reads them).
    ``report`` (a new one when not given) is filled in as the move goes, so a caller can
    tell from it whether the move was committed when something fails afterwards."""
    report = MoveReport() if report is None else report
    with _read_vault(vault, account, passphrase) as local_engine:
        owner_engine = server_engine.make_server_engine(profile, owner_user,
                                                        lambda: owner_password)
        try:
            try:
                _move(local_engine, owner_engine, profile, account, passphrase,
                      server_passphrase, report, hand_over)
            except sa_exc.DBAPIError as exc:
                raise server_admin.owner_error(exc, profile, owner_user) from None
        finally:
            sealed.detach(owner_engine)
            owner_engine.dispose()
    return report


def _move(local_engine: Engine, owner_engine: Engine, profile: ServerProfile, account: str,
          passphrase: str, server_passphrase: Callable[[], str] | None,
          report: MoveReport,
          hand_over: Callable[[dict[str, str]], None] | None = None) -> None:
    head = migrate.head_revision()
    # the house, its owner role and the administrator's slot (read before the write lock)
    with owner_engine.connect() as conn:
        found = server_admin.house_revision(conn)
        if found is None:
            raise VaultError(_("The database {database} on the server is not a Casuskamer "
                               "house: make one with casuskamer init --server ... "
                               "--create.").format(database=profile.database))
        if found != head:
            raise VaultError(_("The house server's database is at schema version {found}; "
                               "this program needs {needed}: run casuskamer upgrade "
                               "first.").format(found=found, needed=head))
        prefix = server_logins.house_prefix(conn)
        owner = pg_roles.owner_role(prefix)
        with server_logins.as_role(conn, owner):
            _check_empty(conn)
            asks = [lambda: passphrase] + ([server_passphrase] if server_passphrase else [])
            vault_id, data_key = _server_data_key(conn, profile, account, asks)
        conn.rollback()
    try:
        sealed.attach(owner_engine, data_key)
        with local_engine.connect() as local:
            # the other accounts' server logins (Argon2id each: before the write lock)
            logins: list[_Login] = []
            for row in account_rows.rows(local):
                if row["revoked_at"] is not None or row["name"] == account:
                    continue
                one_time = first_passphrase()
                report.first_passphrases[row["name"]] = one_time
                logins.append(_make_login(profile, vault_id, data_key, row["name"],
                                          Role(row["role"]), one_time))
            if hand_over is not None:
                hand_over(dict(report.first_passphrases))
            with owner_engine.begin() as conn:
                _copy(local, conn, owner, account, vault_id, logins, prefix, report)
            report.committed = True
    finally:
        keymem.wipe(data_key)
    # verified as the server holds it now: the chain, every sealed value, every blind index
    # (committed by now: a refusal here is told as a problem, not as 'nothing changed')
    try:
        with owner_engine.connect() as conn:
            server_logins.set_role(conn, owner)  # undone by the rollback below
            for problem in audit.verify_chain(conn):
                where = f" (#{problem.row_id})" if problem.row_id is not None else ""
                report.problems.append(_("Audit log: {what}").format(what=problem.what) + where)
            found_slots = server_slots.slot_count(conn)
            if found_slots != len(logins) + 1:
                report.problems.append(_("Key slots: {found} on the server, {expected} "
                                         "expected.").format(found=found_slots,
                                                             expected=len(logins) + 1))
            # (reads in chunks: the connection streams from here on)
            report.problems.extend(str(u) for u in sealed.unreadable_values(
                conn, metadata.sorted_tables))
            conn.rollback()
    except sa_exc.DBAPIError as exc:
        code = getattr(exc.orig, "sqlstate", None) or "-"
        report.problems.append(_("The verification on the server could not finish (SQLSTATE "
                                 "{code}); the move itself was saved. Run casuskamer verify "
                                 "as the administrator.").format(code=code))


def _copy(local: Connection, conn: Connection, owner: str, account: str, vault_id: str,
          logins: list[_Login], prefix: str, report: MoveReport) -> None:
    server_logins.set_role(conn, owner)
    _check_empty(conn)  # again, under the write lock
    local_account = account_rows.row(local, account)
    if local_account is None or local_account["revoked_at"] is not None:
        raise PermissionDenied(_("Only an administrator of the vault moves it to the house "
                                 "server."))
    # what init --server --create wrote besides the house: its audit rows come back after
    # the vault's; the rest (the first administrator's row, the session step's rows) is the
    # vault's now
    created = copy_rows.audit_rows(conn)
    copy_rows.empty_tables(conn, [t for t in reversed(metadata.sorted_tables) if t is not meta])
    # every table in dependency order, ids preserved, personal values sealed by the types
    server_meta = copy_rows.meta_keys(conn)
    for table in metadata.sorted_tables:
        if table is meta:
            rows = [r for r in copy_rows.all_rows(local, meta)
                    if r["key"] not in SERVER_OWN_META and r["key"] not in server_meta
                    and not str(r["key"]).startswith(SLOT_KEY_PREFIX)
                    and not str(r["key"]).startswith(SLOT_KEY_ANNOUNCED_PREFIX)]
            if rows:
                # the vault's keyed-hash secrets are sealed on the server (vault_secrets)
                copy_rows.write_rows(conn, meta, [
                    {**r, "value": sealed.seal_secret(conn, str(r["key"]), str(r["value"]))}
                    if r["key"] in SECRET_KEYS else dict(r) for r in rows])
            continue
        for chunk in copy_rows.chunks(local, table, CHUNK):
            copy_rows.write_rows(conn, table, chunk)
        report.counts[table.name] = copy_rows.row_count(local, table)
    # counts, table by table, before anything is appended
    for table in metadata.sorted_tables:
        if table is meta:
            continue
        on_server = copy_rows.row_count(conn, table)
        if on_server != report.counts[table.name]:
            raise VaultError(_("The copy of table {table} holds {found} rows, the vault "
                               "{expected}: nothing was changed on the server.").format(
                table=table.name, found=on_server, expected=report.counts[table.name]))
    # the chain goes on from the vault's last row
    local_head = vault_meta.value(local, audit.HEAD_KEY)
    copy_rows.set_audit_head(conn, local_head or f"0:{audit.GENESIS}")
    for row in created:
        copy_rows.reappend(conn, row)
    # the other accounts' logins and slots, as users add makes them
    server_logins.reset_role(conn)
    for made in logins:
        if server_logins.role_exists(conn, made.login):
            raise VaultError(_("The server already has a login for an account named {name}; "
                               "ask the server's administrator.").format(name=made.name))
        server_logins.run(conn, pg_roles.login_role_statements(made.login, made.role,
                                                               made.verifier, prefix))
    server_logins.set_role(conn, owner)
    for made in logins:
        server_slots.add_slot(conn, made.name, made.login, made.role.value,
                              json.dumps(made.slot.to_json()))
        vault_meta.remove(conn, [vault_meta.slot_key_name(made.name)])
        record_slot_key(conn, made.slot)
        audit.append(conn, actor=account, role=Role.ADMIN.value, entry=audit.AuditEntry(
            "account.add", "account", made.name, "ok",
            {"role": made.role.value, "must_choose": True, "server_login": True}))
    copy_rows.set_sequences(conn, metadata.sorted_tables)
    report.audit_rows = report.counts["audit_log"]
    audit.append(conn, actor=account, role=Role.ADMIN.value, entry=audit.AuditEntry(
        MIGRATED, "vault", vault_id, "ok",
        {"tables": len(report.counts), "rows": report.rows,
         "audit_rows": report.audit_rows, "logins": len(logins)}))
    server_logins.reset_role(conn)
