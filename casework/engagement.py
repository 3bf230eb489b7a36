"""The contrat d'engagement's rules as functions of dates: which rule is in force, which contract
covers a week, a week's target, the runs of weeks below target, and the ledger's input checks.

Pure reads and checks (no writes): `casework.services.engagement` writes, the workflows
service `workflows.services.activity` adds the referent's alert. Every date comes in as a
parameter (`today`, `on`). The articles behind each rule are in docs/legal.md.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from casework.enums import ContractKind
from casework.models import ActivityDuration, ActivityWeek, Contract, EngagementRule, Pathway
from casework.models.engagement import HOURS_IN_A_WEEK

WEEK = dt.timedelta(days=7)
LEGACY_KINDS = (ContractKind.CER, ContractKind.PPAE)


def _fr(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def monday_of(day: dt.date) -> dt.date:
    """The Monday of the ISO week holding `day`."""
    return day - dt.timedelta(days=day.weekday())


def engagement_rule_for(pathway: Pathway, on: dt.date) -> EngagementRule | None:
    """The contrat d'engagement rule in force on `on` for this pathway's territory and public."""
    return EngagementRule.objects.in_force(
        on=on, territory_id=pathway.territory_id, publics=pathway.beneficiary.publics
    )


def default_contract_kind(pathway: Pathway, signed_on: dt.date) -> str:
    """The kind of a contract signed on `signed_on` when none is named: the rule's (a contrat
    d'engagement from 1 January 2025), a CER where no rule is in force."""
    rule = engagement_rule_for(pathway, signed_on)
    return rule.default_contract_kind if rule is not None else ContractKind.CER


def contract_status(contract: Contract, *, today: dt.date) -> str:
    """How the pathway page names a contract under the 2025 frame."""
    if contract.kind in LEGACY_KINDS:
        if contract.ends_on >= today:
            return (
                f"{contract.get_kind_display()} signé avant la réforme : il reste valable jusqu'à son "
                f"renouvellement (fin le {_fr(contract.ends_on)}), qui se fera en contrat d'engagement."
            )
        return "Contrat antérieur à la réforme, échu : le prochain contrat sera un contrat d'engagement."
    return ""


def engagement_contracts(pathway: Pathway):
    return Contract.objects.filter(pathway=pathway, kind=ContractKind.CONTRAT_ENGAGEMENT)


def duration_in_force(contract: Contract, on: dt.date) -> ActivityDuration | None:
    """The contract's weekly activity duration in force on `on` (the latest recorded for a day
    on or before it; of two for the same day, the later recorded)."""
    return (
        ActivityDuration.objects.filter(contract=contract, effective_from__lte=on)
        .order_by("-effective_from", "-recorded_at", "-id")
        .first()
    )


def week_target(contract: Contract, week_start: dt.date) -> Decimal:
    """The hours a week is measured against: the duration in force on its Sunday (a reduction
    or an exemption from a Wednesday covers that whole week), 0 when none is recorded."""
    duration = duration_in_force(contract, week_start + dt.timedelta(days=6))
    return duration.weekly_hours if duration is not None else Decimal(0)


@dataclass(frozen=True)
class WeekInput:
    week_start: dt.date | None
    planned_hours: Decimal | None
    realised_hours: Decimal | None


def _hours_errors(field: str, value: Decimal | None, label: str) -> list[str]:
    if value is None:
        return []
    if value < 0:
        return [f"{label} ne peut pas être négatif."]
    if value > HOURS_IN_A_WEEK:
        return [f"{label} ({value} h) dépasse les 168 heures d'une semaine."]
    return []


def _week_errors(pathway: Pathway, week: dt.date, realised: Decimal | None, today: dt.date) -> dict[str, str]:
    if week.weekday() != 0:
        return {
            "week_start": f"Une semaine se désigne par son lundi : pour le {_fr(week)}, "
            f"indiquez le {_fr(monday_of(week))}."
        }
    if week > today:
        return {"week_start": f"La semaine du {_fr(week)} n'a pas encore commencé (nous sommes le {_fr(today)})."}
    if week < monday_of(pathway.entered_on):
        return {
            "week_start": f"La semaine du {_fr(week)} précède l'entrée dans le parcours ({_fr(pathway.entered_on)})."
        }
    if realised is not None and week + dt.timedelta(days=6) >= today:
        return {
            "realised_hours": f"Les heures réalisées de la semaine du {_fr(week)} se saisissent une fois la semaine "
            f"terminée, à partir du {_fr(week + WEEK)}."
        }
    return {}


def contract_for_week(pathway: Pathway, week_start: dt.date) -> Contract | None:
    """The contrat d'engagement in force during the week (the latest signed among those covering it)."""
    return (
        engagement_contracts(pathway)
        .filter(starts_on__lte=week_start + dt.timedelta(days=6), ends_on__gte=week_start)
        .order_by("-signed_on", "-id")
        .first()
    )


def _contract_error(pathway: Pathway, week: dt.date) -> str:
    contracts = list(engagement_contracts(pathway).order_by("starts_on"))
    if not contracts:
        return "Ce parcours n'a pas de contrat d'engagement : il n'y a pas d'heures d'activité à suivre."
    if week + dt.timedelta(days=6) < contracts[0].starts_on:
        return (
            f"La semaine du {_fr(week)} précède le contrat d'engagement, "
            f"qui commence le {_fr(contracts[0].starts_on)}."
        )
    return f"Aucun contrat d'engagement ne couvre la semaine du {_fr(week)} (le dernier a pris fin avant)."


def week_input_check(pathway: Pathway, data: WeekInput, *, today: dt.date) -> Contract:
    """The ledger's rules, one message per field (French); returns the week's contract.

    Refused: a week not named by its Monday, a week not yet begun, realised hours for a week
    not yet over, hours below 0 or above 168, a week no contrat d'engagement covers.
    """
    errors: dict[str, list[str]] = {}
    for field, value, label in (
        ("planned_hours", data.planned_hours, "Le nombre d'heures prévues"),
        ("realised_hours", data.realised_hours, "Le nombre d'heures réalisées"),
    ):
        if found := _hours_errors(field, value, label):
            errors[field] = found
    if data.planned_hours is None:
        errors.setdefault("planned_hours", ["Indiquez les heures prévues de la semaine."])
    contract = None
    if data.week_start is None:
        errors["week_start"] = ["Indiquez la semaine (son lundi)."]
    elif found := _week_errors(pathway, data.week_start, data.realised_hours, today):
        for field, message in found.items():
            errors.setdefault(field, []).append(message)
    else:
        contract = contract_for_week(pathway, data.week_start)
        if contract is None:
            errors["week_start"] = [_contract_error(pathway, data.week_start)]
    if errors:
        raise ValidationError(errors)
    return contract


# --- the shortfall rule -------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """Consecutive weeks (Mondays 7 days apart), each with realised hours below its target."""

    first: dt.date
    last: dt.date
    weeks: int


def shortfall_runs(weeks: list[ActivityWeek]) -> list[Run]:
    """The runs of short weeks, oldest first. A week with no row, no realised hours, a target of
    0 (exemption) or realised hours at the target breaks a run."""
    runs: list[Run] = []
    current: list[dt.date] = []
    for week in sorted(weeks, key=lambda w: w.week_start):
        if week.short and current and week.week_start - current[-1] == WEEK:
            current.append(week.week_start)
            continue
        if current:
            runs.append(Run(current[0], current[-1], len(current)))
        current = [week.week_start] if week.short else []
    if current:
        runs.append(Run(current[0], current[-1], len(current)))
    return runs


def shortfall_weeks_for(contract: Contract) -> int | None:
    """How many short weeks running alert the referent: the rule in force when the contract was signed."""
    rule = engagement_rule_for(contract.pathway, contract.signed_on)
    return rule.shortfall_weeks if rule is not None else None
