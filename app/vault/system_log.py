"""The operating system's own log, for what cannot be written into the vault: a failed
unlock (issue 17, point 6). There is no key then, and a wrong passphrase must change no file
of the vault.

- Linux and macOS: the C library's ``syslog`` (stdlib ``syslog`` module), facility
  ``authpriv``, which journald or the syslog daemon receives through ``/dev/log``; where no
  such socket exists the line is skipped with a debug note.
- Windows: the Application event log through ``win32evtlogutil`` (pywin32) when it can be
  imported; otherwise skipped with a debug note.

Nothing personal goes there: the account name, the workstation, the vault's random id and
the kind of failure, never a passphrase or anything from inside the vault.
"""

from __future__ import annotations

import logging
import os
import sys

from app.platform import current_platform
from app.store.audit import workstation

log = logging.getLogger(__name__)

IDENT = "casuskamer"
#: where the local syslog daemon or journald listens
SYSLOG_SOCKETS = ("/dev/log", "/var/run/syslog")


def failed_unlock_text(account: str, reason: str, vault_id: str) -> str:
    return (f"failed unlock: account={account} workstation={workstation()} "
            f"vault={vault_id or '-'} reason={reason}")


def write_warning(text: str) -> bool:
    """Write one warning line to the operating system's log; True when it was handed over."""
    try:
        if current_platform() == "windows":
            return _event_log(text)
        return _syslog(text)
    except Exception as exc:  # noqa: BLE001 - the system log must never fail an action
        log.debug("system log not written: %s", type(exc).__name__)
        return False


def _syslog(text: str) -> bool:
    if not any(os.path.exists(p) for p in SYSLOG_SOCKETS):
        log.debug("no syslog socket on this machine; failed unlock not written to it")
        return False
    if sys.platform == "win32":  # no syslog module there (and for the type checker)
        return False
    import syslog

    syslog.openlog(IDENT, syslog.LOG_PID, syslog.LOG_AUTHPRIV)
    syslog.syslog(syslog.LOG_WARNING, text)
    return True


def _event_log(text: str) -> bool:
    try:
        import win32evtlog
        import win32evtlogutil
    except ImportError:
        log.debug("pywin32 is not installed; failed unlock not written to the Event Log")
        return False
    win32evtlogutil.ReportEvent("Casuskamer", 1, eventType=win32evtlog.EVENTLOG_WARNING_TYPE,
                                strings=[text])
    return True
