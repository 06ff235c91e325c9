"""The key-slot file is trusted only within bounds (issue 25, point 5).

A slot that asks for 8 GiB of memory, 2^31 passes, 0 or 1000 lanes, a salt of 3 bytes, a
nonce of 11, a sealed key of the wrong length, an unknown role or an account name outside the
account rule is "the vault's key file is damaged": one line, exit 2 on the command line, and
no key derivation ever starts with such parameters.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.errors import KeyFileDamaged, VaultDamaged, VaultError
from app.vault import keyslots
from app.vault.vault import OpenVault, Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE

GIB_KIB = 1024 * 1024


class KdfRecorder:
    """Stands in for Argon2id: records what it was asked, derives nothing costly."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)

        class _Kdf:
            def derive(self, data: bytes) -> bytes:
                return b"\0" * 32

        return _Kdf()


@pytest.fixture
def kdf_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[KdfRecorder]:
    recorder = KdfRecorder()
    monkeypatch.setattr(keyslots, "Argon2id", recorder)
    yield recorder


@pytest.fixture
def locked(admin_vault: OpenVault) -> Path:
    folder = admin_vault.vault.folder
    admin_vault.lock(audit_it=False)
    return folder


def _edit(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / "keyslots.json"
    doc = json.loads(path.read_text())
    change(doc["slots"][0])
    path.write_text(json.dumps(doc))


def _b64(n: int) -> str:
    return base64.b64encode(b"x" * n).decode()


def _set_kdf(**values: Any) -> Callable[[dict[str, Any]], None]:
    return lambda slot: slot["kdf"].update(values)


def _set(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda slot: slot.__setitem__(key, value)


HOSTILE = {
    "memory 8 GiB": _set_kdf(memory_kib=8 * GIB_KIB),
    "memory 3 GiB": _set_kdf(memory_kib=3 * GIB_KIB),
    "iterations 2^31": _set_kdf(iterations=2 ** 31),
    "iterations 65": _set_kdf(iterations=65),
    "1 GiB x 64 passes": _set_kdf(memory_kib=GIB_KIB, iterations=64),
    "memory negative": _set_kdf(memory_kib=-1),
    "memory as text": _set_kdf(memory_kib="65536"),
    "memory as float": _set_kdf(memory_kib=65536.0),
    "iterations true": _set_kdf(iterations=True),
    "lanes 0": _set_kdf(lanes=0),
    "lanes 17": _set_kdf(lanes=17),
    "lanes -4": _set_kdf(lanes=-4),
    "lanes null": _set_kdf(lanes=None),
    "no kdf": lambda slot: slot.pop("kdf"),
    "kdf a list": _set("kdf", [1, 2, 3]),
    "salt 3 bytes": _set("salt", _b64(3)),
    "salt 65 bytes": _set("salt", _b64(65)),
    "salt not base64": _set("salt", "§§§§"),
    "salt a number": _set("salt", 12),
    "nonce 11 bytes": _set("nonce", _b64(11)),
    "nonce 13 bytes": _set("nonce", _b64(13)),
    "sealed key 47 bytes": _set("sealed_private_key", _b64(47)),
    "sealed key 10 MB": _set("sealed_private_key", "A" * 1_000_000),
    "public key 31 bytes": _set("public_key", _b64(31)),
    "no data keys": _set("data_keys", []),
    "three data keys": lambda slot: slot.__setitem__("data_keys", slot["data_keys"] * 3),
    "wrapped nonce 16 bytes": lambda slot: slot["data_keys"][0].__setitem__("nonce", _b64(16)),
    "wrapped key a string": _set("data_keys", ["abc"]),
    "role unknown": _set("role", "superuser"),
    "role a list": _set("role", ["admin"]),
    "account with a space": _set("account", "beheer der"),
    "account a number": _set("account", 7),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_slot_out_of_bounds_is_a_damaged_key_file(locked: Path, kdf_calls: KdfRecorder,
                                                    name: str) -> None:
    _edit(locked, HOSTILE[name])
    with pytest.raises(KeyFileDamaged):
        Vault(locked).unlock(ADMIN, ADMIN_PASSPHRASE)
    assert kdf_calls.calls == [], "no key derivation may start from a damaged slot"


@pytest.mark.parametrize("raw", [
    b"{not json", b"[]", b"null", b'"text"', b"\xff\xfe", b"[" * 100_000 + b"]" * 100_000,
    b'{"format": "casuskamer-keyslots/2", "vault_id": NaN, "slots": []}',
    b'{"format": "casuskamer-keyslots/9", "vault_id": "' + b"a" * 32 + b'", "slots": []}',
    b'{"format": "casuskamer-keyslots/2", "vault_id": "../x", "slots": []}',
    b'{"format": "casuskamer-keyslots/2", "vault_id": "' + b"a" * 32 + b'", "slots": {}}',
    b" " * (2 * 1024 * 1024) + b"{}",
])
def test_an_unreadable_file_is_a_damaged_key_file(locked: Path, kdf_calls: KdfRecorder,
                                                  raw: bytes) -> None:
    (locked / "keyslots.json").write_bytes(raw)
    with pytest.raises(KeyFileDamaged):
        Vault(locked).unlock(ADMIN, ADMIN_PASSPHRASE)
    assert kdf_calls.calls == []


def test_two_slots_of_one_account_are_damage(locked: Path) -> None:
    path = locked / "keyslots.json"
    doc = json.loads(path.read_text())
    doc["slots"].append(doc["slots"][0])
    path.write_text(json.dumps(doc))
    with pytest.raises(KeyFileDamaged):
        Vault(locked).account_names()


def test_the_damaged_kind_is_a_vault_error() -> None:
    """The program's screens and commands recognise it as a problem of the vault's files."""
    assert issubclass(KeyFileDamaged, VaultDamaged)
    assert issubclass(KeyFileDamaged, VaultError)


def test_slots_within_the_ceilings_still_open(locked: Path) -> None:
    """The ceilings leave room for what calibration makes on a fast machine."""
    tuned = keyslots.calibrate(0.3)
    assert tuned.checked() == tuned
    assert keyslots.KdfParams(2 * GIB_KIB, 8, 16).checked().memory_kib == 2 * GIB_KIB
    again = Vault(locked).unlock(ADMIN, ADMIN_PASSPHRASE)
    again.lock(audit_it=False)


def test_the_command_line_says_it_in_one_line_with_exit_2(
        locked: Path, kdf_calls: KdfRecorder, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("CASUSKAMER_PASSPHRASE", ADMIN_PASSPHRASE)
    good = (locked / "keyslots.json").read_bytes()
    for name in ("iterations 2^31", "lanes 17", "salt 3 bytes", "role unknown"):
        (locked / "keyslots.json").write_bytes(good)
        _edit(locked, HOSTILE[name])
        code = main(["users", "list", "--vault", str(locked), "--account", ADMIN])
        err = capsys.readouterr().err
        assert code == 2, name
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
        assert "sleutelbestand" in err and "beschadigd" in err
    assert kdf_calls.calls == []
