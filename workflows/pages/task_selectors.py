"""Reads for the task pages: the inbox (tasks assigned to me), the queues (tasks I may take),
the panel of the caseload page, one task and the colleagues it may be handed to. Built on
viewflow's `filter_available`; the routing rule is the FSM's permissions (`user_may_answer`).
A constant number of queries whatever the list's size; `today` is passed in."""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    When,
)
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from casework.enums import DeadlineStatus, RuleCode
from casework.models import Deadline, Pathway, Professional, Territory
from casework.permissions import professional_of
from casework.selectors import pathways_visible_to
from workflows.flows import (
    FLOWS,
    OPEN_TASK_STATUSES,
    AssignmentFlow,
    HandoverFlow,
    OrientationFlow,
    ReorientationFlow,
    user_may_answer,
)
from workflows.inputs.params import page_or_404

PAGE_SIZE = 25  # the workspace lists (caseload, task queue)
TASKS_PREVIEW = 8


# The legal clock each kind of task answers to; a reorientation has none of its own, so it
# follows the pathway's nearest open deadline, whatever its rule.
TASK_RULES = {
    OrientationFlow: [RuleCode.ORIENTATION],
    AssignmentFlow: [RuleCode.REFERENT_ASSIGNMENT],
    HandoverFlow: [RuleCode.HANDOVER_ACCEPTANCE],
}


def _task_due_on():
    """The due day of the open deadline a task answers to, as one CASE over correlated subqueries."""

    def nearest(rules=None):
        deadlines = Deadline.objects.filter(
            pathway=OuterRef("process__pathwayprocess__pathway_id"), status=DeadlineStatus.OPEN
        )
        if rules:
            deadlines = deadlines.filter(rule_code__in=rules)
        return Subquery(deadlines.order_by("due_on", "id").values("due_on")[:1])

    return Case(
        *(When(process__flow_class=flow_class, then=nearest(rules)) for flow_class, rules in TASK_RULES.items()),
        default=nearest(),
    )


def _tasks_base(user, *, today: dt.date | None = None) -> QuerySet[Task]:
    """Open human tasks of our flows on pathways the user may see (viewflow's view permission applies).

    Sorted by the legal clock, not by the task's creation: the nearest or most overdue deadline
    first, then the oldest entry into the pathway (`due_on` is annotated on each task).
    """
    visible = pathways_visible_to(user, on=today).values("pk")
    return (
        Task.objects.filter_available(FLOWS, user)
        .filter(flow_task_type="HUMAN", status__in=OPEN_TASK_STATUSES, process__pathwayprocess__pathway__in=visible)
        .select_related(
            "owner",
            "process__pathwayprocess__pathway__beneficiary",
            "process__pathwayprocess__pathway__territory",
            "process__pathwayprocess__pathway__organisation",
        )
        .annotate(due_on=_task_due_on())
        .order_by(F("due_on").asc(nulls_last=True), "process__pathwayprocess__pathway__entered_on", "created", "id")
    )


def tasks_inbox(user, *, today: dt.date | None = None) -> QuerySet[Task]:
    """Tasks assigned to me (viewflow's inbox), most urgent first."""
    return _tasks_base(user, today=today).filter(owner=user, status__in=[STATUS.ASSIGNED, STATUS.STARTED])


def _queue_routing(pro: Professional) -> Q:
    """Who may take an unassigned task: the same rule as the transition's permission predicate."""
    routing = Q(pk__in=[])
    pathway = "process__pathwayprocess__pathway__"
    if pro.is_orientation_officer:
        territory_ids = Territory.objects.filter(organisations=pro.organisation_id).values("id")
        routing |= Q(
            process__flow_class__in=[OrientationFlow, ReorientationFlow],
            **{f"{pathway}territory_id__in": territory_ids},
        )
    if pro.is_team_lead:
        routing |= Q(process__flow_class=AssignmentFlow, **{f"{pathway}organisation_id": pro.organisation_id})
    return routing


def tasks_queue(user, *, today: dt.date | None = None) -> QuerySet[Task]:
    """Unassigned tasks I may take (my team's queue), most urgent first."""
    pro = professional_of(user)
    if pro is None:
        return Task.objects.none()
    return _tasks_base(user, today=today).filter(status=STATUS.NEW).filter(_queue_routing(pro))


def tasks_panel(user, *, today: dt.date) -> dict:
    if not any(flow_class.instance.has_view_permission(user) for flow_class in FLOWS):
        # viewflow's `filter_available` would match nothing: skip building the querysets.
        return {"inbox": [], "inbox_count": 0, "queue": [], "queue_count": 0, "today": today}
    inbox = tasks_inbox(user, today=today)
    queue = tasks_queue(user, today=today)
    inbox_preview = list(inbox[:TASKS_PREVIEW])
    queue_preview = list(queue[:TASKS_PREVIEW])
    return {
        "inbox": inbox_preview,
        # A preview shorter than its limit is the whole list: no COUNT needed.
        "inbox_count": len(inbox_preview) if len(inbox_preview) < TASKS_PREVIEW else inbox.count(),
        "queue": queue_preview,
        "queue_count": len(queue_preview) if len(queue_preview) < TASKS_PREVIEW else queue.count(),
        "today": today,
    }


def tasks_page(user, *, today: dt.date, params) -> dict:
    queue = page_or_404(tasks_queue(user, today=today), PAGE_SIZE, params)
    return {
        "inbox": list(tasks_inbox(user, today=today)),
        "queue_page": queue,
        "queue": list(queue.object_list),
        "today": today,
    }


def task_for_user(user, task_pk: int) -> Task | None:
    """An open or finished task of our flows on a pathway the user may see, else None (404)."""
    visible = pathways_visible_to(user).values("pk")
    return (
        Task.objects.filter_available(FLOWS, user)
        .filter(pk=task_pk, flow_task_type="HUMAN", process__pathwayprocess__pathway__in=visible)
        .select_related("owner", "process__pathwayprocess__pathway")
        .first()
    )


def task_colleagues(task: Task, pathway: Pathway) -> list[Professional]:
    """Professionals this task may be assigned to: those who may perform its transition."""
    candidates = Professional.objects.select_related("user", "organisation")
    flow_class = task.flow_task.flow_class
    if flow_class in (OrientationFlow, ReorientationFlow):
        candidates = candidates.filter(is_orientation_officer=True, organisation__territories=pathway.territory_id)
    elif flow_class is AssignmentFlow:
        candidates = candidates.filter(is_team_lead=True, organisation_id=pathway.organisation_id)
    elif pathway.handover_to_id:
        candidates = candidates.filter(
            Q(pk=pathway.handover_to_id) | Q(is_team_lead=True, organisation_id=pathway.handover_to.organisation_id)
        )
    else:
        return []
    return [p for p in candidates.distinct().order_by("user__last_name") if user_may_answer(task, p.user, pathway)]
