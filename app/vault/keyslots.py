"""Key slots: the vault's random data key, reachable once per account through that account's
passphrase, and replaceable without anyone's passphrase.

Each account has an X25519 key pair. Its slot holds the account name, its Argon2id parameters
and salt, the private key sealed with AES-256-GCM under the key Argon2id derives from the
passphrase, the public key, and the data key wrapped for that public key (an ephemeral X25519
exchange, HKDF-SHA256, AES-256-GCM). The format, vault id, account name and public key are
the AEADs' associated data, so nothing can be moved to another account or vault.

Because the data key is wrapped for a public key, an administrator can give every remaining
account a new data key without knowing their passphrases: that is how revoking an account
changes the data key (``app.vault.rekey``). During that change a slot holds two wrapped keys,
the new one first; unlocking tries them in order, so a crash at any moment leaves a vault
that opens with one of them. A passphrase change replaces the account's key pair.

Slots of the first format (``casuskamer-keyslots/1``: the data key sealed directly under the
passphrase) are still read; such a slot is rewritten in the new form at its account's next
unlock, since only the passphrase can open it.

The slot file is JSON next to the database, written atomically (temp file, fsync, rename)
with its previous version kept as ``keyslots.json.prev``. The data key itself only ever sits
in ``bytearray`` buffers (``app.keymem``).
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app import keymem
from app.domain.accounts import ACCOUNT_NAME
from app.domain.roles import Role
from app.errors import (
    KeyFileDamaged,
    VaultDamaged,
    WrongPassphrase,
    file_write_failed,
)
from app.i18n import _

FORMAT = "casuskamer-keyslots/2"
LEGACY_FORMAT = "casuskamer-keyslots/1"
DATA_KEY_BYTES = 32

#: The floor no slot may go below, whatever the timing says.
MIN_MEMORY_KIB = 64 * 1024
MIN_ITERATIONS = 3
LANES = 4
#: Aim: unlocking takes about this long on the machine that made the slot.
TARGET_SECONDS = 0.5
#: calibration's ceiling for memory (what a new slot may ask)
MAX_MEMORY_KIB = 1024 * 1024

# What a slot read from the file may ask, whatever it says (issue 25, point 5): a hostile
# or damaged file must not make the unlock take gigabytes or hours. Values beyond these are
# "the vault's key file is damaged" before any key derivation starts.
#: at most 2 GiB of memory for one derivation
SLOT_MAX_MEMORY_KIB = 2 * 1024 * 1024
#: at most 64 passes
SLOT_MAX_ITERATIONS = 64
#: and at most 16 GiB of passes in all (memory x iterations): about 10 to 30 s on a
#: workstation, the worst wait a damaged file can cause
SLOT_MAX_WORK_KIB = 16 * 1024 * 1024
SLOT_MIN_LANES, SLOT_MAX_LANES = 1, 16
SALT_MIN_BYTES, SALT_MAX_BYTES = 16, 64
NONCE_BYTES = 12
PUBLIC_KEY_BYTES = 32
#: an X25519 private key or a data key (32 bytes), sealed with AES-GCM (16-byte tag)
SEALED_BYTES = 32 + 16
#: a slot holds one wrapped data key, two while the data key is being changed
MAX_WRAPPED_KEYS = 2
#: the slot file is small (about 1 KiB per account); anything bigger is not ours
MAX_FILE_BYTES = 1024 * 1024
MAX_SLOTS = 1000
MAX_TEXT = 64
VAULT_ID = re.compile(r"[0-9a-f]{32}")


def damaged() -> KeyFileDamaged:
    """The one error for every way the key-slot file can be wrong."""
    return KeyFileDamaged(_("The key-slot file of this vault is damaged. Restore the vault "
                            "from a backup."))


@dataclass(frozen=True)
class KdfParams:
    memory_kib: int = MIN_MEMORY_KIB
    iterations: int = MIN_ITERATIONS
    lanes: int = LANES

    def checked(self) -> KdfParams:
        """These parameters, if they lie within the floors and ceilings of a slot; else
        ``KeyFileDamaged``. Called before every derivation from a slot."""
        for value in (self.memory_kib, self.iterations, self.lanes):
            if type(value) is not int:
                raise damaged()
        if self.memory_kib < MIN_MEMORY_KIB or self.iterations < MIN_ITERATIONS:
            raise KeyFileDamaged(_("A key slot has key-derivation settings below the safe "
                                   "minimum."))
        if (self.memory_kib > SLOT_MAX_MEMORY_KIB or self.iterations > SLOT_MAX_ITERATIONS
                or self.memory_kib * self.iterations > SLOT_MAX_WORK_KIB
                or not SLOT_MIN_LANES <= self.lanes <= SLOT_MAX_LANES
                or self.memory_kib < 8 * self.lanes):
            raise damaged()
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
    iterations = min(iterations, SLOT_MAX_ITERATIONS, SLOT_MAX_WORK_KIB // memory)
    return KdfParams(memory_kib=memory, iterations=iterations, lanes=LANES)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, low: int, high: int | None = None) -> bytes:
    """Base64 ``text`` decoded, of ``low`` bytes (to ``high``); else ``KeyFileDamaged``."""
    high = low if high is None else high
    if not isinstance(text, str) or len(text) > 4 * (high // 3 + 1):
        raise damaged()
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except ValueError:  # binascii.Error and UnicodeEncodeError are ValueErrors
        raise damaged() from None
    if not low <= len(data) <= high:
        raise damaged()
    return data


def _text(value: object, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise damaged()
    return value


def _account(value: object) -> str:
    if not isinstance(value, str) or not ACCOUNT_NAME.fullmatch(value):
        raise damaged()
    return value


def _int(value: object) -> int:
    if type(value) is not int:  # not a bool, a float, a string or NaN
        raise damaged()
    return value


def _object(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise damaged()
    return value


@dataclass(frozen=True)
class WrappedKey:
    """The data key wrapped for one account's public key: an ephemeral public key, the
    AES-GCM nonce and the sealed key."""

    ephemeral: bytes
    nonce: bytes
    sealed: bytes

    def to_json(self) -> dict[str, str]:
        return {"ephemeral": _b64(self.ephemeral), "nonce": _b64(self.nonce),
                "sealed_key": _b64(self.sealed)}

    @classmethod
    def from_json(cls, data: object) -> WrappedKey:
        data = _object(data)
        return cls(_unb64(data.get("ephemeral"), PUBLIC_KEY_BYTES),
                   _unb64(data.get("nonce"), NONCE_BYTES),
                   _unb64(data.get("sealed_key"), SEALED_BYTES))


@dataclass(frozen=True)
class KeySlot:
    """One account's slot. ``sealed`` is the private key sealed under the passphrase; in a
    slot of the first format (``public_key`` empty) it is the data key itself."""

    account: str
    kdf: KdfParams
    salt: bytes
    nonce: bytes
    sealed: bytes
    created: str
    public_key: bytes = b""
    #: the data key(s) wrapped for ``public_key``: one, or two (new first) while the data
    #: key is being changed
    keys: tuple[WrappedKey, ...] = ()

    @property
    def legacy(self) -> bool:
        return not self.public_key

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "account": self.account,
            "kdf": {"name": "argon2id", **asdict(self.kdf)},
            "salt": _b64(self.salt),
            "nonce": _b64(self.nonce),
        }
        if self.legacy:
            doc["sealed_key"] = _b64(self.sealed)
        else:
            doc["sealed_private_key"] = _b64(self.sealed)
            doc["public_key"] = _b64(self.public_key)
            doc["data_keys"] = [k.to_json() for k in self.keys]
        doc["created"] = self.created
        return doc

    @classmethod
    def from_json(cls, data: object) -> KeySlot:
        """The slot in ``data``, every field checked against its bounds (``KeyFileDamaged``
        for anything else)."""
        data = _object(data)
        kdf = _object(data.get("kdf"))
        if kdf.get("name") != "argon2id":
            raise damaged()
        params = KdfParams(_int(kdf.get("memory_kib")), _int(kdf.get("iterations")),
                           _int(kdf.get("lanes"))).checked()
        account, created = _account(data.get("account")), _text(data.get("created", ""))
        salt = _unb64(data.get("salt"), SALT_MIN_BYTES, SALT_MAX_BYTES)
        nonce = _unb64(data.get("nonce"), NONCE_BYTES)
        if "public_key" not in data:
            return cls(account, params, salt, nonce, _unb64(data.get("sealed_key"),
                                                             SEALED_BYTES), created)
        wrapped = data.get("data_keys")
        if not isinstance(wrapped, list) or not 1 <= len(wrapped) <= MAX_WRAPPED_KEYS:
            raise damaged()
        keys = tuple(WrappedKey.from_json(k) for k in wrapped)
        public = _unb64(data.get("public_key"), PUBLIC_KEY_BYTES)
        return cls(account, params, salt, nonce,
                   _unb64(data.get("sealed_private_key"), SEALED_BYTES), created, public, keys)


def _aad(vault_id: str, account: str, public_key: bytes = b"") -> bytes:
    if not public_key:
        return f"{LEGACY_FORMAT}|{vault_id}|{account}".encode()
    return f"{FORMAT}|private|{vault_id}|{account}|".encode() + public_key


def _wrap_aad(vault_id: str, account: str, public_key: bytes) -> bytes:
    return f"{FORMAT}|data-key|{vault_id}|{account}|".encode() + public_key


def _kek(shared: bytes, aad: bytes) -> bytes:
    kek = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=aad).derive(shared)
    keymem.wipe_bytes(shared)
    return kek


def wrap(vault_id: str, account: str, public_key: bytes,
         data_key: bytes | bytearray) -> WrappedKey:
    """Wrap ``data_key`` for ``public_key`` (no passphrase needed)."""
    ephemeral = X25519PrivateKey.generate()
    eph_public = ephemeral.public_key().public_bytes(serialization.Encoding.Raw,
                                                      serialization.PublicFormat.Raw)
    aad = _wrap_aad(vault_id, account, public_key)
    kek = _kek(ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key)), aad)
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(kek).encrypt(nonce, data_key, aad)
    keymem.wipe_bytes(kek)
    return WrappedKey(eph_public, nonce, sealed)


def seal(vault_id: str, account: str, passphrase: str, data_key: bytes | bytearray,
         params: KdfParams) -> KeySlot:
    """A new slot for ``account``: a new key pair, its private key sealed under the
    passphrase, and ``data_key`` wrapped for it."""
    private = X25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.Raw,
                                               serialization.PublicFormat.Raw)
    raw = keymem.take(private.private_bytes(serialization.Encoding.Raw,
                                            serialization.PrivateFormat.Raw,
                                            serialization.NoEncryption()))
    salt = secrets.token_bytes(16)
    nonce = secrets.token_bytes(12)
    wrapping = derive(passphrase, salt, params)
    try:
        sealed = AESGCM(wrapping).encrypt(nonce, raw, _aad(vault_id, account, public))
    finally:
        keymem.wipe(raw)
        keymem.wipe_bytes(wrapping)
    return KeySlot(account, params, salt, nonce, sealed,
                   time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), public,
                   (wrap(vault_id, account, public, data_key),))


def with_keys(vault_id: str, slot: KeySlot, data_keys: Sequence[bytes | bytearray]) -> KeySlot:
    """The same slot with its wrapped data keys replaced by ``data_keys`` (first tried first).

    A slot of the first format cannot take a new key without its passphrase; it is returned
    as it is.
    """
    if slot.legacy:
        return slot
    return KeySlot(slot.account, slot.kdf, slot.salt, slot.nonce, slot.sealed, slot.created,
                   slot.public_key,
                   tuple(wrap(vault_id, slot.account, slot.public_key, k) for k in data_keys))


def _unseal(vault_id: str, slot: KeySlot, passphrase: str) -> bytearray:
    wrapping = derive(passphrase, slot.salt, slot.kdf.checked())
    try:
        opened = AESGCM(wrapping).decrypt(slot.nonce, slot.sealed,
                                          _aad(vault_id, slot.account, slot.public_key))
    except InvalidTag:
        raise WrongPassphrase(_("The account or passphrase is not correct.")) from None
    finally:
        keymem.wipe_bytes(wrapping)
    return keymem.take(opened)


def open_slot(vault_id: str, slot: KeySlot, passphrase: str) -> list[bytearray]:
    """The data keys ``slot`` holds, opened with ``passphrase``: one, or two (the new one
    first) when a change of the data key was interrupted. The caller wipes them."""
    secret = _unseal(vault_id, slot, passphrase)
    if slot.legacy:
        if len(secret) != DATA_KEY_BYTES:
            keymem.wipe(secret)
            raise VaultDamaged(_("A key slot holds a key of the wrong length."))
        return [secret]
    try:
        private = X25519PrivateKey.from_private_bytes(secret)
    except ValueError:
        raise VaultDamaged(_("A key slot holds a key of the wrong length.")) from None
    finally:
        keymem.wipe(secret)
    keys: list[bytearray] = []
    aad = _wrap_aad(vault_id, slot.account, slot.public_key)
    for wrapped in slot.keys:
        try:
            kek = _kek(private.exchange(X25519PublicKey.from_public_bytes(wrapped.ephemeral)),
                       aad)
            try:
                key = keymem.take(AESGCM(kek).decrypt(wrapped.nonce, wrapped.sealed, aad))
            finally:
                keymem.wipe_bytes(kek)
        except (InvalidTag, ValueError):
            continue  # a damaged wrapped key: the other one may still open the vault
        if len(key) == DATA_KEY_BYTES:
            keys.append(key)
        else:
            keymem.wipe(key)
    if not keys:
        raise VaultDamaged(_("The key slot of {account} is damaged. Restore the vault from a "
                             "backup.").format(account=slot.account))
    return keys


def check_passphrase(vault_id: str, slot: KeySlot, passphrase: str) -> None:
    """Raise ``WrongPassphrase`` unless ``passphrase`` opens ``slot`` (nothing is kept)."""
    for key in open_slot(vault_id, slot, passphrase):
        keymem.wipe(key)


def _no_constant(name: str) -> Any:
    raise ValueError(name)  # NaN, Infinity: not JSON, not ours


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

    def legacy_accounts(self) -> list[str]:
        """Accounts whose slot is of the first format (cannot take a new data key yet)."""
        return [s.account for s in self.slots if s.legacy]

    def rewrapped(self, data_keys: Sequence[bytes | bytearray],
                  leave: Collection[str] = ()) -> SlotFile:
        """A copy whose every slot holds ``data_keys`` (wrapped), first tried first; the
        slots of the accounts in ``leave`` (refused: not the key the vault recorded) are
        copied as they are, so no data key is ever wrapped for them."""
        return SlotFile(self.vault_id, [s if s.account in leave
                                        else with_keys(self.vault_id, s, data_keys)
                                        for s in self.slots],
                        dict(self.roles), dict(self.revoked))

    def remove(self, account: str, when: str) -> None:
        self.slots = [s for s in self.slots if s.account != account]
        self.roles.pop(account, None)
        self.revoked[account] = when

    def keep_only(self, states: Mapping[str, str | None]) -> list[str]:
        """Drop the slots of accounts that are not active; returns their names.

        ``states``: account -> when it was revoked (ISO), None while it is active, as the
        database has them. A revoked account is marked revoked (so its unlock is told so);
        one without a row (an addition that never committed) is simply forgotten."""
        gone = [s.account for s in self.slots
                if s.account not in states or states[s.account] is not None]
        for name in gone:
            when = states.get(name)
            self.remove(name, when or "")
            if when is None:
                self.revoked.pop(name, None)
        return gone

    def to_bytes(self) -> bytes:
        doc = {"format": FORMAT, "vault_id": self.vault_id,
               "slots": [{**s.to_json(), "role": self.roles.get(s.account, "")}
                         for s in self.slots],
               "revoked": self.revoked}
        return json.dumps(doc, indent=2, ensure_ascii=True).encode("ascii") + b"\n"

    @classmethod
    def from_bytes(cls, raw: bytes) -> SlotFile:
        """Parse and check the slot file: a known format, the vault's id, at most
        ``MAX_SLOTS`` slots of distinct valid accounts each with a known role (or none),
        every slot within its bounds. Anything else is ``KeyFileDamaged``, raised before
        any key derivation can start."""
        if len(raw) > MAX_FILE_BYTES:
            raise damaged()
        try:
            doc = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
        except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
            raise damaged() from None
        doc = _object(doc)
        if doc.get("format") not in (FORMAT, LEGACY_FORMAT):
            raise damaged()
        vault_id = doc.get("vault_id")
        if not isinstance(vault_id, str) or not VAULT_ID.fullmatch(vault_id):
            raise damaged()
        entries = doc.get("slots")
        if not isinstance(entries, list) or len(entries) > MAX_SLOTS:
            raise damaged()
        slots = [KeySlot.from_json(entry) for entry in entries]
        if len({slot.account for slot in slots}) != len(slots):
            raise damaged()
        roles: dict[str, str] = {}
        known = {role.value for role in Role}
        for slot, entry in zip(slots, entries):
            role = entry.get("role", "")
            if not isinstance(role, str) or (role and role not in known):
                raise damaged()
            if role:
                roles[slot.account] = role
        revoked_doc = _object(doc.get("revoked", {}))
        if len(revoked_doc) > MAX_SLOTS:
            raise damaged()
        revoked = {_account(k): _text(v) for k, v in revoked_doc.items()}
        return cls(vault_id, slots, roles, revoked)

    @classmethod
    def read(cls, path: Path) -> SlotFile:
        try:
            with path.open("rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)  # a huge file is not read whole
        except FileNotFoundError:
            raise VaultDamaged(_(
                "The key-slot file of this vault is missing. Restore the vault from a backup."
            )) from None
        return cls.from_bytes(raw)

    def write(self, path: Path, forget_previous: bool = False) -> None:
        """Write atomically, keeping the version before as ``.prev``.

        ``forget_previous``: ``.prev`` must hold no slot (or key) that was just removed
        (a revocation, a changed passphrase, the old data key). ``.prev`` is then given the
        new version first and the file itself is replaced after, in one rename: the slot
        file changes in one step, so a failure at any point leaves it as it was (with
        ``.prev`` holding the new version or the one before) or as it is meant to be, and
        never half of a revocation (it used to be written twice, and a failure between the
        two writes left a revoked slot gone from the file while the database, rolled back,
        did not revoke the account).

        A disk that refuses the write is a ``WriteFailed`` with a message (the callers
        write inside their transaction, which is then rolled back), never a bare
        ``OSError`` (issue 23, point 8: found by the disk-full injections).
        """
        try:
            if forget_previous:
                _write_forgetting_previous(path, self.to_bytes())
            else:
                atomic_write(path, self.to_bytes(), keep_previous=True)
        except OSError as exc:
            raise file_write_failed(exc, path) from None


def _write_forgetting_previous(path: Path, data: bytes) -> None:
    """``data`` as ``<name>.prev`` first, then as the file itself in one rename (the only
    step that changes the slot file); each written whole (temp file, fsync, rename)."""
    from app import fs

    folder = path.parent if str(path.parent) else Path(".")
    tmp = fs.write_temp(folder, data, prefix=f".{path.name}.", private=True)
    try:
        prev = fs.write_temp(folder, data, prefix=f".{path.name}.prev.", private=True)
        try:
            os.replace(prev, path.with_name(path.name + ".prev"))
        except BaseException:
            prev.unlink(missing_ok=True)
            raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fs.publish(tmp, path)


def atomic_write(path: Path, data: bytes, keep_previous: bool = False) -> None:
    """Write a file so that a crash leaves either the old or the new version, never half
    (owner-only; optionally the old version kept as ``<name>.prev``): ``app.fs.atomic_write``,
    the one helper for every platform."""
    from app import fs

    fs.atomic_write(path, data, private=True, keep_previous=keep_previous)
