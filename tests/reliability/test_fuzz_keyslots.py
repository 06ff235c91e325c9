"""Fuzzing the key-slot file (issue 25, point 5): hostile ``keyslots.json`` files (mutations
of a real one, random JSON, wrong types, huge and negative numbers, NaN, deep nesting, huge
strings) either open as a good file does or are refused as "the vault's key file is
damaged"; never another exception, and never a key derivation with parameters over the
ceilings (the KDF is replaced by a recorder that checks every call)."""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.errors import AccountRevoked, KeyFileDamaged, WrongPassphrase
from app.vault import keyslots
from app.vault.keyslots import KdfParams
from app.vault.vault import Vault
from tests.conftest import ADMIN, ADMIN_PASSPHRASE
from tests.reliability.conftest import Counts

HUGE = st.sampled_from([2 ** 31, 2 ** 63, 2 ** 64 + 1, 10 ** 30, -1, -(2 ** 31), 0,
                        8 * 1024 * 1024, 1 << 20, 65, 17, 1e308, float("nan"),
                        float("inf"), -0.0, 3.5])
TEXT = st.one_of(st.text(max_size=40),
                 st.sampled_from(["", "A" * 200_000, "\x00", "==", "AAAA", "////",
                                  "§§§", "\u202e", "admin", "beheerder", "../etc"]))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), HUGE, TEXT,
                    st.floats(allow_nan=True, allow_infinity=True))
JSONISH = st.recursive(SCALARS, lambda children: st.lists(children, max_size=3)
                       | st.dictionaries(TEXT, children, max_size=3), max_leaves=8)
PATHS: list[tuple[Any, ...]] = [
    ("format",), ("vault_id",), ("slots",), ("revoked",), ("slots", 0),
    ("slots", 0, "account"), ("slots", 0, "role"), ("slots", 0, "kdf"),
    ("slots", 0, "kdf", "name"), ("slots", 0, "kdf", "memory_kib"),
    ("slots", 0, "kdf", "iterations"), ("slots", 0, "kdf", "lanes"), ("slots", 0, "salt"),
    ("slots", 0, "nonce"), ("slots", 0, "sealed_private_key"), ("slots", 0, "public_key"),
    ("slots", 0, "data_keys"), ("slots", 0, "data_keys", 0),
    ("slots", 0, "data_keys", 0, "nonce"), ("slots", 0, "data_keys", 0, "ephemeral"),
    ("slots", 0, "data_keys", 0, "sealed_key"), ("slots", 0, "created"),
    ("slots", 0, "sealed_key"),
]


def _over_the_ceilings(memory: Any, iterations: Any, lanes: Any) -> bool:
    return not (isinstance(memory, int) and isinstance(iterations, int)
                and isinstance(lanes, int)
                and keyslots.MIN_MEMORY_KIB <= memory <= keyslots.SLOT_MAX_MEMORY_KIB
                and keyslots.MIN_ITERATIONS <= iterations <= keyslots.SLOT_MAX_ITERATIONS
                and memory * iterations <= keyslots.SLOT_MAX_WORK_KIB
                and keyslots.SLOT_MIN_LANES <= lanes <= keyslots.SLOT_MAX_LANES)


class Recorder:
    """Stands in for Argon2id: records every derivation's parameters, derives a dummy key."""

    def __init__(self) -> None:
        self.calls = 0
        self.over: list[tuple[Any, Any, Any]] = []

    def __call__(self, *, salt: bytes, length: int, iterations: Any, lanes: Any,
                 memory_cost: Any, **_: Any) -> Any:
        self.calls += 1
        if _over_the_ceilings(memory_cost, iterations, lanes):
            self.over.append((memory_cost, iterations, lanes))

        class _Kdf:
            def derive(self, data: bytes) -> bytes:
                return b"\0" * length

        return _Kdf()


@st.composite
def hostile_files(draw: st.DrawFn, base: dict[str, Any]) -> bytes:
    kind = draw(st.integers(0, 19))
    if kind == 0:
        return json.dumps(draw(JSONISH), allow_nan=True).encode()
    if kind == 1:
        depth = draw(st.integers(50, 200_000))
        return b"[" * depth + b"]" * depth
    if kind == 2:
        return draw(st.binary(max_size=200))
    doc: Any = copy.deepcopy(base)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        target = doc
        try:
            for key in path[:-1]:
                target = target[key]
            action = draw(st.sampled_from(["replace", "delete", "huge", "text"]))
            if action == "delete" and isinstance(target, dict):
                target.pop(path[-1], None)
            elif action == "huge":
                target[path[-1]] = draw(HUGE)
            elif action == "text":
                target[path[-1]] = draw(TEXT)
            else:
                target[path[-1]] = draw(JSONISH)
        except (KeyError, IndexError, TypeError):
            continue
    return json.dumps(doc, allow_nan=True).encode()


@pytest.fixture(scope="module")
def locked_vault(tmp_path_factory: pytest.TempPathFactory) -> Path:
    opened = Vault.create(tmp_path_factory.mktemp("fuzzslots") / "v", ADMIN, ADMIN_PASSPHRASE,
                          kdf=KdfParams())
    folder = opened.vault.folder
    opened.lock(audit_it=False)
    return folder


@pytest.mark.timeout(1800)
def test_hostile_slot_files_are_damaged_or_good(locked_vault: Path, full: bool,
                                                counts: Counts,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    recorder = Recorder()
    monkeypatch.setattr(keyslots, "Argon2id", recorder)
    path = locked_vault / "keyslots.json"
    good = path.read_bytes()
    base = json.loads(good)
    vault = Vault(locked_vault)
    started = time.perf_counter()

    @settings(max_examples=20_000 if full else 400, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(hostile_files(base))
    def check(raw: bytes) -> None:
        path.write_bytes(raw)
        counts.add("fuzz: key-slot files tried")
        try:
            # the dummy key opens nothing: a file that passes every bound ends here
            vault.unlock(ADMIN, ADMIN_PASSPHRASE, exclusive=False).lock(audit_it=False)
            counts.add("fuzz: key-slot files opened")  # pragma: no cover - a dummy key
        except KeyFileDamaged:
            counts.add("fuzz: key-slot files refused as damaged")
        except (WrongPassphrase, AccountRevoked):
            counts.add("fuzz: key-slot files within bounds (wrong key)")
        vault.pending_failures.clear()

    try:
        check()
    finally:
        path.write_bytes(good)
    counts.add("fuzz: key-slot seconds", round(time.perf_counter() - started))
    counts.add("fuzz: key derivations started", recorder.calls)
    assert recorder.over == [], f"derivations over the ceilings: {recorder.over[:3]}"
