"""SQLAlchemy Core tables of the party register: the covenant's signatories (parties), their
membership of the three privacy protocols, their contact persons (art. 10) and the history of
every change to a party (accession, withdrawal, exclusion, edits).

Migration ``0002_parties`` creates these tables; a test checks that both agree.
"""

from __future__ import annotations

from sqlalchemy import (
                        Boolean,
                        Column,
                        Date,
                        ForeignKey,
                        Integer,
                        String,
                        Table,
                        Text,
                        UniqueConstraint,
)

from app.store.sealed import seal
from app.store.tables import metadata
from app.store.versioned import version_columns

#: One organisation that signed (or asked to sign) the covenant.
parties = Table(
    "parties", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),   # as the covenant names it
    Column("short_name", String(64), nullable=False, unique=True),  # ASCII, for file names
    Column("party_type", String(32), nullable=False),
    Column("domain", String(32), nullable=False),
    Column("seat", String(120), nullable=False, default=""),
    Column("address", String(300), nullable=False, default=""),
    Column("representative", String(200), nullable=False, default=""),
    Column("is_host_municipality", Boolean, nullable=False, default=False),
    Column("joined_on", Date, nullable=True),
    Column("accession_requested_on", Date, nullable=True),
    Column("steering_group_agreed_on", Date, nullable=True),
    Column("bijlage1_signed_on", Date, nullable=True),
    Column("active_from", Date, nullable=True),        # None: accession pending
    Column("active_until", Date, nullable=True),       # last active day after withdrawal
    Column("end_reason", String(16), nullable=True),   # withdrawal | exclusion
    Column("end_note", Text, nullable=False, default=""),
    *version_columns(),                                # issue 22, point 4 (0015)
)

#: A party's membership of one privacy protocol, from ``start`` until ``end`` (inclusive).
party_protocols = Table(
    "party_protocols", metadata,
    Column("id", Integer, primary_key=True),
    Column("party_id", Integer, ForeignKey("parties.id"), nullable=False, index=True),
    Column("protocol", String(32), nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=True),
    UniqueConstraint("party_id", "protocol", "start", name="uq_party_protocols_start"),
)

#: Contact persons of a party (covenant art. 10): professionals' details, inside the vault.
party_contacts = Table(
    "party_contacts", metadata,
    Column("id", Integer, primary_key=True),
    Column("party_id", Integer, ForeignKey("parties.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("function", String(200), nullable=False, default=""),
    Column("phone", String(64), nullable=False, default=""),
    Column("email", String(254), nullable=False, default=""),
    Column("steering_group", Boolean, nullable=False, default=False),
    Column("partner_board", Boolean, nullable=False, default=False),
    Column("case_meetings", Boolean, nullable=False, default=False),
    *version_columns(),                                # issue 22, point 4 (0015)
)

#: What happened to a party and when (shown as its history). ``detail`` is JSON without names
#: of contact persons.
party_events = Table(
    "party_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("party_id", Integer, ForeignKey("parties.id"), nullable=False, index=True),
    Column("at", String(32), nullable=False),          # ISO 8601 UTC
    Column("actor", String(64), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),
)

# Contact persons are professionals' personal data: sealed on the house server
# (app.store.sealed; unchanged in the vault file).
seal(party_contacts, "name", "function", "phone", "email")
# the party's representative (who signed for it) is a professional's name as well
seal(parties, "representative")
