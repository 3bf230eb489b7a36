"""Access to the task inboxes: viewflow shows a task only to users with the view permission
of the process model, granted through one group to every professional."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from workflows.models import PathwayProcess

TASKS_GROUP = "Fil rouge — tâches de parcours"
BREACH_DECIDERS_GROUP = "Fil rouge — décideurs suspension-remobilisation"


def tasks_group() -> Group:
    """The group holding viewflow's view permission on the process model (else inboxes are empty)."""
    group, _ = Group.objects.get_or_create(name=TASKS_GROUP)
    content_type = ContentType.objects.get_for_model(PathwayProcess)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="view_pathwayprocess", defaults={"name": "Can view processus de parcours"}
    )
    group.permissions.add(permission)
    return group


def workflow_access_grant(users) -> None:
    users = [u for u in users if u is not None]
    if users:
        tasks_group().user_set.add(*users)


def on_professional_saved(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        workflow_access_grant([instance.user])


def breach_deciders_group() -> Group:
    """The group holding `casework.decide_breach`: the département's president's delegates."""
    group, _ = Group.objects.get_or_create(name=BREACH_DECIDERS_GROUP)
    content_type = ContentType.objects.get(app_label="casework", model="breach")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="decide_breach",
        defaults={"name": "Peut décider d'une suspension-remobilisation"},
    )
    group.permissions.add(permission)
    return group


def breach_decider_grant(users) -> None:
    users = [u for u in users if u is not None]
    if users:
        breach_deciders_group().user_set.add(*users)


def flux_importer_grant(users) -> None:
    """Into the group holding `casework.run_flux_import` (migration 0024): who runs the payers' imports."""
    from casework.permissions import FLUX_IMPORTERS_GROUP

    group, _ = Group.objects.get_or_create(name=FLUX_IMPORTERS_GROUP)
    content_type, _ = ContentType.objects.get_or_create(app_label="casework", model="fluximport")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename="run_flux_import", defaults={"name": "Peut importer les flux"}
    )
    group.permissions.add(permission)
    users = [u for u in users if u is not None]
    if users:
        group.user_set.add(*users)
