"""The desktop program's unlock, on a vault folder or on the house server (issue 22, point 1).

One call for the unlock screen's worker thread: the attempt behind the counter (a folder's
file, or the server's counter in memory: ``app.vault.memory_attempts``), then the session
step (``app.services.session.after_unlock``: the retention purge).

On the house server the session step's purge reads every case's tables, which only the roles
that work on cases may (the grants), so their sessions run it for the whole house; an
administrator's or a manager's session leaves it to them (as ``--vault PROFILE`` on the
command line does). That rule has one place: ``app.domain.roles.SERVER_NEEDS`` for
``retention.purge_due``, read by the session step itself (``allowed_on_server``).

The quick check a moment after the unlock (:func:`quick_check`): on a folder the vault file's
own (``app.vault.maintenance.verify(quick=True)``: SQLCipher's pages, SQLite's quick check,
the audit chain). The house server's pages and files are the server's to check, and the
unlock has already checked the schema version and opened the account's key slot; so on the
server it walks the audit chain, for the roles that read the audit log (the others read only
their own rows of it). Every sealed value is opened by ``casuskamer verify --vault PROFILE``,
not at each unlock: that reads every personal column of the house over the network.
"""

from __future__ import annotations

import threading

from app.domain.roles import GRANTS, Permission
from app.i18n import _
from app.services import session
from app.store import audit
from app.vault import attempts, maintenance
from app.vault.vault import OpenVault, Vault


def is_server(locked: Vault) -> bool:
    """Whether ``locked`` (a vault not yet opened) is a house server reached through a
    profile."""
    from app.vault.server import ServerVault

    return isinstance(locked, ServerVault)


def session_step(opened: OpenVault) -> OpenVault:
    """The session step for a session just opened: ``app.services.session.after_unlock``,
    which alone decides whose session purges on the house server (see the module's note)."""
    return session.after_unlock(opened)


def unlock(locked: Vault, account: str, passphrase: str, *,
           delay: attempts.Delay | None = None,
           cancelled: threading.Event | None = None,
           counter: attempts.Attempts | None = None
           ) -> tuple[OpenVault, attempts.Failures | None]:
    """Unlock ``locked`` as ``account`` behind the counter (``counter``: the server's, else
    the folder's file), then the session step. Returns the session and the failed attempts
    that came before it (None: there were none). A session whose step fails is locked.
    Not an entry point of the permission matrix: nothing is open yet; the unlock itself
    decides who the account is, and the session step checks its own row."""
    opened, earlier = attempts.guarded_unlock(locked, account, passphrase, delay=delay,
                                              cancelled=cancelled, counter=counter)
    return session_step(opened), earlier


def quick_check(opened: OpenVault) -> maintenance.VerifyReport:
    """The check after an unlock (see the module's note): its problems, one line each."""
    if not is_server(opened.vault):
        return maintenance.verify(opened, quick=True)
    report = maintenance.VerifyReport()
    if Permission.READ_AUDIT not in GRANTS[opened.actor.role]:
        return report
    with opened.read() as conn:
        for problem in audit.verify_chain(conn):
            where = f" (#{problem.row_id})" if problem.row_id is not None else ""
            report.problems.append(_("Audit log: {what}").format(what=problem.what) + where)
    return report
