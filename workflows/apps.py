from django.apps import AppConfig
from django.db.models.signals import post_save


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "Circulation des parcours"

    def ready(self) -> None:
        from casework.models import Professional, TransitionLog

        from .flows import on_professional_saved, on_transition_logged

        # Viewflow tasks follow the FSM: every recorded transition (and entry) syncs them.
        post_save.connect(on_transition_logged, sender=TransitionLog, dispatch_uid="workflows_tasks_sync")
        post_save.connect(on_professional_saved, sender=Professional, dispatch_uid="workflows_access_grant")
