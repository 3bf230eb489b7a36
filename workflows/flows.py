"""Viewflow flows for the human steps of a pathway: the orientation decision, the referent
assignment, the answer to a handover, the reorientation decision.

The FSM state is the single truth. A flow never writes casework models: its human task is
answered through `pathway_transition` (from the task page, the pathway page or the API). Tasks
follow the state, never the other way round, so the audit log and the deadlines can never be
skipped. One mechanism keeps them in step, a transactional outbox:

1. every transition (and entry) writes, in its own transaction, a `TasksSyncPending` row for
   its pathway (`tasks_sync_mark`, one small statement);
2. after commit, the transition service publishes one Celery message with the pathway's id
   (`workflows.tasks.transition_followup_task`); the worker runs `pathways_tasks_sync`, which
   locks the pathway, deletes its pending row and syncs its tasks, in one transaction;
3. a page whose author must see their next page in step calls `pathways_tasks_sync` itself,
   right after the transition commits (the worker then finds nothing pending);
4. beat runs `tasks_sync_drain` every minute: what a lost message, a dead worker or a broker
   down at commit left pending is synced then (SKIP LOCKED, keyset batches).

Viewflow's bookkeeping (a dozen statements to start or finish a process) stays out of the
transition's transaction and lock: inside it, it cut the transition rate by two thirds
(`make bench`). The inboxes of others lag the state by the worker's latency.

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

import datetime as dt
import logging
from collections.abc import Iterable

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django_fsm import has_transition_perm
from viewflow import this
from viewflow.utils import is_owner
from viewflow.workflow import PROCESS, STATUS, flow, lock
from viewflow.workflow.models import Task

from casework.enums import PathwayState
from casework.models import Pathway, TransitionLog

from .models import PathwayProcess, TasksSyncPending

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

# The drain leaves younger pending rows to the message published at their commit.
DRAIN_GRACE = dt.timedelta(seconds=30)
DRAIN_BATCH = 500


def tasks_sync_mark(pathway_id: int, *, now: dt.datetime) -> None:
    """A step of every transition (and entry), in its transaction: the pathway's tasks must
    follow. One small INSERT … ON CONFLICT DO NOTHING (a row already there keeps its age)."""
    TasksSyncPending.objects.bulk_create([TasksSyncPending(pathway_id=pathway_id, since=now)], ignore_conflicts=True)


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

    A task whose own transition was just performed (`transition`, by `by`) is completed in the
    name of its author (its archive shows who decided); any other stale task is cancelled
    (closed pathway, decision taken elsewhere, another organisation...). Idempotent.
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


def _pending_sync(pathway_id: int, *, skip_locked: bool = False) -> bool:
    """Sync one pending pathway in its own transaction; False if it was not pending (already
    synced by a page, a message or the drain) or, with `skip_locked`, is being worked on.

    The pathway row is locked first, as a transition does, so a sync never interleaves with a
    transition or another sync of the same pathway, and reads the committed state. Its pending
    row is deleted in the same transaction: a failure rolls both back and the drain retries.
    The answered task is completed in the name of the pathway's latest journal row.
    """
    with transaction.atomic():
        pathway = (
            Pathway.objects.select_for_update(of=("self",), skip_locked=skip_locked)
            .select_related("handover_to__user")
            .filter(pk=pathway_id)
            .first()
        )
        if pathway is None or not TasksSyncPending.objects.filter(pathway_id=pathway_id).delete()[0]:
            return False
        # A pathway has a few journal rows: read them by its index and take the latest here
        # (`ORDER BY id DESC LIMIT 1` may walk the primary key backwards over the whole journal).
        journal = TransitionLog.objects.filter(pathway_id=pathway_id).select_related("by").only("transition", "by")
        last = max(journal, key=lambda row: row.pk, default=None)
        pathway_tasks_sync(pathway, by=last and last.by, transition=last.transition if last else "")
    return True


def pathways_tasks_sync(pathway_ids: Iterable[int]) -> int:
    """Bring the tasks of these pathways in step, where a transition left them pending: the
    worker's task after a commit, and a page right after its own transition (so its author's
    next page is in step). Returns how many were synced; a failure is logged, its pathway
    stays pending for the drain."""
    synced = 0
    for pathway_id in sorted(set(pathway_ids)):
        try:
            synced += _pending_sync(pathway_id)
        except Exception:
            logger.exception("Tâches viewflow non synchronisées pour le parcours %s", pathway_id)
    return synced


def tasks_sync_drain(*, now: dt.datetime, grace: dt.timedelta = DRAIN_GRACE, batch: int = DRAIN_BATCH) -> int:
    """Sync every pathway pending for longer than `grace` (its message was lost, its worker
    died, the broker was down at its commit). Keyset batches by (since, pathway); pathways
    another sync holds are skipped (SKIP LOCKED): two drains at once sync each pathway once.
    Returns how many were synced."""
    synced, after = 0, None
    while True:
        rows = TasksSyncPending.objects.filter(since__lte=now - grace)
        if after is not None:
            rows = rows.filter(Q(since__gt=after[0]) | Q(since=after[0], pathway_id__gt=after[1]))
        chunk = list(rows.order_by("since", "pathway_id").values_list("since", "pathway_id")[:batch])
        for _, pathway_id in chunk:
            try:
                synced += _pending_sync(pathway_id, skip_locked=True)
            except Exception:
                logger.exception("Tâches viewflow non synchronisées pour le parcours %s", pathway_id)
        if len(chunk) < batch:
            return synced
        after = chunk[-1]


def tasks_sync_all(*, now: dt.datetime) -> int:
    """Operators' full reconcile (`manage.py sync_workflow_tasks`): every pathway that may have
    tasks becomes pending, then the same drain syncs them."""
    candidates = Pathway.objects.exclude(state=S.CLOSED, processes__isnull=True).distinct()
    ids = list(candidates.values_list("pk", flat=True))
    for start in range(0, len(ids), DRAIN_BATCH):
        TasksSyncPending.objects.bulk_create(
            [TasksSyncPending(pathway_id=pk, since=now) for pk in ids[start : start + DRAIN_BATCH]],
            ignore_conflicts=True,
        )
    return tasks_sync_drain(now=now, grace=dt.timedelta(0))


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
