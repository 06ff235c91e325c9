"""The referral as houses practise it (issue 24), as plain data and rules, no database:

* :class:`Invitee`: a partner the referral proposes to invite, with its contact person
  (name, role, phone, e-mail). The contact is a professional's personal data: it is kept in
  the vault, shown where the case is shown, and blanked at closure unless the same person is
  among the party register's own contacts (:func:`in_register`).
* :class:`Informing`: whether a subject was informed that the case is discussed (AVG 13/14):
  informed on a date by a party, or not informed with a ground from a fixed list
  (:class:`Ground`) and a date to look again.

The same rules check the intake wizard and the import file; every problem names its field
(``invitees[0].email``, ``subjects[1].informing.ground``), the import prefixes
``referrals[i].``. An invitee party must take part in the case's protocol on the day
(:func:`app.sharing.policy.may_be_invited` is asked again when the agenda is made: the
referral proposes, the policy decides).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from app.domain.parties import check_email
from app.domain.protocols import Protocol
from app.domain.standing import PartyStanding
from app.domain.text_rules import NAME_LIMIT, check_free_text, check_identifying, check_length
from app.errors import ValidationError
from app.formatting import format_date
from app.i18n import N_, _

#: The longest phone number and e-mail address taken (as the party register's columns).
PHONE_LIMIT = 64
EMAIL_LIMIT = 254
#: The longest ground "in words".
GROUND_TEXT_LIMIT = 2_000


# -- partners to invite -----------------------------------------------------------------------

@dataclass(frozen=True)
class Invitee:
    """A partner the referral proposes to invite, with its contact person."""

    party_id: int
    contact_name: str = ""
    contact_role: str = ""
    phone: str = ""
    email: str = ""
    id: int | None = None

    @property
    def has_contact(self) -> bool:
        return bool(self.contact_name or self.contact_role or self.phone or self.email)


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def in_register(invitee: Invitee, register: Iterable[tuple[int, str, str]]) -> bool:
    """Whether the invitee's contact person is also one of the party's own contacts in the
    register (``register``: ``(party_id, name, email)`` of every register contact): the same
    party and the same name, and the same e-mail address when both have one. Such a contact
    stays at closure (it is the register's, not the case's)."""
    name = _fold(invitee.contact_name)
    if not name:
        return False
    email = invitee.email.strip().casefold()
    for party_id, reg_name, reg_email in register:
        if party_id != invitee.party_id or _fold(reg_name) != name:
            continue
        if email and reg_email.strip() and reg_email.strip().casefold() != email:
            continue
        return True
    return False


def check_invitee(party_id: int | None, contact_name: str, contact_role: str, phone: str,
                  email: str, *, standings: Mapping[int, PartyStanding],
                  protocol: Protocol | None, on: date, prefix: str) -> Invitee:
    """One partner to invite, or ``ValidationError`` naming the field (``prefix.party``,
    ``prefix.email`` ...). A contact without a party, a party not in the register, not active
    on ``on`` or not in ``protocol`` on that day, and an e-mail address that is not one are
    refused."""
    if party_id is None:
        raise ValidationError(_("choose the party this contact person works for"),
                              field=f"{prefix}.party")
    standing = standings.get(party_id)
    if standing is None:
        raise ValidationError(_("is not a party in the register"), field=f"{prefix}.party")
    if not standing.is_active(on):
        raise ValidationError(_("is not an active party on {date}")
                              .format(date=on.isoformat()), field=f"{prefix}.party")
    if protocol is not None and not standing.takes_part(protocol, on):
        raise ValidationError(_("does not take part in the protocol \u201c{protocol}\u201d")
                              .format(protocol=protocol.label), field=f"{prefix}.party")
    values = {}
    for key, value, limit in (("contact_name", contact_name, NAME_LIMIT),
                              ("contact_role", contact_role, NAME_LIMIT),
                              ("phone", phone, PHONE_LIMIT)):
        text = " ".join(value.split())
        check_identifying(value.strip(), f"{prefix}.{key}")
        values[key] = check_length(text, f"{prefix}.{key}", limit)
    mail = email.strip()
    check_identifying(mail, f"{prefix}.email")
    check_length(mail, f"{prefix}.email", EMAIL_LIMIT)
    try:
        mail = check_email(mail, f"{prefix}.email")
    except ValidationError:
        raise ValidationError(_("is not an e-mail address"), field=f"{prefix}.email") from None
    return Invitee(party_id, values["contact_name"], values["contact_role"], values["phone"],
                   mail)


def check_invitees_unique(invitees: Iterable[Invitee], prefix: str = "invitees") -> None:
    """No party twice in the list (one contact person per party to invite)."""
    seen: set[int] = set()
    for i, invitee in enumerate(invitees):
        if invitee.party_id in seen:
            raise ValidationError(_("this party is already in the list"),
                                  field=f"{prefix}[{i}].party")
        seen.add(invitee.party_id)


# -- informing the subject --------------------------------------------------------------------

class Ground(StrEnum):
    """Why a subject was not informed that the case is discussed (AVG 13/14, 23)."""

    CRIMINAL_INVESTIGATION = "criminal_investigation"
    SAFETY = "safety"
    OTHER = "other"

    @property
    def label(self) -> str:
        return _(GROUND_LABELS[self])


GROUND_LABELS = {
    Ground.CRIMINAL_INVESTIGATION: N_("running criminal investigation"),
    Ground.SAFETY: N_("safety of the subject or others"),
    Ground.OTHER: N_("other"),
}


@dataclass(frozen=True)
class Informing:
    """Whether a subject was informed that the case is discussed, or the ground not to."""

    informed: bool
    informed_on: date | None = None
    informed_by_party_id: int | None = None
    ground: Ground | None = None
    ground_text: str = ""
    review_on: date | None = None

    def describe(self, party_names: Mapping[int, str]) -> str:
        """One line for the case screen, the director's meeting screen and the review."""
        if self.informed:
            party = party_names.get(self.informed_by_party_id or 0, "?")
            return _("Informed on {date} by {party}").format(
                date=format_date(self.informed_on, empty="?"), party=party)
        if self.ground is None:
            return _("Not informed, no ground recorded")
        ground = (_("other: {text}").format(text=self.ground_text)
                  if self.ground is Ground.OTHER else self.ground.label)
        line = _("Not informed: {ground}").format(ground=ground)
        if self.review_on is not None:
            line += "; " + _("look again on {date}").format(date=format_date(self.review_on))
        return line


def check_informing(informed: bool | None, informed_on: date | None,
                    informed_by_party_id: int | None, ground: str | None, ground_text: str,
                    review_on: date | None, *, today: date,
                    standings: Mapping[int, PartyStanding], prefix: str) -> Informing:
    """One subject's informing, or ``ValidationError`` naming the field. Informed needs the
    date (not in the future) and the party that informed; not informed needs a ground from
    the list (``other`` with the ground in words) and a date to look again."""
    if informed is None:
        raise ValidationError(_("say whether the subject was informed"),
                              field=f"{prefix}.informed")
    if informed:
        if informed_on is None:
            raise ValidationError(_("give the date the subject was informed"),
                                  field=f"{prefix}.informed_on")
        if informed_on > today:
            raise ValidationError(_("is in the future"), field=f"{prefix}.informed_on")
        if informed_by_party_id is None:
            raise ValidationError(_("give the party that informed the subject"),
                                  field=f"{prefix}.informed_by")
        if informed_by_party_id not in standings:
            raise ValidationError(_("is not a party in the register"),
                                  field=f"{prefix}.informed_by")
        return Informing(True, informed_on, informed_by_party_id)
    if not ground:
        raise ValidationError(_("not informed: give the ground not to inform the subject"),
                              field=f"{prefix}.ground")
    try:
        found = Ground(ground)
    except ValueError:
        raise ValidationError(_("is not a ground of the list (criminal_investigation, "
                                "safety, other)"), field=f"{prefix}.ground") from None
    text = ground_text.strip()
    if found is Ground.OTHER:
        if not text:
            raise ValidationError(_("give the ground in words"),
                                  field=f"{prefix}.ground_text")
        check_free_text(text, f"{prefix}.ground_text")
        check_length(text, f"{prefix}.ground_text", GROUND_TEXT_LIMIT)
    else:
        text = ""
    if review_on is None:
        raise ValidationError(_("give the date to look again whether the subject can be "
                                "informed"), field=f"{prefix}.review_on")
    return Informing(False, None, None, found, text, review_on)


def lacking_ground(informings: Mapping[int, Informing | None]) -> list[int]:
    """The subjects (by id or position) not informed and without a recorded ground, or with
    nothing recorded at all: what triage flags."""
    return [key for key, value in informings.items()
            if value is None or (not value.informed and value.ground is None)]
