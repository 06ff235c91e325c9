"""The intake wizard as data: its steps, the draft it fills in, and the validation of each
step, with no Qt (the ``ui/`` wizard only renders this; whole flows are tested without it).

The same field rules check a referral typed into the wizard and one read from an import file,
so both refuse the same things with the same words. Every problem is a :class:`FieldError`
naming its field with a stable path (``subjects[0].bsn``, ``criteria.multi_problem``); the
wizard shows the message beside that field, the import prefixes ``referrals[i].``.

A draft (:class:`IntakeDraft`) keeps what was typed as text, valid or not, so that a page can
be saved at any moment (on every page and on lock) and reopened as it was; only
:func:`to_referral` turns it into checked values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from app.domain.bsn import check_bsn
from app.domain.cases import Subject, SubjectRole, check_birth_date, check_required_text, parse_date
from app.domain.criteria import CRITERIA, Criterion, CriterionAnswer, is_complex_case, unanswered
from app.domain.information import Category, SharingTerms
from app.domain.life_domains import LifeDomain
from app.domain.protocols import Protocol
from app.domain.referral_contacts import Informing, Invitee, check_informing, check_invitee
from app.domain.standing import PartyStanding
from app.domain.text_rules import (
    NAME_LIMIT,
    check_free_text,
    check_identifying,
    check_length,
    escape_invisible,
)
from app.domain.wizard import FieldError as FieldError  # the intake's problems are refusals
from app.domain.wizard import Flow, Step, collect, no_refusals
from app.errors import ValidationError
from app.i18n import N_, _

DRAFT_KIND = "intake"
PAYLOAD_VERSION = 1



# -- problems -------------------------------------------------------------------------------

# A problem is the wizard protocol's refusal (app.domain.wizard): the field and the message.
_collect = collect


# -- the steps ------------------------------------------------------------------------------

class IntakeStep(StrEnum):
    PROTOCOL = "protocol"
    REFERRING_PARTY = "referring_party"
    SUBJECTS = "subjects"
    PROBLEMS = "problems"
    CRITERIA = "criteria"
    QUESTION = "question"
    PARTNERS = "partners"
    SUMMARY = "summary"

    @property
    def title(self) -> str:  # type: ignore[override]  # the ui reads .title; never str.title()
        return _(STEP_TITLES[self])

    @property
    def explanation(self) -> str:
        return _(STEP_EXPLANATIONS[self])


#: The wizard's pages in order. The protocol comes first because it decides which parties
#: may refer (a party must take part in the chosen protocol).
STEPS: tuple[IntakeStep, ...] = tuple(IntakeStep)

STEP_TITLES = {
    IntakeStep.PROTOCOL: N_("Protocol"),
    IntakeStep.REFERRING_PARTY: N_("Referring party"),
    IntakeStep.SUBJECTS: N_("Subjects"),
    IntakeStep.PROBLEMS: N_("Reason and life domains"),
    IntakeStep.CRITERIA: N_("Criteria for complex cases"),
    IntakeStep.QUESTION: N_("Question to the house"),
    IntakeStep.PARTNERS: N_("Partners to invite and informing"),
    IntakeStep.SUMMARY: N_("Summary and decision"),
}

STEP_EXPLANATIONS = {
    IntakeStep.PROTOCOL: N_("Choose the privacy protocol the referral falls under."),
    IntakeStep.REFERRING_PARTY: N_("The party that refers the case, its contact person and "
                                   "the date the referral was received."),
    IntakeStep.SUBJECTS: N_("The people in the family system this referral is about. Each is "
                            "checked against the cases the house still holds."),
    IntakeStep.PROBLEMS: N_("Why the case is referred, and the problems per life domain."),
    IntakeStep.CRITERIA: N_("Answer each criterion of Bijlage 2 and give a motivation."),
    IntakeStep.QUESTION: N_("What the referring party wants the case meeting to achieve."),
    IntakeStep.PARTNERS: N_("The partners the referring party proposes to invite, with "
                            "their contact persons; and per subject whether the subject "
                            "was informed that the case is discussed, or the ground not "
                            "to (AVG 13/14)."),
    IntakeStep.SUMMARY: N_("Check the referral, then accept it for triage, decline it, or "
                           "keep it as a draft."),
}


def step_index(step: IntakeStep) -> int:
    return STEPS.index(step)


def next_step(step: IntakeStep) -> IntakeStep | None:
    following = FLOW.next_step(step)
    return IntakeStep(following) if following is not None else None


def previous_step(step: IntakeStep) -> IntakeStep | None:
    i = step_index(step)
    return STEPS[i - 1] if i > 0 else None


class IntakeOutcome(StrEnum):
    """The choices on the summary page."""

    ACCEPT = "accept"            # to triage (process director)
    DECLINE = "decline"          # reason and advice required (process director)
    REGISTER = "register"        # register as referred, intake later (information centre)
    KEEP_DRAFT = "keep_draft"

    @property
    def label(self) -> str:
        return _(OUTCOME_LABELS[self])


OUTCOME_LABELS = {
    IntakeOutcome.ACCEPT: N_("Accept for triage"),
    IntakeOutcome.DECLINE: N_("Decline"),
    IntakeOutcome.REGISTER: N_("Register, intake later"),
    IntakeOutcome.KEEP_DRAFT: N_("Keep as draft"),
}


# -- the draft ------------------------------------------------------------------------------

@dataclass
class SubjectEntry:
    """One subject as typed; dates as ``YYYY-MM-DD`` text."""

    given_names: str = ""
    surname: str = ""
    birth_date: str = ""
    bsn: str = ""
    address: str = ""
    role: str = SubjectRole.MAIN_SUBJECT.value

    @classmethod
    def from_subject(cls, subject: Subject) -> SubjectEntry:
        return cls(subject.given_names, subject.surname, subject.birth_date.isoformat(),
                   subject.bsn or "", subject.address or "", subject.role.value)


@dataclass
class InviteeEntry:
    """A partner to invite as typed (issue 24); ``party_id`` None: no party chosen."""

    party_id: int | None = None
    contact_name: str = ""
    contact_role: str = ""
    phone: str = ""
    email: str = ""


@dataclass
class InformingEntry:
    """One subject's informing as typed (issue 24). ``informed``: "" (nothing recorded),
    "yes" or "no"; dates as ``YYYY-MM-DD`` text; ``informed_by`` a party id."""

    informed: str = ""
    informed_on: str = ""
    informed_by: int | None = None
    ground: str = ""
    ground_text: str = ""
    review_on: str = ""


@dataclass
class CriterionEntry:
    met: bool | None = None
    motivation: str = ""


@dataclass
class IntakeDraft:
    """Everything the wizard holds, JSON-able through :meth:`to_payload`.

    ``case_number`` is set when the draft is the intake of a case already registered (an
    imported referral, or one the information centre registered); it is None for a new
    referral typed in the wizard.
    """

    protocol: str = ""
    referring_party_id: int | None = None
    referring_contact: str = ""
    received: str = ""
    subjects: list[SubjectEntry] = field(default_factory=list)
    reason: str = ""
    life_domains: dict[str, str] = field(default_factory=dict)
    criteria: dict[str, CriterionEntry] = field(default_factory=dict)
    question: str = ""
    decline_reason: str = ""
    decline_advice: str = ""
    external_ref: str | None = None
    case_number: str | None = None
    step: str = IntakeStep.PROTOCOL.value
    #: issue 24: the partners to invite, and per subject (same positions) the informing
    invitees: list[InviteeEntry] = field(default_factory=list)
    informing: list[InformingEntry] = field(default_factory=list)
    #: the version of the registered case's registration the draft was filled from (issue
    #: 22, point 4): submitting names it, and is refused when another session rewrote the
    #: registration since. None for a new referral, and in a draft saved before versions
    #: (read as the version every case started with, 1).
    case_version: int | None = None

    def to_payload(self) -> dict[str, Any]:
        data = asdict(self)
        data["version"] = PAYLOAD_VERSION
        return data

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> IntakeDraft:
        """Rebuild a draft; unknown keys (from a newer version) are ignored, missing ones
        take their defaults, so an old draft always reopens."""
        def text(key: str) -> str:
            value = payload.get(key)
            return value if isinstance(value, str) else ""

        subjects = [SubjectEntry(**{k: "" if v is None else str(v) for k, v in s.items()
                                    if k in SubjectEntry.__dataclass_fields__})
                    for s in payload.get("subjects") or [] if isinstance(s, Mapping)]
        criteria: dict[str, CriterionEntry] = {}
        for key, value in (payload.get("criteria") or {}).items():
            if isinstance(value, Mapping):
                met = value.get("met")
                criteria[str(key)] = CriterionEntry(met if isinstance(met, bool) else None,
                                                    str(value.get("motivation") or ""))
        party = payload.get("referring_party_id")
        external = payload.get("external_ref")
        number = payload.get("case_number")
        case_version = payload.get("case_version")
        step = text("step")

        def entries(key: str, kind: type[Any]) -> list[Any]:
            found = []
            for raw in payload.get(key) or []:
                if not isinstance(raw, Mapping):
                    continue
                values: dict[str, Any] = {}
                for name, spec in kind.__dataclass_fields__.items():
                    value = raw.get(name)
                    if spec.type in ("int | None",):
                        values[name] = value if isinstance(value, int) else None
                    elif value is not None:
                        values[name] = str(value)
                found.append(kind(**values))
            return found

        return cls(
            invitees=entries("invitees", InviteeEntry),
            informing=entries("informing", InformingEntry),
            protocol=text("protocol"),
            referring_party_id=party if isinstance(party, int) else None,
            referring_contact=text("referring_contact"),
            received=text("received"),
            subjects=subjects,
            reason=text("reason"),
            life_domains={str(k): str(v) for k, v in (payload.get("life_domains") or {}).items()},
            criteria=criteria,
            question=text("question"),
            decline_reason=text("decline_reason"),
            decline_advice=text("decline_advice"),
            external_ref=external if isinstance(external, str) else None,
            case_number=number if isinstance(number, str) else None,
            case_version=(case_version if isinstance(case_version, int)
                          and not isinstance(case_version, bool) else None),
            step=step if step in {s.value for s in IntakeStep} else IntakeStep.PROTOCOL.value,
        )

    def criterion_answers(self) -> list[CriterionAnswer]:
        answers = []
        for criterion in CRITERIA:
            entry = self.criteria.get(criterion.value)
            if entry is not None:
                answers.append(CriterionAnswer(criterion, entry.met, entry.motivation.strip()))
        return answers


# -- what validation needs to know ----------------------------------------------------------

@dataclass(frozen=True)
class IntakeContext:
    """The facts outside the draft that validation needs: today and the party register."""

    today: date
    standings: Mapping[int, PartyStanding] = field(default_factory=dict)


# -- the checked referral -------------------------------------------------------------------

@dataclass(frozen=True)
class InformationInput:
    """One information item arriving with a referral, with the terms it is stored under.

    ``concerns`` names the referral's subjects the item concerns by their position in
    :attr:`Referral.subjects` (None: the whole household). ``asked_terms`` are terms that
    someone other than the source party asked for (an import file of the referring party):
    the item is then stored with ``terms`` (the narrowest, keeping any use restriction) and
    the asked terms become requests to the source party to widen them (covenant 16.2, 9.2).
    """

    source_party_id: int
    received: date
    category: Category
    text: str
    terms: SharingTerms = field(default_factory=SharingTerms)
    concerns: tuple[int, ...] | None = None
    asked_terms: SharingTerms | None = None

    @property
    def terms_to_confirm(self) -> bool:
        return self.asked_terms is not None


@dataclass(frozen=True)
class Referral:
    """A referral whose every field passed the rules, ready to become a case."""

    protocol: Protocol
    referring_party_id: int
    received: date
    reason: str
    question: str
    subjects: tuple[Subject, ...]
    life_domains: Mapping[LifeDomain, str] = field(default_factory=dict)
    referring_contact: str = ""
    external_ref: str | None = None
    information: tuple[InformationInput, ...] = ()
    #: the partners proposed to invite, with their contact persons (issue 24)
    invitees: tuple[Invitee, ...] = ()
    #: per subject (same positions as ``subjects``): informed, or the ground not to;
    #: None where nothing was recorded (format /1, or left open)
    informing: tuple[Informing | None, ...] = ()


# -- field rules shared by the wizard and the import ----------------------------------------

def check_protocol(value: str, field_name: str = "protocol") -> Protocol:
    try:
        return Protocol(value)
    except ValueError:
        raise ValidationError(_("choose a protocol") if not value else
                              _("is not a protocol"), field=field_name) from None


def check_party(party_id: int | None, standings: Mapping[int, PartyStanding], on: date,
                protocol: Protocol | None, field_name: str) -> int:
    """A party that exists, is active on ``on`` and (when given) takes part in ``protocol``."""
    if party_id is None:
        raise ValidationError(_("choose a party"), field=field_name)
    standing = standings.get(party_id)
    if standing is None:
        raise ValidationError(_("is not a party in the register"), field=field_name)
    if not standing.is_active(on):
        raise ValidationError(_("is not an active party on {date}")
                              .format(date=on.isoformat()), field=field_name)
    if protocol is not None and not standing.takes_part(protocol, on):
        raise ValidationError(_("does not take part in the protocol \u201c{protocol}\u201d")
                              .format(protocol=protocol.label), field=field_name)
    return party_id


def check_received(text: str, today: date, field_name: str = "received") -> date:
    value = parse_date(text, field_name)
    if value > today:
        raise ValidationError(_("is in the future"), field=field_name)
    return value


def check_name_text(value: str, field_name: str, limit: int = NAME_LIMIT) -> str:
    """A required identifying text (a name, a contact person): not empty, at most ``limit``
    characters, and no invisible control or format character (``app.domain.text_rules``)."""
    text = check_required_text(value, field_name)
    check_identifying(text, field_name)
    return check_length(text, field_name, limit)


def check_prose(value: str, field_name: str) -> str:
    """Required free text (a reason, a question): not empty, no control character other
    than line breaks and tabs, no text-direction override."""
    return check_free_text(check_required_text(value, field_name), field_name)


def check_subject(entry: SubjectEntry, today: date, prefix: str) -> tuple[Subject | None,
                                                                           list[FieldError]]:
    """One subject's fields; field paths start with ``prefix`` (``subjects[0]``)."""
    errors: list[FieldError] = []
    given = _collect(errors, lambda: check_name_text(entry.given_names,
                                                     f"{prefix}.given_names"))
    surname = _collect(errors, lambda: check_name_text(entry.surname, f"{prefix}.surname"))
    birth = _collect(errors, lambda: check_birth_date(
        parse_date(entry.birth_date, f"{prefix}.birth_date"), today, f"{prefix}.birth_date"))
    bsn: str | None = None
    if entry.bsn.strip():
        bsn = _collect(errors, lambda: check_bsn(
            check_identifying(entry.bsn, f"{prefix}.bsn"), f"{prefix}.bsn"))
    if entry.address.strip():  # any length typed (a referral file caps it at 500)
        _collect(errors, lambda: check_identifying(entry.address.strip(), f"{prefix}.address"))
    role: SubjectRole | None = None
    try:
        role = SubjectRole(entry.role)
    except ValueError:
        errors.append(FieldError(f"{prefix}.role", _("is not a role in the family system")))
    if errors or given is None or surname is None or birth is None or role is None:
        return None, errors
    address = entry.address.strip() or None
    return Subject(given, surname, birth, role, bsn, address), errors


def check_subjects(entries: Iterable[SubjectEntry], today: date,
                   prefix: str = "subjects") -> tuple[list[Subject], list[FieldError]]:
    subjects: list[Subject] = []
    errors: list[FieldError] = []
    entries = list(entries)
    for i, entry in enumerate(entries):
        subject, problems = check_subject(entry, today, f"{prefix}[{i}]")
        errors.extend(problems)
        if subject is not None:
            subjects.append(subject)
    errors.extend(check_family([e.role for e in entries], subjects, prefix))
    return subjects, errors


def check_family(roles: list[str], subjects: Iterable[Subject], prefix: str = "subjects"
                 ) -> list[FieldError]:
    """The rules over all subjects together: at least one, exactly one main subject, and no
    BSN twice. ``roles`` are the roles as given (also of subjects that failed a check)."""
    errors: list[FieldError] = []
    if not roles:
        errors.append(FieldError(prefix, _("add at least one subject")))
    elif sum(1 for r in roles if r == SubjectRole.MAIN_SUBJECT.value) != 1:
        errors.append(FieldError(prefix, _("exactly one subject must be the main subject")))
    bsns = [s.bsn for s in subjects if s.bsn]
    if len(bsns) != len(set(bsns)):
        errors.append(FieldError(prefix, _("the same BSN is given for two subjects")))
    return errors


def check_life_domains(values: Mapping[str, str], prefix: str = "life_domains"
                       ) -> tuple[dict[LifeDomain, str], list[FieldError]]:
    """Known domain keys only; a domain left empty is simply not recorded."""
    domains: dict[LifeDomain, str] = {}
    errors: list[FieldError] = []
    for key, text in values.items():
        try:
            domain = LifeDomain(key)
        except ValueError:
            shown = escape_invisible(str(key))  # from a file: never echoed raw
            shown = shown if len(shown) <= 60 else shown[:60] + "\u2026"
            errors.append(FieldError(f"{prefix}.{shown}", _("is not a life domain")))
            continue
        if not isinstance(text, str):
            errors.append(FieldError(f"{prefix}.{key}", _("must be text")))
        elif text.strip():
            try:
                domains[domain] = check_free_text(text.strip(), f"{prefix}.{key}")
            except ValidationError as exc:
                errors.append(FieldError(exc.field or "", str(exc)))
    return domains, errors


def check_criteria_entries(entries: Mapping[str, CriterionEntry],
                           require_all: bool) -> list[FieldError]:
    """An answered criterion needs a motivation; with ``require_all`` every one needs both."""
    errors: list[FieldError] = []
    for criterion in CRITERIA:
        entry = entries.get(criterion.value) or CriterionEntry()
        path = f"criteria.{criterion.value}"
        if entry.met is None and (require_all or entry.motivation.strip()):
            errors.append(FieldError(path, _("answer whether this criterion is met")))
        if not entry.motivation.strip() and (require_all or entry.met is not None):
            errors.append(FieldError(f"{path}.motivation", _("give a motivation")))
        elif entry.motivation.strip():
            _collect(errors, lambda: check_free_text(entry.motivation,  # noqa: B023
                                                     f"{path}.motivation"))  # noqa: B023
    return errors


# -- validation per step and for the whole referral -----------------------------------------

def _protocol_step(draft: IntakeDraft, ctx: IntakeContext) -> list[FieldError]:
    errors: list[FieldError] = []
    _collect(errors, lambda: check_protocol(draft.protocol))
    return errors


def _referring_party_step(draft: IntakeDraft, ctx: IntakeContext) -> list[FieldError]:
    errors: list[FieldError] = []
    protocol = _collect([], lambda: check_protocol(draft.protocol))
    received = _collect(errors, lambda: check_received(draft.received, ctx.today))
    _collect(errors, lambda: check_party(draft.referring_party_id, ctx.standings,
                                         received or ctx.today, protocol,
                                         "referring_party"))
    _collect(errors, lambda: check_name_text(draft.referring_contact, "referring_contact"))
    return errors


def _subjects_step(draft: IntakeDraft, ctx: IntakeContext) -> list[FieldError]:
    return check_subjects(draft.subjects, ctx.today)[1]


def _problems_step(draft: IntakeDraft, ctx: IntakeContext) -> list[FieldError]:
    errors: list[FieldError] = []
    _collect(errors, lambda: check_prose(draft.reason, "reason"))
    errors.extend(check_life_domains(draft.life_domains)[1])
    return errors


def _criteria_step(draft: IntakeDraft, ctx: IntakeContext) -> list[FieldError]:
    return check_criteria_entries(draft.criteria, require_all=False)


def _question_step(draft: IntakeDraft, ctx: IntakeContext) -> list[FieldError]:
    errors: list[FieldError] = []
    _collect(errors, lambda: check_prose(draft.question, "question"))
    return errors


def _partners_step(draft: IntakeDraft, ctx: IntakeContext) -> list[FieldError]:
    return check_partners(draft, ctx)[2]


def validate_step(draft: IntakeDraft, step: IntakeStep, ctx: IntakeContext) -> list[FieldError]:
    """The problems that keep the wizard from leaving ``step`` (empty: it may move on)."""
    return FLOW.refusals(step, draft, ctx)


def check_partners(draft: IntakeDraft, ctx: IntakeContext
                   ) -> tuple[list[Invitee], list[Informing | None], list[FieldError]]:
    """The partners to invite and the subjects' informing of the draft (issue 24): an
    invitee party not in the protocol, a contact without a party, an e-mail address that is
    not one and "not informed" without a ground are refused, naming the field."""
    errors: list[FieldError] = []
    protocol = _collect([], lambda: check_protocol(draft.protocol))
    received = _collect([], lambda: check_received(draft.received, ctx.today)) or ctx.today
    invitees: list[Invitee] = []
    seen: set[int] = set()
    for i, entry in enumerate(draft.invitees):
        path = f"invitees[{i}]"
        if entry.party_id is None and not any((entry.contact_name.strip(),
                                               entry.contact_role.strip(),
                                               entry.phone.strip(), entry.email.strip())):
            continue                      # an empty row: nothing typed
        found = _collect(errors, lambda: check_invitee(  # noqa: B023 (runs at once)
            entry.party_id, entry.contact_name, entry.contact_role,  # noqa: B023
            entry.phone, entry.email, standings=ctx.standings,  # noqa: B023
            protocol=protocol, on=received, prefix=path))  # noqa: B023
        if found is None:
            continue
        if found.party_id in seen:
            errors.append(FieldError(f"{path}.party", _("this party is already in the list")))
            continue
        seen.add(found.party_id)
        invitees.append(found)
    informing: list[Informing | None] = []
    for j in range(len(draft.subjects)):
        told = draft.informing[j] if j < len(draft.informing) else InformingEntry()
        path = f"subjects[{j}].informing"
        if not told.informed:
            informing.append(None)
            continue
        on = _collect(errors, lambda: parse_date(told.informed_on,  # noqa: B023
                                                 f"{path}.informed_on")  # noqa: B023
                      ) if told.informed == "yes" and told.informed_on.strip() else None
        again = _collect(errors, lambda: parse_date(told.review_on,  # noqa: B023
                                                    f"{path}.review_on")  # noqa: B023
                         ) if told.informed == "no" and told.review_on.strip() else None
        value = _collect(errors, lambda: check_informing(  # noqa: B023
            told.informed == "yes", on, told.informed_by,  # noqa: B023
            told.ground or None, told.ground_text, again,  # noqa: B023
            today=ctx.today, standings=ctx.standings, prefix=path))  # noqa: B023
        informing.append(value)
    return invitees, informing, errors


#: The intake wizard in the one wizard protocol: each step's fields and check, in order.
FLOW: Flow[IntakeDraft, IntakeContext] = Flow("intake", [
    Step(IntakeStep.PROTOCOL, STEP_TITLES[IntakeStep.PROTOCOL],
         STEP_EXPLANATIONS[IntakeStep.PROTOCOL], _protocol_step, ("protocol",)),
    Step(IntakeStep.REFERRING_PARTY, STEP_TITLES[IntakeStep.REFERRING_PARTY],
         STEP_EXPLANATIONS[IntakeStep.REFERRING_PARTY], _referring_party_step,
         ("referring_party", "referring_contact", "received")),
    Step(IntakeStep.SUBJECTS, STEP_TITLES[IntakeStep.SUBJECTS],
         STEP_EXPLANATIONS[IntakeStep.SUBJECTS], _subjects_step, ("subjects",)),
    Step(IntakeStep.PROBLEMS, STEP_TITLES[IntakeStep.PROBLEMS],
         STEP_EXPLANATIONS[IntakeStep.PROBLEMS], _problems_step, ("reason", "life_domains")),
    Step(IntakeStep.CRITERIA, STEP_TITLES[IntakeStep.CRITERIA],
         STEP_EXPLANATIONS[IntakeStep.CRITERIA], _criteria_step, ("criteria",)),
    Step(IntakeStep.QUESTION, STEP_TITLES[IntakeStep.QUESTION],
         STEP_EXPLANATIONS[IntakeStep.QUESTION], _question_step, ("question",)),
    Step(IntakeStep.PARTNERS, STEP_TITLES[IntakeStep.PARTNERS],
         STEP_EXPLANATIONS[IntakeStep.PARTNERS], _partners_step, ("invitees", "subjects")),
    Step(IntakeStep.SUMMARY, STEP_TITLES[IntakeStep.SUMMARY],
         STEP_EXPLANATIONS[IntakeStep.SUMMARY], no_refusals, ("outcome",)),
])
assert FLOW.ids() == STEPS


def validate_draft(draft: IntakeDraft, ctx: IntakeContext) -> list[FieldError]:
    """Every step's problems, in the wizard's order."""
    errors: list[FieldError] = []
    for step in STEPS:
        errors.extend(validate_step(draft, step, ctx))
    return errors


def first_step_with_errors(draft: IntakeDraft, ctx: IntakeContext) -> IntakeStep | None:
    for step in STEPS:
        if validate_step(draft, step, ctx):
            return step
    return None


def validate_outcome(draft: IntakeDraft, outcome: IntakeOutcome) -> list[FieldError]:
    """What the summary page still needs for ``outcome`` (the lifecycle checks it again)."""
    errors: list[FieldError] = []
    if outcome in (IntakeOutcome.ACCEPT, IntakeOutcome.DECLINE):
        errors.extend(check_criteria_entries(draft.criteria, require_all=True))
    if outcome is IntakeOutcome.ACCEPT and not errors and not is_complex_case(
            draft.criterion_answers()):
        errors.append(FieldError("criteria", _("the answers say this is not a complex case; "
                                               "decline it or change the answers")))
    if outcome is IntakeOutcome.DECLINE:
        if not draft.decline_reason.strip():
            errors.append(FieldError("decline_reason", _("give the reason for declining")))
        else:
            _collect(errors, lambda: check_free_text(draft.decline_reason, "decline_reason"))
        if not draft.decline_advice.strip():
            errors.append(FieldError("decline_advice",
                                     _("give the advice to the referring party")))
        else:
            _collect(errors, lambda: check_free_text(draft.decline_advice, "decline_advice"))
    return errors


def to_referral(draft: IntakeDraft, ctx: IntakeContext) -> Referral:
    """The checked referral, or ``ValidationError`` naming the first field that fails."""
    errors = [e for e in validate_draft(draft, ctx)
              if not e.field.startswith("criteria")]
    if errors:
        raise errors[0].as_validation_error()
    assert draft.referring_party_id is not None
    subjects, _unused = check_subjects(draft.subjects, ctx.today)
    domains, _unused2 = check_life_domains(draft.life_domains)
    invitees, informing, _unused3 = check_partners(draft, ctx)
    return Referral(
        protocol=Protocol(draft.protocol),
        referring_party_id=draft.referring_party_id,
        received=date.fromisoformat(draft.received.strip()),
        reason=draft.reason.strip(),
        question=draft.question.strip(),
        subjects=tuple(subjects),
        life_domains=domains,
        referring_contact=draft.referring_contact.strip(),
        external_ref=draft.external_ref,
        invitees=tuple(invitees),
        informing=tuple(informing) if any(v is not None for v in informing) else (),
    )


def answers_missing(draft: IntakeDraft) -> list[Criterion]:
    return unanswered(draft.criterion_answers())
