"""The session step: what the program does right after the vault is opened, above the vault.

``app.vault`` opens, locks, verifies and backs up; it knows no service. What belongs to the
house's rules at the start of a session is done here, and called by whoever opened the
vault (the program's unlock and first-run flows, the command line's ``unlock`` and
``init``, the demo):

* a vault just made gets its seed data (the covenant's parties: ``app.services.seeding``);
* every other unlock that holds the vault destroys the cases whose retention period has
  passed (``app.services.retention.purge_due``; covenant art. 15) and keeps their numbers
  in ``OpenVault.purged_at_unlock`` (``casuskamer purge`` reports them); on the house
  server only the sessions of the roles that work on the cases do (:func:`_purges_at_unlock`).
  Read-mostly commands (verify, backup) open the vault without this step and change nothing.

A failure locks the vault again and is told as unlocking tells it (``OpenVault.unlock_step``:
a full disk, else a damaged vault).
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from app.domain.roles import allowed_on_server
from app.services import retention, seeding
from app.store import cases as case_rows
from app.store import sealed
from app.vault.access import entry_point

if TYPE_CHECKING:
    from app.vault.vault import OpenVault


@entry_point
def after_unlock(vault: OpenVault, *, created: bool = False,
                 today: date | None = None) -> OpenVault:
    """Run the session step on a vault just opened (``created``: just made by
    ``Vault.create``); returns the same vault."""
    with vault.unlock_step():
        if created:
            seeding.seed_new_vault(vault)
        elif _purges_at_unlock(vault):
            vault.purged_at_unlock = retention.purge_due(vault, today)
            _fill_pending_lookup_indexes(vault)
    return vault


def _purges_at_unlock(vault: OpenVault) -> bool:
    """Whether this session's step runs the retention purge: every session on a vault file;
    on the house server the sessions of the roles that work on the cases (a documented
    server choice, see ``retention.purge_due``), so that the others' step changes nothing
    there and is not refused by the server's grants."""
    return not sealed.on_server(vault.engine) or allowed_on_server(vault.actor.role,
                                                                   "retention.purge_due")


def _fill_pending_lookup_indexes(vault: OpenVault) -> None:
    """On the house server, after migration 0018: the subjects' one blind index over the
    surname and the birth date, which the migration owner (no data key) left as a
    placeholder, computed at the first unlock of an account that works on cases (the
    server's session step runs only for those); one audit row with the count. Nothing in
    the vault file; on the server a read, and the write transaction only when rows wait."""
    if not sealed.on_server(vault.engine):
        return
    with vault.read() as conn:
        if not case_rows.has_pending_lookup_indexes(conn):
            return
    with vault.begin() as conn:
        filled = case_rows.fill_pending_lookup_indexes(conn)
        if filled:
            vault.log(conn, "subjects.index_filled", "subject", "-", detail={"rows": filled})
