"""SQLAlchemy Core tables of the plan of action (covenant 8.4b-d): one plan per case, its
goals, actions (with the parties an action is limited to and its progress notes), the
information needs per party, and every saved version of the plan as a snapshot.

The current plan is kept in ordinary rows so that follow-up (due actions, open actions per
party) can query it; each save also stores the whole plan as a JSON snapshot in
``plan_versions`` so that the history shows what changed when. Goals, actions and needs carry
a ``key`` that stays the same across versions. Migration ``0005_plan`` creates these tables.
"""

from __future__ import annotations

from sqlalchemy import (
                        Column,
                        Date,
                        DateTime,
                        ForeignKey,
                        Integer,
                        String,
                        Table,
                        Text,
                        UniqueConstraint,
)

from app.store.tables import metadata
from app.store.personal import declare

#: The plan of one case: the parts that occur once.
plans = Table(
    "plans", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False,
           unique=True),
    Column("version", Integer, nullable=False),
    Column("coordinator_party_id", Integer, ForeignKey("parties.id"), nullable=True),
    Column("coordinator_person", String(200), nullable=False, default=""),
    Column("closure_criteria", Text, nullable=False, default=""),
    Column("next_meeting", Date, nullable=True),
    Column("next_meeting_note", Text, nullable=False, default=""),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(64), nullable=False),
)

plan_goals = Table(
    "plan_goals", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("key", String(32), nullable=False),
    Column("position", Integer, nullable=False),
    Column("life_domain", String(32), nullable=False),
    Column("description", Text, nullable=False),
    UniqueConstraint("plan_id", "key", name="uq_plan_goals_key"),
)

plan_actions = Table(
    "plan_actions", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("key", String(32), nullable=False),
    Column("position", Integer, nullable=False),
    Column("party_id", Integer, ForeignKey("parties.id"), nullable=False, index=True),
    Column("description", Text, nullable=False),
    Column("owner", String(200), nullable=False, default=""),
    Column("due", Date, nullable=True),
    Column("status", String(16), nullable=False),
    Column("goal_key", String(32), nullable=True),
    UniqueConstraint("plan_id", "key", name="uq_plan_actions_key"),
)

#: An action limited to some parties: one row per party that may see it. No rows: every
#: party invited to the case sees the action.
plan_action_parties = Table(
    "plan_action_parties", metadata,
    Column("action_id", Integer, ForeignKey("plan_actions.id", ondelete="CASCADE"),
           primary_key=True),
    Column("party_id", Integer, ForeignKey("parties.id"), primary_key=True),
)

plan_action_notes = Table(
    "plan_action_notes", metadata,
    Column("id", Integer, primary_key=True),
    Column("action_id", Integer, ForeignKey("plan_actions.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("author", String(64), nullable=False),
    Column("text", Text, nullable=False),
)

plan_information_needs = Table(
    "plan_information_needs", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("key", String(32), nullable=False),
    Column("position", Integer, nullable=False),
    Column("party_id", Integer, ForeignKey("parties.id"), nullable=False),
    Column("description", Text, nullable=False),
    UniqueConstraint("plan_id", "key", name="uq_plan_information_needs_key"),
)

#: Every saved version of a plan, as a snapshot (``app.domain.plan.snapshot``, JSON). A
#: version saved during or for a meeting names it; ``meeting_id`` has no foreign key because
#: meetings are a later migration.
plan_versions = Table(
    "plan_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("plan_id", Integer, ForeignKey("plans.id", ondelete="CASCADE"), nullable=False,
           index=True),
    Column("version", Integer, nullable=False),
    Column("meeting_id", Integer, nullable=True),
    Column("saved_at", DateTime, nullable=False),
    Column("saved_by", String(64), nullable=False),
    Column("snapshot", Text, nullable=False),
    UniqueConstraint("plan_id", "version", name="uq_plan_versions_version"),
)

# -- personal data (app.store.personal) -----------------------------------------------------
declare(plans, personal=("coordinator_person", "closure_criteria", "next_meeting_note"),
        not_personal=("updated_by",))
declare(plan_goals, personal=("description",), not_personal=("key", "life_domain"))
declare(plan_actions, personal=("description", "owner"),
        not_personal=("key", "status", "goal_key"))
declare(plan_versions, personal=("snapshot",), not_personal=("saved_by",))
declare(plan_action_notes, personal=("text",), not_personal=("author",))
declare(plan_information_needs, personal=("description",), not_personal=("key",))
