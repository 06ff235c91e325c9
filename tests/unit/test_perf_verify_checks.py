"""``casuskamer verify`` made faster without checking less (issue 23, point 5): the database's
own checks run on a connection of their own beside the page check, the audit chain and the
text scan; every finding of every check is still reported, in the order pages, database,
references, audit log; the text scan's findings come with the report.
"""

from __future__ import annotations

from datetime import date

import pytest

from app.services import demo_activity
from app.store import checks
from app.vault import maintenance
from app.vault.vault import OpenVault

TODAY = date(2026, 6, 1)


def _damage(vault: OpenVault) -> int:
    """A row pointing at no case, a text with a zero-width space, and a recorded head of the
    audit log that is not its end: three kinds of finding. Returns the damaged row's id."""
    with vault.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        rowid = int(raw.execute("SELECT min(rowid) FROM life_domain_problems").fetchone()[0])
        raw.execute("PRAGMA foreign_keys = OFF")
        raw.execute("UPDATE life_domain_problems SET case_id = 987654 WHERE rowid = ?",
                    (rowid,))
        raw.execute("UPDATE subjects SET surname = 'Jan\u200bsen' "
                    "WHERE rowid = (SELECT min(rowid) FROM subjects)")
        raw.execute("UPDATE meta SET value = '1:' || substr(value, instr(value, ':') + 1) "
                    "WHERE key = 'audit_head'")
        raw.execute("PRAGMA foreign_keys = ON")
    return rowid


def test_every_check_still_reports_and_in_the_same_order(admin_vault: OpenVault) -> None:
    demo_activity.fill(admin_vault, cases=20, seed=5, today=TODAY)
    sound = maintenance.verify(admin_vault, texts=True)
    assert sound.sound and sound.cipher_pages_checked and sound.texts == []
    assert sound.audit_rows > 0
    _damage(admin_vault)
    report = maintenance.verify(admin_vault, texts=True)
    assert report.cipher_pages_checked
    assert report.problems == ["Verbroken verwijzing in tabel life_domain_problems",
                               "Auditlog: the log's end does not match the recorded head"]
    assert [(f.table, f.column) for f in report.texts] == [("subjects", "surname")]


def test_without_the_large_cache_the_checks_still_run(admin_vault: OpenVault,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Where SQLite cannot have the large page cache (out of memory), the integrity and
    foreign-key checks run again with the usual cache: the finding is still reported."""
    demo_activity.fill(admin_vault, cases=20, seed=5, today=TODAY)
    _damage(admin_vault)
    asked: list[int] = []

    def no_memory(raw: object, database_bytes: int) -> None:
        asked.append(database_bytes)
        raise MemoryError

    monkeypatch.setattr(checks, "cache_for_checks", no_memory)
    report = maintenance.verify(admin_vault)
    assert asked, "the full check asks for the large cache"
    assert "Verbroken verwijzing in tabel life_domain_problems" in report.problems


def test_the_quick_check_keeps_the_usual_cache(admin_vault: OpenVault,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The program's background check at start (quick) takes no large cache."""
    asked: list[int] = []
    monkeypatch.setattr(checks, "cache_for_checks", lambda raw, size: asked.append(size))
    assert maintenance.verify(admin_vault, quick=True).sound
    assert asked == []


def test_a_folder_that_cannot_be_written_to_is_still_checked(
        admin_vault: OpenVault, monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks' own connection only reads: where the folder refuses a writing
    connection, they open it read-only and still find what is wrong."""
    from app.errors import VaultReadOnly

    demo_activity.fill(admin_vault, cases=20, seed=5, today=TODAY)
    _damage(admin_vault)
    opened = maintenance.connect_raw
    modes: list[bool] = []

    def writing_refused(path, key, **options):  # type: ignore[no-untyped-def]
        modes.append(bool(options.get("read_only")))
        if not options.get("read_only"):
            raise VaultReadOnly("read-only folder")
        return opened(path, key, **options)

    monkeypatch.setattr(maintenance, "connect_raw", writing_refused)
    report = maintenance.verify(admin_vault)
    assert modes == [False, True]
    assert "Verbroken verwijzing in tabel life_domain_problems" in report.problems
