"""What of the service suite does not run on the house server under ``--engine=postgresql``
(``make test-pg``; see tests/pg_engine.py), each with its reason. Keys are a test file's path
(every test in it) or a test's node id without parameters.

SQLITE_ONLY: the test is about the vault FILE (keyslots.json, the folder and its lock,
SQLCipher's pages, the file's backup, rekey or restore, disk full): nothing of it exists on
the server. NOT_YET: the behaviour is the server's too but is not built there yet (a strict
xfail: remove the line when it passes). SERVER_CHOICE: the server differs on purpose (a
documented choice; skipped there)."""

from __future__ import annotations

#: The demo's made-up activity.
DEMO = ("the demo's activity is written by the administrator into a new demo vault "
        "(casuskamer demo makes a folder); a house server gets no made-up cases, and its "
        "administrator's role writes no case")

SQLITE_ONLY: dict[str, str] = {
    "tests/unit/test_audit.py::test_every_kind_of_tampering_is_found":
        "tampers with the audit rows through the session's own connection, as anyone who "
        "holds the vault file can; on the server no role may (tests/unit/test_pg_services.py "
        "checks that refusal)",
    "tests/unit/test_case_search_row.py::"
    "test_the_demos_closed_cases_have_no_bsn_in_their_search_row": DEMO,
    "tests/unit/test_perf_lean_paths.py::test_the_chain_walk_finds_a_change_in_a_later_batch":
        "changes an audit row in the vault file (past its triggers) to see the chain walk "
        "find it; on the server no role may (tests/unit/test_pg_services.py)",
    "tests/unit/test_privacy_closure.py::test_destruction_leaves_no_canary_in_any_page":
        "looks for the destroyed text in the vault file's pages",
    "tests/unit/test_roles_by_unlock.py::test_the_session_that_goes_on_holds_the_folder":
        "the vault folder's lock passing from one session to the next",
    # whole files about the vault file, not run by make test-pg (test_pg_suite_coverage)
    "tests/unit/test_perf_verify_text_scan.py":
        "verify's scan of the vault file's tables for invisible characters, set up by the "
        "administrator, who may write every table of the file (verify on the server opens "
        "every sealed value instead)",
    "tests/unit/test_retention_destruction.py":
        "looks for the destroyed text in the vault file's pages and its WAL",
    "tests/unit/test_figures_demo.py": DEMO,
    "tests/unit/test_vault.py":
        "the vault file itself: SQLCipher's encryption at rest, keyslots.json, the folder "
        "lock, a damaged or missing database file",
    "tests/unit/test_vault_rekey.py":
        "the vault file's data-key change and keyslots.json (the server's own data-key "
        "change is tests/unit/test_pg_rekey_server.py)",
    "tests/unit/test_tidy6_server_needs.py":
        "the vault file's side of the rule, with the server stood in for; the server's own "
        "refusals are tests/unit/test_pg_refusals_sweep.py",
    "tests/unit/test_vault_passwd_interrupted.py":
        "the vault file's keyslots.json and the public keys its database records (the "
        "server's logins have no slot file)",
    "tests/unit/test_vault_restore.py":
        "the vault file's backup and restore; on the server backup is the server's "
        "(pg_dump), which casuskamer backup says",
    "tests/unit/test_seam_vault_rekey_audit.py":
        "the audit row of the vault file's data-key change, written into the re-keyed copy "
        "of the file",
    "tests/unit/test_lockfile_safety.py":
        "the vault folder's lock file (symbolic links, permissions, a stale lock)",
    "tests/unit/test_slot_bounds.py":
        "the bounds the program trusts in keyslots.json; on the server the key slots are "
        "rows whose KDF settings the program fixes (app.vault.server.SERVER_KDF)",
    "tests/unit/test_packaging_machine_settings.py":
        "the machine-wide settings.ini names a vault folder for a managed roll-out",
    "tests/unit/test_perf_verify_checks.py":
        "verify's page check and SQLite's own integrity checks of the vault file (verify on "
        "the server checks the chain, the schema and every sealed value instead)",
    "tests/unit/test_perf_verify_demo.py":
        "a new demo vault file made without SQLCipher's memory security",
    "tests/unit/test_perf_demo_producer.py":
        "casuskamer demo makes a new demo vault (a folder); a house server gets no made-up "
        "cases",
    "tests/unit/test_perf_demo_settings.py":
        "the vault file's write settings (synchronous, page cache) while a new demo vault "
        "is filled",
    "tests/unit/test_perf_demo_same_rows.py":
        "casuskamer demo makes a new demo vault (a folder); a house server gets no made-up "
        "cases",
    "tests/unit/test_perf_demo_prepared.py":
        "casuskamer demo makes a new demo vault (a folder); a house server gets no made-up "
        "cases",
}

NOT_YET: dict[str, str] = {}

#: SERVER_CHOICE: the server behaves otherwise on purpose, a choice written in the README's
#: protection section and docs/house-server.md (skipped there, with its reason; a test of
#: its own checks what the server does instead).
SERVER_CHOICE: dict[str, str] = {
    "tests/unit/test_retention.py::test_purge_can_be_run_by_the_admin_account":
        "on the server the retention purge runs in the sessions of the roles that work on "
        "the cases, never the administrator's (covenant 1.10 and 12.1: the dossier's "
        "cleaning is the process director's; the administrator's role has no case tables); "
        "tests/unit/test_pg_centre_purge_choice.py checks it",
}
