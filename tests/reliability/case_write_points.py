"""Write points for crash injection through the case-work services: intake drafts and
submit, registration and the intake decision, referral import, triage (items, widening,
routing), meeting planning, live agreements, plans, handouts and subject-access exports
(file plus disclosure row), closure, party register changes, passphrase changes and the
retention setting.

Each ``do`` finds the case, meeting or plan it needs in the vault (made by an earlier,
possibly killed, worker) or makes one through the services, then does its own piece of work
and returns a tag that names it; ``present`` checks that piece is there, whole. The tags and
texts are synthetic; the ack file the worker writes holds only point names and tags.

``case_halves`` checks the invariants that a service writing its work in more than one
transaction would break after a kill: every case has its subjects and search row, every
case past intake its criteria answers, every scheduled case its routing decision, every
meeting its agenda and invitations, every plan a version row for its version, every closed
case its closure and tombstone rows, every imported file all of its referrals, and every
exported PDF its disclosure row with the file's SHA-256.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from app.domain.cases import Subject, SubjectRole
from app.domain.closure import ClosureDecision, CoordinatorAgreement, CriterionCheck, Outcome
from app.domain.criteria import CRITERIA, Criterion, CriterionAnswer
from app.domain.information import Category
from app.domain.intake import CriterionEntry, IntakeDraft, IntakeOutcome, Referral, SubjectEntry
from app.domain.life_domains import LifeDomain
from app.domain.lifecycle import CaseState
from app.domain.meetings import (
    AgendaDraft,
    DecisionType,
    DraftItem,
    EntryInput,
    EntryKind,
    ItemKind,
)
from app.domain.parties import Contact, PartyDetails
from app.domain.plan import Action, ActionPlan, ActionStatus, CaseCoordinator, Goal, new_key
from app.domain.protocols import Protocol
from app.domain.roles import Role
from app.domain.triage import NewItem, Route, RoutingDecision, WideningAnswer
from app.services import (
    accounts,
    closure,
    handouts,
    intake,
    meeting_live,
    meetings,
    minutes,
    referral_import,
    retention,
    subject_access,
    triage,
)
from app.services import cases as case_service
from app.services import parties as party_service
from app.services import plan as plan_service
from app.store.case_tables import (
    case_search,
    cases,
    criteria_answers,
    information_items,
    item_shared_with,
    subjects,
)
from app.store.meeting_tables import agenda_items, invitations, minutes_entries
from app.store.meeting_tables import meetings as meetings_table
from app.store.party_tables import parties, party_contacts
from app.store.plan_tables import plan_versions, plans
from app.store.retention_tables import case_closures, case_tombstones, retention_periods
from app.store.tables import audit_log, drafts
from app.store.triage_tables import routing_decisions
from app.vault import keyslots
from app.vault.keyslots import KdfParams
from app.vault.vault import Actor, OpenVault
from tests.reliability.write_points import register

DIRECTOR = Actor("regie", Role.PROCESS_DIRECTOR)
POLICE = "Politie regionale eenheid Den Haag"
GGZ = "Parnassia Groep"
MUNICIPALITY = "Den Haag"
#: reasons of the cases the points make start with this, so the checks find them
PREFIX = "crashcase"
#: cases made only to be closed (closing cleans texts other points look for)
CLOSE_PREFIX = "crashclose"
EXPORTS = "exports"
SUBMITTED = "ingediend"


#: the passphrase of the accounts ``acting`` adds
ROLE_PASSPHRASE = "regie crash wachtzin proef"


def _session_as(vault: OpenVault, actor: Actor, passphrase: str,
                with_key: bool = False) -> OpenVault:
    """``vault``'s folder unlocked by the account ``actor`` names, as its user would, so the
    role is the one the vault gives that account (checked against ``actor.role``). The
    account is added by ``vault`` (an administrator) the first time.

    ``with_key``: opened with the data key ``vault`` holds instead of through the key slot,
    as the crash worker opens its own session (``crash_worker.open_with_key``: everything
    an unlock does but the slot's key derivation, which would take most of a kill's
    window); the account, its role and its revocation are still the vault's.

    On the house server (``--engine=postgresql``: no slot file, no shortcut past the login)
    the account is added the same way and unlocked on the house's profile with its
    passphrase (``tests.pg_engine.server_unlock_as``)."""
    from app.vault.server import ServerOpenVault

    if isinstance(vault, ServerOpenVault):  # (tests.pg_engine, and pytest, only there)
        from tests.pg_engine import server_unlock_as

        opened = server_unlock_as(vault, actor.role, actor.account, passphrase)
        if opened.actor.role is not actor.role:
            opened.lock(audit_it=False)
            raise AssertionError(f"{actor.account} has the role {opened.actor.role.value}")
        return opened
    folder = vault.vault
    if folder.slot_file().find(actor.account) is None:
        accounts.add_account(vault, actor.account, actor.role, passphrase, kdf=KdfParams())
    if with_key:
        slots = folder.slot_file()
        role = Role(slots.roles.get(actor.account, Role.PROCESS_DIRECTOR.value))
        opened = folder._open(actor.account, role, vault.key_buffer(), slots.vault_id,
                              exclusive=False)
        with opened.unlock_step():
            opened.after_unlock()
    else:
        opened = folder.unlock(actor.account, passphrase, exclusive=False)
    if opened.actor.role is not actor.role:
        opened.lock(audit_it=False)
        raise AssertionError(f"{actor.account} has the role {opened.actor.role.value}")
    return opened


@contextmanager
def acting(vault: OpenVault, actor: Actor = DIRECTOR,
           passphrase: str = "") -> Iterator[OpenVault]:
    """A session of ``actor``'s account beside ``vault`` (the worker unlocked as the admin)
    for the block, to do the work in that role: the role comes from unlocking as an account
    of that role, never from assigning ``vault.actor`` (issue 20, point 7). Locked when the
    block ends, so it holds no connection while ``vault`` changes the data key.

    Without ``passphrase`` the account is ``acting``'s own (added the first time with
    ``ROLE_PASSPHRASE``), opened with the data key ``vault`` holds. With one, the account
    is the caller's, unlocked through its key slot with that passphrase."""
    opened = _session_as(vault, actor, passphrase or ROLE_PASSPHRASE,
                         with_key=not passphrase)
    try:
        yield opened
    finally:
        opened.lock()


def session_as(vault: OpenVault, actor: Actor = DIRECTOR) -> OpenVault:
    """``acting``'s session kept open beside ``vault`` until ``vault`` locks (for a test that
    works in that role throughout and changes no data key)."""
    opened = _session_as(vault, actor, ROLE_PASSPHRASE, with_key=True)
    vault.on_lock(opened.lock)
    return opened


_IDS: dict[str, int] = {}


def ids(vault: OpenVault) -> dict[str, int]:
    if not _IDS:
        with vault.read() as conn:
            _IDS.update({str(name): int(pid) for pid, name in
                         conn.execute(select(parties.c.id, parties.c.name))})
    return _IDS


def _export_dir(vault: OpenVault) -> Path:
    folder = vault.vault.folder.parent / EXPORTS
    folder.mkdir(exist_ok=True)
    return folder


def _n(tag: str) -> int:
    return int(tag.rsplit("-", 1)[1])


# -- finding or making what a point needs ----------------------------------------------------

def _referral(vault: OpenVault, n: int, rng: random.Random) -> Referral:
    p = ids(vault)
    return Referral(
        protocol=Protocol.INTEGRALE_VEILIGHEID, referring_party_id=p[MUNICIPALITY],
        received=date.today() - timedelta(days=rng.randint(1, 30)),
        reason=f"{PREFIX}-{n}", question="Samen een plan maken",
        subjects=(Subject("Piet", f"Crash{n}", date(1980, 5, 1), SubjectRole.MAIN_SUBJECT,
                          None, "Spui 70, Den Haag"),
                  Subject("Kees", f"Crash{n}", date(2012, 5, 1), SubjectRole.CHILD)),
        life_domains={LifeDomain.HOUSING: "Dreigende huisuitzetting"})


def _find(vault: OpenVault, state: CaseState) -> str | None:
    with vault.read() as conn:
        found = conn.execute(select(cases.c.number).where(
            cases.c.state == state.value, cases.c.reason.like(f"{PREFIX}-%"))
            .order_by(cases.c.id.desc()).limit(1)).scalar()
    return None if found is None else str(found)


def _registered(vault: OpenVault, n: int, rng: random.Random) -> str:
    return intake.register_referral(vault, _referral(vault, n, rng))


def _answers() -> list[CriterionAnswer]:
    return [CriterionAnswer(c, True, "ja") for c in Criterion]


def _in_triage(vault: OpenVault, n: int, rng: random.Random) -> str:
    found = _find(vault, CaseState.TRIAGE)
    if found is not None:
        return found
    number = _registered(vault, n, rng)
    intake.decide_intake(vault, number, IntakeOutcome.ACCEPT, _answers())
    return number


def _routing(vault: OpenVault) -> RoutingDecision:
    p = ids(vault)
    return RoutingDecision(Route.TO_MEETING, goal="Een gezamenlijk beeld", themes=("wonen",),
                           decision_types=(DecisionType.IMAGE_FORMING,
                                           DecisionType.DECIDING),
                           invitees=frozenset({p[POLICE], p[GGZ]}))


def _scheduled(vault: OpenVault, n: int, rng: random.Random) -> tuple[int, str]:
    """A scheduled case not on any agenda yet."""
    with vault.read() as conn:
        row = conn.execute(select(cases.c.id, cases.c.number).where(
            cases.c.state == CaseState.SCHEDULED.value, cases.c.reason.like(f"{PREFIX}-%"),
            ~cases.c.id.in_(select(agenda_items.c.case_id))).limit(1)).first()
    if row is not None:
        return int(row[0]), str(row[1])
    number = _in_triage(vault, n, rng)
    triage.decide_routing(vault, number, _routing(vault))
    with vault.read() as conn:
        return case_service.case_id_for(conn, number), number


def _agenda(vault: OpenVault, case: tuple[int, str], n: int) -> AgendaDraft:
    p = ids(vault)
    starts = (datetime.now() + timedelta(days=1)).replace(hour=10, minute=0, second=0,
                                                           microsecond=0)
    return AgendaDraft(starts_at=starts, place=f"Zaal {n}", chair="A. de Regisseur", items=[
        DraftItem(case[0], case[1], "", ItemKind.FIRST, 20, "Beeld vormen", ["wonen"],
                  [DecisionType.IMAGE_FORMING], {p[POLICE]: "Toelichting",
                                                 p[GGZ]: "Toelichting"})])


def _live_item(vault: OpenVault, n: int, rng: random.Random) -> tuple[int, str]:
    """An agenda item under discussion in a meeting in session: (item id, case number)."""
    with vault.read() as conn:
        row = conn.execute(select(agenda_items.c.id, cases.c.number)
                           .join(meetings_table, meetings_table.c.id == agenda_items.c.meeting_id)
                           .join(cases, cases.c.id == agenda_items.c.case_id)
                           .where(meetings_table.c.state == "in_progress",
                                  agenda_items.c.started_at.is_not(None),
                                  agenda_items.c.minutes_stored_at.is_(None),
                                  cases.c.state == CaseState.IN_PROGRESS.value,
                                  cases.c.reason.like(f"{PREFIX}-%"))
                           .order_by(agenda_items.c.id.desc()).limit(1)).first()
    if row is not None:
        return int(row[0]), str(row[1])
    case = _scheduled(vault, n, rng)
    meeting_id = meetings.plan_meeting(vault, _agenda(vault, case, n))
    meeting_live.start_meeting(vault, meeting_id)
    item_id = meetings.get_meeting(vault, meeting_id).items[0].id
    meeting_live.start_item(vault, item_id)
    return item_id, case[1]


def _first_plan(vault: OpenVault, case_id: int) -> ActionPlan:
    p = ids(vault)
    goal = Goal(new_key(), LifeDomain.HOUSING, "Woning behouden")
    action = Action(new_key(), p[POLICE], "Huisbezoek afleggen", owner="", due=None,
                    status=ActionStatus.OPEN, goal_key=goal.key)
    return ActionPlan(case_id=case_id, goals=(goal,), actions=(action,),
                      coordinator=CaseCoordinator(p[GGZ], "P. Smit"),
                      closure_criteria="Woning behouden\nSchulden geregeld")


def _with_plan(vault: OpenVault, n: int, rng: random.Random) -> tuple[int, str]:
    """A case in progress with a plan (coordinator and closure criteria)."""
    with vault.read() as conn:
        row = conn.execute(select(cases.c.id, cases.c.number)
                           .join(plans, plans.c.case_id == cases.c.id)
                           .where(cases.c.state == CaseState.IN_PROGRESS.value,
                                  cases.c.reason.like(f"{PREFIX}-%"))
                           .order_by(cases.c.id.desc()).limit(1)).first()
    if row is not None:
        return int(row[0]), str(row[1])
    _item, number = _live_item(vault, n, rng)
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
    plan_service.save_plan(vault, _first_plan(vault, case_id))
    return case_id, number


def _case_exists(vault: OpenVault, reason: str, state: CaseState | None = None) -> bool:
    with vault.read() as conn:
        row = conn.execute(select(cases.c.id, cases.c.state).where(
            cases.c.reason == reason)).first()
    return row is not None and (state is None or row[1] == state.value)


# -- the points ------------------------------------------------------------------------------

def _intake_draft(vault: OpenVault, n: int) -> IntakeDraft:
    p = ids(vault)
    return IntakeDraft(
        protocol=Protocol.INTEGRALE_VEILIGHEID.value, referring_party_id=p[MUNICIPALITY],
        referring_contact="M. Jansen", received=date.today().isoformat(),
        subjects=[SubjectEntry("Piet", f"Concept{n}", "1984-03-02", "", "Hoefkade 1",
                               "main_subject")],
        reason=f"{PREFIX}-{n}", life_domains={"safety": "Huiselijk geweld"},
        question="Eén plan van aanpak.",
        criteria={c.value: CriterionEntry(True, f"motivering {c.value}") for c in CRITERIA})


def intake_draft_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    with acting(vault) as vault:
        draft = _intake_draft(vault, n)
        draft_id = intake.save_draft(vault, draft)
        draft.reason = f"{PREFIX}-{n} aangevuld"
        intake.save_draft(vault, draft, draft_id)  # an autosave overwrites the same draft
    return f"{draft_id}-{n}"


def intake_draft_present(vault: OpenVault, tag: str) -> bool:
    draft_id, n = tag.split("-")
    reason = f"{PREFIX}-{n} aangevuld"
    with vault.read() as conn:
        payload = conn.execute(select(drafts.c.payload).where(
            drafts.c.id == int(draft_id))).scalar()
    # the id may since hold another kind of draft (ids are reused): no "reason" there
    if payload is not None and json.loads(payload).get("reason") == reason:
        return True
    # submitted since (the submit point takes the oldest draft; ids are reused after)
    return _case_exists(vault, f"{reason} {SUBMITTED}")


def intake_submit_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    """The wizard's one final call: a saved draft becomes a case in triage, the draft goes."""
    with acting(vault) as vault:
        with vault.read() as conn:
            draft_id = conn.execute(select(drafts.c.id).where(
                drafts.c.kind == intake.DRAFT_KIND, drafts.c.owner == DIRECTOR.account)
                .order_by(drafts.c.id).limit(1)).scalar()
        if draft_id is None:
            draft_id = intake.save_draft(vault, _intake_draft(vault, n))
        draft = intake.load_draft(vault, int(draft_id))
        draft.reason = f"{draft.reason} {SUBMITTED}"
        intake.submit_intake(vault, draft, IntakeOutcome.ACCEPT, int(draft_id))
    return draft.reason


def intake_submit_present(vault: OpenVault, reason: str) -> bool:
    with vault.read() as conn:
        case_id = conn.execute(select(cases.c.id).where(cases.c.reason == reason)).scalar()
        if case_id is None:
            return False
        answered = conn.execute(select(func.count()).select_from(criteria_answers).where(
            criteria_answers.c.case_id == case_id)).scalar()
        left = [json.loads(p)["reason"] for p in conn.execute(select(drafts.c.payload).where(
            drafts.c.kind == intake.DRAFT_KIND)).scalars()]
    # the case with its criteria, and the draft it came from gone with it
    return answered == len(Criterion) and reason.removesuffix(f" {SUBMITTED}") not in left


def register_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    with acting(vault) as vault:
        _registered(vault, n, rng)
    return f"{PREFIX}-{n}"


def register_present(vault: OpenVault, tag: str) -> bool:
    return _case_exists(vault, tag)


def decide_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    with acting(vault) as vault:
        number = _find(vault, CaseState.REFERRED) or _registered(vault, n, rng)
        intake.decide_intake(vault, number, IntakeOutcome.ACCEPT, _answers())
    return number


def decide_present(vault: OpenVault, number: str) -> bool:
    with vault.read() as conn:
        row = conn.execute(select(cases.c.id, cases.c.intake_decision).where(
            cases.c.number == number)).first()
        if row is None:
            return False
        answered = conn.execute(select(func.count()).select_from(criteria_answers).where(
            criteria_answers.c.case_id == row[0])).scalar()
    return row[1] == "accepted" and answered == len(Criterion)


def import_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    """A referral file of 1 to 3 referrals, imported all or nothing."""
    from app.services import synthetic

    k = rng.randint(1, 3)
    docs = synthetic.generate_referrals(k, seed=n, today=date.today())
    for i, doc in enumerate(docs):
        doc["external_ref"] = f"imp{n}-{i}of{k}"
    with acting(vault) as vault:
        referral_import.import_referrals(vault, synthetic.referral_file(docs))
    return f"imp{n}-of{k}"


def _imported(vault: OpenVault) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    with vault.read() as conn:
        for (ref,) in conn.execute(select(cases.c.external_ref).where(
                cases.c.external_ref.like("imp%"))):
            groups.setdefault(str(ref).split("-")[0], []).append(str(ref))
    return groups


def import_present(vault: OpenVault, tag: str) -> bool:
    prefix, of = tag.split("-")
    return len(_imported(vault).get(prefix, [])) == int(of[2:])


def item_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    p = ids(vault)
    text = f"item-{n} " + "x" * rng.randint(0, 2000)
    with acting(vault) as vault:
        number = _in_triage(vault, n, rng)
        triage.add_item(vault, number, NewItem(p[GGZ], Category.GENERAL, text, date.today()))
    return f"item-{n}"


def _item_id(vault: OpenVault, tag: str) -> int | None:
    with vault.read() as conn:
        found = conn.execute(select(information_items.c.id).where(
            information_items.c.text.like(f"{tag} %"))).scalar()
    return None if found is None else int(found)


def item_present(vault: OpenVault, tag: str) -> bool:
    return _item_id(vault, tag) is not None


def widening_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    """An item whose source party says yes to sharing it with the police."""
    p = ids(vault)
    with acting(vault) as vault:
        number = _in_triage(vault, n, rng)
        item_id = triage.add_item(vault, number, NewItem(
            p[GGZ], Category.GENERAL, f"wide-{n} gegeven", date.today()))
        request = triage.request_widening(vault, number, item_id, party_id=p[POLICE])
        triage.answer_widening(vault, number, request, WideningAnswer.YES, date.today(),
                               "mw. De Vries")
    return f"wide-{n}"


def widening_present(vault: OpenVault, tag: str) -> bool:
    item_id = _item_id(vault, tag)
    if item_id is None:
        return False
    with vault.read() as conn:
        shared = set(conn.execute(select(item_shared_with.c.party_id).where(
            item_shared_with.c.item_id == item_id)).scalars())
    return ids(vault)[POLICE] in shared


def routing_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    with acting(vault) as vault:
        number = _in_triage(vault, n, rng)
        triage.decide_routing(vault, number, _routing(vault))
    return number


def routing_present(vault: OpenVault, number: str) -> bool:
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
        routed = conn.execute(select(routing_decisions.c.route).where(
            routing_decisions.c.case_id == case_id)).scalar()
    return routed == "to_meeting"


def meeting_plan_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    with acting(vault) as vault:
        case = _scheduled(vault, n, rng)
        meetings.plan_meeting(vault, _agenda(vault, case, n))
    return f"Zaal {n}"


def meeting_plan_present(vault: OpenVault, place: str) -> bool:
    with vault.read() as conn:
        meeting_id = conn.execute(select(meetings_table.c.id).where(
            meetings_table.c.place == place)).scalar()
        if meeting_id is None:
            return False
        invited = conn.execute(select(func.count()).select_from(invitations)
                               .join(agenda_items,
                                     agenda_items.c.id == invitations.c.agenda_item_id)
                               .where(agenda_items.c.meeting_id == meeting_id)).scalar()
    return invited == 2


def agreement_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    """A live agreement, stored the moment it is typed (``minutes.add_entry``)."""
    p = ids(vault)
    with acting(vault) as vault:
        item_id, _number = _live_item(vault, n, rng)
        minutes.add_entry(vault, item_id, EntryInput(
            EntryKind.ACTION, f"afspraak-{n}", p[POLICE], "Wijkagent",
            date.today() + timedelta(days=14)))
    return f"afspraak-{n}"


def agreement_present(vault: OpenVault, tag: str) -> bool:
    with vault.read() as conn:
        return conn.execute(select(minutes_entries.c.id).where(
            minutes_entries.c.text == tag)).first() is not None


def plan_save_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    p = ids(vault)
    with acting(vault) as vault:
        case_id, _number = _with_plan(vault, n, rng)
        with vault.read() as conn:
            current = plan_service.load_plan(conn, case_id)
        extra = tuple(Action(new_key(), p[rng.choice([POLICE, GGZ])], f"actie-{n}-{i}",
                             owner="", due=None, status=ActionStatus.OPEN,
                             goal_key=current.goals[0].key if current.goals else None)
                      for i in range(rng.randint(1, 5)))
        plan_service.save_plan(vault, replace(current, actions=current.actions + extra))
    return f"actie-{n}-{len(extra)}"


def plan_save_present(vault: OpenVault, tag: str) -> bool:
    """Every action of the acknowledged version is in the stored plan (kept in later
    versions too: the points only add actions)."""
    _kind, n, k = tag.split("-")
    with vault.read() as conn:
        snapshots = conn.execute(select(plan_versions.c.snapshot)).scalars().all()
    wanted = {f"actie-{n}-{i}" for i in range(int(k))}
    return any(wanted <= {a.get("description") for a in json.loads(s).get("actions", [])}
               for s in snapshots)


def agreement_to_plan_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    p = ids(vault)
    with acting(vault) as vault:
        _case_id, number = _with_plan(vault, n, rng)
        plan_service.record_agreement(vault, number, party_id=p[GGZ],
                                      description=f"actie-{n}-0")
    return f"actie-{n}-1"


def progress_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    from app.services import followup

    with acting(vault) as vault:
        case_id, number = _with_plan(vault, n, rng)
        with vault.read() as conn:
            key = plan_service.load_plan(conn, case_id).actions[0].key
        followup.record_progress(vault, number, key, note=f"voortgang-{n}")
    return f"voortgang-{n}"


def progress_present(vault: OpenVault, tag: str) -> bool:
    with vault.read() as conn:
        return any(tag in s for s in conn.execute(select(plan_versions.c.snapshot)).scalars())


def _export_present(vault: OpenVault, path_text: str) -> bool:
    path = Path(path_text)
    if not path.exists():
        return False
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return digest in _disclosed(vault)


def _disclosed(vault: OpenVault) -> set[str]:
    with vault.read() as conn:
        details = conn.execute(select(audit_log.c.detail).where(
            audit_log.c.action.like("export.%"), audit_log.c.result == "ok")).scalars()
        return {str(json.loads(d).get("sha256")) for d in details}


def handout_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    """A party's handout: the PDF file and its disclosure row."""
    p = ids(vault)
    out = _export_dir(vault) / f"handout-{n}.pdf"
    with acting(vault) as vault:
        _case_id, number = _with_plan(vault, n, rng)
        handouts.export_handout(vault, number, p[rng.choice([POLICE, GGZ])], out)
    return str(out)


def subject_access_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    out = _export_dir(vault) / f"inzage-{n}.pdf"
    with acting(vault) as vault:
        with vault.read() as conn:
            row = conn.execute(select(subjects.c.surname, subjects.c.birth_date)
                               .join(cases, cases.c.id == subjects.c.case_id)
                               .where(cases.c.reason.like(f"{PREFIX}-%"),
                                      subjects.c.role == "main_subject")
                               .order_by(subjects.c.id.desc()).limit(1)).first()
        if row is None:
            number = _registered(vault, n, rng)
            surname, born = f"Crash{n}", date(1980, 5, 1)
            del number
        else:
            surname, born = str(row[0]), row[1]
        match = subject_access.find_subject(vault, surname=surname, birth_date=born)
        draft = subject_access.draft_subject_access(vault, match)
        for item in draft.items:   # the director's review: every item included
            draft = draft.decide(item.item_id,
                                 subject_access.ItemDecision(subject_access.Choice.INCLUDE))
        subject_access.export_subject_access(vault, out, draft, match=match)
    return str(out)


def close_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    """Close a case made for closing (so that no other point's acknowledged work is
    cleaned away by it): registered, accepted, routed, discussed, planned, closed."""
    p = ids(vault)
    with acting(vault) as vault:
        referral = replace(_referral(vault, n, rng), reason=f"{CLOSE_PREFIX}-{n}")
        number = intake.register_referral(vault, referral)
        intake.decide_intake(vault, number, IntakeOutcome.ACCEPT, _answers())
        triage.decide_routing(vault, number, _routing(vault))
        with vault.read() as conn:
            case_id = case_service.case_id_for(conn, number)
        meeting_id = meetings.plan_meeting(vault, _agenda(vault, (case_id, number), n))
        meeting_live.start_meeting(vault, meeting_id)
        meeting_live.start_item(vault, meetings.get_meeting(vault, meeting_id).items[0].id)
        plan_service.save_plan(vault, _first_plan(vault, case_id))
        context = closure.closure_context(vault, number)
        decision = ClosureDecision(
            criteria=tuple(CriterionCheck(c.criterion, True, "bereikt")
                           for c in context.criteria),
            agreement=CoordinatorAgreement("P. Smit", p[GGZ], date.today()),
            outcome=Outcome.PARTLY_REACHED)
        shown = closure.preview(vault, number, decision.extra_removals)
        closure.close_case(vault, number, decision, shown)
    return number


def close_present(vault: OpenVault, number: str) -> bool:
    with vault.read() as conn:
        case_id = case_service.case_id_for(conn, number)
        closed = conn.execute(select(case_closures.c.case_id).where(
            case_closures.c.case_id == case_id)).first()
        state = conn.execute(select(cases.c.state).where(cases.c.id == case_id)).scalar()
    return closed is not None and state in (CaseState.CLOSED.value, CaseState.DESTROYED.value)


def contact_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    p = ids(vault)
    party_service.save_contact(vault, Contact(p[rng.choice([POLICE, GGZ, MUNICIPALITY])],
                                              f"Contact {n}", "Beleidsadviseur",
                                              case_meetings=True))
    return f"Contact {n}"


def contact_present(vault: OpenVault, name: str) -> bool:
    with vault.read() as conn:
        return conn.execute(select(party_contacts.c.id).where(
            party_contacts.c.name == name)).first() is not None


def party_update_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    pid = ids(vault)[MUNICIPALITY]
    party = party_service.get_party(vault, pid)
    details = PartyDetails(party.name, party.party_type, party.domain, party.seat,
                           f"Spui {n}, Den Haag", party.representative, party.short_name)
    party_service.update_details(vault, pid, details)
    return f"{n}"


def party_update_present(vault: OpenVault, tag: str) -> bool:
    """The address is the acknowledged one or a later one."""
    address = party_service.get_party(vault, ids(vault)[MUNICIPALITY]).address
    return address.startswith("Spui ") and int(address.split()[1].rstrip(",")) >= int(tag)


def passwd_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    """A new account changes its passphrase: one key slot rewritten beside one row."""
    name = f"wissel{n}"
    accounts.add_account(vault, name, Role.INFORMATION_CENTRE, f"eerste wachtzin {n} hier",
                         kdf=KdfParams())
    # its session opened with the data key (the change itself asks the current passphrase)
    with acting(vault, Actor(name, Role.INFORMATION_CENTRE)) as vault:
        accounts.change_passphrase(vault, f"eerste wachtzin {n} hier",
                                   f"tweede wachtzin {n} daar", kdf=KdfParams())
    return name


def passwd_present(vault: OpenVault, name: str) -> bool:
    slots = vault.vault.slot_file()
    slot = slots.find(name)
    if slot is None:
        return False
    try:
        keyslots.open_slot(slots.vault_id, slot, f"tweede wachtzin {name[6:]} daar")
    except Exception:  # noqa: BLE001 - any failure means the new passphrase was lost
        return False
    return True


def retention_do(vault: OpenVault, n: int, rng: random.Random) -> str:
    period = retention.set_retention_period(vault, Protocol.JEUGDGROEPEN, 1 + n % 240)
    assert period.set_at is not None
    return period.set_at.isoformat()


def retention_present(vault: OpenVault, tag: str) -> bool:
    """The acknowledged setting or a later one."""
    with vault.read() as conn:
        set_at = conn.execute(select(retention_periods.c.set_at).where(
            retention_periods.c.protocol == Protocol.JEUGDGROEPEN.value)).scalar()
    return set_at is not None and set_at >= datetime.fromisoformat(tag)


register("intake.draft_autosave", intake_draft_do, intake_draft_present)
register("intake.submit", intake_submit_do, intake_submit_present)
register("referral.register", register_do, register_present)
register("intake.decide", decide_do, decide_present)
register("referral.import", import_do, import_present)
register("triage.item_add", item_do, item_present)
register("triage.widening_yes", widening_do, widening_present)
register("triage.routing", routing_do, routing_present)
register("meeting.plan", meeting_plan_do, meeting_plan_present)
register("meeting.live_agreement", agreement_do, agreement_present)
register("plan.save", plan_save_do, plan_save_present)
register("plan.record_agreement", agreement_to_plan_do, plan_save_present)
register("followup.progress", progress_do, progress_present)
register("export.handout", handout_do, _export_present)
register("export.subject_access", subject_access_do, _export_present)
register("case.close", close_do, close_present)
register("party.contact", contact_do, contact_present)
register("party.update", party_update_do, party_update_present)
register("account.passwd", passwd_do, passwd_present)
register("retention.set", retention_do, retention_present)


# -- whole or nothing ----------------------------------------------------------------------

def case_halves(vault: OpenVault) -> list[str]:
    problems: list[str] = []
    with vault.read() as conn:
        live = select(cases.c.id).where(cases.c.state != CaseState.DESTROYED.value)
        no_subject = conn.execute(live.where(
            ~cases.c.id.in_(select(subjects.c.case_id)))).scalars().all()
        problems += [f"case {c} without subjects" for c in no_subject]
        no_search = conn.execute(live.where(
            ~cases.c.id.in_(select(case_search.c.case_id)))).scalars().all()
        problems += [f"case {c} without its search row" for c in no_search]
        decided = conn.execute(select(cases.c.id).where(
            cases.c.state.in_([CaseState.TRIAGE.value, CaseState.SCHEDULED.value]),
            cases.c.reason.like("crash%"))).scalars().all()
        for case_id in decided:
            n = conn.execute(select(func.count()).select_from(criteria_answers).where(
                criteria_answers.c.case_id == case_id)).scalar()
            if n != len(Criterion):
                problems.append(f"case {case_id} past intake with {n} criteria answers")
        unrouted = conn.execute(select(cases.c.id).where(
            cases.c.state == CaseState.SCHEDULED.value,
            ~cases.c.id.in_(select(routing_decisions.c.case_id)))).scalars().all()
        problems += [f"scheduled case {c} without its routing decision" for c in unrouted]
        empty = conn.execute(select(meetings_table.c.id).where(
            ~meetings_table.c.id.in_(select(agenda_items.c.meeting_id)))).scalars().all()
        problems += [f"meeting {m} without agenda items" for m in empty]
        uninvited = conn.execute(select(agenda_items.c.id).where(
            ~agenda_items.c.id.in_(select(invitations.c.agenda_item_id)))).scalars().all()
        problems += [f"agenda item {i} without invitations" for i in uninvited]
        for plan_id, version in conn.execute(select(plans.c.id, plans.c.version)):
            top = conn.execute(select(func.max(plan_versions.c.version)).where(
                plan_versions.c.plan_id == plan_id)).scalar()
            if top != version:
                problems.append(f"plan {plan_id} at version {version}, last stored {top}")
        closed = conn.execute(select(cases.c.id).where(
            cases.c.state == CaseState.CLOSED.value)).scalars().all()
        for case_id in closed:
            has = [conn.execute(select(t.c.case_id).where(t.c.case_id == case_id)).first()
                   is not None for t in (case_closures, case_tombstones)]
            if not all(has):
                problems.append(f"closed case {case_id} without closure or tombstone")
    for prefix, refs in _imported(vault).items():
        k = int(refs[0].split("of")[1])
        if len(refs) != k:
            problems.append(f"import {prefix}: {len(refs)} of {k} referrals")
    folder = vault.vault.folder.parent / EXPORTS
    if folder.exists():
        disclosed = _disclosed(vault)
        for pdf in folder.glob("*.pdf"):
            if hashlib.sha256(pdf.read_bytes()).hexdigest() not in disclosed:
                problems.append(f"{pdf.name} exported without its disclosure row")
    return problems


def stray_parts(vault: OpenVault) -> list[Path]:
    """Temporary files a kill left in the export folder (``.casuskamer-*.part``)."""
    folder = vault.vault.folder.parent / EXPORTS
    return sorted(folder.glob(".casuskamer-*.part")) if folder.exists() else []
