"""Retention: how long an ended case keeps its remaining data, and when it is due for
destruction (covenant 1.10 and the privacy protocols; AVG art. 5(1)(e)).

The period is set per protocol by the administrator. Until the house has set one, the
default of 24 months after the case ended applies, and the settings show it as a default the
house must still confirm. A case "ends" when it is closed (afschaling), declined at intake or
routed elsewhere at triage; the clock runs from that date. A case is due on the day its
period has passed, and it is destroyed then: every personal field and row goes, a tombstone
with no personal data stays for the figures.

Plain values, no database and no Qt.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime

from app.domain.lifecycle import CaseState
from app.domain.protocols import Protocol
from app.errors import ValidationError
from app.i18n import _

#: The default period in months, until the house confirms or sets its own.
DEFAULT_MONTHS = 24
#: An upper bound that catches a typo (a period in days typed as months); 20 years.
MAX_MONTHS = 240

#: The states after which the retention clock runs.
ENDED_STATES = frozenset({CaseState.CLOSED, CaseState.DECLINED, CaseState.ROUTED_ELSEWHERE})


@dataclass(frozen=True)
class RetentionPeriod:
    """The period for one protocol. ``confirmed`` False: the default, not yet confirmed."""

    protocol: Protocol
    months: int
    confirmed: bool
    set_by: str | None = None
    set_at: datetime | None = None

    @property
    def label(self) -> str:
        if self.confirmed:
            return _("{months} months after the case ended").format(months=self.months)
        return _("{months} months after the case ended (default: the house must still "
                 "confirm this period)").format(months=self.months)


def default_period(protocol: Protocol) -> RetentionPeriod:
    return RetentionPeriod(protocol, DEFAULT_MONTHS, confirmed=False)


def check_months(months: int) -> int:
    """Refuse a period of zero, below zero or beyond :data:`MAX_MONTHS`."""
    if isinstance(months, bool) or not isinstance(months, int):
        raise ValidationError(_("The retention period must be a whole number of months."),
                              field="months")
    if months <= 0:
        raise ValidationError(_("The retention period must be at least one month; a period "
                                "of zero or less would destroy a case the day it ends."),
                              field="months")
    if months > MAX_MONTHS:
        raise ValidationError(_("The retention period cannot be longer than {max} months.")
                              .format(max=MAX_MONTHS), field="months")
    return months


def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def destroy_on(ended_on: date, months: int) -> date:
    """The first day on which a case that ended on ``ended_on`` is due for destruction."""
    return add_months(ended_on, check_months(months))


def is_due(ended_on: date | None, months: int, today: date) -> bool:
    """Whether a case that ended on ``ended_on`` is due on ``today`` (never when not ended)."""
    return ended_on is not None and today >= destroy_on(ended_on, months)


def ended_on(state: CaseState, *, closed_at: datetime | date | None,
             intake_decided_at: datetime | date | None,
             triage_done_at: datetime | date | None) -> date | None:
    """The day the retention clock of a case in ``state`` started (None: still running)."""
    moment = {
        CaseState.CLOSED: closed_at,
        CaseState.DECLINED: intake_decided_at,
        CaseState.ROUTED_ELSEWHERE: triage_done_at,
    }.get(state)
    if moment is None:
        return None
    return moment.date() if isinstance(moment, datetime) else moment
