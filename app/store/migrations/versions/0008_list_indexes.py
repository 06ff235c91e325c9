"""Covering indexes for the Cases table and the retention check at unlock; closed cases'
search rows rebuilt without the BSNs their closure removed.

With SQLCipher every page read is decrypted, and a ``cases`` row is wide (the referral's
reason and question inline), so a query that touches every case (the Cases table, the
retention check that runs at each unlock) paid for decrypting every page of the table. These
indexes hold just the columns those queries read, so SQLite answers them from the narrow
index pages alone (``EXPLAIN QUERY PLAN`` says ``USING COVERING INDEX``); SQLite keeps them
in step with every write itself. The plan and meeting indexes do the same for the action
counts and the next meeting of the Cases table.

``case_search`` rows are made compact (each word once; ``search_values`` writes them so
now), and closure removed BSNs from ``subjects`` but left them in ``case_search`` (fixed in
the closure service): the rows of cases closed before that are rebuilt from the subjects
as stored.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from app.domain.cases import Subject, SubjectRole, display_name, fold_for_search

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The Cases table (newest number first) and the retention check (ended cases in number
    # order) read only these columns of ``cases``; ``id`` is the rowid, in every index.
    op.create_index("ix_cases_listing", "cases", [
        "number_year", "number_seq", "number", "state", "protocol", "received",
        "referring_party_id"])
    # When an ended case's retention clock started (``app.services.retention.ENDED_AT_SQL``,
    # the same expression): the check at unlock reads only the cases that ended long ago.
    op.execute("CREATE INDEX ix_cases_ended_at ON cases ((CASE state WHEN 'closed' THEN "
               "closed_at WHEN 'declined' THEN intake_decided_at WHEN 'routed_elsewhere' "
               "THEN triage_done_at END), state, number_year, number_seq, number, protocol)")
    op.create_index("ix_case_closures_retention_starts", "case_closures",
                    ["retention_starts", "case_id"])
    op.create_index("ix_plans_case_next_meeting", "plans", ["case_id", "next_meeting"])
    # The open actions per plan (counted for the Cases table), in plan order: a partial
    # index holds just those (``app.services.cases`` counts with the same condition).
    op.execute("CREATE INDEX ix_plan_actions_open ON plan_actions (plan_id, due, status) "
               "WHERE status IN ('open', 'in_progress')")
    op.create_index("ix_meetings_starts_at_state", "meetings", ["starts_at", "state"])
    _rebuild_search_rows()


def compact_search_key(text: str) -> str:
    """Each word of a search text once, in their first order (this migration's own copy of
    what ``app.services.cases`` did when it was written: a later change there must not
    change an old migration, and the store does not import the services)."""
    return " ".join(dict.fromkeys(text.split()))


def search_values(case_id: int, number: str, found: Sequence[Subject]) -> dict[str, Any]:
    """The Cases table's row text for a case as ``app.services.cases`` made it then."""
    def clean(text: str) -> str:
        return " ".join(text.split())

    main = next((s for s in found if s.role is SubjectRole.MAIN_SUBJECT),
                found[0] if found else None)
    parts = [number.lower()]
    for subject in found:
        given, surname = clean(subject.given_names), clean(subject.surname)
        parts.append(fold_for_search(f"{given} {surname}"))
        parts.append(fold_for_search(f"{surname} {given}"))
        if subject.bsn:
            parts.append(subject.bsn)
    return {"case_id": case_id,
            "main_subject": display_name(main.given_names, main.surname) if main else "",
            "search_key": compact_search_key(" ".join(parts))}


def _rebuild_search_rows() -> None:
    # Bound parameters through sa.text (named), which SQLite and PostgreSQL (psycopg's %s)
    # both take; the driver's own '?' style is SQLite's only.
    conn = op.get_bind()
    # Every search row in its compact form (each word once: what the Cases table loads
    # and searches, half as long).
    compacted = [{"key": compact_search_key(key), "case_id": case_id}
                 for case_id, key in conn.exec_driver_sql(
                     "SELECT case_id, search_key FROM case_search").fetchall()]
    if compacted:
        conn.execute(sa.text("UPDATE case_search SET search_key = :key "
                             "WHERE case_id = :case_id"), compacted)
    closed = conn.exec_driver_sql(
        "SELECT c.id, c.number FROM cases c JOIN case_search cs ON cs.case_id = c.id "
        "WHERE c.state = 'closed'").fetchall()
    for case_id, number in closed:
        found = tuple(
            Subject(given, surname, born, SubjectRole(role), bsn)
            for given, surname, born, role, bsn in conn.execute(sa.text(
                "SELECT given_names, surname, birth_date, role, bsn FROM subjects "
                "WHERE case_id = :case_id ORDER BY position"), {"case_id": case_id}).fetchall())
        values = search_values(case_id, number, found)
        conn.execute(sa.text("UPDATE case_search SET main_subject = :main_subject, "
                             "search_key = :search_key WHERE case_id = :case_id"), values)


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward")
