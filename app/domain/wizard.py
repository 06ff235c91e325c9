"""One protocol for every wizard's steps (issue 20, point 6), with no Qt.

A wizard is a :class:`Flow`: its steps in order. A :class:`Step` has an id, a title and an
explanation (msgids), the fields it fills in (stable paths such as ``subjects[0].bsn``), a
check that returns its *refusals* and, optionally, the step that follows it, which may depend
on the draft. A refusal is a :class:`FieldError`: the field it concerns and a translated
message; a wizard page shows it beside that field and may not move on while there is one.

The check of a step is called with the wizard's draft and a context (what the step needs to
know that is not typed in: today, the parties' standings, whether a folder already holds a
vault, ...). The six wizards (intake, triage, agenda, closure, first run and accession) each
declare their flow in their own domain module; ``ui.wizard.StepPage`` renders any step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from app.errors import ValidationError

D = TypeVar("D")
C = TypeVar("C")
T = TypeVar("T")


@dataclass(frozen=True)
class FieldError:
    """One refusal: the field it concerns ("" for the step as a whole) and why."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def prefixed(self, prefix: str) -> FieldError:
        return FieldError(f"{prefix}.{self.field}" if prefix else self.field, self.message)

    def as_validation_error(self) -> ValidationError:
        return ValidationError(str(self), field=self.field)


def refusal(error: ValidationError) -> FieldError:
    """A ``ValidationError`` as a refusal: its field (or "") and its message."""
    return FieldError(error.field or "", str(error))


def collect(errors: list[FieldError], check: Callable[[], T]) -> T | None:
    """Run one field check; keep its ``ValidationError`` as a refusal and return None."""
    try:
        return check()
    except ValidationError as exc:
        errors.append(refusal(exc))
        return None


def first_refusal(check: Callable[[], object]) -> list[FieldError]:
    """The refusals of a check that raises its first problem: that one, or none."""
    found: list[FieldError] = []
    collect(found, check)
    return found


def no_refusals(_draft: object, _context: object) -> list[FieldError]:
    """The check of a step that refuses nothing (a summary, a preview)."""
    return []


@dataclass(frozen=True)
class Step(Generic[D, C]):
    """One step of a wizard."""

    id: str
    #: msgid of the page's title and of its explanation; shown through ``_()``
    title: str
    explanation: str
    check: Callable[[D, C], list[FieldError]]
    #: the fields the step fills in (the paths its refusals name)
    fields: tuple[str, ...] = ()
    #: the step after this one for a draft (None: the last); unset: the next in the flow
    next: Callable[[D], str | None] | None = None
    #: True: Next is enabled only while the check finds nothing (otherwise Next checks and
    #: shows the refusals beside their fields)
    gated: bool = False


class Flow(Generic[D, C]):
    """A wizard's steps in order; the one place the wizard asks what to check and where to
    go next."""

    def __init__(self, name: str, steps: Sequence[Step[D, C]]) -> None:
        ids = [s.id for s in steps]
        if not ids or len(set(ids)) != len(ids):
            raise ValueError(f"the steps of {name} must be named once each")
        self.name = name
        self.steps: tuple[Step[D, C], ...] = tuple(steps)
        self._by_id = {s.id: s for s in self.steps}

    def __repr__(self) -> str:
        return f"Flow({self.name!r}, {list(self.ids())!r})"

    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.steps)

    def step(self, step_id: str) -> Step[D, C]:
        try:
            return self._by_id[step_id]
        except KeyError:
            raise ValueError(f"{self.name} has no step {step_id!r}") from None

    def index(self, step_id: str) -> int:
        return self.ids().index(self.step(step_id).id)

    @property
    def first(self) -> Step[D, C]:
        return self.steps[0]

    def refusals(self, step_id: str, draft: D, context: C) -> list[FieldError]:
        """Why the wizard may not leave ``step_id`` with this draft (empty: it may)."""
        return list(self.step(step_id).check(draft, context))

    def next_step(self, step_id: str, draft: D | None = None) -> str | None:
        """The step after ``step_id`` (None after the last). A step's own ``next`` decides
        when it has one (and a draft is given); otherwise the flow's order does."""
        step = self.step(step_id)
        if step.next is not None and draft is not None:
            chosen = step.next(draft)
            if chosen is not None:
                self.step(chosen)  # a step of this flow, or ValueError
            return chosen
        i = self.index(step_id)
        return self.steps[i + 1].id if i + 1 < len(self.steps) else None

    def previous_step(self, step_id: str) -> str | None:
        i = self.index(step_id)
        return self.steps[i - 1].id if i > 0 else None

    def path(self, draft: D | None = None) -> list[str]:
        """The steps a draft goes through from the first, in order."""
        seen: list[str] = []
        current: str | None = self.first.id
        while current is not None and current not in seen:
            seen.append(current)
            current = self.next_step(current, draft)
        return seen

    def all_refusals(self, draft: D, context: C,
                     steps: Iterable[str] | None = None) -> list[FieldError]:
        """The refusals of every step of the draft's path (or of ``steps``), in order."""
        found: list[FieldError] = []
        for step_id in (self.path(draft) if steps is None else steps):
            found.extend(self.refusals(step_id, draft, context))
        return found
