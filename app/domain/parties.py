"""The party register's vocabulary and rules, without a database: the kinds of party, the
covenant's three domains, how a party's participation ends, the records the register hands
out, and the checks on input (names, periods, e-mail addresses).

Covenant: preamble (the signatories), art. 10 (contact persons), 20 (accession by Bijlage 1),
21.3 and 23.2 (withdrawal and exclusion).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise

from app.domain.protocols import Protocol
from app.domain.text_rules import check_identifying
from app.errors import ValidationError
from app.i18n import N_, _

#: The covenant's start (art. 23.1): the date the original signatories joined.
COVENANT_START = date(2019, 1, 1)


class PartyType(StrEnum):
    MUNICIPALITY = "municipality"
    POLICE = "police"
    PUBLIC_PROSECUTOR = "public_prosecutor"
    PROBATION = "probation"
    MENTAL_HEALTH = "mental_health"
    YOUTH_PROTECTION = "youth_protection"
    SAFE_AT_HOME = "safe_at_home"
    PUBLIC_HEALTH = "public_health"
    JUSTICE_INSTITUTION = "justice_institution"
    SOCIAL_HOUSING_SUPPORT = "social_housing_support"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _(PARTY_TYPE_LABELS[self])


PARTY_TYPE_LABELS = {
    PartyType.MUNICIPALITY: N_("Municipality"),
    PartyType.POLICE: N_("Police"),
    PartyType.PUBLIC_PROSECUTOR: N_("Public prosecutor"),
    PartyType.PROBATION: N_("Probation"),
    PartyType.MENTAL_HEALTH: N_("Mental-health care"),
    PartyType.YOUTH_PROTECTION: N_("Youth protection and child care"),
    PartyType.SAFE_AT_HOME: N_("Safe at home"),
    PartyType.PUBLIC_HEALTH: N_("Public health"),
    PartyType.JUSTICE_INSTITUTION: N_("Justice institution"),
    PartyType.SOCIAL_HOUSING_SUPPORT: N_("Social and housing support"),
    PartyType.OTHER: N_("Other"),
}


class PartyDomain(StrEnum):
    """The covenant's three domains (preamble): care, criminal justice, municipal."""

    CARE = "care"
    CRIMINAL_JUSTICE = "criminal_justice"
    MUNICIPAL = "municipal"

    @property
    def label(self) -> str:
        return _(PARTY_DOMAIN_LABELS[self])


PARTY_DOMAIN_LABELS = {
    PartyDomain.CARE: N_("Care"),
    PartyDomain.CRIMINAL_JUSTICE: N_("Criminal justice"),
    PartyDomain.MUNICIPAL: N_("Municipal"),
}


class EndReason(StrEnum):
    WITHDRAWAL = "withdrawal"     # art. 21.3: the party gives notice
    EXCLUSION = "exclusion"       # art. 23.2: the steering group excludes the party

    @property
    def label(self) -> str:
        return _(END_REASON_LABELS[self])


END_REASON_LABELS = {
    EndReason.WITHDRAWAL: N_("Withdrawal"),
    EndReason.EXCLUSION: N_("Exclusion"),
}


@dataclass(frozen=True)
class MembershipPeriod:
    """A party's membership of one protocol as the register keeps it (with its row id)."""

    protocol: Protocol
    start: date
    end: date | None = None            # last day; None: open-ended
    id: int | None = None

    def covers(self, on: date) -> bool:
        return self.start <= on and (self.end is None or on <= self.end)


@dataclass(frozen=True)
class PartyDetails:
    """What an administrator types about an organisation (also what Bijlage 1 shows)."""

    name: str
    party_type: PartyType
    domain: PartyDomain
    seat: str = ""
    address: str = ""
    representative: str = ""          # "name, function" of the authorised signatory
    short_name: str = ""              # empty: derived from the name


@dataclass(frozen=True)
class Party:
    id: int
    name: str
    short_name: str
    party_type: PartyType
    domain: PartyDomain
    seat: str
    address: str
    representative: str
    is_host_municipality: bool
    joined_on: date | None
    accession_requested_on: date | None
    steering_group_agreed_on: date | None
    bijlage1_signed_on: date | None
    active_from: date | None
    active_until: date | None
    end_reason: EndReason | None
    end_note: str
    memberships: tuple[MembershipPeriod, ...] = field(default_factory=tuple)
    #: the record's version as read (a save names it: issue 22, point 4)
    version: int | None = None

    def is_active(self, on: date) -> bool:
        if self.active_from is None or on < self.active_from:
            return False
        return self.active_until is None or on <= self.active_until

    def protocols_on(self, on: date) -> tuple[Protocol, ...]:
        return tuple(p for p in Protocol if any(
            m.protocol == p and m.covers(on) for m in self.memberships))

    @property
    def ended_on(self) -> date | None:
        """The first day the party no longer takes part (the date the user entered)."""
        if self.active_until is None:
            return None
        return self.active_until + timedelta(days=1)


@dataclass(frozen=True)
class Contact:
    """A contact person of a party (art. 10): a professional, kept inside the vault."""

    party_id: int
    name: str
    function: str = ""
    phone: str = ""
    email: str = ""
    steering_group: bool = False
    partner_board: bool = False
    case_meetings: bool = False
    id: int | None = None
    #: the record's version as read; a change names it (None: no check)
    version: int | None = None


@dataclass(frozen=True)
class PartyEvent:
    """One line of a party's history."""

    id: int
    party_id: int
    at: str            # ISO 8601 UTC
    actor: str
    kind: str
    detail: dict[str, object]

    @property
    def label(self) -> str:
        return _(EVENT_LABELS.get(self.kind, N_("Change")))


EVENT_LABELS = {
    "seeded": N_("Signatory of the covenant"),
    "added": N_("Party added"),
    "details_changed": N_("Details changed"),
    "protocols_changed": N_("Protocol membership changed"),
    "contact_added": N_("Contact person added"),
    "contact_changed": N_("Contact person changed"),
    "contact_removed": N_("Contact person removed"),
    "accession_requested": N_("Accession requested"),
    "steering_group_agreed": N_("Steering group agreed"),
    "bijlage1_signed": N_("Bijlage 1 signed"),
    "bijlage1_exported": N_("Bijlage 1 form printed"),
    "ended": N_("Participation ended"),
}

# -- checks ---------------------------------------------------------------------------

_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*"
                    r"\.[A-Za-z]{2,}$")


def check_email(value: str, field_name: str = "email") -> str:
    """Return the address trimmed; empty is allowed (not every contact has one)."""
    value = value.strip()
    if value and (not _EMAIL.match(value) or ".." in value or len(value) > 254):
        raise ValidationError(_("{value} is not an e-mail address.").format(value=value),
                              field=field_name)
    return value


def check_name(value: str, field_name: str = "name") -> str:
    value = " ".join(value.split())
    if not value:
        raise ValidationError(_("Give the organisation's name."), field=field_name)
    if len(value) > 200:
        raise ValidationError(_("The name is longer than 200 characters."), field=field_name)
    return check_identifying(value, field_name, _("The organisation's name"))


def check_period(start: date | None, end: date | None, end_field: str = "end") -> None:
    if start is not None and end is not None and end < start:
        raise ValidationError(_("The end date lies before the start date."), field=end_field)


def check_membership_within(membership: MembershipPeriod, active_from: date | None,
                            active_until: date | None, field_name: str = "memberships"
                            ) -> None:
    """A protocol membership must lie inside the party's active period."""
    check_period(membership.start, membership.end, field_name)
    label = membership.protocol.label
    if active_from is None:
        raise ValidationError(
            _("The party is not active yet, so it cannot take part in {protocol}.")
            .format(protocol=label), field=field_name)
    if membership.start < active_from:
        raise ValidationError(
            _("Membership of {protocol} starts before the party is active ({date}).")
            .format(protocol=label, date=active_from.isoformat()), field=field_name)
    if active_until is not None and (membership.end is None or membership.end > active_until):
        raise ValidationError(
            _("Membership of {protocol} runs past the party's last day ({date}).")
            .format(protocol=label, date=active_until.isoformat()), field=field_name)


def check_no_overlap(memberships: list[MembershipPeriod], field_name: str = "memberships"
                     ) -> None:
    """Two periods of the same protocol may not overlap (one would hide the other's end)."""
    for protocol in Protocol:
        periods = sorted((m for m in memberships if m.protocol == protocol),
                         key=lambda m: m.start)
        for before, after in pairwise(periods):
            if before.end is None or before.end >= after.start:
                raise ValidationError(
                    _("Two periods of {protocol} overlap.").format(protocol=protocol.label),
                    field=field_name)


def short_name_for(name: str) -> str:
    """An ASCII name fit for file names.

    'Politie regionale eenheid' -> 'politie-regionale-eenheid'.
    """
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return slug[:64].strip("-") or "partij"


def check_short_name(value: str, field_name: str = "short_name") -> str:
    value = value.strip()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", value):
        raise ValidationError(_("The short name may hold only lower-case letters a-z, digits "
                                "and hyphens."), field=field_name)
    return value
