"""Per-entry indicator facts: the event dates of each entry, kept fresh by a periodic refresh.

One `EntryFact` per entry (the `enter` or `reopen` log row): the *first* effective date of
each event the indicators read, within the entry's window [entry day, next entry day). Dates,
not booleans: an `as_of` replay masks the dates after `as_of`, which gives exactly what the
live computation reads from the journal (see `casework.indicators`).
`IndicatorFactsState` (one row) records when the facts were last refreshed and the
watermarks the next incremental refresh starts from (`casework.services.facts`).

`BoardCount`: the overdue board's counts (open deadlines overdue / due soon) by rule ×
territory × organisation × referent, for one day, rebuilt by the deadline sweep
(`casework.services.facts.board_summary_refresh`); `BoardSummaryState` (one row) says for which
day and when. The page shows that time ("Chiffres au …"); the lists behind each count stay live.
"""

from django.db import models

from .organisations import Organisation, Professional, Territory
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


class BoardCount(models.Model):
    """One cell of the overdue board as of `computed_for` (the definitions of `casework.board`)."""

    computed_for = models.DateField()
    rule_code = models.CharField(max_length=30)
    territory = models.ForeignKey(Territory, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, null=True
    )
    referent = models.ForeignKey(
        Professional, on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, null=True
    )
    overdue = models.IntegerField()
    due_soon = models.IntegerField()

    class Meta:
        verbose_name = "compte du tableau de bord"
        indexes = [
            models.Index(fields=["computed_for", "organisation"], name="boardcount_org"),
            models.Index(fields=["computed_for", "territory"], name="boardcount_territory"),
        ]

    def __str__(self) -> str:
        return f"{self.rule_code} au {self.computed_for:%d/%m/%Y} : {self.overdue} en retard, {self.due_soon} proches"


class BoardSummaryState(models.Model):
    """The single row describing the board summary's freshness (pk = 1)."""

    computed_for = models.DateField(null=True)  # the `today` of the counts
    computed_at = models.DateTimeField(null=True)  # the counts include everything committed before this
    soon_days = models.IntegerField(default=7)
    rows = models.IntegerField(default=0)
    duration_ms = models.FloatField(default=0)

    class Meta:
        verbose_name = "état du résumé du tableau de bord"

    def __str__(self) -> str:
        return f"Tableau de bord au {self.computed_at}"
