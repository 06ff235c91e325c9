"""What every new vault starts with. Each area adds its seed step here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.vault.access import entry_point

if TYPE_CHECKING:
    from app.vault.vault import OpenVault


@entry_point
def seed_new_vault(vault: OpenVault) -> None:
    """Fill a freshly created vault with its seed data (called once, by the session step
    after ``Vault.create``: ``app.services.session.after_unlock``)."""
    from app.services.parties import seed_parties

    seed_parties(vault)
