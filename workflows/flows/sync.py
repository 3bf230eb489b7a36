"""Keeping the viewflow tasks in step with the FSM: one transactional outbox (the steps are
told in `workflows.flows`' docstring). `tasks_sync_mark` is a step of every transition;
`pathways_tasks_sync` runs after its commit (the worker, or the page that made it);
`tasks_sync_drain` is beat's safety net."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from viewflow.utils import is_owner
from viewflow.workflow import PROCESS, STATUS, flow
from viewflow.workflow.models import Task

from casework.enums import PathwayState
from casework.models import Pathway, TransitionLog
from workflows.models import PathwayProcess, TasksSyncPending

from . import OPEN_TASK_STATUSES, AssignmentFlow, HandoverFlow, OrientationFlow, ReorientationFlow

logger = logging.getLogger(__name__)

S = PathwayState


# The drain leaves younger pending rows to the message published at their commit.
DRAIN_GRACE = dt.timedelta(seconds=30)
DRAIN_BATCH = 500


def tasks_sync_mark(*pathway_ids: int, now: dt.datetime) -> None:
    """A step of every transition (and entry), in its transaction: the pathways' tasks must
    follow. One small INSERT … ON CONFLICT DO NOTHING (a row already there keeps its age)."""
    TasksSyncPending.objects.bulk_create(
        [TasksSyncPending(pathway_id=pathway_id, since=now) for pathway_id in pathway_ids],
        ignore_conflicts=True,
        batch_size=1000,
    )


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
