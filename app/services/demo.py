"""``casuskamer demo``: a vault full of realistic synthetic activity, for trying the program.

Every personal detail in it is made up. The vault gets the administrator ``beheerder`` and
one account per other role (``procesregisseur``, ``informatiecentrum``, ``manager``), all
with the passphrase given, so that each role's view can be tried.
"""

from __future__ import annotations

from pathlib import Path

from app.domain.roles import Role
from app.i18n import _
from app.services import accounts, session
from app.vault.keyslots import calibrate
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
        opened = session.after_unlock(vault.unlock(account, passphrase))
    else:
        params = calibrate()
        opened = session.after_unlock(Vault.create(folder, account, passphrase, kdf=params,
                                                   demo=True), created=True)
        for name, role in DEMO_ACCOUNTS:
            accounts.add_account(opened, name, role, passphrase, kdf=params, demo=True)
    try:
        made = _fill(opened, cases, seed)
    finally:
        opened.lock()
    return _("Demo vault in {folder}: {cases} synthetic cases.").format(folder=folder,
                                                                        cases=made)


def _fill(opened: OpenVault, cases: int, seed: int) -> int:
    """Add synthetic cases with a few years of activity (intake, triage, meetings, plans,
    closures, destructions); returns how many cases were added."""
    from app.services import demo_activity

    return demo_activity.fill(opened, cases=cases, seed=seed)
