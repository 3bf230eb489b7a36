"""Rules are data: delay rules (effective-dated, scoped) and orientation suggestion rules."""

from django.db import models
from django.db.models import Q

from casework.enums import DurationUnit, OrganisationKind, Public, RecipientRole, RuleCode, TrackKind

from .organisations import Territory


def rule_pick(rules, code: str, *, on, territory_id: int | None, publics) -> "DelayRule | None":
    """The version of rule `code` in force on `on` among `rules` (the one definition of "in force").

    Active rules whose scope matches; most specific first — territory and public (3) >
    territory (2) > public (1) > everywhere (0) —, then the latest start date.
    """
    publics = publics or []
    candidates = [
        r
        for r in rules
        if r.code == code
        and r.is_active
        and r.valid_from <= on
        and (r.territory_id is None or r.territory_id == territory_id)
        and (r.public == "" or r.public in publics)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (2 * (r.territory_id is not None) + (r.public != ""), r.valid_from, r.pk))


class DelayRuleQuerySet(models.QuerySet):
    def in_force(self, code: str, *, on, territory_id: int | None, publics: list[str]) -> "DelayRule | None":
        """The version in force on `on` (see `rule_pick`), reading only the candidate rows."""
        candidates = (
            self.filter(code=code, valid_from__lte=on, is_active=True)
            .filter(Q(territory__isnull=True) | Q(territory_id=territory_id))
            .filter(Q(public="") | Q(public__in=publics or []))
        )
        return rule_pick(candidates, code, on=on, territory_id=territory_id, publics=publics)


class DelayRule(models.Model):
    code = models.CharField("règle", max_length=30, choices=RuleCode.choices, db_index=True)
    territory = models.ForeignKey(
        Territory, on_delete=models.CASCADE, null=True, blank=True, verbose_name="territoire (vide : tous)"
    )
    public = models.CharField("public (vide : tous)", max_length=30, choices=Public.choices, blank=True)
    valid_from = models.DateField("en vigueur à partir du")
    is_active = models.BooleanField("active", default=True)
    duration_value = models.PositiveIntegerField("durée")
    duration_unit = models.CharField("unité", max_length=20, choices=DurationUnit.choices)
    extended_duration_value = models.PositiveIntegerField(
        "durée allongée (motif légal)",
        null=True,
        blank=True,
        help_text="Par exemple 12 mois au lieu de 6 pour le réexamen du parcours social (L262-31).",
    )
    due_soon_days = models.PositiveIntegerField("alerte préalable (jours avant)", null=True, blank=True)
    escalation_days = models.PositiveIntegerField("escalade (jours après)", null=True, blank=True)
    due_soon_recipient = models.CharField(
        "destinataire de l'alerte préalable", max_length=30, choices=RecipientRole.choices, blank=True
    )
    due_recipient = models.CharField("destinataire à l'échéance", max_length=30, choices=RecipientRole.choices)
    overdue_recipient = models.CharField(
        "destinataire de l'escalade", max_length=30, choices=RecipientRole.choices, blank=True
    )
    pauses_when_suspended = models.BooleanField("suspendue pendant une suspension du parcours", default=True)
    source = models.CharField("fondement", max_length=200, blank=True)

    objects = DelayRuleQuerySet.as_manager()

    class Meta:
        verbose_name = "règle de délai"
        verbose_name_plural = "règles de délai"
        ordering = ["code", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "territory", "public", "valid_from"],
                name="delay_rule_unique_version",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        scope = [str(self.territory) if self.territory_id else "", self.get_public_display() if self.public else ""]
        label = " / ".join(s for s in scope if s) or "tous"
        return f"{self.get_code_display()} ({label}, dès le {self.valid_from:%d/%m/%Y})"


class OrientationRule(models.Model):
    """Current administrative practice (seed, axe 2), proposed — never imposed — to the officer."""

    class Condition(models.TextChoices):
        FRANCE_TRAVAIL = "registered_with_france_travail", "Inscrit à France Travail"
        PLIE = "plie_enrolled", "Inscrit dans un PLIE"
        UNDER_26 = "under_26", "Moins de 26 ans"
        SELF_EMPLOYED = "self_employed", "Travailleur indépendant"
        DISABILITY = "disability_recognised", "Handicap reconnu (RQTH)"
        DEFAULT = "default", "Dans les autres cas"

    priority = models.PositiveIntegerField("ordre", unique=True)
    condition = models.CharField("condition", max_length=40, choices=Condition.choices)
    organisation_kind = models.CharField("organisation proposée", max_length=30, choices=OrganisationKind.choices)
    track_kind = models.CharField("dominante proposée", max_length=20, choices=TrackKind.choices)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "règle de suggestion d'orientation"
        verbose_name_plural = "règles de suggestion d'orientation"
        ordering = ["priority"]

    def __str__(self) -> str:
        return f"{self.priority}. {self.get_condition_display()} → {self.get_organisation_kind_display()}"
