"""What the engine accepts: the window of every effective date, and the length of every free text.

One rule, called by the services (the guard every writer passes: pages, API, imports), and by
the forms and serializers before them (so that the message lands next to the field). The rule
raises Django's `ValidationError` keyed by field, with a French message that names the date.

The date window (docs/state-machine.md, "Dates accepted"):
- a birth date is on or after 01/01/1900 and the person is at least 16 on the day of entry;
- an effective date is not before the pathway's entry, not before the person's birth, not
  before 01/01/1900, and not more than ten years after `today`.
`today` is always passed in: nothing here reads the clock.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

from casework.text_limits import text_validators

if TYPE_CHECKING:
    from casework.models import Pathway

EARLIEST_DATE = dt.date(1900, 1, 1)
MIN_AGE = 16
MAX_YEARS_AHEAD = 10


def _fr(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def years_after(day: dt.date, years: int) -> dt.date:
    """`day` plus `years` calendar years (29 February becomes 28 February); capped at date.max."""
    year = min(day.year + years, dt.date.max.year)
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)


def latest_date(today: dt.date) -> dt.date:
    """The last day the engine accepts: ten years after `today`."""
    return years_after(today, MAX_YEARS_AHEAD)


def birth_date_check(birth_date: dt.date, *, on: dt.date, field: str = "birth_date") -> None:
    """Born on or after 01/01/1900 and at least 16 years old on `on` (the day of entry)."""
    if birth_date < EARLIEST_DATE:
        raise ValidationError({field: [f"La date de naissance ({_fr(birth_date)}) est antérieure au 01/01/1900."]})
    if years_after(birth_date, MIN_AGE) > on:
        raise ValidationError(
            {field: [f"La date de naissance ({_fr(birth_date)}) donne moins de {MIN_AGE} ans au {_fr(on)}."]}
        )


def date_window_check(
    day: dt.date,
    *,
    today: dt.date,
    label: str,
    field: str,
    entered_on: dt.date | None = None,
    birth_date: dt.date | None = None,
) -> None:
    """Raise a field-keyed `ValidationError` when `day` lies outside the accepted window.

    `label` names the date in the message ("La date du contact"); `entered_on` and `birth_date`
    are the pathway's entry and the person's birth when the date belongs to a pathway.
    """
    if entered_on is not None and day < entered_on:
        message = f"{label} ({_fr(day)}) est antérieure à l'entrée dans le parcours ({_fr(entered_on)})."
    elif birth_date is not None and day < birth_date:
        message = f"{label} ({_fr(day)}) est antérieure à la naissance de la personne ({_fr(birth_date)})."
    elif day < EARLIEST_DATE:
        message = f"{label} ({_fr(day)}) est antérieure au {_fr(EARLIEST_DATE)}."
    elif day > latest_date(today):
        message = (
            f"{label} ({_fr(day)}) est au-delà de {MAX_YEARS_AHEAD} ans après aujourd'hui "
            f"(le {_fr(latest_date(today))} au plus tard)."
        )
    else:
        return
    raise ValidationError({field: [message]})


def pathway_date_check(
    pathway: Pathway, day: dt.date, *, today: dt.date, label: str, field: str, since_entry: bool = True
) -> None:
    """`date_window_check` for a date of `pathway`: after its entry (unless `since_entry` is False,
    e.g. a reopening, which moves the entry) and after the person's birth."""
    date_window_check(
        day,
        today=today,
        label=label,
        field=field,
        entered_on=pathway.entered_on if since_entry else None,
        birth_date=pathway.beneficiary.birth_date,
    )


def dates_check(checks: list[tuple[str, dt.date | None, str]], **window) -> None:
    """Several dates at once, every error reported: `checks` is a list of (field, day, label)."""
    errors: dict[str, list[str]] = {}
    for field, day, label in checks:
        if day is None:
            continue
        try:
            date_window_check(day, field=field, label=label, **window)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def delegation_dates_check(starts_on: dt.date | None, ends_on: dt.date | None, *, today: dt.date) -> None:
    """A delegation belongs to no pathway: its dates stay within the general window."""
    dates_check(
        [
            ("starts_on", starts_on, "La date de début de la délégation"),
            ("ends_on", ends_on, "La date de fin de la délégation"),
        ],
        today=today,
    )


# Dates of a transition's parameters, checked by the transition service: (parameter, label).
TRANSITION_DATE_PARAMS = {
    "starts_on": "La date de début du contrat",
    "ends_on": "La date de fin du contrat",
    "expected_resume_on": "La date de reprise prévue",
}


def text_check(value: str, *, max_length: int, field: str) -> None:
    """Run `text_validators` on `value`; raise a field-keyed `ValidationError`."""
    try:
        for validator in text_validators(max_length):
            validator(value)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
