"""The 2025 legal frame (loi n° 2023-1196 "pour le plein emploi"): the contrat d'engagement's
rule, its action plan, its weekly activity duration and the weekly activity ledger.

- `EngagementRule`: effective-dated, scoped like the delay rules — which contract kind a new
  contract is by default, the weekly activity duration it carries, and how many weeks running
  below it alert the referent. Data, never a constant (docs/legal.md).
- `ContractActivity`: one line of a contract's action plan.
- `ActivityDuration`: the weekly activity duration in force from a day (standard, reduced with
  a reason, or an exemption asked by the person on a ground the law lists). Rows are only
  added; the audit trail (simple-history) says who recorded each and when.
- `ActivityWeek`: the ledger, one row per pathway and ISO week (starting Monday): planned and
  realised hours, and the target the week is measured against.
- `ActivityShortfall`: one row per alerted run of weeks below target, so a run alerts once.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from casework.enums import ActivityDurationKind, ActivityKind, ContractKind, ExemptionGround, Public
from casework.text_limits import REASON_MAX_LENGTH, text_validators

from .organisations import Organisation, Territory
from .pathways import Contract, Pathway
from .rules import rule_pick

HOURS_IN_A_WEEK = Decimal(168)


def hours_field(label: str, **kwargs) -> models.DecimalField:
    """Hours in a week, to the half hour or finer: 0 to 168."""
    return models.DecimalField(
        label,
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(HOURS_IN_A_WEEK)],
        **kwargs,
    )


class EngagementRuleQuerySet(models.QuerySet):
    def in_force(self, *, on: dt.date, territory_id: int | None, publics) -> EngagementRule | None:
        """The version in force on `on`: the most specific scope, then the latest start (`rule_pick`)."""
        candidates = (
            self.filter(valid_from__lte=on, is_active=True)
            .filter(Q(territory__isnull=True) | Q(territory_id=territory_id))
            .filter(Q(public="") | Q(public__in=publics or []))
        )
        return rule_pick(candidates, EngagementRule.code, on=on, territory_id=territory_id, publics=publics)


class EngagementRule(models.Model):
    code = "engagement"  # one family of rules: `rule_pick` reads it

    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, null=True, blank=True, verbose_name="territoire (vide : tous)"
    )
    public = models.CharField("public (vide : tous)", max_length=30, choices=Public.choices, blank=True)
    valid_from = models.DateField("en vigueur à partir du")
    is_active = models.BooleanField("active", default=True)
    default_contract_kind = models.CharField("type de contrat par défaut", max_length=30, choices=ContractKind.choices)
    weekly_hours = hours_field(
        "durée hebdomadaire d'activité (heures)",
        null=True,
        blank=True,
        help_text="Vide : pas de durée d'activité (contrats d'avant 2025).",
    )
    shortfall_weeks = models.PositiveSmallIntegerField(
        "semaines consécutives sous la durée avant alerte",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="Vide : pas d'alerte. L'alerte prévient le référent, elle n'est jamais une sanction.",
    )
    source = models.CharField("fondement", max_length=200, blank=True)

    objects = EngagementRuleQuerySet.as_manager()

    class Meta:
        verbose_name = "règle du contrat d'engagement"
        verbose_name_plural = "règles du contrat d'engagement"
        ordering = ["valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["territory", "public", "valid_from"],
                name="engagement_rule_unique_version",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"Contrat d'engagement : règle du {self.valid_from:%d/%m/%Y}"


class ContractActivity(models.Model):
    """One activity of the action plan: what, with whom, how many hours a week, from when to when."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField("type d'activité", max_length=20, choices=ActivityKind.choices)
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="organisme"
    )
    provider_name = models.CharField(
        "organisme ou offre (texte libre)", max_length=200, blank=True, validators=text_validators(200)
    )
    hours_per_week = hours_field("heures prévues par semaine")
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "activité du plan d'action"
        verbose_name_plural = "activités du plan d'action"
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="activity_dates_ordered"),
            models.CheckConstraint(
                condition=Q(provider__isnull=False) | ~Q(provider_name=""), name="activity_has_provider"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.hours_per_week} h/semaine)"

    @property
    def provider_label(self) -> str:
        return str(self.provider) if self.provider_id else self.provider_name


class ActivityDuration(models.Model):
    """The weekly activity duration of a contract from `effective_from` (until the next row)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="durations")
    effective_from = models.DateField("à partir du")
    kind = models.CharField("durée", max_length=20, choices=ActivityDurationKind.choices)
    weekly_hours = hours_field("heures par semaine")
    exemption_ground = models.CharField(
        "situation justifiant la dispense", max_length=20, choices=ExemptionGround.choices, blank=True
    )
    at_persons_request = models.BooleanField("à la demande de la personne", default=False)
    reason = models.TextField(
        "motif", blank=True, max_length=REASON_MAX_LENGTH, validators=text_validators(REASON_MAX_LENGTH)
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "durée hebdomadaire d'activité"
        verbose_name_plural = "durées hebdomadaires d'activité"
        ordering = ["effective_from", "id"]
        constraints = [
            # An exemption is asked by the person, on a ground the law lists, and is total.
            models.CheckConstraint(
                condition=~Q(kind=ActivityDurationKind.EXEMPTED)
                | (Q(at_persons_request=True, weekly_hours=0) & ~Q(exemption_ground="")),
                name="activity_exemption_complete",
            ),
            models.CheckConstraint(
                condition=~Q(kind=ActivityDurationKind.REDUCED) | (Q(weekly_hours__gt=0) & ~Q(reason="")),
                name="activity_reduction_reasoned",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self.weekly_hours} h dès le {self.effective_from:%d/%m/%Y}"


class ActivityWeek(models.Model):
    """One ISO week of the ledger (its Monday): hours planned, hours realised, the week's target."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="activity_weeks")
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="weeks")
    week_start = models.DateField("semaine du (lundi)")
    planned_hours = hours_field("heures prévues")
    realised_hours = hours_field("heures réalisées", null=True, blank=True)
    # The duration in force on the week's Sunday (`casework.engagement.week_target`), kept with
    # the week and rewritten when a duration is recorded for a day on or before it.
    target_hours = hours_field("durée à atteindre")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "semaine d'activité"
        verbose_name_plural = "semaines d'activité"
        ordering = ["-week_start"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "week_start"], name="activity_week_one_per_pathway"),
            # ISO weeks start on Monday (PostgreSQL's and Django's week_day: Sunday = 1, Monday = 2).
            models.CheckConstraint(condition=Q(week_start__week_day=2), name="activity_week_starts_monday"),
        ]

    def __str__(self) -> str:
        return f"Semaine du {self.week_start:%d/%m/%Y}"

    @property
    def short(self) -> bool:
        return self.realised_hours is not None and self.target_hours > 0 and self.realised_hours < self.target_hours


class ActivityShortfall(models.Model):
    """An alerted run of consecutive weeks below target: at most one alert per run."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="activity_shortfalls")
    run_start = models.DateField("première semaine")
    alerted_week = models.DateField("semaine de l'alerte")
    weeks = models.PositiveSmallIntegerField("semaines consécutives")
    alerted_at = models.DateTimeField()

    class Meta:
        verbose_name = "écart d'activité signalé"
        verbose_name_plural = "écarts d'activité signalés"
        constraints = [
            models.UniqueConstraint(fields=["pathway", "run_start"], name="activity_shortfall_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.weeks} semaines sous la durée depuis le {self.run_start:%d/%m/%Y}"
