"""SQLAlchemy Core tables of triage (covenant 1.8, 12.2b-d): which parties were asked about a
case and what they answered, requests to a source party to widen the terms of one of its
information items (with the answer), and the routing decision with its invitees.

Migration ``0004_triage`` creates these tables; a test checks that both agree. The items
themselves live in ``information_items`` (``app/store/case_tables.py``).
"""

from __future__ import annotations

from sqlalchemy import (Boolean, Column, Date, DateTime, ForeignKey, Index, Integer, String,
                        Table, Text, UniqueConstraint)

from app.store.tables import metadata
from app.store.personal import declare
from app.store.versioned import version_columns

#: One party asked about one case: when asked, whether and when it answered, and its answer
#: (known | not_known | declined). Asked again: the row is updated, not duplicated.
triage_queries = Table(
    "triage_queries", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("party_id", Integer, ForeignKey("parties.id"), nullable=False),
    Column("asked_on", Date, nullable=False),
    Column("answered_on", Date, nullable=True),
    Column("answer", String(16), nullable=True),
    Column("recorded_by", String(64), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    *version_columns(),                                # issue 22, point 4 (0019)
    UniqueConstraint("case_id", "party_id", name="uq_triage_queries_case_party"),
)
Index("ix_triage_queries_case_id", triage_queries.c.case_id)

#: A request to an item's source party to widen its terms: share with one more party and/or
#: allow pre-meeting viewing or the meeting screen. Only an answer "yes" changes the terms.
widening_requests = Table(
    "widening_requests", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("item_id", Integer, ForeignKey("information_items.id", ondelete="CASCADE"),
           nullable=False),
    Column("party_id", Integer, ForeignKey("parties.id"), nullable=True),
    Column("want_pre_meeting_view", Boolean, nullable=False),
    Column("want_meeting_screen", Boolean, nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("requested_by", String(64), nullable=False),    # account
    Column("answered_on", Date, nullable=True),
    Column("answer", String(8), nullable=True),             # yes | no
    Column("answered_by", Text, nullable=True),             # who at the source party said so
    Column("recorded_by", String(64), nullable=True),       # account that recorded the answer
)
Index("ix_widening_requests_case_id", widening_requests.c.case_id)

#: The routing decision, once per case: to a case meeting (goal, themes, decision types and
#: invitees) or handled elsewhere (by a party and/or a chain, and why).
routing_decisions = Table(
    "routing_decisions", metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("route", String(16), nullable=False),             # to_meeting | elsewhere
    Column("goal", Text, nullable=False),
    Column("themes", Text, nullable=False),                  # JSON list of strings
    Column("decision_types", Text, nullable=False),          # JSON list of DecisionType values
    Column("elsewhere_party_id", Integer, ForeignKey("parties.id"), nullable=True),
    Column("elsewhere_chain", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("decided_on", Date, nullable=False),
    Column("decided_at", DateTime, nullable=False),
    Column("decided_by", String(64), nullable=False),
)

routing_invitees = Table(
    "routing_invitees", metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("party_id", Integer, ForeignKey("parties.id"), primary_key=True),
)

# -- personal data (app.store.personal) -----------------------------------------------------
declare(triage_queries, not_personal=("answer", "recorded_by", "changed_by"))
#: ``answered_by`` is who at the source party said so: a person's name
declare(widening_requests, personal=("answered_by",),
        not_personal=("requested_by", "answer", "recorded_by"))
declare(routing_decisions, personal=("goal", "themes", "reason", "elsewhere_chain"),
        not_personal=("route", "decision_types", "decided_by"))
