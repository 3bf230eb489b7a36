"""The viewflow process of a pathway's human step. Casework facts stay in casework; this row
only links a viewflow process to the pathway it is about (a real column, not the JSON store)."""

import datetime as dt

from django.conf import settings
from django.db import models
from viewflow.workflow.models import Process

from casework.models import Breach, Pathway
from casework.services.purge import BATCH_SIZE, rows_purge


class PathwayProcess(Process):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="processes", verbose_name="parcours")

    class Meta:
        verbose_name = "processus de parcours"
        verbose_name_plural = "processus de parcours"

    def __str__(self) -> str:
        title = self.flow_class.process_title if self.flow_class else "Processus"
        return f"{title} — parcours n° {self.pathway_id}"


class BreachProcess(Process):
    """The viewflow process of one breach procedure (`workflows.flows.breaches.BreachFlow`): a real
    column links it to its breach; the breach's facts stay on the breach."""

    breach = models.OneToOneField(Breach, on_delete=models.CASCADE, related_name="process", verbose_name="manquement")

    class Meta:
        verbose_name = "procédure de manquement"
        verbose_name_plural = "procédures de manquement"

    def __str__(self) -> str:
        return f"Procédure du manquement n° {self.breach_id}"


class TasksSyncPending(models.Model):
    """A pathway whose viewflow tasks have not yet followed its last committed transition: the
    task sync's outbox. Written in the transition's transaction (`workflows.flows.sync.tasks_sync_mark`),
    deleted in the transaction that syncs the tasks (`workflows.flows.sync.pathways_tasks_sync`), so a
    crash, a lost message or a broker down at commit leaves the row for the drain."""

    pathway = models.OneToOneField(
        Pathway, on_delete=models.CASCADE, primary_key=True, related_name="+", verbose_name="parcours"
    )
    since = models.DateTimeField("en attente depuis")

    class Meta:
        verbose_name = "parcours dont les tâches sont à synchroniser"
        verbose_name_plural = "parcours dont les tâches sont à synchroniser"
        indexes = [models.Index(fields=["since"], name="workflows_tasks_pending_since")]

    def __str__(self) -> str:
        return f"Tâches du parcours n° {self.pathway_id} à synchroniser"


class FormSubmission(models.Model):
    """A one-time form token spent by the page that applied it (see `workflows.pages.form_tokens`).

    The unique token is the guard against a double submit: of two POSTs carrying the same token,
    the second one's INSERT waits on the first one's transaction and then fails, whatever the
    timing — no check-then-act. `outcome_url` is where the first one led, shown again on replay.
    """

    token = models.UUIDField("jeton", unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField("enregistré le")
    outcome_url = models.CharField("page du résultat", max_length=500, blank=True)

    class Meta:
        verbose_name = "formulaire enregistré"
        verbose_name_plural = "formulaires enregistrés"

    def __str__(self) -> str:
        return f"Formulaire {self.token} du {self.created_at:%d/%m/%Y %H:%M}"


def form_submissions_purge(*, now: dt.datetime, days: int | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Forget the tokens spent more than `FORM_TOKEN_RETENTION_DAYS` (30) ago: a double click or a
    second tab comes within minutes; a page left open longer than that posts as a new form."""
    days = settings.FORM_TOKEN_RETENTION_DAYS if days is None else days
    return rows_purge(FormSubmission.objects.all(), before=now - dt.timedelta(days=days), batch_size=batch_size)
