"""Per-entry indicator facts: the event dates of each entry, kept fresh by a periodic refresh.

One `EntryFact` per entry (the `enter` or `reopen` log row): the *first* effective date of
each event the indicators read, within the entry's window [entry day, next entry day). Dates,
not booleans: an `as_of` replay masks the dates after `as_of`, which gives exactly what the
live computation reads from the journal (see `casework.indicators`).
`IndicatorFactsState` (one row) records when the facts were last refreshed and the
watermarks the next incremental refresh starts from (`casework.services.facts`).
"""

from django.db import models

from .organisations import Territory
from .pathways import Pathway


class EntryFact(models.Model):
    entry_log_id = models.BigIntegerField(unique=True)  # the `enter` / `reopen` TransitionLog row
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    territory = models.ForeignKey(Territory, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    entered_on = models.DateField()
    first_oriented_on = models.DateField(null=True)
    first_orient_track_id = models.IntegerField(null=True)
    first_orient_organisation_id = models.IntegerField(null=True)
    first_assigned_on = models.DateField(null=True)
    first_held_contact_on = models.DateField(null=True)  # first held contact on or after first_assigned_on
    first_contract_on = models.DateField(null=True)
    first_reorientation_request_on = models.DateField(null=True)
    first_reorientation_decision_on = models.DateField(null=True)  # on or after the first request
    first_reoriented_on = models.DateField(null=True)  # first accepted reorientation
    first_exit_on = models.DateField(null=True)
    first_exit_to_job_on = models.DateField(null=True)
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = "fait d'indicateur (entrée)"
        indexes = [
            models.Index(fields=["entered_on"], name="entryfact_entered"),
            models.Index(fields=["territory", "entered_on"], name="entryfact_territory"),
            models.Index(fields=["pathway"], name="entryfact_pathway"),
        ]

    def __str__(self) -> str:
        return f"Entrée du {self.entered_on:%d/%m/%Y} (parcours {self.pathway_id})"


class IndicatorFactsState(models.Model):
    """The single row describing the facts' freshness (pk = 1)."""

    refreshed_at = models.DateTimeField(null=True)  # the facts include everything committed before this
    duration_ms = models.FloatField(default=0)
    entries_refreshed = models.IntegerField(default=0)
    log_watermark = models.BigIntegerField(default=0)
    contact_watermark = models.BigIntegerField(default=0)
    contract_watermark = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = "état des faits d'indicateurs"

    def __str__(self) -> str:
        return f"Faits d'indicateurs au {self.refreshed_at}"
