"""What of the service suite does not run on the house server under ``--engine=postgresql``
(``make test-pg``; see tests/pg_engine.py), each with its reason. Keys are a test file's path
(every test in it) or a test's node id without parameters.

SQLITE_ONLY: the test is about the vault FILE (keyslots.json, the folder and its lock,
SQLCipher's pages, the file's backup, rekey or restore, disk full): nothing of it exists on
the server. NOT_YET: the behaviour is the server's too but is not built there yet (a strict
xfail: remove the line when it passes)."""

from __future__ import annotations

SQLITE_ONLY: dict[str, str] = {
    "tests/unit/test_audit.py::test_every_kind_of_tampering_is_found":
        "tampers with the audit rows through the session's own connection, as anyone who "
        "holds the vault file can; on the server no role may (tests/unit/test_pg_services.py "
        "checks that refusal)",
    "tests/unit/test_retention_destruction.py::"
    "test_destruction_leaves_no_canary_in_any_page_or_the_wal":
        "looks for the destroyed text in the vault file's pages and its WAL",
}

NOT_YET: dict[str, str] = {
    "tests/unit/test_retention.py::test_purge_can_be_run_by_the_admin_account":
        "the purge at the administrator's unlock destroys the due cases' rows, which the "
        "administrator's role may not touch on the server (no case tables): it needs the "
        "SECURITY DEFINER purge function docs/house-server.md names",
}
