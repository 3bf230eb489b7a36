"""The legal calendar: calendar/working-day/month durations and alert days.

A legal due date is a calendar day (Europe/Paris). Months clamp to the end of the month
(31 January + 1 month = 28/29 February). Working days skip weekends and French public
holidays, plus the Alsace-Moselle ones for territories there — from the `holidays` package.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
from dateutil.relativedelta import relativedelta

from casework.enums import DurationUnit

ALSACE_MOSELLE_SUBDIVISION = "57"


@lru_cache(maxsize=8)
def _holidays(alsace_moselle: bool) -> holidays.HolidayBase:
    # `years` grows lazily on lookup (expand=True), so one instance serves every year.
    return holidays.France(subdiv=ALSACE_MOSELLE_SUBDIVISION if alsace_moselle else None)


def is_public_holiday(day: dt.date, *, alsace_moselle: bool = False) -> bool:
    return day in _holidays(alsace_moselle)


def is_working_day(day: dt.date, *, alsace_moselle: bool = False) -> bool:
    return day.weekday() < 5 and not is_public_holiday(day, alsace_moselle=alsace_moselle)


def add_working_days(start: dt.date, count: int, *, alsace_moselle: bool = False) -> dt.date:
    """The `count`-th working day after `start` (the start day itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_working_day(day, alsace_moselle=alsace_moselle):
            remaining -= 1
    return day


def add_duration(start: dt.date, value: int, unit: str, *, alsace_moselle: bool = False) -> dt.date:
    if unit == DurationUnit.DAYS:
        return start + dt.timedelta(days=value)
    if unit == DurationUnit.MONTHS:
        return start + relativedelta(months=value)
    if unit == DurationUnit.WORKING_DAYS:
        return add_working_days(start, value, alsace_moselle=alsace_moselle)
    raise ValueError(f"Unknown duration unit: {unit!r}")


def alert_day(day: dt.date, *, alsace_moselle: bool = False) -> dt.date:
    """An alert due on a weekend or public holiday goes out on the preceding working day."""
    while not is_working_day(day, alsace_moselle=alsace_moselle):
        day -= dt.timedelta(days=1)
    return day
