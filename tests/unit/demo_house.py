"""A vault filled by the demo generator with a process director's account, for the tests
that read lists at size (the Cases list, its sort, the follow-up): made once per module."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

from app.domain.roles import Role
from app.services import accounts as account_service
from app.services import demo_activity, session
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault


def make_demo_house(folder: Path, *, cases: int, seed: int, today: date, director: str,
                    passphrase: str,
                    adjust: Callable[[OpenVault], None] | None = None) -> Path:
    """A new vault in ``folder`` with ``cases`` demo cases and the director's account;
    ``adjust`` changes it as the administrator before it is locked."""
    os.environ.setdefault("CASUSKAMER_KDF_SECONDS", "0")
    admin = Vault.create(folder, "beheerder", "beheer van de demo kluis", kdf=KdfParams())
    session.after_unlock(admin, created=True)
    demo_activity.fill(admin, cases=cases, seed=seed, today=today)
    account_service.add_account(admin, director, Role.PROCESS_DIRECTOR, passphrase,
                                kdf=KdfParams())
    if adjust is not None:
        adjust(admin)
    admin.lock(audit_it=False)
    return folder


@contextmanager
def unlocked(folder: Path, account: str, passphrase: str) -> Iterator[OpenVault]:
    opened = Vault(folder).unlock(account, passphrase, exclusive=False)
    try:
        yield opened
    finally:
        opened.lock(audit_it=False)
