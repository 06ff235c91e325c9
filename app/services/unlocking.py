"""The desktop program's unlock, on a vault folder or on the house server (issue 22, point 1).

One call for the unlock screen's worker thread: the attempt behind the counter (a folder's
file, or the server's counter in memory: ``app.vault.memory_attempts``), then the session
step (``app.services.session.after_unlock``: the retention purge).

On the house server the session step reads every case's tables, which only the roles that
work on cases may (the grants), so their sessions run it for the whole house; an
administrator's or a manager's session leaves it to them (as ``--vault PROFILE`` on the
command line does).
"""

from __future__ import annotations

import threading

from app.domain.roles import GRANTS, Permission
from app.services import session
from app.vault import attempts
from app.vault.vault import OpenVault, Vault


def is_server(vault: Vault) -> bool:
    """Whether ``vault`` is a house server reached through a profile."""
    from app.vault.server import ServerVault

    return isinstance(vault, ServerVault)


def session_step(opened: OpenVault) -> OpenVault:
    """The session step for a session just opened (see the module's note for the server)."""
    if is_server(opened.vault) and Permission.CASE_WORK not in GRANTS[opened.actor.role]:
        return opened
    return session.after_unlock(opened)


def unlock(vault: Vault, account: str, passphrase: str, *,
           delay: attempts.Delay | None = None,
           cancelled: threading.Event | None = None,
           counter: attempts.Attempts | None = None
           ) -> tuple[OpenVault, attempts.Failures | None]:
    """Unlock ``vault`` as ``account`` behind the counter (``counter``: the server's, else
    the folder's file), then the session step. Returns the session and the failed attempts
    that came before it (None: there were none). A session whose step fails is locked."""
    opened, earlier = attempts.guarded_unlock(vault, account, passphrase, delay=delay,
                                              cancelled=cancelled, counter=counter)
    return session_step(opened), earlier
