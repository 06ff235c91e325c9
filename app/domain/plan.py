"""The plan of action (plan van aanpak, covenant 8.4b-d and 13): goals per life domain,
actions per party with owner, due date, status and progress notes, the information each
party needs, the case coordinator, the closure criteria and the next meeting.

Plain values, no database and no Qt. Which part of a plan a party sees is the sharing
policy's rule (``app.sharing.policy.plan_for_party``): by default every party entitled to the
case sees the whole plan; an action limited to some parties is seen only by those parties and
by the party that carries it out.

Each save of a plan is kept as a version (a snapshot, see :func:`snapshot`), and
:func:`changes` says in words what changed from one version to the next.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from app.domain.life_domains import LifeDomain
from app.domain.text_rules import check_free_text, check_identifying
from app.errors import ValidationError
from app.i18n import N_, _

#: Long enough for any real description; a bound so one field cannot swallow the vault.
MAX_TEXT = 50_000
MAX_SHORT = 200


class ActionStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _(ACTION_STATUS_LABELS[self])

    @property
    def is_finished(self) -> bool:
        return self in (ActionStatus.DONE, ActionStatus.CANCELLED)


ACTION_STATUS_LABELS = {
    # "To do" and "Under way" rather than "Open"/"In progress": those words are the case
    # lifecycle's, with their own Dutch.
    ActionStatus.OPEN: N_("To do"),
    ActionStatus.IN_PROGRESS: N_("Under way"),
    ActionStatus.DONE: N_("Done"),
    ActionStatus.CANCELLED: N_("Cancelled"),
}


@dataclass(frozen=True)
class ProgressNote:
    at: datetime
    author: str          # account name of who wrote it
    text: str


@dataclass(frozen=True)
class Goal:
    """One goal of the plan on one life domain. ``key`` is stable across versions."""

    key: str
    life_domain: LifeDomain
    description: str


@dataclass(frozen=True)
class Action:
    """One agreement (afspraak): a party does something, by a person, before a date."""

    key: str
    party_id: int
    description: str
    owner: str = ""                      # the person at the party who does it
    due: date | None = None
    status: ActionStatus = ActionStatus.OPEN
    goal_key: str | None = None
    #: empty: every party invited to the case sees it; otherwise only these parties (and
    #: the party carrying it out)
    limited_to: frozenset[int] = field(default_factory=frozenset)
    notes: tuple[ProgressNote, ...] = ()


@dataclass(frozen=True)
class InformationNeed:
    """What one party needs to know to carry out its part of the plan (8.4c)."""

    key: str
    party_id: int
    description: str


@dataclass(frozen=True)
class CaseCoordinator:
    """The case coordinator (casusregisseur, 8.4a and 13): a person at a party."""

    party_id: int
    person: str


@dataclass(frozen=True)
class ActionPlan:
    case_id: int
    goals: tuple[Goal, ...] = ()
    actions: tuple[Action, ...] = ()
    information_needs: tuple[InformationNeed, ...] = ()
    coordinator: CaseCoordinator | None = None
    closure_criteria: str = ""
    next_meeting: date | None = None
    next_meeting_note: str = ""
    #: the version this plan was loaded as (0: never saved)
    version: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.goals or self.actions or self.information_needs or self.coordinator
                    or self.closure_criteria.strip() or self.next_meeting
                    or self.next_meeting_note.strip())

    def goal(self, key: str | None) -> Goal | None:
        return next((g for g in self.goals if g.key == key), None) if key else None

    def action(self, key: str) -> Action | None:
        return next((a for a in self.actions if a.key == key), None)

    def party_ids(self) -> set[int]:
        """Every party the plan names (actions, limits, needs, coordinator)."""
        ids = {a.party_id for a in self.actions}
        for a in self.actions:
            ids |= set(a.limited_to)
        ids |= {n.party_id for n in self.information_needs}
        if self.coordinator:
            ids.add(self.coordinator.party_id)
        return ids


# -- validation ------------------------------------------------------------------------

def _check_text(value: str, field_name: str, label: str, *, required: bool,
                limit: int = MAX_TEXT) -> None:
    if required and not value.strip():
        raise ValidationError(_("{what} cannot be empty.").format(what=label), field=field_name)
    if len(value) > limit:
        raise ValidationError(_("{what} is longer than {limit} characters.")
                              .format(what=label, limit=limit), field=field_name)
    if limit == MAX_SHORT:  # a person's name: no invisible character (issue 25, point 3)
        check_identifying(value, field_name, label)
    else:
        check_free_text(value, field_name, label)


def validate(plan: ActionPlan, allowed_parties: Iterable[int] | None = None) -> None:
    """Refuse a plan that breaks a rule; ``allowed_parties``: the parties that may be named."""
    allowed = set(allowed_parties) if allowed_parties is not None else None
    keys: set[str] = set()
    for goal in plan.goals:
        _check_text(goal.description, "goals", _("A goal's description"), required=True)
        if goal.key in keys:
            raise ValidationError(_("Two parts of the plan have the same key."), field="goals")
        keys.add(goal.key)
    for action in plan.actions:
        _check_text(action.description, "actions", _("An action's description"), required=True)
        _check_text(action.owner, "actions", _("An action's owner"), required=False,
                    limit=MAX_SHORT)
        if action.key in keys:
            raise ValidationError(_("Two parts of the plan have the same key."),
                                  field="actions")
        keys.add(action.key)
        if action.goal_key is not None and plan.goal(action.goal_key) is None:
            raise ValidationError(_("An action refers to a goal that is not in the plan."),
                                  field="actions")
        for note in action.notes:
            _check_text(note.text, "actions", _("A progress note"), required=True)
    for need in plan.information_needs:
        _check_text(need.description, "information_needs", _("An information need"),
                    required=True)
        if need.key in keys:
            raise ValidationError(_("Two parts of the plan have the same key."),
                                  field="information_needs")
        keys.add(need.key)
    if plan.coordinator is not None:
        _check_text(plan.coordinator.person, "coordinator", _("The case coordinator's name"),
                    required=True, limit=MAX_SHORT)
    _check_text(plan.closure_criteria, "closure_criteria", _("The closure criteria"),
                required=False)
    _check_text(plan.next_meeting_note, "next_meeting", _("The note on the next meeting"),
                required=False, limit=MAX_SHORT * 5)
    if allowed is not None:
        strangers = plan.party_ids() - allowed
        if strangers:
            raise ValidationError(_("The plan names a party that is not invited to this case "
                                    "or no longer takes part."), field="actions")


# -- versions --------------------------------------------------------------------------

def rebase(base: ActionPlan, mine: ActionPlan, theirs: ActionPlan) -> ActionPlan:
    """Edits made from ``base`` (``mine``) put on top of a plan saved since (``theirs``).

    A three-way merge, per field and per goal, action and information need (by key): what
    ``mine`` changed wins; what others added or changed, and ``mine`` left alone, stays.
    Something ``mine`` removed goes, unless others changed it meanwhile (their change is not
    thrown away unseen). Progress notes are only ever added, each saved at once, so an action
    keeps the notes of both sides. The result carries ``theirs``' version: saving it builds
    on the newest plan and the version check passes."""

    def pick(field_name: str) -> Any:
        mine_value = getattr(mine, field_name)
        changed = mine_value != getattr(base, field_name)
        return mine_value if changed else getattr(theirs, field_name)

    def without_notes(item: Any) -> Any:
        return replace(item, notes=()) if isinstance(item, Action) else item

    def both_notes(chosen: Any, other: Any) -> Any:
        if not isinstance(chosen, Action) or not isinstance(other, Action):
            return chosen
        notes = other.notes + tuple(n for n in chosen.notes if n not in other.notes)
        return replace(chosen, notes=tuple(sorted(notes, key=lambda n: n.at)))

    def merged(field_name: str) -> tuple[Any, ...]:
        old = {x.key: x for x in getattr(base, field_name)}
        edited = {x.key: x for x in getattr(mine, field_name)}
        result = []
        for item in getattr(theirs, field_name):
            before = old.get(item.key)
            if item.key not in edited:
                if before is not None and without_notes(item) == without_notes(before):
                    continue                      # removed by me, untouched by others
                result.append(item)               # added by others, or changed by them
            elif before is None or without_notes(edited[item.key]) != without_notes(before):
                result.append(both_notes(edited[item.key], item))   # changed by me
            else:
                result.append(item)               # left alone by me
        theirs_keys = {x.key for x in getattr(theirs, field_name)}
        for item in getattr(mine, field_name):
            before = old.get(item.key)
            if item.key in theirs_keys:
                continue
            if before is None or without_notes(item) != without_notes(before):
                result.append(item)   # added by me, or changed by me after others removed it
        return tuple(result)

    return replace(theirs, goals=merged("goals"), actions=merged("actions"),
                   information_needs=merged("information_needs"),
                   coordinator=pick("coordinator"), closure_criteria=pick("closure_criteria"),
                   next_meeting=pick("next_meeting"), next_meeting_note=pick("next_meeting_note"))


def snapshot(plan: ActionPlan) -> dict[str, Any]:
    """The plan as JSON-able data, stored with each version."""
    return {
        "goals": [{"key": g.key, "life_domain": g.life_domain.value,
                   "description": g.description} for g in plan.goals],
        "actions": [{
            "key": a.key, "party_id": a.party_id, "description": a.description,
            "owner": a.owner, "due": a.due.isoformat() if a.due else None,
            "status": a.status.value, "goal_key": a.goal_key,
            "limited_to": sorted(a.limited_to),
            "notes": [{"at": n.at.isoformat(), "author": n.author, "text": n.text}
                      for n in a.notes],
        } for a in plan.actions],
        "information_needs": [{"key": n.key, "party_id": n.party_id,
                               "description": n.description}
                              for n in plan.information_needs],
        "coordinator": ({"party_id": plan.coordinator.party_id,
                         "person": plan.coordinator.person} if plan.coordinator else None),
        "closure_criteria": plan.closure_criteria,
        "next_meeting": plan.next_meeting.isoformat() if plan.next_meeting else None,
        "next_meeting_note": plan.next_meeting_note,
    }


def from_snapshot(case_id: int, data: dict[str, Any], version: int = 0) -> ActionPlan:
    coordinator = data.get("coordinator")
    return ActionPlan(
        case_id=case_id,
        goals=tuple(Goal(g["key"], LifeDomain(g["life_domain"]), g["description"])
                    for g in data.get("goals", [])),
        actions=tuple(Action(
            key=a["key"], party_id=int(a["party_id"]), description=a["description"],
            owner=a.get("owner", ""),
            due=date.fromisoformat(a["due"]) if a.get("due") else None,
            status=ActionStatus(a.get("status", "open")), goal_key=a.get("goal_key"),
            limited_to=frozenset(int(p) for p in a.get("limited_to", [])),
            notes=tuple(ProgressNote(datetime.fromisoformat(n["at"]), n["author"], n["text"])
                        for n in a.get("notes", [])),
        ) for a in data.get("actions", [])),
        information_needs=tuple(InformationNeed(n["key"], int(n["party_id"]), n["description"])
                                for n in data.get("information_needs", [])),
        coordinator=(CaseCoordinator(int(coordinator["party_id"]), coordinator["person"])
                     if coordinator else None),
        closure_criteria=data.get("closure_criteria", ""),
        next_meeting=(date.fromisoformat(data["next_meeting"])
                      if data.get("next_meeting") else None),
        next_meeting_note=data.get("next_meeting_note", ""),
        version=version,
    )


def _short(text: str, limit: int = 80) -> str:
    """A description shortened for a line of history (marked with an ellipsis when cut)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def changes(old: ActionPlan | None, new: ActionPlan,
            party_name: Any = str) -> list[str]:
    """What changed from ``old`` to ``new``, one line per change, in the user's language.

    ``party_name(party_id)`` turns a party id into a name for the lines.
    """
    old = old or ActionPlan(case_id=new.case_id)
    lines: list[str] = []
    old_goals = {g.key: g for g in old.goals}
    new_goals = {g.key: g for g in new.goals}
    for key, goal in new_goals.items():
        old_goal = old_goals.get(key)
        if old_goal is None:
            lines.append(_("Goal added ({domain}): {text}").format(
                domain=goal.life_domain.label, text=_short(goal.description)))
        elif old_goal != goal:
            lines.append(_("Goal changed ({domain}): {text}").format(
                domain=goal.life_domain.label, text=_short(goal.description)))
    for key, goal in old_goals.items():
        if key not in new_goals:
            lines.append(_("Goal removed ({domain}): {text}").format(
                domain=goal.life_domain.label, text=_short(goal.description)))
    old_actions = {a.key: a for a in old.actions}
    new_actions = {a.key: a for a in new.actions}
    for key, action in new_actions.items():
        before = old_actions.get(key)
        what = _short(action.description)
        if before is None:
            lines.append(_("Action added for {party}: {text}").format(
                party=party_name(action.party_id), text=what))
            continue
        if before.status != action.status:
            lines.append(_("Action status {old} \u2192 {new}: {text}").format(
                old=before.status.label, new=action.status.label, text=what))
        if len(action.notes) > len(before.notes):
            lines.append(_("Progress noted on action: {text}").format(text=what))
        if (replace(before, status=action.status, notes=action.notes) != action):
            lines.append(_("Action changed: {text}").format(text=what))
    for key, action in old_actions.items():
        if key not in new_actions:
            lines.append(_("Action removed: {text}").format(text=_short(action.description)))
    old_needs = {n.key: n for n in old.information_needs}
    new_needs = {n.key: n for n in new.information_needs}
    for key, need in new_needs.items():
        if key not in old_needs:
            lines.append(_("Information need added for {party}").format(
                party=party_name(need.party_id)))
        elif old_needs[key] != need:
            lines.append(_("Information need changed for {party}").format(
                party=party_name(need.party_id)))
    for key, need in old_needs.items():
        if key not in new_needs:
            lines.append(_("Information need removed for {party}").format(
                party=party_name(need.party_id)))
    if old.coordinator != new.coordinator:
        if new.coordinator is None:
            lines.append(_("Case coordinator removed"))
        else:
            lines.append(_("Case coordinator: {person} ({party})").format(
                person=new.coordinator.person, party=party_name(new.coordinator.party_id)))
    if old.closure_criteria != new.closure_criteria:
        lines.append(_("Closure criteria changed"))
    if (old.next_meeting, old.next_meeting_note) != (new.next_meeting, new.next_meeting_note):
        lines.append(_("Next meeting: {date}").format(
            date=new.next_meeting.strftime("%d-%m-%Y") if new.next_meeting else "\u2013"))
    return lines


def new_key() -> str:
    """A stable key for a new goal, action or information need (kept across versions)."""
    return secrets.token_hex(8)
