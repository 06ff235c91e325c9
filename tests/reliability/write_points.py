"""Named write points for crash injection: each does one real piece of work through the
program's own services and says how to check, after a crash, that it is all there.

A point is ``WritePoint(name, do, present)``: ``do(vault, n, rng)`` performs the work and
returns a tag; it returns only after the work was acknowledged (committed, file renamed).
``present(vault, tag)`` says whether that work is complete in the vault now. ``halves``
checks the whole vault for anything half-written, whatever was acknowledged.
Areas add their points with ``register``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from app.domain.roles import Role
from app.services import accounts
from app.store.tables import accounts as accounts_table
from app.store.tables import audit_log, drafts, meta
from app.vault import maintenance, rekey
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault

Do = Callable[[OpenVault, int, random.Random], str]
Present = Callable[[OpenVault, str], bool]


@dataclass(frozen=True)
class WritePoint:
    name: str
    do: Do
    present: Present


POINTS: dict[str, WritePoint] = {}


def register(name: str, do: Do, present: Present) -> None:
    POINTS[name] = WritePoint(name, do, present)


# -- foundation points ---------------------------------------------------------------------

def _audit_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    tag = f"crash-{n}"
    vault.log_now("case.open", "case", tag)
    return tag


def _audit_present(vault: OpenVault, tag: str) -> bool:
    with vault.read() as conn:
        return conn.execute(select(audit_log.c.id).where(
            audit_log.c.object_id == tag)).first() is not None


def _draft_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    tag = f"draft-{n}"
    payload = json.dumps({"tag": tag, "text": "x" * rng.randint(10, 5000)})
    from app.vault.vault import utcnow

    with vault.begin() as conn:
        existing = conn.execute(select(drafts.c.id).where(
            drafts.c.kind == "crash", drafts.c.owner == vault.actor.account)).scalar()
        if existing is None:
            conn.execute(drafts.insert().values(kind="crash", owner=vault.actor.account,
                                                object_id=None, title="crash",
                                                payload=payload, updated_at=utcnow()))
        else:
            conn.execute(drafts.update().where(drafts.c.id == existing)
                         .values(payload=payload, updated_at=utcnow()))
    return tag


def _draft_present(vault: OpenVault, tag: str) -> bool:
    """Drafts are overwritten: the acknowledged one or a later one must be there, whole."""
    with vault.read() as conn:
        payload = conn.execute(select(drafts.c.payload).where(drafts.c.kind == "crash")).scalar()
    if payload is None:
        return False
    doc = json.loads(payload)  # a torn payload would not parse
    return int(doc["tag"].split("-")[1]) >= int(tag.split("-")[1])


def _meta_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    tag = f"kv-{n}"
    with vault.begin() as conn:
        for i in range(rng.randint(1, 20)):
            conn.execute(meta.insert().values(key=f"{tag}-{i}", value="v" * 200))
        conn.execute(meta.insert().values(key=f"{tag}-end", value="done"))
    return tag


def _meta_present(vault: OpenVault, tag: str) -> bool:
    with vault.read() as conn:
        return conn.execute(select(meta.c.value).where(
            meta.c.key == f"{tag}-end")).scalar() == "done"


def _account_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    name = f"crash{n}"
    accounts.add_account(vault, name, Role.INFORMATION_CENTRE, f"wachtzin voor crash {n}",
                         kdf=KdfParams())
    return name


def _account_present(vault: OpenVault, name: str) -> bool:
    with vault.read() as conn:
        row = conn.execute(select(accounts_table.c.id).where(
            accounts_table.c.name == name)).first()
    return row is not None and vault.vault.slot_file().find(name) is not None


def _backup_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    target = vault.vault.folder.parent / f"backup-{n}.ckbak"
    maintenance.backup(vault, target)
    return str(target)


def _backup_present(vault: OpenVault, path: str) -> bool:
    try:
        maintenance.read_backup(Path(path))
    except Exception:  # noqa: BLE001 - any failure to read is a lost backup
        return False
    return True


def _revoke_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    """An account is added and revoked: the revocation changes the data key."""
    name = f"weg{n}"
    accounts.add_account(vault, name, Role.INFORMATION_CENTRE, f"wachtzin voor weg {n}",
                         kdf=KdfParams())
    change = accounts.revoke_account(vault, name)
    assert change.done, change.reason
    return f"{name}:{change.generation}"


def _revoke_present(vault: OpenVault, tag: str) -> bool:
    name, number = tag.split(":")
    with vault.read() as conn:
        revoked = conn.execute(select(accounts_table.c.revoked_at).where(
            accounts_table.c.name == name)).scalar()
    return (revoked is not None and vault.vault.slot_file().find(name) is None
            and rekey.generation(vault) >= int(number))


def _rekey_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    """An administrator changes the data key."""
    change = accounts.change_data_key(vault)
    assert change.done, change.reason
    return str(change.generation)


def _rekey_present(vault: OpenVault, tag: str) -> bool:
    return rekey.generation(vault) >= int(tag) and rekey.pending(vault) is None


register("audit.append", _audit_do, _audit_present)
register("draft.autosave", _draft_do, _draft_present)
register("meta.multirow", _meta_do, _meta_present)
register("account.add", _account_do, _account_present)
register("vault.backup", _backup_do, _backup_present)
register("account.revoke_rekey", _revoke_do, _revoke_present)
register("vault.rekey", _rekey_do, _rekey_present)


def halves(vault: OpenVault) -> list[str]:
    """Anything half-written anywhere: multi-row writes whose end marker is missing, slots
    whose account row is missing, a change of the data key not finished (a slot holding two
    keys, the request still recorded, the re-keyed copy left), and stray temp files."""
    problems: list[str] = []
    with vault.read() as conn:
        keys = [k for (k,) in conn.execute(select(meta.c.key).where(meta.c.key.like("kv-%")))]
        names = {k for (k,) in conn.execute(select(accounts_table.c.name))}
    tags = {k.rsplit("-", 1)[0] for k in keys}
    for tag in tags:
        if f"{tag}-end" not in keys:
            problems.append(f"{tag}: rows without their end marker")
    for slot in vault.vault.slot_file().slots:
        if slot.account not in names:
            problems.append(f"slot {slot.account} without an account row")
        if len(slot.keys) != 1:
            problems.append(f"slot {slot.account} holds {len(slot.keys)} data keys")
    if rekey.pending(vault) is not None:
        problems.append("a change of the data key still pending after an exclusive open")
    if (vault.vault.folder / rekey.COPY_NAME).exists():
        problems.append("a re-keyed copy of the database left beside it")
    problems.extend(case_write_points.case_halves(vault))
    return problems


# The case-work points register themselves on import; their whole-or-nothing checks join
# ``halves``.
from tests.reliability import case_write_points  # noqa: E402  (it imports register from here)
