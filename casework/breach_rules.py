"""What a breach procedure accepts: the dates of each step and the caps of a decision.

One rule for every door (the pages' forms, the service's guard): each check raises Django's
`ValidationError` keyed by field, with a French message that names the figure and its source.
The caps are the version of `BreachCapRule` in force on the breach's date (not the decision's):
the law of the day of the facts applies. `today` is always passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError

from casework.enums import BreachOutcome, BreachState
from casework.models import Breach, BreachCapRule
from casework.validation import pathway_date_check


def _fr(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def suspension_end(starts_on: dt.date, months: int) -> dt.date:
    """The last day of a suspension of `months` calendar months from `starts_on` (inclusive):
    from 15/09 for 2 months, until 14/11."""
    return starts_on + relativedelta(months=months) - dt.timedelta(days=1)


def breach_is_repeat(breach: Breach) -> bool:
    """A repeated breach: the person already had a suspension decided, before this breach's date
    (R262-68, 2°: "persistance ou réitération")."""
    return (
        Breach.objects.filter(
            pathway__beneficiary_id=breach.pathway.beneficiary_id,
            outcome=BreachOutcome.SUSPENSION,
            decided_on__lte=breach.occurred_on,
        )
        .exclude(pk=breach.pk)
        .exists()
    )


def shared_household(breach: Breach, *, single_parent_increase: bool) -> bool:
    """R262-68-6: a household of more than one person, or a person with the single-parent increase."""
    return breach.pathway.beneficiary.household_size > 1 or single_parent_increase


@dataclass(frozen=True)
class Caps:
    """The bounds a decision on this breach must respect, with their source."""

    rule: BreachCapRule
    is_repeat: bool
    min_rate: int
    max_rate: int
    min_months: int
    max_months: int
    household_capped: bool


def breach_caps(breach: Breach, *, single_parent_increase: bool = False) -> Caps:
    rule = BreachCapRule.objects.in_force(breach.occurred_on)
    if rule is None:
        raise ValidationError(
            {
                "__all__": [
                    f"Aucun barème de suspension-remobilisation n'est en vigueur au {_fr(breach.occurred_on)} "
                    "(date du manquement) : la suspension-remobilisation s'applique aux manquements à partir du "
                    "01/06/2025."
                ]
            }
        )
    repeat = breach_is_repeat(breach)
    capped = shared_household(breach, single_parent_increase=single_parent_increase)
    max_rate = min(rule.max_rate, rule.shared_household_max_rate) if capped else rule.max_rate
    return Caps(
        rule=rule,
        is_repeat=repeat,
        min_rate=rule.min_rate,
        max_rate=max_rate,
        min_months=rule.repeat_min_months if repeat else rule.first_min_months,
        max_months=rule.repeat_max_months if repeat else rule.first_max_months,
        household_capped=capped,
    )


def breach_record_check(pathway, *, occurred_on: dt.date, today: dt.date) -> None:
    pathway_date_check(pathway, occurred_on, today=today, label="La date du manquement", field="occurred_on")
    if occurred_on > today:
        raise ValidationError({"occurred_on": [f"La date du manquement ({_fr(occurred_on)}) est dans le futur."]})


def step_date_check(breach: Breach, day: dt.date, *, today: dt.date, field: str, label: str) -> None:
    """A step of the procedure happens between the letter and today."""
    if day > today:
        raise ValidationError({field: [f"{label} ({_fr(day)}) est dans le futur."]})
    if day < breach.informed_on:
        raise ValidationError(
            {field: [f"{label} ({_fr(day)}) précède le courrier d'information du {_fr(breach.informed_on)}."]}
        )


def decision_window_check(breach: Breach, *, on: dt.date) -> None:
    """No decision before the window closes, unless the person's observations are recorded."""
    if breach.observations_on is None and on < breach.decision_possible_from():
        raise ValidationError(
            {
                "decided_on": [
                    f"La personne peut présenter ses observations jusqu'au {_fr(breach.observation_due_on)} inclus : "
                    f"décision possible à partir du {_fr(breach.decision_possible_from())}, ou dès que ses "
                    "observations sont enregistrées."
                ]
            }
        )


def decision_caps_check(breach: Breach, *, rate: int | None, months: int | None, single_parent_increase: bool) -> Caps:
    """The rate and the duration of a suspension within the caps in force on the breach's date."""
    caps = breach_caps(breach, single_parent_increase=single_parent_increase)
    errors: dict[str, list[str]] = {}
    src = f"barème en vigueur au {_fr(breach.occurred_on)}"
    if rate is None:
        errors["rate_percent"] = ["Indiquez le taux de suspension."]
    elif caps.household_capped and rate > caps.max_rate:
        size = breach.pathway.beneficiary.household_size
        why = f"foyer de {size} personnes" if size > 1 else "majoration pour isolement"
        errors["rate_percent"] = [f"Le taux ne peut dépasser {caps.max_rate} % ({why}, R262-68-6) ; {rate} % saisis."]
    elif not caps.min_rate <= rate <= caps.max_rate:
        errors["rate_percent"] = [
            f"Le taux doit être compris entre {caps.min_rate} % et {caps.max_rate} % ({src}) ; {rate} % saisis."
        ]
    if months is None:
        errors["duration_months"] = ["Indiquez la durée de la suspension."]
    elif not caps.min_months <= months <= caps.max_months:
        which = "manquement réitéré" if caps.is_repeat else "premier manquement"
        errors["duration_months"] = [
            f"Pour un {which}, la durée est de {caps.min_months} à {caps.max_months} mois ({src}, R262-68) ; "
            f"{months} mois saisis."
        ]
    if errors:
        raise ValidationError(errors)
    return caps


def remobilisation_check(breach: Breach, *, on: dt.date, today: dt.date) -> None:
    """Only a running suspension is lifted, on a day within its period."""
    if on > today:
        raise ValidationError({"remobilised_on": [f"La date de remobilisation ({_fr(on)}) est dans le futur."]})
    if breach.state == BreachState.ENDED or (breach.suspension_ends_on and on > breach.suspension_ends_on):
        raise ValidationError(
            {
                "remobilised_on": [
                    f"La suspension a pris fin le {_fr(breach.suspension_ends_on)} : une remobilisation le "
                    f"{_fr(on)} ne peut plus la lever (les sommes suspendues restent perdues)."
                ]
            }
        )
    if breach.suspension_starts_on and on < breach.suspension_starts_on:
        raise ValidationError(
            {
                "remobilised_on": [
                    f"La suspension ne commence que le {_fr(breach.suspension_starts_on)} : la remobilisation du "
                    f"{_fr(on)} la précède."
                ]
            }
        )
