"""`manage.py sync_workflow_tasks`: reconcile viewflow tasks with the pathways' FSM state.

Idempotent. Use it after a bulk import run under `tasks_sync_disabled()`, or on a database
seeded before the flows existed. Also grants the task-inbox permission to every professional.
"""

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import ngettext

from casework.enums import PathwayState
from casework.models import Pathway, Professional
from workflows.flows import pathway_tasks_sync, workflow_access_grant


class Command(BaseCommand):
    help = "Aligne les tâches viewflow (orientation, désignation, relais, réorientation) sur l'état des parcours."

    def handle(self, *args, **options):
        workflow_access_grant([p.user for p in Professional.objects.select_related("user")])
        count = 0
        pathways = Pathway.objects.exclude(state=PathwayState.CLOSED, processes__isnull=True).distinct()
        for pk in pathways.values_list("pk", flat=True).order_by("pk").iterator():
            with transaction.atomic():
                pathway = Pathway.objects.select_for_update(of=("self",)).select_related("handover_to").get(pk=pk)
                pathway_tasks_sync(pathway)
            count += 1
        self.stdout.write(
            ngettext("%(n)d parcours synchronisé.", "%(n)d parcours synchronisés.", count) % {"n": count}
        )
