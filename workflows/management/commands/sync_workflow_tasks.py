"""`manage.py sync_workflow_tasks`: reconcile every pathway's viewflow tasks with its FSM state.

For operators (a database restored from a backup, tasks edited by hand): every pathway that
may have tasks is marked pending and the beat's own drain syncs them (`tasks_sync_all`).
Idempotent. Also grants the task-inbox permission to every professional.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import ngettext

from casework.models import Professional
from workflows.flows.access import workflow_access_grant
from workflows.flows.sync import tasks_sync_all


class Command(BaseCommand):
    help = "Aligne les tâches viewflow (orientation, désignation, relais, réorientation) sur l'état des parcours."

    def handle(self, *args, **options):
        workflow_access_grant([p.user for p in Professional.objects.select_related("user")])
        count = tasks_sync_all(now=timezone.now())
        self.stdout.write(
            ngettext("%(n)d parcours synchronisé.", "%(n)d parcours synchronisés.", count) % {"n": count}
        )
