"""A connection profile for the house server (issue 22, point 1): where the server is and how
its certificate is checked, never a password.

Groundwork: the program does not yet connect to a server; the store's PostgreSQL engine (on
the persistence seam, issue 20 point 4) will read these profiles, and ``--vault`` will accept a
profile file as well as a folder.

A profile is a small JSON file::

    {"kind": "casuskamer-server-profile", "version": 1,
     "host": "db.zvh.example", "port": 5432, "database": "casuskamer",
     "sslmode": "verify-full", "ca_file": "/etc/casuskamer/zvh-ca.pem"}

Each account logs in as its own PostgreSQL role with a secret derived from its passphrase at
unlock, so a profile has no user name and no password; ``sslmode`` is always ``verify-full``
(the server's certificate must chain to the CA in ``ca_file`` and name the host).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from app.errors import ValidationError, file_write_failed
from app.i18n import _

KIND = "casuskamer-server-profile"
VERSION = 1
DEFAULT_PORT = 5432
SSLMODE = "verify-full"
SCHEMES = ("postgresql", "postgres")

_FIELDS = {"kind", "version", "host", "port", "database", "sslmode", "ca_file"}
_SECRET_KEYS = {"password", "passfile", "pass", "pwd", "secret", "sslpassword", "sslkey"}
_HOST = re.compile(r"[A-Za-z0-9]([A-Za-z0-9.-]{0,252})\Z")
_DATABASE = re.compile(r"[A-Za-z_][A-Za-z0-9_$-]{0,62}\Z")


def _no_password() -> ValidationError:
    return ValidationError(_("A profile never holds a password: leave it out of the server "
                             "address. Each account logs in with its own passphrase."),
                           field="server")


@dataclass(frozen=True)
class ServerAddress:
    host: str
    port: int
    database: str


@dataclass(frozen=True)
class ServerProfile:
    host: str
    port: int
    database: str
    ca_file: Path
    sslmode: str = SSLMODE

    def to_json(self) -> dict[str, Any]:
        return {"kind": KIND, "version": VERSION, "host": self.host, "port": self.port,
                "database": self.database, "sslmode": self.sslmode,
                "ca_file": str(self.ca_file)}

    def libpq_params(self) -> dict[str, str]:
        """The connection settings for libpq/psycopg; the caller adds the account's role and
        its derived secret at unlock."""
        return {"host": self.host, "port": str(self.port), "dbname": self.database,
                "sslmode": self.sslmode, "sslrootcert": str(self.ca_file)}


def parse_server_url(url: str) -> ServerAddress:
    """``postgresql://host[:port]/database`` (optionally ``?sslmode=verify-full``).

    Refused, each with one clear message: a password (in the address or as ``password=``), a
    user name, another scheme, no host, no database, a bad port, another ``sslmode`` or any
    other setting."""
    text = url.strip()
    bad = ValidationError(_("Not a server address: use postgresql://host[:port]/database."),
                          field="server")
    try:
        parts = urlsplit(text)
        query = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise bad from None
    if any(key.lower() in _SECRET_KEYS for key, _value in query):
        raise _no_password()
    if parts.password is not None:
        raise _no_password()
    if parts.scheme.lower() not in SCHEMES:
        raise bad
    if parts.username is not None:
        raise ValidationError(_("Leave the user name out of the server address: each account "
                                "logs in as its own role."), field="server")
    if parts.fragment:
        raise bad
    host = parts.hostname or ""
    if not host or not (_HOST.match(host) or _is_ip6(host)):
        raise bad
    try:
        port = parts.port or DEFAULT_PORT
    except ValueError:
        raise ValidationError(_("The server's port must be a number from 1 to 65535."),
                              field="server") from None
    if not 1 <= port <= 65535:
        raise ValidationError(_("The server's port must be a number from 1 to 65535."),
                              field="server")
    database = unquote(parts.path.lstrip("/"))
    if not database:
        raise ValidationError(_("The server address names no database: add it after the "
                                "host, as in postgresql://host/casuskamer."), field="server")
    if not _DATABASE.match(database):
        raise bad
    for key, value in query:
        if key != "sslmode":
            raise ValidationError(_("The server address may not carry the setting "
                                    "{name}.").format(name=key), field="server")
        if value != SSLMODE:
            raise ValidationError(_("Only sslmode=verify-full is allowed: the server's "
                                    "certificate is always checked."), field="server")
    return ServerAddress(host=host, port=port, database=database)


def _is_ip6(host: str) -> bool:
    import ipaddress

    try:
        return ipaddress.ip_address(host).version == 6
    except ValueError:
        return False


def check_ca_file(path: Path) -> Path:
    """The CA file as an absolute path, if it holds at least one PEM certificate."""
    from cryptography import x509

    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise ValidationError(_("The CA file {path} does not exist.").format(path=path),
                              field="ca") from None
    except OSError as exc:
        raise ValidationError(_("The CA file {path} cannot be read: {reason}").format(
            path=path, reason=exc.strerror or exc), field="ca") from None
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError:
        certificates = []
    if not certificates:
        raise ValidationError(_("The CA file {path} holds no PEM certificate.").format(
            path=path), field="ca")
    return Path(os.path.abspath(path))


def make_profile(url: str, ca_file: Path) -> ServerProfile:
    address = parse_server_url(url)
    return ServerProfile(host=address.host, port=address.port, database=address.database,
                         ca_file=check_ca_file(ca_file))


def write_profile(path: Path, profile: ServerProfile) -> None:
    """Write ``profile`` to a new file ``path`` (an existing file or folder is never
    overwritten)."""
    path = Path(path)
    if path.exists():
        raise ValidationError(_("{path} already exists: choose a new file for the "
                                "profile.").format(path=path), field="vault")
    text = json.dumps(profile.to_json(), indent=2, ensure_ascii=False) + "\n"
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=".profile-", dir=folder)
    except OSError as exc:
        raise file_write_failed(exc, path) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.link(tmp, path)  # fails if someone made ``path`` meanwhile
    except FileExistsError:
        raise ValidationError(_("{path} already exists: choose a new file for the "
                                "profile.").format(path=path), field="vault") from None
    except OSError as exc:  # a full disk, a read-only folder: one line, nothing half-written
        raise file_write_failed(exc, path) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def is_profile(path: Path) -> bool:
    """Whether ``path`` is a profile file (``--vault`` will take a folder or a profile)."""
    path = Path(path)
    if not path.is_file():
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(64 * 1024)
        return bool(json.loads(head).get("kind") == KIND)
    except (OSError, ValueError, AttributeError):
        return False


def read_profile(path: Path) -> ServerProfile:
    """The profile in ``path``; a damaged file, a password or an unknown field is refused."""
    bad = ValidationError(_("{path} is not a server profile of this program.").format(
        path=path), field="vault")
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise bad from None
    if not isinstance(data, dict) or data.get("kind") != KIND:
        raise bad
    if any(str(key).lower() in _SECRET_KEYS for key in data):
        raise _no_password()
    if set(data) != _FIELDS or data.get("version") != VERSION:
        raise bad
    if data["sslmode"] != SSLMODE:
        raise ValidationError(_("Only sslmode=verify-full is allowed: the server's "
                                "certificate is always checked."), field="vault")
    port = data["port"]
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise bad
    host, database, ca = data["host"], data["database"], data["ca_file"]
    if not all(isinstance(v, str) for v in (host, database, ca)):
        raise bad
    if not (_HOST.match(host) or _is_ip6(host)) or not _DATABASE.match(database):
        raise bad
    return ServerProfile(host=host, port=port, database=database, ca_file=check_ca_file(
        Path(ca)))
