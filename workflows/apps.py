from django.apps import AppConfig
from django.db.models.signals import post_save


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Circulation des parcours"

    def ready(self) -> None:
        from casework.models import Professional
        from workflows.flows.access import on_professional_saved

        post_save.connect(on_professional_saved, sender=Professional, dispatch_uid="workflows_access_grant")
