"""A small TLS syslog receiver for the forwarding tests (RFC 5425 / RFC 6587 octet
counting), on 127.0.0.1 only, with a throwaway CA made by ``cryptography``.

``Receiver.cut_after`` makes it reset the connection (RST, no clean close) after that many
messages in total, in the middle of a batch; ``stop`` and ``start`` take it down and bring it
back on the same port. ``unique()`` is what a collector keeps after de-duplicating by
(vault, id, hash), in order of first arrival.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import socket
import socketserver
import ssl
import struct
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PARAM = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


@dataclass
class Authority:
    """A throwaway CA and one server certificate for 127.0.0.1 / localhost."""

    folder: Path
    name: str = "Test CA"
    ca_pem: str = ""
    _ca_key: Any = None
    _ca: Any = None
    cert_file: Path = field(init=False)
    key_file: Path = field(init=False)
    ca_file: Path = field(init=False)

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        self._ca_key = ca_key
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self.name)])
        ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(now - dt.timedelta(days=1))
              .not_valid_after(now + dt.timedelta(days=30))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .add_extension(x509.KeyUsage(False, False, False, False, False, True, True,
                                           False, False), critical=True)
              .sign(ca_key, hashes.SHA256()))
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                            "collector")]))
                .issuer_name(ca_name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=30))
                .add_extension(x509.SubjectAlternativeName([
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                .sign(ca_key, hashes.SHA256()))
        self._ca = ca
        self.ca_pem = ca.public_bytes(serialization.Encoding.PEM).decode("ascii")
        self.ca_file = self.folder / "ca.pem"
        self.ca_file.write_text(self.ca_pem)
        self.cert_file = self.folder / "server.pem"
        self.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self.key_file = self.folder / "server.key"
        self.key_file.write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))

    def server_context(self, require_client: bool = False) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        if require_client:  # mutual TLS: a client certificate from this CA
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cadata=self.ca_pem)
        return context

    def client_pair(self) -> tuple[str, str]:
        """A client certificate from this CA and its key, both PEM."""
        now = dt.datetime.now(dt.UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                                            "casuskamer")]))
                .issuer_name(self._ca.subject).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - dt.timedelta(days=1))
                .not_valid_after(now + dt.timedelta(days=30))
                .sign(self._ca_key, hashes.SHA256()))
        return (cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
                key.private_bytes(serialization.Encoding.PEM,
                                  serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()).decode("ascii"))


@dataclass
class Message:
    raw: bytes
    params: dict[str, str]

    @property
    def key(self) -> tuple[str, str, str]:
        return self.params.get("vault", ""), self.params.get("id", ""), \
            self.params.get("hash", "")


def parse(raw: bytes) -> Message:
    text = raw.decode("utf-8")
    sd = text[text.index("[") + 1:]
    return Message(raw, {k: v.replace('\\"', '"').replace("\\]", "]").replace("\\\\", "\\")
                         for k, v in PARAM.findall(sd[:sd.index('"]') + 2])})


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    receiver: Receiver


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        receiver: Receiver = self.server.receiver  # type: ignore[attr-defined]
        try:
            tls = receiver.context.wrap_socket(self.request, server_side=True)
        except (ssl.SSLError, OSError):
            return  # the client refused our certificate, or went away
        receiver.connections += 1
        buffer = b""
        try:
            while True:
                chunk = tls.recv(65536)
                if not chunk:
                    break
                buffer += chunk
                while b" " in buffer:
                    length_text, rest = buffer.split(b" ", 1)
                    length = int(length_text)
                    if len(rest) < length:
                        break
                    receiver.add(parse(rest[:length]))
                    buffer = rest[length:]
                    if receiver.cut_after is not None and receiver.total() >= receiver.cut_after:
                        receiver.cut_after = None
                        tls.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
                        tls.close()  # a reset in the middle of the batch
                        return
            try:
                tls.unwrap()  # answer the client's close_notify with ours
            except (ssl.SSLError, OSError):
                pass
        except (ssl.SSLError, OSError, ValueError):
            pass
        finally:
            tls.close()


class Receiver:
    def __init__(self, authority: Authority, require_client: bool = False) -> None:
        self.authority = authority
        self.context = authority.server_context(require_client)
        self.received: list[Message] = []
        self.lock = threading.Lock()
        self.cut_after: int | None = None
        self.connections = 0
        self.port = 0
        self.server: _Server | None = None
        self.thread: threading.Thread | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def add(self, message: Message) -> None:
        with self.lock:
            self.received.append(message)

    def total(self) -> int:
        with self.lock:
            return len(self.received)

    def unique(self) -> list[Message]:
        """What the collector keeps after de-duplicating by (vault, id, hash)."""
        seen: set[tuple[str, str, str]] = set()
        kept = []
        with self.lock:
            for message in self.received:
                if message.key not in seen:
                    seen.add(message.key)
                    kept.append(message)
        return kept

    def start(self) -> Receiver:
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.receiver = self
        self.port = server.server_address[1]
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, kwargs={
            "poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


class Silent:
    """A collector address that accepts TCP connections and then says nothing."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.address = f"127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.sock.close()


def closed_port() -> str:
    """An address on 127.0.0.1 where nothing listens (connections are refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"127.0.0.1:{port}"
