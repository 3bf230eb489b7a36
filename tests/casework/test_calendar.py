"""The legal calendar of SPEC.md: calendar months, working days, alert days."""

import datetime as dt

import pytest

from casework.enums import DurationUnit
from casework.services.calendar import add_duration, add_working_days, alert_day, is_working_day

D = dt.date


@pytest.mark.parametrize(
    ("start", "value", "unit", "expected"),
    [
        (D(2027, 4, 12), 42, DurationUnit.DAYS, D(2027, 5, 24)),  # orientation, 6 weeks
        (D(2027, 3, 31), 1, DurationUnit.MONTHS, D(2027, 4, 30)),  # contract: end-of-month clamp
        (D(2027, 1, 31), 1, DurationUnit.MONTHS, D(2027, 2, 28)),
        (D(2028, 1, 31), 1, DurationUnit.MONTHS, D(2028, 2, 29)),  # leap year
        (D(2026, 8, 31), 6, DurationUnit.MONTHS, D(2027, 2, 28)),  # social-track review
        (D(2026, 11, 2), 60, DurationUnit.DAYS, D(2027, 1, 1)),  # contact gap
        (D(2026, 12, 23), 5, DurationUnit.WORKING_DAYS, D(2026, 12, 31)),  # Christmas skipped
    ],
)
def test_add_duration_follows_the_spec_examples(start, value, unit, expected):
    assert add_duration(start, value, unit) == expected


def test_working_days_skip_easter_monday():
    # Thu 1 Apr 2027 + 2 working days: Fri 2, (Sat, Sun, Easter Monday 29 Mar is earlier)...
    assert not is_working_day(D(2027, 3, 29))  # Easter Monday 2027
    assert add_working_days(D(2027, 3, 26), 1) == D(2027, 3, 30)  # Fri → Tue, Easter Monday skipped


def test_alsace_moselle_has_good_friday_and_saint_stephen():
    assert is_working_day(D(2026, 4, 3))  # Good Friday: a working day in Deux-Sèvres
    assert not is_working_day(D(2026, 4, 3), alsace_moselle=True)
    # Handover proposed Wed 23 Dec 2026 in Moselle: 24, 28, 29, 30, 31 (26 Dec is a Saturday anyway)
    assert add_working_days(D(2026, 12, 23), 5, alsace_moselle=True) == D(2026, 12, 31)
    # Thu 2 Apr 2026 + 1 working day: Fri 3 Apr elsewhere, Mon 6 is Easter Monday → Tue 7 in Moselle
    assert add_working_days(D(2026, 4, 2), 1) == D(2026, 4, 3)
    assert add_working_days(D(2026, 4, 2), 1, alsace_moselle=True) == D(2026, 4, 7)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2027, 5, 17), D(2027, 5, 14)),  # Whit Monday → Friday before
        (D(2027, 2, 28), D(2027, 2, 26)),  # Sunday → Friday
        (D(2027, 1, 1), D(2026, 12, 31)),  # New Year's Day → Thursday 31 Dec
        (D(2027, 3, 29), D(2027, 3, 26)),  # Easter Monday → Friday before
        (D(2026, 11, 27), D(2026, 11, 27)),  # a plain Friday stays
    ],
)
def test_alert_day_moves_to_the_preceding_working_day(day, expected):
    assert alert_day(day) == expected
