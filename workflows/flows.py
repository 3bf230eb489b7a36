"""Viewflow flows for the human steps of a pathway: the orientation decision, the referent
assignment, the answer to a handover, the reorientation decision.

The FSM state is the single truth. A flow never writes casework models: its human task is
answered through `pathway_transition` (from the task page, the pathway page or the API), and
every recorded transition is followed by `pathway_tasks_sync` (a `TransitionLog` post_save
hook), which finishes the tasks whose question has been answered and opens the ones the new
state asks for. Tasks follow the state, never the other way round, so the audit log and the
deadlines can never be skipped.

When: `settings.WORKFLOW_TASKS_SYNC`. "after_commit" (the default) hands the sync to a Celery
task once the transition has committed: the task inboxes are a projection of the state, and
viewflow's bookkeeping (a dozen statements to start or finish a process) would otherwise
double a transition's time and lock (measured in `make bench`). The inbox lags the state by
the worker's latency; a lost message (broker down, worker killed) is caught up by
`tasks_sync_catch_up` (beat, every few minutes, from a watermark on the journal), and
`manage.py sync_workflow_tasks` reconciles everything. "inline" syncs in the transition's
transaction (the unit tests, the demo loader); a decision taken on a page is always synced
inline (`tasks_sync_inline`), so the person who acted lands on an inbox already in step.

Routing: viewflow's permission queue (`Task.objects.queue`) is global — a permission, with no
notion of territory or organisation unless django-guardian is installed. A task here may be
taken by whoever may perform its transition (`casework.permissions`, the same predicates as
the FSM): orientation officers covering the territory, the designated organisation's team
leads, the incoming referent (assigned at once, so it lands in their inbox). The queues are
queries in `workflows.selectors` built on viewflow's `filter_available` (which requires the
`view_pathwayprocess` permission: `workflow_access_grant`).

Handover timers and reminders come from the deadline engine (`handover_acceptance`,
`referent_assignment`, `first_appointment`): no viewflow timer here.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_fsm import has_transition_perm
from viewflow import this
from viewflow.utils import is_owner
from viewflow.workflow import PROCESS, STATUS, flow, lock
from viewflow.workflow.models import Task

from casework.context import bound
from casework.enums import PathwayState
from casework.models import Pathway

from .models import PathwayProcess

logger = logging.getLogger(__name__)

S = PathwayState
OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]
TASKS_GROUP = "Fil rouge — tâches de parcours"


def _task_view(request, process_pk: int, task_pk: int, **kwargs):
    """Viewflow's URL for the task, if its frontend is ever mounted: our task page."""
    from .views import task_detail

    return task_detail(request, task_pk)


class PathwayTask(flow.View):
    """A human task answered by one of `transitions` on the process's pathway."""

    def __init__(self, *transitions: str, **kwargs):
        super().__init__(_task_view, **kwargs)
        self.transitions = transitions

    def can_assign(self, user, task) -> bool:
        return task.owner_id is None and user_may_answer(task, user)

    def can_execute(self, user, task) -> bool:
        return is_owner(task.owner, user) and user_may_answer(task, user)


class PathwayFlowMixin:
    process_class = PathwayProcess
    # viewflow's default is no lock; on PostgreSQL this is SELECT ... FOR UPDATE NOWAIT on the
    # process row (SQLite ignores FOR UPDATE and serialises writers anyway).
    lock_impl = lock.select_for_update_lock

    def start_process(self, activation, pathway: Pathway):
        activation.process.pathway = pathway
        activation.process.data = self.routing(pathway)
        return activation.process

    def routing(self, pathway: Pathway) -> dict:
        """Flow-local data telling whether an open process still matches the pathway."""
        return {}


class OrientationFlow(PathwayFlowMixin, flow.Flow):
    """Décision d'orientation

    Un chargé d'orientation du territoire choisit l'organisation et le parcours, au vu de la
    suggestion et de la situation de la personne.
    """

    start = flow.StartHandle(this.start_process).Next(this.decide)
    decide = (
        PathwayTask("orient")
        .Annotation(title="Décider l'orientation", description="File des chargés d'orientation du territoire.")
        .Next(this.end)
    )
    end = flow.End()


class AssignmentFlow(PathwayFlowMixin, flow.Flow):
    """Désignation du référent

    Un responsable d'équipe de l'organisation désignée choisit le référent unique.
    """

    start = flow.StartHandle(this.start_process).Next(this.assign)
    assign = (
        PathwayTask("assign_referent")
        .Annotation(title="Désigner le référent", description="File des responsables d'équipe de l'organisation.")
        .Next(this.end)
    )
    end = flow.End()

    def routing(self, pathway: Pathway) -> dict:
        return {"organisation_id": pathway.organisation_id}


class HandoverFlow(PathwayFlowMixin, flow.Flow):
    """Passage de relais

    Le référent sortant a rédigé sa note ; le référent entrant accepte ou refuse (avec un
    motif). Jusqu'à l'acceptation, le référent sortant reste responsable.
    """

    start = flow.StartHandle(this.start_process).Next(this.answer)
    answer = (
        PathwayTask("accept_handover", "refuse_handover")
        .Annotation(title="Répondre au passage de relais", description="Boîte du référent entrant.")
        .Assign(this.incoming_user)
        .Next(this.end)
    )
    end = flow.End()

    def routing(self, pathway: Pathway) -> dict:
        return {"incoming_id": pathway.handover_to_id}

    def incoming_user(self, activation):
        return activation.process.pathway.handover_to.user


class ReorientationFlow(PathwayFlowMixin, flow.Flow):
    """Réorientation

    Le référent a demandé une réorientation (motif au journal) ; un chargé d'orientation du
    territoire la décide.
    """

    start = flow.StartHandle(this.start_process).Next(this.decide)
    decide = (
        PathwayTask("decide_reorientation")
        .Annotation(title="Décider la réorientation", description="File des chargés d'orientation du territoire.")
        .Next(this.end)
    )
    end = flow.End()


FLOWS: tuple[type[flow.Flow], ...] = (OrientationFlow, AssignmentFlow, HandoverFlow, ReorientationFlow)


# --- reading a task ---------------------------------------------------------------------


def task_pathway(task: Task) -> Pathway:
    """The pathway of a task of one of our flows (uses select_related rows when present)."""
    return task.process.pathwayprocess.pathway


def user_may_answer(task: Task, user, pathway: Pathway | None = None) -> bool:
    """The task's transition predicates, the same the FSM checks: the one routing rule."""
    pathway = pathway or task_pathway(task)
    node = task.flow_task
    return any(has_transition_perm(getattr(pathway, name), user) for name in getattr(node, "transitions", ()))


# --- keeping tasks in step with the FSM ---------------------------------------------------

_sync_disabled: contextvars.ContextVar[bool] = contextvars.ContextVar("filrouge_tasks_sync_disabled", default=False)
_sync_inline: contextvars.ContextVar[bool] = contextvars.ContextVar("filrouge_tasks_sync_inline", default=False)
SYNC_MODES = ("inline", "after_commit")
# A journal row is "caught up" once this old: no transaction stays open longer, so a row with
# a lower id that commits late is still seen by the next catch-up.
CATCH_UP_SETTLE = dt.timedelta(minutes=2)


def tasks_sync_disabled():
    """For bulk imports and benchmarks: run `sync_workflow_tasks` afterwards."""
    return bound(_sync_disabled, True)


def tasks_sync_inline():
    """Sync in the transition's transaction whatever the setting (demo loader, replays, pages)."""
    return bound(_sync_inline, True)


def tasks_sync_mode() -> str:
    if _sync_inline.get():
        return "inline"
    mode = getattr(settings, "WORKFLOW_TASKS_SYNC", "after_commit")
    if mode not in SYNC_MODES:
        raise ImproperlyConfigured(f"WORKFLOW_TASKS_SYNC doit valoir {' ou '.join(SYNC_MODES)}, pas « {mode} ».")
    return mode


def expected_flows(pathway: Pathway) -> list[type[flow.Flow]]:
    """Which human steps the pathway's state asks for, right now."""
    expected = []
    if pathway.state == S.ORIENTATION:
        expected.append(OrientationFlow)
    if pathway.in_assignment_queue:
        expected.append(AssignmentFlow)
    if pathway.handover_to_id is not None and pathway.state != S.CLOSED:
        expected.append(HandoverFlow)
    if pathway.state == S.REORIENTATION:
        expected.append(ReorientationFlow)
    return expected


def _task_answer(task: Task, user) -> None:
    """Complete a human task on behalf of the user who performed its transition."""
    with task.activation() as activation:
        if task.status == STATUS.NEW:
            activation.assign(user)
        elif not is_owner(task.owner, user):
            activation.reassign(user)
        if task.status == STATUS.ASSIGNED:
            activation.start(None)
        activation.execute()


def _process_close(process: PathwayProcess, *, by, transition: str) -> None:
    flow_class = process.flow_class
    tasks = list(Task.objects.filter(process_id=process.pk, status__in=OPEN_TASK_STATUSES, flow_task_type="HUMAN"))
    answered = [t for t in tasks if transition in getattr(t.flow_task, "transitions", ())]
    if answered and getattr(by, "pk", None):
        for task in answered:
            _task_answer(task, by)
    else:
        flow_class.instance.cancel(process)


def pathway_tasks_sync(pathway: Pathway, *, by=None, transition: str = "") -> None:
    """Finish the tasks the pathway's state no longer asks for; open the missing ones.

    A task whose own transition was just performed is completed in the name of its author
    (its archive shows who decided); any other stale task is cancelled (closed pathway,
    decision taken elsewhere, another organisation...). Idempotent.
    """
    expected = expected_flows(pathway)
    open_processes = PathwayProcess.objects.filter(pathway_id=pathway.pk, finished__isnull=True).exclude(
        status=PROCESS.CANCELED
    )
    for process in open_processes:
        flow_class = process.flow_class
        if flow_class in expected and process.data == flow_class.instance.routing(pathway):
            expected.remove(flow_class)
            continue
        _process_close(process, by=by, transition=transition)
    for flow_class in expected:
        flow_class.start.run(pathway=pathway)


def on_transition_logged(sender, instance, created: bool, raw: bool = False, **kwargs) -> None:
    """post_save of TransitionLog: each recorded transition (and entry) moves the tasks along."""
    if not created or raw or _sync_disabled.get():
        return
    if tasks_sync_mode() == "after_commit":
        log_id = instance.pk
        transaction.on_commit(lambda: tasks_sync_enqueue([log_id]))
        return
    try:
        with transaction.atomic():
            pathway_tasks_sync(instance.pathway, by=instance.by, transition=instance.transition)
    except Exception:
        # The FSM is the truth and the transition stands; `sync_workflow_tasks` repairs tasks.
        logger.exception("Tâches viewflow non synchronisées pour le parcours %s", instance.pathway_id)


def tasks_sync_enqueue(log_ids: list[int]) -> bool:
    """After commit: hand the sync to the worker (the catch-up finds the rows if this fails)."""
    from notifications.services.outbox import coalesced

    from .tasks import tasks_sync_task

    return coalesced.add(tasks_sync_task, log_ids, what="journal rows for the task sync")


def tasks_sync_for_logs(log_ids) -> int:
    """Sync the pathways of these journal rows, each in its own short transaction.

    The pathway row is locked first (as a transition does), so a sync never interleaves with a
    transition or another sync of the same pathway. Each pathway is synced once, in the name
    of its latest journal row among these (the author of the answer completes the task).
    Returns the number of pathways synced.
    """
    from casework.models import TransitionLog

    latest: dict[int, tuple[int, int | None, str]] = {}
    for log_id, pathway_id, by_id, name in TransitionLog.objects.filter(pk__in=list(log_ids)).values_list(
        "id", "pathway_id", "by_id", "transition"
    ):
        if pathway_id not in latest or latest[pathway_id][0] < log_id:
            latest[pathway_id] = (log_id, by_id, name)
    users = get_user_model().objects.in_bulk([by for _, by, _ in latest.values() if by])
    synced = 0
    for pathway_id, (_, by_id, name) in sorted(latest.items()):
        try:
            with transaction.atomic():
                pathway = (
                    Pathway.objects.select_for_update(of=("self",))
                    .select_related("handover_to__user")
                    .get(pk=pathway_id)
                )
                pathway_tasks_sync(pathway, by=users.get(by_id), transition=name)
            synced += 1
        except Exception:
            logger.exception("Tâches viewflow non synchronisées pour le parcours %s", pathway_id)
    return synced


def tasks_sync_catch_up(*, now: dt.datetime, batch: int = 2000) -> dict:
    """Sync the pathways of every journal row past the watermark (what a lost message missed).

    Reads the journal by id from the watermark; the watermark then moves past the rows older
    than CATCH_UP_SETTLE only, so a row whose transaction committed after a younger one is
    still read next time. Idempotent: a pathway already in step costs one query.
    """
    from casework.models import TransitionLog

    from .models import TasksSyncState

    state, _ = TasksSyncState.objects.get_or_create(pk=1)
    start = state.log_watermark
    synced = rows = 0
    settled, young_seen = start, False
    while True:
        chunk = list(
            TransitionLog.objects.filter(pk__gt=start).order_by("pk").values_list("pk", "recorded_at")[:batch]
        )
        synced += tasks_sync_for_logs([pk for pk, _ in chunk])
        rows += len(chunk)
        for pk, recorded_at in chunk:
            young_seen = young_seen or recorded_at > now - CATCH_UP_SETTLE
            if not young_seen:
                settled = pk
        # Saved chunk by chunk: a long catch-up killed midway resumes where it was.
        TasksSyncState.objects.filter(pk=1).update(log_watermark=settled, caught_up_at=now)
        if len(chunk) < batch:
            break
        start = chunk[-1][0]
    return {"journal_rows": rows, "pathways": synced, "watermark": settled}


# --- access --------------------------------------------------------------------------------


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
