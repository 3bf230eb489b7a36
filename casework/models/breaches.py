"""The breach procedure ("suspension-remobilisation", décret n° 2025-478, CASF L262-37 and
R262-68 and following): a breach, the caps in force, and the lines sent to the payer.

A breach lives beside the pathway, never as one of its states. Its FSM methods only guard and
set the breach's own fields; every effect (the observation clock, the payer lines, the viewflow
tasks) is a step of `workflows.services.breaches`.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import FSMField, FSMModelMixin, transition

from casework.enums import BreachKind, BreachOutcome, BreachState, PayerLineKind
from casework.text_limits import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, text_validators

from .pathways import Pathway

B = BreachState


class BreachCapRuleQuerySet(models.QuerySet):
    def in_force(self, on: dt.date) -> BreachCapRule | None:
        """The version in force on `on` (the breach's date): the latest start on or before it."""
        return self.filter(is_active=True, valid_from__lte=on).order_by("-valid_from", "-pk").first()


class BreachCapRule(models.Model):
    """The caps a decision must stay within, as data: a version per start date (the law changes)."""

    valid_from = models.DateField("en vigueur à partir du", unique=True)
    is_active = models.BooleanField("active", default=True)
    min_rate = models.PositiveSmallIntegerField("taux minimal (%)")
    max_rate = models.PositiveSmallIntegerField("taux maximal (%)")
    first_min_months = models.PositiveSmallIntegerField("durée minimale, premier manquement (mois)")
    first_max_months = models.PositiveSmallIntegerField("durée maximale, premier manquement (mois)")
    repeat_min_months = models.PositiveSmallIntegerField("durée minimale, manquement réitéré (mois)")
    repeat_max_months = models.PositiveSmallIntegerField("durée maximale, manquement réitéré (mois)")
    shared_household_max_rate = models.PositiveSmallIntegerField(
        "taux maximal, foyer de plus d'une personne ou majoration pour isolement (%)"
    )
    source = models.CharField("fondement", max_length=300, blank=True)

    objects = BreachCapRuleQuerySet.as_manager()

    class Meta:
        verbose_name = "barème de suspension-remobilisation"
        verbose_name_plural = "barèmes de suspension-remobilisation"
        ordering = ["valid_from"]

    def __str__(self) -> str:
        return f"Barème du {self.valid_from:%d/%m/%Y}"


class Breach(FSMModelMixin, models.Model):
    """A breach of the contract's commitments recorded by a referent, and what came of it."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="breaches", verbose_name="parcours")
    kind = models.CharField("nature du manquement", max_length=30, choices=BreachKind.choices)
    facts = models.TextField("faits constatés", validators=text_validators(REASON_MAX_LENGTH))
    occurred_on = models.DateField("date du manquement")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="constaté par"
    )
    recorded_at = models.DateTimeField("enregistré le")
    # The letter is produced when the breach is recorded; the window runs from that day.
    informed_on = models.DateField("courrier d'information du")
    observation_due_on = models.DateField("observations jusqu'au")
    state = FSMField("état", default=B.OBSERVATIONS, choices=B.choices, protected=True, db_index=True)

    observations = models.TextField(
        "observations de la personne", blank=True, validators=text_validators(NOTE_MAX_LENGTH)
    )
    observations_on = models.DateField("observations reçues le", null=True, blank=True)
    team_opinion = models.TextField(
        "avis de l'équipe pluridisciplinaire", blank=True, validators=text_validators(NOTE_MAX_LENGTH)
    )
    team_opinion_on = models.DateField("avis rendu le", null=True, blank=True)

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="décidé par",
    )  # fmt: skip
    decided_on = models.DateField("décidé le", null=True, blank=True)
    outcome = models.CharField("décision", max_length=20, choices=BreachOutcome.choices, blank=True)
    decision_reason = models.TextField(
        "motifs de la décision", blank=True, validators=text_validators(NOTE_MAX_LENGTH)
    )
    cap_rule = models.ForeignKey(BreachCapRule, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    is_repeat = models.BooleanField("manquement réitéré", default=False)
    single_parent_increase = models.BooleanField("majoration pour isolement (L262-9)", default=False)
    household_size = models.PositiveSmallIntegerField("personnes au foyer à la décision", null=True, blank=True)
    rate_percent = models.PositiveSmallIntegerField("taux de suspension (%)", null=True, blank=True)
    duration_months = models.PositiveSmallIntegerField("durée (mois)", null=True, blank=True)
    suspension_starts_on = models.DateField("suspension à partir du", null=True, blank=True)
    suspension_ends_on = models.DateField("suspension jusqu'au (inclus)", null=True, blank=True)

    remobilised_on = models.DateField("remobilisation le", null=True, blank=True)
    remobilised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="remobilisation constatée par",
    )  # fmt: skip
    remobilisation_note = models.TextField("remobilisation", blank=True, validators=text_validators(NOTE_MAX_LENGTH))
    ended_on = models.DateField("suspension close le", null=True, blank=True)

    class Meta:
        verbose_name = "manquement"
        ordering = ["-occurred_on", "-id"]
        permissions = [("decide_breach", "Peut décider d'une suspension-remobilisation")]
        indexes = [
            models.Index(fields=["pathway", "occurred_on"]),
            models.Index(fields=["suspension_ends_on"], condition=Q(state="suspended"), name="breach_running"),
        ]

    def __str__(self) -> str:
        # Never the person: __str__ ends up in logs and admin titles.
        return f"Manquement n° {self.pk}"

    # --- the FSM: fields only -------------------------------------------------------------

    @transition(field=state, source=B.OBSERVATIONS, target=B.NO_SANCTION)
    def decide_no_sanction(self, *, by, on: dt.date, reason: str) -> None:
        self._decided(by, on, reason, BreachOutcome.NO_SANCTION)

    @transition(field=state, source=B.OBSERVATIONS, target=B.SUSPENDED)
    def decide_suspension(self, *, by, on: dt.date, reason: str, rate: int, months: int, starts_on, ends_on) -> None:
        self._decided(by, on, reason, BreachOutcome.SUSPENSION)
        self.rate_percent, self.duration_months = rate, months
        self.suspension_starts_on, self.suspension_ends_on = starts_on, ends_on

    @transition(field=state, source=B.SUSPENDED, target=B.REMOBILISED)
    def remobilise(self, *, by, on: dt.date, note: str) -> None:
        self.remobilised_by, self.remobilised_on, self.remobilisation_note = by, on, note

    @transition(field=state, source=B.SUSPENDED, target=B.ENDED)
    def end_suspension(self, *, on: dt.date) -> None:
        self.ended_on = on

    def _decided(self, by, on: dt.date, reason: str, outcome: str) -> None:
        self.decided_by, self.decided_on, self.decision_reason, self.outcome = by, on, reason, outcome

    # --- reading -----------------------------------------------------------------------------

    def decision_possible_from(self) -> dt.date:
        """The first day a decision may be taken without the person's observations: the window
        expires at the end of its due day (Europe/Paris)."""
        return self.observation_due_on + dt.timedelta(days=1)


class PayerExport(models.Model):
    """One file sent to the payer for a period: kept, so that asking again gives the same bytes."""

    period_from = models.DateField("du")
    period_to = models.DateField("au")
    created_at = models.DateTimeField("produit le")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="produit par",
    )  # fmt: skip
    content = models.TextField("contenu (CSV)")
    digest = models.CharField("empreinte SHA-256", max_length=64)
    line_count = models.PositiveIntegerField("lignes")

    class Meta:
        verbose_name = "export vers l'organisme payeur"
        verbose_name_plural = "exports vers l'organisme payeur"
        ordering = ["-period_to", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["period_from", "period_to"], name="payer_export_one_per_period")
        ]

    def __str__(self) -> str:
        return f"Export du {self.period_from:%d/%m/%Y} au {self.period_to:%d/%m/%Y}"


class PayerLine(models.Model):
    """A decision or a lift the payer must apply. Written in the decision's (or the lift's)
    transaction; claimed by exactly one export (`export`), so no later period repeats it."""

    breach = models.ForeignKey(Breach, on_delete=models.PROTECT, related_name="payer_lines")
    kind = models.CharField("nature", max_length=20, choices=PayerLineKind.choices)
    event_on = models.DateField("date d'effet")
    created_at = models.DateTimeField("écrite le")
    export = models.ForeignKey(PayerExport, on_delete=models.PROTECT, null=True, blank=True, related_name="lines")

    class Meta:
        verbose_name = "ligne pour l'organisme payeur"
        verbose_name_plural = "lignes pour l'organisme payeur"
        ordering = ["event_on", "id"]
        constraints = [models.UniqueConstraint(fields=["breach", "kind"], name="payer_line_once_per_breach")]
        indexes = [
            models.Index(fields=["event_on", "id"], condition=Q(export__isnull=True), name="payer_line_pending")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — manquement n° {self.breach_id}"
