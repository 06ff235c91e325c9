"""Key slots: the vault's random data key, sealed once per account with that account's
passphrase.

A slot holds the account name, its Argon2id parameters and salt, and the data key sealed with
AES-256-GCM under the key Argon2id derives from the passphrase. The account name and the
vault id are the AEAD's associated data, so a slot cannot be moved to another account or
vault. The slot file is JSON next to the database, written atomically (temp file, fsync,
rename) with its previous version kept as ``keyslots.json.prev``.

Adding an account, changing a passphrase or revoking an account touches one slot and never
the database.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.errors import VaultDamaged, WrongPassphrase
from app.i18n import _

FORMAT = "casuskamer-keyslots/1"
DATA_KEY_BYTES = 32

#: The floor no slot may go below, whatever the timing says.
MIN_MEMORY_KIB = 64 * 1024
MIN_ITERATIONS = 3
LANES = 4
#: Aim: unlocking takes about this long on the machine that made the slot.
TARGET_SECONDS = 0.5
MAX_MEMORY_KIB = 1024 * 1024


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int = MIN_MEMORY_KIB
    iterations: int = MIN_ITERATIONS
    lanes: int = LANES

    def checked(self) -> KdfParams:
        if self.memory_kib < MIN_MEMORY_KIB or self.iterations < MIN_ITERATIONS:
            raise VaultDamaged(_("A key slot has key-derivation settings below the safe minimum."))
        return self


def derive(passphrase: str, salt: bytes, params: KdfParams) -> bytes:
    kdf = Argon2id(
        salt=salt,
        length=32,
        iterations=params.iterations,
        lanes=params.lanes,
        memory_cost=params.memory_kib,
    )
    return kdf.derive(passphrase.encode("utf-8"))


def calibrate(target_seconds: float | None = None) -> KdfParams:
    """Choose Argon2id parameters by timing on this machine.

    Starts at the floor (64 MiB, 3 iterations) and raises memory, then iterations, until one
    derivation takes about ``target_seconds``. A target of 0 gives the floor itself.
    """
    if target_seconds is None:
        # Scripts and the test suite may ask for a shorter unlock; never below the floor.
        env = os.environ.get("CASUSKAMER_KDF_SECONDS")
        try:
            target_seconds = float(env) if env is not None else TARGET_SECONDS
        except ValueError:
            target_seconds = TARGET_SECONDS
    target = target_seconds
    params = KdfParams()
    if target <= 0:
        return params
    salt = secrets.token_bytes(16)
    start = time.perf_counter()
    derive("calibration", salt, params)
    elapsed = max(time.perf_counter() - start, 1e-4)
    # Argon2 time grows linearly with memory x iterations; scale memory first (it is what
    # makes attacks costly), up to a ceiling, then iterations.
    factor = target / elapsed
    memory = int(min(MAX_MEMORY_KIB, max(MIN_MEMORY_KIB, params.memory_kib * factor)))
    memory -= memory % (8 * LANES)
    remaining = factor * params.memory_kib / memory
    iterations = max(MIN_ITERATIONS, int(round(params.iterations * remaining)))
    return KdfParams(memory_kib=memory, iterations=iterations, lanes=LANES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass(frozen=True)
class KeySlot:
    account: str
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    sealed_key: bytes
    created: str

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "kdf": {"name": "argon2id", **asdict(self.kdf)},
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
            "sealed_key": _b64(self.sealed_key),
            "created": self.created,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeySlot:
        kdf = data["kdf"]
        if kdf.get("name") != "argon2id":
            raise ValueError("unknown kdf")
        return cls(
            account=str(data["account"]),
            kdf=KdfParams(int(kdf["memory_kib"]), int(kdf["iterations"]), int(kdf["lanes"])),
            salt=_unb64(data["salt"]),
            nonce=_unb64(data["nonce"]),
            sealed_key=_unb64(data["sealed_key"]),
            created=str(data.get("created", "")),
        )


def _aad(vault_id: str, account: str) -> bytes:
    return f"{FORMAT}|{vault_id}|{account}".encode()


def seal(vault_id: str, account: str, passphrase: str, data_key: bytes,
         params: KdfParams) -> KeySlot:
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    wrapping = derive(passphrase, salt, params)
    sealed = AESGCM(wrapping).encrypt(nonce, data_key, _aad(vault_id, account))
    return KeySlot(account, params, salt, nonce, sealed,
                   time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))


def open_slot(vault_id: str, slot: KeySlot, passphrase: str) -> bytes:
    wrapping = derive(passphrase, slot.salt, slot.kdf.checked())
    try:
        key = AESGCM(wrapping).decrypt(slot.nonce, slot.sealed_key, _aad(vault_id, slot.account))
    except InvalidTag:
        raise WrongPassphrase(_("The account or passphrase is not correct.")) from None
    if len(key) != DATA_KEY_BYTES:
        raise VaultDamaged(_("A key slot holds a key of the wrong length."))
    return key


@dataclass
class SlotFile:
    """The parsed slot file: the vault's id and its slots, in order of creation."""

    vault_id: str
    slots: list[KeySlot]
    #: role per account, a hint for choosing the default account before unlock; the
    #: authoritative role is in the database
    roles: dict[str, str] = field(default_factory=dict)
    #: revoked accounts and when: no key material, only so the message can say "revoked"
    revoked: dict[str, str] = field(default_factory=dict)

    def find(self, account: str) -> KeySlot | None:
        for slot in self.slots:
            if slot.account == account:
                return slot
        return None

    def replace(self, slot: KeySlot, role: str | None = None) -> None:
        """Put ``slot`` in place of the account's old one (or add it, at the end)."""
        existing = [s.account for s in self.slots]
        if slot.account in existing:
            self.slots[existing.index(slot.account)] = slot
        else:
            self.slots.append(slot)
        if role is not None:
            self.roles[slot.account] = role
        self.revoked.pop(slot.account, None)

    def remove(self, account: str, when: str) -> None:
        self.slots = [s for s in self.slots if s.account != account]
        self.roles.pop(account, None)
        self.revoked[account] = when

    def to_bytes(self) -> bytes:
        doc = {"format": FORMAT, "vault_id": self.vault_id,
               "slots": [{**s.to_json(), "role": self.roles.get(s.account, "")}
                         for s in self.slots],
               "revoked": self.revoked}
        return json.dumps(doc, indent=2, ensure_ascii=True).encode("ascii") + b"\n"

    @classmethod
    def from_bytes(cls, raw: bytes) -> SlotFile:
        try:
            doc = json.loads(raw.decode("utf-8"))
            if doc.get("format") != FORMAT:
                raise ValueError("format")
            slots = [KeySlot.from_json(s) for s in doc["slots"]]
            roles = {str(s["account"]): str(s.get("role", "")) for s in doc["slots"]}
            revoked = {str(k): str(v) for k, v in dict(doc.get("revoked", {})).items()}
            return cls(str(doc["vault_id"]), slots, roles, revoked)
        except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
            raise VaultDamaged(_(
                "The key-slot file of this vault is damaged. Restore the vault from a backup."
            )) from None

    @classmethod
    def read(cls, path: Path) -> SlotFile:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise VaultDamaged(_(
                "The key-slot file of this vault is missing. Restore the vault from a backup."
            )) from None
        return cls.from_bytes(raw)

    def write(self, path: Path, forget_previous: bool = False) -> None:
        """Write atomically, keeping the version before as ``.prev``.

        ``forget_previous`` writes twice so that ``.prev`` holds no slot that was just
        removed (after a revocation).
        """
        atomic_write(path, self.to_bytes(), keep_previous=True)
        if forget_previous:
            atomic_write(path, self.to_bytes(), keep_previous=True)


def atomic_write(path: Path, data: bytes, keep_previous: bool = False, mode: int = 0o600) -> None:
    """Write a file so that a crash leaves either the old or the new version, never half.

    Temp file in the same folder, permissions first, fsync, optional hard-link of the old
    version to ``<name>.prev``, rename over, fsync of the folder.
    """
    folder = path.parent
    tmp = folder / f".{path.name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        if keep_previous and path.exists():
            prev = path.with_name(path.name + ".prev")
            prev_tmp = folder / f".{prev.name}.{secrets.token_hex(4)}.tmp"
            os.link(path, prev_tmp)
            os.replace(prev_tmp, prev)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
