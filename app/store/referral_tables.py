"""SQLAlchemy Core tables of the referral as houses practise it (issue 24): the partners a
referral proposes to invite with their contact persons, and whether each subject was
informed that the case is discussed (AVG 13/14) or the recorded ground not to.

Migration ``0013_referral_invitees_informing`` creates these tables; a test checks that
both agree. Both hold personal data and refer to the case: destruction removes them
(``app.services.retention.destroy_case`` follows every key to ``cases``); closure blanks the
contact persons unless they are in the party register's own contacts
(``app.services.referral_contacts.remove_at_closure``).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
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

#: A party the referral proposes to invite, with its contact person (a professional).
case_invitees = Table(
    "case_invitees", metadata,
    Column("id", Integer, primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("position", Integer, nullable=False),
    Column("party_id", Integer, ForeignKey("parties.id"), nullable=False),
    Column("contact_name", Text, nullable=False, server_default=""),
    Column("contact_role", Text, nullable=False, server_default=""),
    Column("phone", Text, nullable=False, server_default=""),
    Column("email", Text, nullable=False, server_default=""),
    UniqueConstraint("case_id", "position", name="uq_case_invitees_position"),
)
Index("ix_case_invitees_case_id", case_invitees.c.case_id)

#: Whether a subject was informed that the case is discussed, or the ground not to.
subject_informing = Table(
    "subject_informing", metadata,
    Column("subject_id", Integer, ForeignKey("subjects.id", ondelete="CASCADE"),
           primary_key=True),
    Column("case_id", Integer, ForeignKey("cases.id", ondelete="CASCADE"), nullable=False),
    Column("informed", Boolean, nullable=False),
    Column("informed_on", Date, nullable=True),
    Column("informed_by_party_id", Integer, ForeignKey("parties.id"), nullable=True),
    Column("ground", String(32), nullable=True),
    Column("ground_text", Text, nullable=False, server_default=""),
    Column("review_on", Date, nullable=True),
)
Index("ix_subject_informing_case_id", subject_informing.c.case_id)

# -- personal data (app.store.personal) -----------------------------------------------------
declare(case_invitees, personal=("contact_name", "contact_role", "phone", "email"))
declare(subject_informing, personal=("ground_text",), not_personal=("ground",))
