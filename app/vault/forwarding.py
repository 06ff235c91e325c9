"""Forwarding the audit log to the house's central log (issue 17, point 6).

Optional; an administrator turns it on in Settings or with ``casuskamer config``. Every audit
row written from then on is sent, without its ``detail`` (which can say more than an object's
number), as one RFC 5424 syslog message over TCP with TLS (RFC 5425, octet-counting framing
of RFC 6587) to the configured collector, the way a municipality's SIEM receives logs.

Queue. ``app.store.audit.append`` queues the row in ``audit_forward_queue`` in the same
transaction as the row itself (``app.store.forward_tables``), so no row is written without
being queued. The sender reads the queue in sequence order and sends it in batches of up to
``BATCH`` rows over one connection; the rows leave the queue only in the transaction that
records the batch as delivered.

What "delivered" means. Plain syslog has no application acknowledgement. A batch counts as
delivered when every write succeeded and the connection was closed cleanly: we send TLS's
close_notify and the collector closes its side (its close_notify, or a TCP FIN) instead of
a reset or silence. A TCP peer that closes with unread data sends a reset, so a clean close
means the collector's TLS endpoint read every byte up to our close_notify. A batch that fails
anywhere (refused, timeout, reset, certificate) stays queued whole and is sent again, from
its first row, at the next attempt.

The guarantee, exactly: no row is lost (a row leaves the queue only after a clean close;
what the collector does with bytes it has read is the collector's part), rows arrive in
sequence order, and a row may arrive more than once (a batch cut off after the collector
read part of it is sent again whole). Every message carries the vault's id, the row's id,
its forwarding sequence number and its chain hash in structured data (``SD_ID``); the
receiving side de-duplicates by (vault, id, hash), after which each row is there exactly
once. Two rows with the same id and different hashes mean the vault was rolled back.

When it runs. In the program, a background thread (``start_background``) while the vault is
unlocked; the command line sends just before each command locks the vault again. Neither
ever fails or holds up what the user does: a collector that does not answer or a certificate
that does not verify is remembered as the last problem (one line, shown in Settings and by
``casuskamer config``) and the rows stay queued.

Rollback. The last delivered head (sequence, row id, hash) is kept in the vault
(``meta['forward_delivered']``) and, since a rolled-back vault carries its own older copy of
that, also in ``forwarding.json`` beside the database. ``verify`` reports a rollback when the
vault's chain ends before that head or holds another hash at its row.

Outside the vault. ``forwarding.json`` (mode 600) holds the vault's random id, the collector's
address, the CA certificate it is checked against (public) and the last delivered head (a row
id and hashes): nothing personal and no secret. It is what lets a failed unlock, which cannot
be written into a vault that did not open, reach the collector as well as the operating
system's log (``report_failed_unlock``). A client certificate's private key stays inside the
vault only, so a collector that insists on client certificates receives failed unlocks only
through the vault (written at the next unlock in the same program) and the system's log.

On the house server (issue 22, point 1). The configuration is the house's, in ``meta`` on
the server like every other setting, so every workstation forwards to the same collector
(the client certificate's private key sealed under the house's data key there, as the
vault's other secrets: ``app.store.vault_secrets``). The queue, its sequence numbers and the
delivered head are the house's too: every workstation's audit rows go into the one queue in
their own write transaction, and any unlocked session sends it, one workstation at a time
(the server's advisory lock ``app.store.forwarding.SEND_LOCK``; a session that finds it
taken leaves the sending to the one that holds it). The file beside is the workstation's:
beside its profile, named after it (``huis.json`` -> ``huis.json.forwarding.json``,
:func:`side_file`), for its failed logins and as its witness of the last head delivered
from it; never in the working directory. A session whose role does not read the whole audit
log (only the administrator's does on the server) cannot compare that witness with the
chain, so it only moves it forward; the administrator's ``verify`` compares them
(:func:`register_server_checks`).
"""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from app.domain.roles import Permission, may
from app.errors import CasuskamerError, ValidationError, VaultNotFound
from app.i18n import _
from app.store.audit import utc_now_iso, workstation
from app.store import forwarding as queue
from app.store import sealed, vault_meta
from app.store.forward_tables import COLLECTOR_KEY, DELIVERED_KEY
from app.vault import system_log
from app.vault.keyslots import atomic_write
from app.vault.vault import OpenVault, Vault

log = logging.getLogger(__name__)

CA_KEY = "forward_ca_pem"
CLIENT_CERT_KEY = "forward_client_cert_pem"
CLIENT_KEY_KEY = "forward_client_key_pem"
CONFIG_KEYS = (COLLECTOR_KEY, CA_KEY, CLIENT_CERT_KEY, CLIENT_KEY_KEY)

SIDE_NAME = "forwarding.json"
SIDE_FORMAT = "casuskamer-forwarding/1"

APP_NAME = "casuskamer"
#: the structured-data element of every message (32473: the example enterprise number of
#: RFC 5612, as no number is registered for Casuskamer)
SD_ID = "casuskamer@32473"
FACILITY_LOG_AUDIT = 13
SEVERITY_INFO = 6
SEVERITY_WARNING = 4

BATCH = 500
#: seconds for connecting, each write and the closing handshake
TIMEOUT = 5.0
#: the background thread's pause between attempts, and its longest pause after failures
INTERVAL = 10.0
MAX_INTERVAL = 300.0


class ForwardingError(CasuskamerError):
    """The collector could not be reached or did not acknowledge (one clear line).
    ``certificate``: it was reached, but its certificate did not verify."""

    exit_code = 1

    def __init__(self, message: str, certificate: bool = False) -> None:
        super().__init__(message)
        self.certificate = certificate


@dataclass(frozen=True)
class ForwardingConfig:
    host: str
    port: int
    ca_pem: str
    client_cert_pem: str = ""
    client_key_pem: str = ""

    @property
    def address(self) -> str:
        return format_address(self.host, self.port)


@dataclass(frozen=True)
class Delivered:
    seq: int
    audit_id: int
    hash: str

    def text(self) -> str:
        return f"{self.seq}:{self.audit_id}:{self.hash}"

    @classmethod
    def parse(cls, value: str | None) -> Delivered | None:
        if not value:
            return None
        try:
            seq, audit_id, digest = str(value).split(":", 2)
            return cls(int(seq), int(audit_id), digest)
        except ValueError:
            return None


@dataclass(frozen=True)
class SendReport:
    sent: int = 0
    queued: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class ForwardStatus:
    collector: str | None
    queued: int
    delivered: Delivered | None
    last_problem: str | None
    last_attempt: str | None


# -- addresses and certificates ------------------------------------------------------------

def format_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def parse_collector(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[v6]:PORT`` for an IPv6 address) -> (host, port)."""
    value = text.strip()
    host, sep, port_text = value.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not sep or not host or " " in host or not port_text.isdigit() \
            or not 0 < int(port_text) < 65536:
        raise ValidationError(_("The collector must be given as HOST:PORT, for example "
                                "siem.gemeente.nl:6514; got {value!r}.").format(value=value),
                              field="collector")
    return host, int(port_text)


def read_pem_file(path: Path, field: str) -> str:
    """A PEM file named on the command line (``field``: the option, for the message)."""
    try:
        text = Path(path).read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else _("not a PEM text file")
        raise ValidationError(_("--{option}: {path} cannot be read: {reason}").format(
            option=field, path=path, reason=reason), field=field) from None
    if "-----BEGIN " not in text:
        raise ValidationError(_("--{option}: {path} holds no PEM certificate or key.")
                              .format(option=field, path=path), field=field)
    return text


@contextmanager
def _pem_files(config: ForwardingConfig) -> Iterator[tuple[str, str] | None]:
    """The client certificate and key as files ``ssl`` can load: in memory (memfd) where
    the system has it, otherwise a private temporary file removed at once."""
    if not config.client_cert_pem:
        yield None
        return
    fds: list[int] = []
    paths: list[str] = []
    try:
        for name, text in (("cert", config.client_cert_pem), ("key", config.client_key_pem)):
            data = text.encode("ascii")
            if hasattr(os, "memfd_create"):
                fd = os.memfd_create(f"ck-{name}", 0)
                os.write(fd, data)
                fds.append(fd)
                paths.append(f"/proc/self/fd/{fd}")
            else:  # pragma: no cover - Windows, macOS
                handle, path = tempfile.mkstemp(prefix="ck-")
                os.write(handle, data)
                os.close(handle)
                paths.append(path)
        yield paths[0], paths[1]
    finally:
        for fd in fds:
            os.close(fd)
        if not fds:
            for path in paths:
                Path(path).unlink(missing_ok=True)


def tls_context(config: ForwardingConfig) -> ssl.SSLContext:
    """A client context that trusts only the configured CA and checks the host name."""
    try:
        context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cadata=config.ca_pem)
    except (ssl.SSLError, ValueError):
        raise ValidationError(_("The CA certificate is not a valid PEM certificate."),
                              field="ca_file") from None
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    with _pem_files(config) as files:
        if files is not None:
            try:
                context.load_cert_chain(files[0], files[1])
            except (ssl.SSLError, OSError):
                raise ValidationError(_("The client certificate and key do not form a valid "
                                        "pair."), field="client_cert") from None
    return context


# -- the messages --------------------------------------------------------------------------

def _sd_escape(value: object) -> str:
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")


def _token(value: str, limit: int) -> str:
    """A header field of RFC 5424: printable US-ASCII without spaces, or '-'."""
    text = "".join(c if 33 <= ord(c) <= 126 else "_" for c in value)[:limit]
    return text or "-"


def _message(at: str, origin: str, msgid: str, severity: int, params: Mapping[str, object],
             text: str) -> bytes:
    pri = FACILITY_LOG_AUDIT * 8 + severity
    sd = "[" + SD_ID + "".join(f' {k}="{_sd_escape(v)}"' for k, v in params.items()) + "]"
    header = (f"<{pri}>1 {_token(at, 64)} {_token(origin, 255)} {APP_NAME} - "
              f"{_token(msgid, 32)} {sd}")
    body = text.encode("utf-8")
    if not text.isascii():
        body = b"\xef\xbb\xbf" + body  # RFC 5424: a UTF-8 MSG starts with the BOM
    return header.encode("utf-8") + b" " + body


def row_message(vault_id: str, row: Mapping[str, Any]) -> bytes:
    """One queued audit row as an RFC 5424 message (no detail, nothing personal)."""
    params = {"vault": vault_id, "seq": row["seq"], "id": row["audit_id"],
              "hash": row["hash"], "prev": row["prev_hash"], "actor": row["actor"],
              "role": row["role"], "action": row["action"], "otype": row["object_type"],
              "oid": row["object_id"], "result": row["result"]}
    severity = SEVERITY_INFO if row["result"] == "ok" else SEVERITY_WARNING
    text = (f"{row['action']} {row['object_type']} {row['object_id']} {row['result']} "
            f"by {row['actor']} ({row['role']})")
    return _message(str(row["at"]), str(row["origin"]), str(row["action"]), severity, params,
                    text)


def failed_unlock_message(vault_id: str, account: str, reason: str, at: str) -> bytes:
    params = {"vault": vault_id, "action": "unlock", "otype": "account", "oid": account,
              "result": "failed", "reason": reason}
    return _message(at, workstation(), "unlock", SEVERITY_WARNING, params,
                    f"unlock account {account} failed ({reason}), not in the vault's log")


def frame(message: bytes) -> bytes:
    """Octet-counting framing (RFC 6587 3.4.1, RFC 5425 4.3): ``LENGTH SP MESSAGE``."""
    return str(len(message)).encode("ascii") + b" " + message


# -- sending -------------------------------------------------------------------------------

def _describe(config: ForwardingConfig, exc: BaseException) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        return _("The collector {address} presents a certificate that does not verify "
                 "({reason}); nothing was sent, the rows stay queued.").format(
            address=config.address, reason=exc.verify_message or exc.reason or "?")
    if isinstance(exc, (TimeoutError, socket.timeout)):
        reason = _("no answer within {seconds} seconds").format(seconds=int(TIMEOUT))
    elif isinstance(exc, ssl.SSLError):
        return _("The collector {address} broke off the secure connection ({reason}); the "
                 "rows stay queued and are sent again.").format(
            address=config.address, reason=exc.reason or type(exc).__name__)
    elif isinstance(exc, OSError):
        reason = exc.strerror or type(exc).__name__
    else:
        reason = type(exc).__name__
    return _("The collector {address} does not answer ({reason}); the rows stay queued and "
             "are sent when it does.").format(address=config.address, reason=reason)


def deliver(config: ForwardingConfig, messages: Sequence[bytes],
            timeout: float | None = None) -> None:
    """Send ``messages`` over one TLS connection and close it cleanly (the acknowledgement;
    see the module docstring). Raises ``ForwardingError`` with one clear line."""
    wait = TIMEOUT if timeout is None else timeout
    try:
        context = tls_context(config)
        raw = socket.create_connection((config.host, config.port), timeout=wait)
        try:
            tls = context.wrap_socket(raw, server_hostname=config.host)
        except BaseException:
            raw.close()
            raise
        try:
            tls.settimeout(wait)
            for message in messages:
                tls.sendall(frame(message))
            _close_acknowledged(tls)
        finally:
            tls.close()
    except ValidationError:
        raise
    except (OSError, ValueError) as exc:
        raise ForwardingError(_describe(config, exc),
                              isinstance(exc, ssl.SSLCertVerificationError)) from None


def _close_acknowledged(tls: ssl.SSLSocket) -> None:
    """Send close_notify and wait for the collector to close its side: its close_notify or a
    plain FIN counts, a reset or a timeout raises."""
    try:
        raw = tls.unwrap()
    except (ssl.SSLEOFError, ssl.SSLZeroReturnError):
        return  # the collector closed (FIN) without a close_notify of its own
    try:
        while raw.recv(4096):
            pass
    finally:
        raw.close()


_send_locks: dict[str, threading.Lock] = {}
_send_locks_guard = threading.Lock()
#: per vault id: the last problem (None after a success) and when the last attempt was
_last: dict[str, tuple[str | None, str]] = {}


def _send_lock(vault_id: str) -> threading.Lock:
    with _send_locks_guard:
        return _send_locks.setdefault(vault_id, threading.Lock())


def _config_from(values: Mapping[str, str]) -> ForwardingConfig | None:
    collector = values.get(COLLECTOR_KEY)
    if not collector:
        return None
    host, port = parse_collector(collector)
    return ForwardingConfig(host, port, values.get(CA_KEY, ""),
                            values.get(CLIENT_CERT_KEY, ""), values.get(CLIENT_KEY_KEY, ""))


def _read_config(conn: Connection) -> ForwardingConfig | None:
    """The configuration as the vault keeps it (on the server the client key is sealed
    under the data key: ``app.store.sealed.seal_secret``)."""
    values = vault_meta.values(conn, CONFIG_KEYS)
    if values.get(CLIENT_KEY_KEY):
        values[CLIENT_KEY_KEY] = sealed.open_secret(conn, CLIENT_KEY_KEY,
                                                    values[CLIENT_KEY_KEY])
    return _config_from(values)


def config_of(vault: OpenVault) -> ForwardingConfig | None:
    with vault.read() as conn:
        return _read_config(conn)


#: Seconds the background sender waits for the vault's guard to give a connection back; a
#: lock in progress holds the guard, and may itself wait for the sender's database lock.
GIVE_BACK_WAIT = 0.5


class _Connections:
    """The sender's connections to ``vault``. From the background thread (``guarded``) a
    connection goes back to the pool while the vault cannot lock (its ``_guard``, for the
    moment of the commit and the check-in), and is closed at once when the vault locked
    meanwhile or is locking (the guard not free within :data:`GIVE_BACK_WAIT`): a
    connection still out when the lock disposes the engine would otherwise be left open
    to the garbage collector. A write cut off that way is not committed: its rows stay
    queued and are sent again (the collector de-duplicates). The lock never waits for the
    sender's statements or the network, and at most that long for a write of it. The
    command line sends inside the lock itself (``send_before_lock``): unguarded."""

    def __init__(self, vault: OpenVault, guarded: bool) -> None:
        self.vault = vault
        self.guarded = guarded

    def short(self, write: bool = False) -> AbstractContextManager[Connection]:
        return self.held(write)

    @contextmanager
    def held(self, write: bool = False) -> Iterator[Connection]:
        """A connection (a write transaction when ``write``) for as long as the block
        runs."""
        if not self.vault.is_open:
            raise VaultNotFound(_("The vault is locked."))
        stack = ExitStack()
        conn = stack.enter_context(self.vault.begin() if write else self.vault.read())
        error: BaseException | None = None
        try:
            yield conn
        except BaseException as exc:  # noqa: BLE001 - handed to the transaction below
            error = exc
        guard = self.vault._guard
        got = self.guarded and guard.acquire(timeout=GIVE_BACK_WAIT)
        try:
            if self.guarded and (not got or not self.vault.is_open):
                # locked, or locking (which may wait for this write's database lock):
                # closed now, not left to a disposed pool; a write is not committed
                conn.invalidate()
                error = error or VaultNotFound(_("The vault is locked."))
            suppressed = stack.__exit__(None if error is None else type(error), error,
                                        None if error is None else error.__traceback__)
        finally:
            if got:
                guard.release()
        if error is not None and not suppressed:
            raise error


def send_pending(vault: OpenVault, timeout: float | None = None, *,
                 guarded: bool = False) -> SendReport:
    """Send what is queued, in order, batch by batch. Never raises: a problem is returned
    (and remembered for Settings); the rows it concerns stay queued. ``guarded``: called
    from a thread other than the one that locks the vault (``ForwardThread``)."""
    try:
        vault_id = vault.vault_id
        with _send_lock(vault_id):
            return _send_pending(vault, timeout, _Connections(vault, guarded))
    except Exception as exc:  # noqa: BLE001 - forwarding never fails a user action
        log.debug("forwarding stopped: %s", type(exc).__name__)
        return SendReport(problem=str(exc) if isinstance(exc, CasuskamerError)
                          else type(exc).__name__)


def _send_pending(vault: OpenVault, timeout: float | None,
                  connections: _Connections) -> SendReport:
    if not vault.is_open:
        return SendReport()
    if _on_file(vault):
        return _send_batches(vault, timeout, connections)
    # On the house server one workstation at a time sends the house's one queue: this
    # session holds the sender's lock (on a connection of its own) for as long as it
    # sends, or leaves it to the one that does (its rows are in the same queue).
    with connections.held() as guard:
        if not queue.try_send_lock(guard):
            return SendReport(0, queue.queued_count(guard), None)
        return _send_batches(vault, timeout, connections)


def _send_batches(vault: OpenVault, timeout: float | None,
                  connections: _Connections) -> SendReport:
    sent = 0
    side = side_file(vault.vault)
    while True:
        if not vault.is_open:
            return SendReport(sent, 0, None)
        with connections.short() as conn:
            config = _read_config(conn)
            if config is None:
                return SendReport(sent, 0, None)
            rows = queue.queued_rows(conn, BATCH)
            if sent == 0 and side is not None and not side.exists():
                # e.g. after a restore into a new folder, or this workstation's first
                # send to the house server: failed unlocks need the address
                _write_side_quietly(side, vault.vault_id, config, Delivered.parse(
                    vault_meta.values(conn, (DELIVERED_KEY,)).get(DELIVERED_KEY)))
        if not rows:
            _last[vault.vault_id] = (None, utc_now_iso())
            return SendReport(sent, 0, None)
        try:
            deliver(config, [row_message(vault.vault_id, r) for r in rows], timeout)
        except CasuskamerError as exc:
            _last[vault.vault_id] = (str(exc), utc_now_iso())
            with connections.short() as conn:
                return SendReport(sent, queue.queued_count(conn), str(exc))
        last = rows[-1]
        head = Delivered(int(last["seq"]), int(last["audit_id"]), str(last["hash"]))
        with connections.short(write=True) as conn:
            queue.drop_delivered(conn, head.seq)
            before = Delivered.parse(vault_meta.values(conn, (DELIVERED_KEY,)).get(DELIVERED_KEY))
            if before is None or head.seq > before.seq:
                # on the server every role moves the head; only who manages the settings
                # makes the row (``configure`` does)
                queue.advance_delivered(conn, head.text(), _on_file(vault) or may(
                    vault.actor.role, Permission.MANAGE_SETTINGS))
        _update_witness(vault, config, head, connections)
        sent += len(rows)


def queued_count(vault: OpenVault) -> int:
    with vault.read() as conn:
        return queue.queued_count(conn)


def status(vault: OpenVault) -> ForwardStatus:
    with vault.read() as conn:
        values = vault_meta.values(conn, (COLLECTOR_KEY, DELIVERED_KEY))
        queued = queue.queued_count(conn) if values.get(COLLECTOR_KEY) else 0
    problem, attempt = _last.get(vault.vault_id, (None, None))
    return ForwardStatus(values.get(COLLECTOR_KEY), queued,
                         Delivered.parse(values.get(DELIVERED_KEY)), problem, attempt)


# -- the file beside the vault -------------------------------------------------------------

def _is_server(vault: Vault) -> bool:
    """Whether ``vault`` is a house server's (``app.vault.server.ServerVault``): when that
    module was never imported it is not, and a vault folder's command does not import it."""
    server = sys.modules.get("app.vault.server")
    return server is not None and isinstance(vault, server.ServerVault)


def _on_file(vault: OpenVault) -> bool:
    """Whether ``vault`` is a vault file (not a session on the house server)."""
    return not _is_server(vault.vault)


def profile_side_file(profile_path: Path) -> Path:
    """The file beside a house server's profile: in the profile's own folder, named after
    the profile (``huis.json`` -> ``huis.json.forwarding.json``)."""
    path = Path(profile_path)
    return path.with_name(f"{path.name}.{SIDE_NAME}")


def side_file(vault: Vault) -> Path | None:
    """Where the file beside ``vault`` is: ``forwarding.json`` in a vault folder; beside a
    house server's profile, named after it (:func:`profile_side_file`); None for a server
    reached without a profile file (then there is none: nothing is written into the
    working directory)."""
    if _is_server(vault):
        profile_path = getattr(vault, "profile_path", None)
        return None if profile_path is None else profile_side_file(Path(profile_path))
    return Path(vault.folder) / SIDE_NAME


def read_side(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != SIDE_FORMAT:
        return None
    return data


def read_side_file(folder: Path) -> dict[str, Any] | None:
    """The file beside the vault in ``folder``."""
    return read_side(Path(folder) / SIDE_NAME)


def _write_side(path: Path, vault_id: str, config: ForwardingConfig,
                witness: Delivered | None) -> None:
    data = {"format": SIDE_FORMAT, "vault_id": vault_id, "collector": config.address,
            "ca_pem": config.ca_pem,
            "delivered": None if witness is None else {
                "seq": witness.seq, "id": witness.audit_id, "hash": witness.hash}}
    atomic_write(path, json.dumps(data, indent=2).encode("utf-8"))


def _write_side_quietly(path: Path, vault_id: str, config: ForwardingConfig,
                        witness: Delivered | None) -> None:
    """As ``_write_side``; a folder that cannot be written to (a profile on a read-only
    share) does not stop the sending."""
    try:
        _write_side(path, vault_id, config, witness)
    except OSError as exc:
        log.debug("forwarding file not written: %s", type(exc).__name__)


def _side_witness(side: Mapping[str, Any] | None, vault_id: str) -> Delivered | None:
    if side is None or side.get("vault_id") != vault_id:
        return None
    head = side.get("delivered")
    if not isinstance(head, dict):
        return None
    try:
        return Delivered(int(head["seq"]), int(head["id"]), str(head["hash"]))
    except (KeyError, TypeError, ValueError):
        return None


def _reads_chain(vault: OpenVault) -> bool:
    """Whether the session reads the whole audit log (a vault file's every session; on the
    server the roles that may read the audit log: row-level security shows the others
    only their own rows)."""
    return _on_file(vault) or may(vault.actor.role, Permission.READ_AUDIT)


def _update_witness(vault: OpenVault, config: ForwardingConfig, head: Delivered,
                    connections: _Connections) -> None:
    """Record ``head`` beside the vault, unless the head recorded there is one this vault's
    chain does not hold (a rollback: that evidence is kept until an administrator
    configures forwarding again). A server session that does not read the whole chain
    only moves the witness forward."""
    side = side_file(vault.vault)
    if side is None:
        return
    old = _side_witness(read_side(side), vault.vault_id)
    if old is not None:
        if _reads_chain(vault):
            with connections.short() as conn:
                if _chain_problem(conn, old) is not None:
                    return
        if old.seq > head.seq:
            return
    _write_side_quietly(side, vault.vault_id, config, head)


# -- rollback ------------------------------------------------------------------------------

def _chain_problem(conn: Connection, head: Delivered) -> str | None:
    last_id = queue.last_audit_id(conn)
    if last_id < head.audit_id:
        return _("Rollback: the central log received this vault's audit log up to row "
                 "{delivered}, but the vault's log ends at row {last}; the vault was replaced "
                 "by an older copy.").format(delivered=head.audit_id, last=last_id)
    if queue.audit_hash(conn, head.audit_id) != head.hash:
        return _("Rollback: row {delivered} of the audit log is not the row the central log "
                 "received; the vault was replaced by another copy.").format(
            delivered=head.audit_id)
    return None


def rollback_problems(conn: Connection, folder: Path | None, vault_id: str, *,
                      side: Path | None = None) -> list[str]:
    """For ``verify``: the vault's chain against the last head the collector acknowledged,
    as recorded beside the vault (in ``folder``, or the file ``side``) and inside it (one
    line at most)."""
    where = side if side is not None else (None if folder is None else Path(folder) / SIDE_NAME)
    heads = [_side_witness(read_side(where), vault_id),
             Delivered.parse(vault_meta.values(conn, (DELIVERED_KEY,)).get(DELIVERED_KEY))]
    for head in heads:
        if head is not None:
            problem = _chain_problem(conn, head)
            if problem is not None:
                return [problem]
    return []


def server_rollback_problems(opened: OpenVault) -> list[str]:
    """``verify`` on the house server (``app.vault.server_admin.register_value_check``): the
    house's audit chain against the last head the central log received, as the house
    records it and as this workstation's file beside its profile does (a server restored
    from an older dump). Only a role that reads the whole audit log can compare them."""
    if _on_file(opened) or not _reads_chain(opened):
        return []
    with opened.read() as conn:
        return rollback_problems(conn, None, opened.vault_id, side=side_file(opened.vault))


def register_server_checks() -> None:
    """Add :func:`server_rollback_problems` to ``verify`` on the house server (called where
    a server session is opened for a command: ``app.cli.common``; imported only then, so a
    vault folder's start pays nothing for it)."""
    from app.vault import server_admin

    server_admin.register_value_check(server_rollback_problems)


# -- configuring ---------------------------------------------------------------------------

def configure(vault: OpenVault, collector: str, ca_pem: str, client_cert_pem: str = "",
              client_key_pem: str = "", timeout: float | None = None) -> str | None:
    """Turn forwarding on (administrator). Tries the collector first: a certificate that
    does not verify is refused (nothing changed); a collector that does not answer is stored
    anyway and the problem returned (rows are queued until it answers)."""
    vault.require(Permission.MANAGE_SETTINGS, "forwarding", "-")
    host, port = parse_collector(collector)
    if bool(client_cert_pem) != bool(client_key_pem):
        raise ValidationError(_("A client certificate needs its key, and a key its "
                                "certificate."), field="client_cert")
    config = ForwardingConfig(host, port, ca_pem, client_cert_pem, client_key_pem)
    tls_context(config)  # refuses a CA or a client pair that does not load
    problem: str | None = None
    try:
        deliver(config, [], timeout)
    except ForwardingError as exc:
        if exc.certificate:
            vault.log_now("forwarding.configure", "forwarding", "-", "denied",
                          {"collector": config.address, "reason": "certificate"})
            raise ValidationError(_("The collector {address} presents a certificate that "
                                    "does not verify against the CA given; nothing was "
                                    "changed.").format(address=config.address),
                                  field="collector") from None
        problem = str(exc)
    where = side_file(vault.vault)
    side = read_side(where)
    with vault.begin() as conn:
        for key, value in ((COLLECTOR_KEY, config.address), (CA_KEY, ca_pem),
                           (CLIENT_CERT_KEY, client_cert_pem),
                           (CLIENT_KEY_KEY, sealed.seal_secret(conn, CLIENT_KEY_KEY,
                                                               client_key_pem))):
            vault_meta.set_value(conn, key, value)
        stored = vault_meta.values(conn, (DELIVERED_KEY,)).get(DELIVERED_KEY)
        delivered = Delivered.parse(stored)
        if stored is None:
            # the row every role's session moves later (on the server it may not make it)
            vault_meta.set_value(conn, DELIVERED_KEY, "")
        old = _side_witness(side, vault.vault_id)
        detail: dict[str, Any] = {"collector": config.address,
                                  "client_certificate": bool(client_cert_pem)}
        if old is not None and old != delivered:
            # a rollback reported by verify ends here, on the record (and in the central log)
            detail["witness_replaced"] = f"{old.audit_id}:{old.hash}"
        vault.log(conn, "forwarding.configure", "forwarding", "-", detail=detail)
    if where is not None:
        _write_side(where, vault.vault_id, config, delivered)
    if problem is not None:
        _last[vault.vault_id] = (problem, utc_now_iso())
    return problem


def disable(vault: OpenVault, timeout: float | None = None) -> int:
    """Turn forwarding off (administrator): the row saying so is sent first if the collector
    answers; rows still queued after that are dropped from the queue (they stay in the
    vault's own log) and their number is logged. Returns that number."""
    vault.require(Permission.MANAGE_SETTINGS, "forwarding", "-")
    if config_of(vault) is None:
        return 0
    vault.log_now("forwarding.off", "forwarding", "-")
    send_pending(vault, timeout)
    with vault.begin() as conn:
        dropped = queue.drop_all(conn)
        vault_meta.remove(conn, CONFIG_KEYS)
        if dropped:
            vault.log(conn, "forwarding.dropped", "forwarding", "-",
                      detail={"rows": dropped})
    where = side_file(vault.vault)
    if where is not None:
        where.unlink(missing_ok=True)
    _last.pop(vault.vault_id, None)
    return dropped


# -- failed unlocks ------------------------------------------------------------------------

def report_failed_unlock(folder: Path, account: str, reason: str, vault_id: str = "",
                         timeout: float | None = None) -> str | None:
    """A failed unlock to the operating system's log and, when forwarding is on, straight
    to the collector (it cannot be written into a vault that did not open). Never raises;
    returns the collector's problem, if any."""
    return _report_failed(Path(folder) / SIDE_NAME, account, reason, vault_id, timeout)


def report_failed_login(vault: Vault, account: str, reason: str,
                        timeout: float | None = None) -> str | None:
    """``report_failed_unlock`` for a vault folder or a house server (through the file
    beside its profile, :func:`side_file`; a server reached without a profile file: the
    system's log only)."""
    return _report_failed(side_file(vault), account, reason, "", timeout)


def _report_failed(side_path: Path | None, account: str, reason: str, vault_id: str,
                   timeout: float | None) -> str | None:
    side = read_side(side_path)
    vault_id = vault_id or str((side or {}).get("vault_id", ""))
    system_log.write_warning(system_log.failed_unlock_text(account, reason, vault_id))
    if side is None or not side.get("collector"):
        return None
    try:
        host, port = parse_collector(str(side["collector"]))
        config = ForwardingConfig(host, port, str(side.get("ca_pem", "")))
        deliver(config, [failed_unlock_message(vault_id, account, reason, utc_now_iso())],
                timeout)
    except CasuskamerError as exc:
        log.debug("failed unlock not forwarded: %s", type(exc).__name__)
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - reporting never fails the unlock screen
        log.debug("failed unlock not forwarded: %s", type(exc).__name__)
        return type(exc).__name__
    return None


def report_failed_unlock_later(folder: Path, account: str, reason: str) -> threading.Thread:
    """``report_failed_unlock`` on a thread of its own (the unlock screen never waits)."""
    thread = threading.Thread(target=report_failed_unlock, args=(folder, account, reason),
                              name="casuskamer-failed-unlock", daemon=True)
    thread.start()
    return thread


def report_failed_login_later(vault: Vault, account: str, reason: str) -> threading.Thread:
    """``report_failed_login`` on a thread of its own (the unlock screen never waits)."""
    thread = threading.Thread(target=report_failed_login, args=(vault, account, reason),
                              name="casuskamer-failed-unlock", daemon=True)
    thread.start()
    return thread


# -- when sending runs ---------------------------------------------------------------------

#: the sender thread of each vault open in this program
_threads: dict[str, ForwardThread] = {}


class ForwardThread(threading.Thread):
    """Sends the queue while the program is unlocked: at once, then every ``interval``
    seconds (longer after failures, up to ``MAX_INTERVAL``), until the vault locks."""

    def __init__(self, vault: OpenVault, interval: float = INTERVAL,
                 timeout: float | None = None) -> None:
        super().__init__(name="casuskamer-forwarding", daemon=True)
        self.vault = vault
        self.interval = interval
        self.timeout = timeout
        self.stopped = threading.Event()
        self.wake = threading.Event()
        self.last: SendReport | None = None

    def stop(self) -> None:
        self.stopped.set()
        self.wake.set()

    def run(self) -> None:
        pause = self.interval
        while not self.stopped.is_set():
            if not self.vault.is_open:
                break
            self.last = send_pending(self.vault, self.timeout, guarded=True)
            pause = self.interval if self.last.problem is None else min(
                MAX_INTERVAL, pause * 2)
            self.wake.wait(pause)
            self.wake.clear()


def start_background(vault: OpenVault, interval: float = INTERVAL,
                     timeout: float | None = None) -> ForwardThread | None:
    """Start the sender for the program's session; it stops when the vault locks. Nothing is
    started while forwarding is off (turning it on in Settings starts it)."""
    try:
        if config_of(vault) is None:
            return None
    except Exception:  # noqa: BLE001 - forwarding never fails an unlock
        return None
    with _send_locks_guard:
        running = _threads.get(vault.vault_id)
        if running is not None and running.is_alive() and running.vault is vault:
            running.wake.set()  # e.g. the collector was changed in Settings: try it now
            return running
        thread = ForwardThread(vault, interval, timeout)
        _threads[vault.vault_id] = thread
    vault.on_lock(thread.stop)
    thread.start()
    return thread


def send_before_lock(vault: OpenVault, timeout: float | None = None) -> None:
    """The command line: send the command's rows just before it locks the vault."""
    vault.before_lock(lambda: send_pending(vault, timeout))
