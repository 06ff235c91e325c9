"""What of the service suite does not run on the house server under ``--engine=postgresql``
(``make test-pg``; see tests/pg_engine.py), each with its reason. Keys are a test file's path
(every test in it) or a test's node id without parameters.

SQLITE_ONLY: the test is about the vault FILE (keyslots.json, the folder and its lock,
SQLCipher's pages, the file's backup, rekey or restore, disk full): nothing of it exists on
the server. NOT_YET: the behaviour is the server's too but is not built there yet (a strict
xfail: remove the line when it passes)."""

from __future__ import annotations

#: A test that peeks into the audit table in a role that may not read it all.
AUDIT_READ = ("the test reads audit_log directly in a non-administrator's session; the "
              "server's row-level security (rightly) shows that role only the rows about its "
              "own account: the test should read it as an administrator")

#: The command line run on the test's vault folder.
FOLDER_CLI = ("runs the command line with --vault on the test's folder; on the server it "
              "needs a profile file and --account")

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
    "tests/unit/test_intake_service.py::test_accept_creates_the_case_in_triage_in_one_go":
        "the test reads the audit log in the process director's session; on the server "
        "row-level security shows a role only the audit rows about its own account",
    "tests/unit/test_intake_service.py::test_no_names_or_bsns_in_the_audit_log":
        "the test reads the audit log in the process director's session (row-level "
        "security: only the rows about its own account)",
    "tests/unit/test_intake_service.py::test_keep_as_draft_and_register_for_later_intake":
        "the information centre registers a referral: the write path replaces the subjects, "
        "search row and life domains (DELETE first) and reads the new items back, and its "
        "role may only insert them ('already known' itself works there now: the server's "
        "function over the blind indexes)",
    "tests/unit/test_intake_service.py::test_already_known_shows_number_status_and_dates_only":
        "'already known' passes on the server now (its function over the blind indexes); "
        "the test then reads the audit log in the process director's session (row-level "
        "security: only the rows about its own account)",
    "tests/unit/test_triage.py::test_queries_answers_and_items_are_stored_and_audited":
        "the test reads the audit log in a non-administrator's session (row-level security "
        "on the server: only the rows about its own account)",
    "tests/unit/test_triage.py::test_widening_only_a_yes_changes_the_terms_and_it_is_audited":
        "counts audit rows read in a non-administrator's session (row-level security)",
    "tests/unit/test_triage.py::test_case_view_marks_who_may_see_and_is_audited_once":
        "counts audit rows read in a non-administrator's session (row-level security)",
    "tests/unit/test_plan.py::test_save_load_and_history":
        AUDIT_READ,
    "tests/unit/test_meetings.py::test_plan_meeting_with_three_cases_schedules_them_in_order":
        AUDIT_READ,
    "tests/unit/test_subject_access.py::"
    "test_the_pdf_lists_items_sources_disclosures_and_destruction":
        AUDIT_READ + " (the export.subject_access row: not a case's disclosure row)",
    "tests/unit/test_subject_access.py::test_more_than_one_person_is_refused_and_can_be_narrowed":
        "runs the command line on the vault folder (--vault DIR); on the server it needs "
        "a profile file",
    "tests/unit/test_cases.py::test_reading_is_audited_by_number_and_needs_the_role":
        AUDIT_READ,
    "tests/unit/test_cases.py::test_bulk_insert_with_states_then_list":
        "the bulk insert (app/store/demo_rows.py, in progress) binds '?' through "
        "exec_driver_sql: psycopg takes '%s'",
    "tests/unit/test_cases.py::test_fill_demo_adds_cases_once":
        "the demo's bulk insert (app/store/demo_rows.py) binds '?': psycopg takes '%s'",
    "tests/unit/test_audit.py::test_the_table_refuses_update_and_delete":
        "the server refuses it too, as the program's PermissionDenied (server_error), not "
        "SQLAlchemy's DatabaseError the test expects",
    "tests/unit/test_retention.py::"
    "test_purge_due_destroys_only_the_due_cases_and_the_figures_keep_them": FOLDER_CLI,
    "tests/unit/test_retention.py::test_purge_can_be_run_by_the_admin_account":
        "the purge at the administrator's unlock destroys the due cases' rows, which the "
        "administrator's role may not touch on the server (no case tables): it needs the "
        "SECURITY DEFINER purge function docs/house-server.md names",
    "tests/unit/test_handout_service.py::test_the_export_commands": FOLDER_CLI,
    "tests/unit/test_meetings_agenda.py::test_export_agenda_command": FOLDER_CLI,
}
