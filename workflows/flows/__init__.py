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
queries in `workflows.pages.selectors` built on viewflow's `filter_available` (which requires the
`view_pathwayprocess` permission: `workflow_access_grant`).

Handover timers and reminders come from the deadline engine (`handover_acceptance`,
`referent_assignment`, `first_appointment`): no viewflow timer here.
"""

from __future__ import annotations

import logging

from django.shortcuts import redirect
from django_fsm import has_transition_perm
from viewflow import this
from viewflow.utils import is_owner
from viewflow.workflow import STATUS, flow, lock
from viewflow.workflow.models import Task

from casework.enums import PathwayState
from casework.models import Pathway
from workflows.models import PathwayProcess

logger = logging.getLogger(__name__)

S = PathwayState
OPEN_TASK_STATUSES = [STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED]


def _task_view(request, process_pk: int, task_pk: int, **kwargs):
    """Viewflow's URL for the task, if its frontend is ever mounted: our task page (by its URL
    name, so the flows do not import the pages that import them)."""
    return redirect("workspace:task", task_pk)


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
