"""The database's own checks, for ``casuskamer verify`` (``app.vault.maintenance`` keeps what
they mean): SQLCipher's page check, SQLite's integrity check, the foreign keys.

Each answers the messages of its findings (empty: none). A database that cannot be read
raises the driver's ``DatabaseError``; the caller reports it as a finding.
"""

from __future__ import annotations

from typing import Any

#: The page cache (KiB) of the connection that runs the integrity and foreign-key checks:
#: SQLite's integrity check looks every row up in each of its indexes, and with the
#: connection's usual 8 MB every lookup decrypts its pages again (on the 1 GB benchmark
#: vault: 12.9 s of CPU with 8 MB, 7.2 s with the whole file cached; the foreign-key check
#: after it 5.2 s and 0.7 s). The cache is only as large as the database, and freed (and,
#: under cipher_memory_security, wiped) when the checks' connection closes.
CHECK_CACHE_KIB = 512 * 1024


def page_problems(raw: Any) -> list[str]:
    """SQLCipher's check of every page's HMAC in the database file."""
    return [str(r[0]) for r in raw.execute("PRAGMA cipher_integrity_check").fetchall()]


def cache_for_checks(raw: Any, database_bytes: int) -> None:
    """A page cache for :func:`integrity_problems` as large as the database, at most
    ``CHECK_CACHE_KIB``."""
    kib = max(2048, min(CHECK_CACHE_KIB, database_bytes // 1024 + 1024))
    raw.execute(f"PRAGMA cache_size = -{kib}")


def integrity_problems(raw: Any, quick: bool = False) -> list[str]:
    """SQLite's integrity check (``quick_check``: without comparing the indexes with their
    tables)."""
    rows = raw.execute("PRAGMA quick_check" if quick else "PRAGMA integrity_check").fetchall()
    messages = [str(r[0]) for r in rows]
    return [] if messages == ["ok"] else messages


def broken_reference_tables(raw: Any) -> list[str]:
    """The table of each row whose foreign key points at no row."""
    return [str(r[0]) for r in raw.execute("PRAGMA foreign_key_check").fetchall()]


def audit_row_count(raw: Any) -> int:
    return int(raw.execute("SELECT count(*) FROM audit_log").fetchone()[0])
