"""Writes of the contrat d'engagement: its first activity duration, its action plan, the
changes of its duration (reduction, exemption) and the weeks of the ledger.

Each function checks its input and raises `ValidationError` with French messages by field
before writing anything; callers run them inside their transaction (the workflows service
`workflows.services.activity` locks the pathway and adds the referent's alert). The audit
trail (simple-history) records who and when for every row written here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from casework.engagement import WeekInput, engagement_rule_for, week_target
from casework.enums import ActivityDurationKind, ContractKind
from casework.models import ActivityDuration, ActivityWeek, Contract, ContractActivity, Organisation, Pathway
from casework.models.engagement import HOURS_IN_A_WEEK
from casework.text_limits import REASON_MAX_LENGTH
from casework.validation import text_check

K = ActivityDurationKind


def _fr(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def standard_hours(contract: Contract) -> Decimal | None:
    """The rule's weekly activity duration for this contract (in force on its signing day)."""
    rule = engagement_rule_for(contract.pathway, contract.signed_on)
    return rule.weekly_hours if rule is not None else None


def engagement_contract_open(contract: Contract, *, now: dt.datetime) -> ActivityDuration | None:
    """A contrat d'engagement starts with the rule's duration (15 h by default), from its first day."""
    if contract.kind != ContractKind.CONTRAT_ENGAGEMENT:
        return None
    hours = standard_hours(contract)
    if hours is None:
        return None
    return ActivityDuration.objects.create(
        contract=contract,
        effective_from=contract.starts_on,
        kind=K.STANDARD,
        weekly_hours=hours,
        recorded_at=now,
    )


def _within_contract(contract: Contract, day: dt.date | None, field: str, label: str, errors: dict) -> None:
    if day is not None and not (contract.starts_on <= day <= contract.ends_on):
        errors.setdefault(field, []).append(
            f"{label} ({_fr(day)}) doit être dans la durée du contrat "
            f"(du {_fr(contract.starts_on)} au {_fr(contract.ends_on)})."
        )


def contract_activity_add(
    contract: Contract,
    *,
    kind: str,
    provider: Organisation | None,
    provider_name: str,
    hours_per_week: Decimal,
    starts_on: dt.date,
    ends_on: dt.date,
    by,
    now: dt.datetime,
) -> ContractActivity:
    """Add one activity to the action plan, within the contract's dates."""
    errors: dict[str, list[str]] = {}
    if provider is None and not provider_name.strip():
        errors["provider_name"] = ["Indiquez l'organisme ou l'offre (liste ou texte libre)."]
    if not (Decimal(0) < hours_per_week <= HOURS_IN_A_WEEK):
        errors["hours_per_week"] = ["Les heures prévues par semaine sont comprises entre 0 (exclu) et 168."]
    if ends_on < starts_on:
        errors["ends_on"] = ["La fin de l'activité ne peut pas précéder son début."]
    _within_contract(contract, starts_on, "starts_on", "Le début de l'activité", errors)
    _within_contract(contract, ends_on, "ends_on", "La fin de l'activité", errors)
    if errors:
        raise ValidationError(errors)
    return ContractActivity.objects.create(
        contract=contract,
        kind=kind,
        provider=provider,
        provider_name=provider_name.strip(),
        hours_per_week=hours_per_week,
        starts_on=starts_on,
        ends_on=ends_on,
        recorded_by=by,
        recorded_at=now,
    )


def _duration_errors(kind: str, hours: Decimal | None, standard: Decimal, data: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if kind == K.REDUCED:
        if hours is None or hours <= 0:
            errors["weekly_hours"] = [
                "Une durée réduite n'est jamais nulle : une durée de 0 heure est une dispense, accordée "
                "à la demande de la personne pour l'un des motifs prévus par la loi."
            ]
        elif hours >= standard:
            errors["weekly_hours"] = [f"Une durée réduite est inférieure à la durée de droit commun ({standard} h)."]
        if not data.get("reason", "").strip():
            errors["reason"] = ["Indiquez pourquoi la durée est réduite (situation de la personne)."]
    if kind == K.EXEMPTED:
        if not data.get("exemption_ground"):
            errors["exemption_ground"] = ["Choisissez la situation qui justifie la dispense."]
        if not data.get("at_persons_request"):
            errors["at_persons_request"] = ["La dispense n'est accordée qu'à la demande de la personne."]
    return errors


def activity_duration_record(
    contract: Contract, *, kind: str, effective_from: dt.date, today: dt.date, by, now: dt.datetime, **data
) -> ActivityDuration:
    """Record the weekly activity duration from `effective_from` (standard, reduced, exempted),
    then re-measure the ledger's weeks it now covers against it.

    `data`: `weekly_hours` (a reduction), `exemption_ground`, `at_persons_request`, `reason`.
    """
    standard = standard_hours(contract)
    if contract.kind != ContractKind.CONTRAT_ENGAGEMENT or standard is None:
        raise ValidationError({"kind": ["Seul un contrat d'engagement porte une durée hebdomadaire d'activité."]})
    hours = {K.STANDARD: standard, K.EXEMPTED: Decimal(0)}.get(kind, data.get("weekly_hours"))
    errors = _duration_errors(kind, hours, standard, data)
    if effective_from > today:
        errors.setdefault("effective_from", []).append("La date d'effet ne peut pas être dans le futur.")
    _within_contract(contract, effective_from, "effective_from", "La date d'effet", errors)
    try:
        text_check(data.get("reason", ""), max_length=REASON_MAX_LENGTH, field="reason")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    duration = ActivityDuration.objects.create(
        contract=contract,
        effective_from=effective_from,
        kind=kind,
        weekly_hours=hours,
        exemption_ground=data.get("exemption_ground", "") if kind == K.EXEMPTED else "",
        at_persons_request=bool(data.get("at_persons_request")),
        reason=data.get("reason", "").strip(),
        recorded_by=by,
        recorded_at=now,
    )
    weeks_retarget(contract, since=effective_from)
    return duration


def weeks_retarget(contract: Contract, *, since: dt.date) -> int:
    """Re-measure the contract's weeks that end on or after `since` (their Sunday's duration)."""
    changed = 0
    for week in ActivityWeek.objects.filter(contract=contract, week_start__gte=since - dt.timedelta(days=6)):
        target = week_target(contract, week.week_start)
        if week.target_hours != target:
            week.target_hours = target
            week.save(update_fields=["target_hours"])
            changed += 1
    return changed


def activity_week_save(
    pathway: Pathway, data: WeekInput, *, contract: Contract, by, now: dt.datetime
) -> tuple[ActivityWeek, bool]:
    """Write the week (a second entry for the same week replaces its figures); `created` says which.

    The caller has checked `data` (`casework.engagement.week_input_check`) and locked the pathway.
    """
    values = {
        "contract": contract,
        "planned_hours": data.planned_hours,
        "realised_hours": data.realised_hours,
        "target_hours": week_target(contract, data.week_start),
        "recorded_by": by,
        "recorded_at": now,
    }
    week = ActivityWeek.objects.select_for_update().filter(pathway=pathway, week_start=data.week_start).first()
    if week is None:
        return ActivityWeek.objects.create(pathway=pathway, week_start=data.week_start, **values), True
    for field, value in values.items():
        setattr(week, field, value)
    week.save()
    return week, False
