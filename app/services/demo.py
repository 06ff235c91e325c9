"""``casuskamer demo``: a vault full of realistic synthetic activity, for trying the program.

Every personal detail in it is made up. The vault gets the administrator ``beheerder`` and
one account per other role (``procesregisseur``, ``informatiecentrum``, ``manager``), all
with the passphrase given, so that each role's view can be tried.
"""

from __future__ import annotations

import gc
from pathlib import Path


from app.domain.roles import Role
from app.formatting import format_number
from app.i18n import ngettext
from app.services import accounts, session
from app.store import demo_rows
from app.store.db import without_memory_security
from app.vault.keyslots import KdfParams
from app.vault.vault import OpenVault, Vault

DEMO_ACCOUNTS = (
    ("procesregisseur", Role.PROCESS_DIRECTOR),
    ("informatiecentrum", Role.INFORMATION_CENTRE),
    ("manager", Role.MANAGER),
)


def build_demo_vault(folder: Path, passphrase: str, cases: int = 1500, seed: int = 2019,
                     account: str = "beheerder") -> str:
    """Create (or add to) a demo vault; returns a one-line summary."""
    vault = Vault(folder)
    if vault.exists():
        # Adding to a vault that exists: it may not be a demo vault, so memory security
        # stays on (and the generator is about half as fast).
        return _build(vault, folder, passphrase, cases, seed, account)
    # A new demo vault holds synthetic data only, under the published demo passphrase: the
    # process makes it without SQLCipher's memory security (on in the program itself; see
    # app.store.db.MEMORY_SECURITY_PRAGMA and the README's protection section).
    # Its commits do not wait for the disk either (a crash half-way leaves a demo vault to
    # make again); the finished file is synced once.
    with without_memory_security(), demo_rows.unsynced_writes():
        made = _build(vault, folder, passphrase, cases, seed, account)
    demo_rows.sync_file(vault.db_path)
    return made


def _build(vault: Vault, folder: Path, passphrase: str, cases: int, seed: int,
           account: str) -> str:
    if vault.exists():
        opened = session.after_unlock(vault.unlock(account, passphrase))
    else:
        # The key derivation at the program's floor (64 MiB, 3 passes), not calibrated: the
        # demo's passphrase is published, so a costlier derivation would protect nothing and
        # cost the first start of `make run` about two seconds (four derivations of half a
        # second). A demo account that chooses its own passphrase gets a calibrated one.
        params = KdfParams()
        opened = session.after_unlock(Vault.create(folder, account, passphrase, kdf=params,
                                                   demo=True), created=True)
        for name, role in DEMO_ACCOUNTS:
            accounts.add_account(opened, name, role, passphrase, kdf=params, demo=True)
    collecting = gc.isenabled()
    # The generator makes millions of short-lived objects and no cycles worth collecting:
    # the cyclic collector's passes over them cost a tenth of its time.
    gc.disable()
    try:
        destroyed_before = _destroyed(opened)
        made = _fill(opened, cases, seed)
        destroyed = _destroyed(opened) - destroyed_before
    finally:
        if collecting:
            gc.enable()
        opened.lock()
    return summary(folder, made, destroyed)


def summary(folder: Path, made: int, destroyed: int) -> str:
    """What the demo says it did: how many cases it made, and how many of them its
    years of activity already destroyed (their retention period passed), which is why the
    case list shows fewer."""
    if not destroyed:
        return ngettext("Demo vault in {folder}: {cases} synthetic case made.",
                        "Demo vault in {folder}: {cases} synthetic cases made.", made).format(
            folder=folder, cases=format_number(made))
    return ngettext(
        "Demo vault in {folder}: {cases} synthetic case made; {destroyed} of them already "
        "destroyed by retention (their period had passed), so the case list shows {listed}.",
        "Demo vault in {folder}: {cases} synthetic cases made; {destroyed} of them already "
        "destroyed by retention (their period had passed), so the case list shows {listed}.",
        made).format(folder=folder, cases=format_number(made),
                     destroyed=format_number(destroyed),
                     listed=format_number(max(made - destroyed, 0)))


def _destroyed(opened: OpenVault) -> int:
    """How many cases of the vault are destroyed (tombstones)."""
    with opened.read() as conn:
        return demo_rows.destroyed_cases(conn)


def _fill(opened: OpenVault, cases: int, seed: int) -> int:
    """Add synthetic cases with a few years of activity (intake, triage, meetings, plans,
    closures, destructions); returns how many cases were added."""
    from app.services import demo_activity

    return demo_activity.fill(opened, cases=cases, seed=seed)
