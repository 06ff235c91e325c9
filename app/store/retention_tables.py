"""SQLAlchemy Core tables of closure and retention: the retention period per protocol, the
closure decision of each closed case, and the tombstone every ended case leaves.

* ``retention_periods``: one row per protocol the administrator has set (or confirmed); a
  protocol without a row has the default of ``app.domain.retention.DEFAULT_MONTHS``, shown
  as not yet confirmed.
* ``case_closures``: the closure decision (criteria, coordinator's agreement, outcome, what
  was removed, the plan's summary) and the start of the retention clock. It holds personal
  data (the coordinator's name, notes), so it goes at destruction like the rest of the case.
* ``case_tombstones``: what the figures for the Stuurgroep need once the case is gone:
  number, protocol, the referring party's type, the dates, the outcome and counts. Nothing
  personal. Written when a case is closed (the counts are taken then, while the plan exists)
  and completed when it is destroyed; a declined or routed case gets its row at destruction.

Migration ``0007_closure`` creates these tables.
"""

from __future__ import annotations

from sqlalchemy import Column, Date, DateTime, ForeignKey, Integer, String, Table, Text

from app.store.tables import metadata
from app.store.personal import declare

retention_periods = Table(
    "retention_periods", metadata,
    Column("protocol", String(32), primary_key=True),
    Column("months", Integer, nullable=False),
    Column("set_by", String(64), nullable=False),
    Column("set_at", DateTime, nullable=False),
)

case_closures = Table(
    "case_closures", metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("decided_on", Date, nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("coordinator_name", String(200), nullable=False),
    Column("coordinator_party_id", Integer, ForeignKey("parties.id"), nullable=True),
    Column("coordinator_agreed_on", Date, nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("criteria", Text, nullable=False),          # JSON: [{criterion, met, note}]
    Column("reason", Text, nullable=False),
    Column("removed", Text, nullable=False),           # JSON: {removal: count}
    Column("plan_summary", Text, nullable=False),
    Column("retention_starts", Date, nullable=False),
)

case_tombstones = Table(
    "case_tombstones", metadata,
    Column("case_id", Integer, ForeignKey("cases.id"), primary_key=True),
    Column("number", String(20), nullable=False, unique=True),
    Column("protocol", String(32), nullable=False),
    Column("referring_party_type", String(32), nullable=True),
    Column("final_state", String(24), nullable=False),   # closed | declined | routed_elsewhere
    Column("referred_on", Date, nullable=False),
    Column("intake_decided_on", Date, nullable=True),
    Column("triage_done_on", Date, nullable=True),
    Column("first_meeting_on", Date, nullable=True),
    Column("closed_on", Date, nullable=True),
    Column("ended_on", Date, nullable=False),
    Column("destroyed_on", Date, nullable=True),
    Column("outcome", String(32), nullable=True),
    Column("subjects", Integer, nullable=False),
    Column("information_items", Integer, nullable=False),
    Column("meetings", Integer, nullable=False),
    Column("actions_total", Integer, nullable=False),
    Column("actions_done", Integer, nullable=False),
    Column("actions_done_on_time", Integer, nullable=False),
    Column("actions_cancelled", Integer, nullable=False),
    Column("criteria_total", Integer, nullable=False),
    Column("criteria_met", Integer, nullable=False),
)

# -- personal data (app.store.personal) -----------------------------------------------------
#: the closure record keeps the coordinator's name and the decision's own words
declare(case_closures, personal=("coordinator_name", "criteria", "reason", "plan_summary"),
        not_personal=("decided_by", "outcome", "removed"))
#: the tombstone: nothing personal, only what the figures need
declare(case_tombstones, not_personal=("number", "protocol", "referring_party_type",
                                       "final_state", "outcome"))
