"""SQLAlchemy Core tables of cases: the case itself, its subjects (the family system), the
problems per life domain, the answers to the Bijlage 2 criteria, and the information items
parties supplied with the terms they set.

Migration ``0003_cases`` creates these tables; a test checks that both agree.

The ``cases`` row is also the tombstone once a case is destroyed: number, protocol, state,
the per-transition dates, outcome and the referring party's type stay (for the figures for
the Stuurgroep); every personal field is emptied and the rows of the other tables go.
Search runs on indexes: the number (unique), a subject's folded surname with the birth
date, the BSN, and the birth date.
"""

from __future__ import annotations

from sqlalchemy import (
                        Boolean,
                        Column,
                        Date,
                        DateTime,
                        ForeignKey,
                        Index,
                        Integer,
                        String,
                        Table,
                        Text,
                        UniqueConstraint,
)

from app.store.tables import metadata
from app.store.personal import declare
from app.store.sealed import seal
from app.store.versioned import version_columns

cases = Table(
    "cases", metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(20), nullable=False, unique=True),   # ZVH-YYYY-NNNN
    Column("number_year", Integer, nullable=False),
    Column("number_seq", Integer, nullable=False),
    Column("protocol", String(32), nullable=False),
    Column("state", String(24), nullable=False),
    Column("referring_party_id", Integer, ForeignKey("parties.id"), nullable=True),
    Column("referring_party_type", String(32), nullable=True),     # kept in the tombstone
    Column("referring_contact", Text, nullable=True),
    Column("received", Date, nullable=False),
    Column("reason", Text, nullable=True),
    Column("question", Text, nullable=True),
    Column("external_ref", String(100), nullable=True, unique=True),
    Column("intake_decision", String(16), nullable=True),          # accepted | declined
    Column("intake_decided_by", String(64), nullable=True),
    Column("decline_reason", Text, nullable=True),
    Column("decline_advice", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    # One timestamp per transition, for the figures (set the first time only).
    Column("intake_started_at", DateTime, nullable=True),
    Column("intake_decided_at", DateTime, nullable=True),
    Column("triage_done_at", DateTime, nullable=True),
    Column("first_meeting_at", DateTime, nullable=True),
    Column("closed_at", DateTime, nullable=True),
    Column("destroyed_at", DateTime, nullable=True),
    Column("outcome", String(32), nullable=True),
    *version_columns(),                                # issue 22, point 4 (0015)
    UniqueConstraint("number_year", "number_seq", name="uq_cases_number_seq"),
)
Index("ix_cases_state", cases.c.state)
Index("ix_cases_received", cases.c.received)
Index("ix_cases_referring_party_id", cases.c.referring_party_id)

#: The people of a case's family system. ``surname_key`` and ``name_key`` are the folded
#: forms (``app.domain.cases.fold_for_search``) the searches compare.
subjects = Table(
    "subjects", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("given_names", Text, nullable=False),
    Column("surname", Text, nullable=False),
    Column("surname_key", Text, nullable=False),
    Column("name_key", Text, nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("bsn", String(9), nullable=True),
    Column("address", Text, nullable=True),
    Column("role", String(16), nullable=False),
)
Index("ix_subjects_case_role", subjects.c.case_id, subjects.c.role)
Index("ix_subjects_surname_birth", subjects.c.surname_key, subjects.c.birth_date)
Index("ix_subjects_bsn", subjects.c.bsn)
Index("ix_subjects_birth_date", subjects.c.birth_date)

#: What the Cases table shows and searches per case, kept in step with ``subjects`` by the
#: services that write them: the main subject's display name and the folded search text
#: (number, every subject's names and BSN). It makes the whole table one plain scan (with
#: SQLCipher's memory security on, per-row string work in SQL is what costs the time). Holds
#: personal data: destroying a case removes its row.
case_search = Table(
    "case_search", metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("main_subject", Text, nullable=False),
    Column("search_key", Text, nullable=False),
)

life_domain_problems = Table(
    "life_domain_problems", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("domain", String(32), nullable=False),
    Column("description", Text, nullable=False),
    UniqueConstraint("case_id", "domain", name="uq_life_domain_problems_case_domain"),
)

criteria_answers = Table(
    "criteria_answers", metadata,
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("criterion", String(32), primary_key=True),
    Column("answer", Boolean, nullable=False),
    Column("motivation", Text, nullable=False),
    Column("answered_at", DateTime, nullable=False),
    Column("answered_by", String(64), nullable=False),
)

#: One piece of information one party supplied, with that party's sharing terms.
information_items = Table(
    "information_items", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("source_party_id", Integer, ForeignKey("parties.id"), nullable=False),
    Column("received", Date, nullable=False),
    Column("category", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("pre_meeting_view", Boolean, nullable=False),
    Column("meeting_screen", Boolean, nullable=False),
    Column("use_restriction", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
    #: the item concerns every subject of the case ("the whole household"); when false,
    #: ``item_subjects`` names the subjects it concerns (migration 0009)
    Column("concerns_all", Boolean, nullable=False, server_default="1"),
    #: the source party agreed that the house gives the item to a subject who asks (AVG 15)
    Column("subject_access", Boolean, nullable=False, server_default="0"),
    #: the terms were set by someone other than the source party (an import by the
    #: referring party): stored narrowest until the source party confirms them
    Column("terms_to_confirm", Boolean, nullable=False, server_default="0"),
)
Index("ix_information_items_case_id", information_items.c.case_id)

#: Which of the case's subjects an item concerns, when not all of them (``concerns_all``).
item_subjects = Table(
    "item_subjects", metadata,
    Column("item_id", Integer, ForeignKey("information_items.id", ondelete="CASCADE"),
           primary_key=True),
    Column("subject_id", Integer, ForeignKey("subjects.id", ondelete="CASCADE"),
           primary_key=True),
)

#: The parties (besides the source party and the process director) an item may be shown to.
item_shared_with = Table(
    "item_shared_with", metadata,
    Column("item_id", Integer, ForeignKey("information_items.id", ondelete="CASCADE"),
           primary_key=True),
    Column("party_id", Integer, ForeignKey("parties.id"), primary_key=True),
)

# -- personal data (app.store.personal; closure, destruction, the demo and the leak tests) ---
declare(cases,
        personal=("referring_contact", "reason", "question", "external_ref",
                  "decline_reason", "decline_advice"),
        not_personal=("number", "protocol", "state", "referring_party_type",
                      "intake_decision", "intake_decided_by", "created_by", "outcome",
                      "changed_by"))
declare(subjects,
        personal=("given_names", "surname", "surname_key", "name_key", "bsn", "address"),
        not_personal=("role",))
declare(case_search, personal=("main_subject", "search_key"))
declare(life_domain_problems, personal=("description",), not_personal=("domain",))
declare(criteria_answers, personal=("motivation",),
        not_personal=("criterion", "answered_by"))
declare(information_items, personal=("text", "use_restriction"), not_personal=("category",))
# not text, personal all the same: sealed on the house server (app.store.sealed)
seal(subjects, "birth_date")
