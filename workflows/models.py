"""The viewflow process of a pathway's human step. Casework facts stay in casework; this row
only links a viewflow process to the pathway it is about (a real column, not the JSON store)."""

from django.db import models
from viewflow.workflow.models import Process

from casework.models import Pathway


class PathwayProcess(Process):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="processes", verbose_name="parcours")

    class Meta:
        verbose_name = "processus de parcours"
        verbose_name_plural = "processus de parcours"

    def __str__(self) -> str:
        title = self.flow_class.process_title if self.flow_class else "Processus"
        return f"{title} — parcours n° {self.pathway_id}"


class TasksSyncState(models.Model):
    """The single row (pk = 1) of the task-sync catch-up: journal rows up to `log_watermark` have
    had their tasks synced (see `workflows.flows.tasks_sync_catch_up`)."""

    log_watermark = models.BigIntegerField(default=0)
    caught_up_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = "état de la synchronisation des tâches"

    def __str__(self) -> str:
        return f"Tâches synchronisées jusqu'au journal n° {self.log_watermark}"
