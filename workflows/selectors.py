"""Reads for the workspace pages: the caseload queue and the pathway page."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Max, OuterRef, Q, Subquery, Value, When
from django_fsm import has_transition_perm

from casework.enums import BarrierStatus, ContactOutcome, DeadlineStatus, PathwayState, RuleCode
from casework.models import Deadline, Pathway
from casework.permissions import can_record_contact, professional_of
from casework.selectors import pathways_visible_to
from notifications.models import Alert, AlertStatus

from .forms import TRANSITION_FORMS, TRANSITION_LABELS

PAGE_SIZE = 25


def _next_deadline(field: str):
    return Subquery(
        Deadline.objects.filter(pathway=OuterRef("pk"), status=DeadlineStatus.OPEN)
        .order_by("due_on", "id")
        .values(field)[:1]
    )


def caseload_queryset(user, *, today: dt.date, params=None):
    """My open pathways (as referent, delegate or incoming referent), most urgent first."""
    params = params or {}
    pro = professional_of(user)
    if pro is None:
        return Pathway.objects.none()
    qs = (
        pathways_visible_to(user, on=today)
        .filter(
            Q(referent_id=pro.pk)
            | Q(handover_to_id=pro.pk)
            | Q(
                referent__delegations_given__delegate=pro,
                referent__delegations_given__starts_on__lte=today,
                referent__delegations_given__ends_on__gte=today,
            )
        )
        .exclude(state=PathwayState.CLOSED)
        .select_related("beneficiary", "territory", "track", "handover_to__user", "referent__user")
        .annotate(
            next_due_on=_next_deadline("due_on"),
            next_rule=_next_deadline("rule_code"),
            last_contact_on=Max("contacts__occurred_on", filter=Q(contacts__outcome=ContactOutcome.HELD)),
            open_barriers=Count(
                "beneficiary__barriers",
                filter=~Q(beneficiary__barriers__status=BarrierStatus.LIFTED),
                distinct=True,
            ),
        )
    )
    week_end = today + dt.timedelta(days=7)
    qs = qs.annotate(
        urgency=Case(
            When(next_due_on__lt=today, then=Value(0)),
            When(next_due_on=today, then=Value(1)),
            When(next_due_on__lte=week_end, then=Value(2)),
            When(next_due_on__isnull=False, then=Value(3)),
            default=Value(4),
            output_field=IntegerField(),
        )
    )
    if params.get("state"):
        qs = qs.filter(state=params["state"])
    if params.get("territory"):
        qs = qs.filter(territory__code=params["territory"])
    if params.get("rule"):
        qs = qs.filter(deadlines__rule_code=params["rule"], deadlines__status=DeadlineStatus.OPEN)
    if params.get("barrier"):
        qs = qs.filter(beneficiary__barriers__kind=params["barrier"]).exclude(
            beneficiary__barriers__status=BarrierStatus.LIFTED
        )
    if params.get("late"):
        qs = qs.filter(next_due_on__lt=today)
    if params.get("q"):
        term = params["q"].strip()
        qs = qs.filter(Q(beneficiary__last_name__icontains=term) | Q(beneficiary__first_name__icontains=term))
    return qs.order_by("urgency", "next_due_on", "id").distinct()


def caseload_page(user, *, today: dt.date, params) -> dict:
    qs = caseload_queryset(user, today=today, params=params)
    page = Paginator(qs, PAGE_SIZE).get_page(params.get("page"))
    rows = list(page.object_list)
    for row in rows:
        row.days_left = (row.next_due_on - today).days if row.next_due_on else None
    return {
        "page": page,
        "rows": rows,
        "today": today,
        "params": params,
        "states": PathwayState.choices,
        "rules": RuleCode.choices,
    }


def available_transitions(pathway: Pathway, user) -> list[str]:
    names = []
    for t in pathway.get_available_state_transitions():
        if t.name in TRANSITION_FORMS and has_transition_perm(getattr(pathway, t.name), user):
            names.append(t.name)
    return names


def pathway_page(pathway: Pathway, user, *, today: dt.date, bound_forms: dict | None = None) -> dict:
    pathway = Pathway.objects.select_related(
        "beneficiary", "territory", "track", "organisation", "referent__user", "handover_to__user"
    ).get(pk=pathway.pk)
    bound_forms = bound_forms or {}
    actions = []
    for name in available_transitions(pathway, user):
        form = bound_forms.get(name) or TRANSITION_FORMS[name](pathway=pathway, today=today, prefix=name)
        actions.append({"name": name, "label": TRANSITION_LABELS[name], "form": form})
    deadlines = list(pathway.deadlines.order_by("status", "due_on"))
    for d in deadlines:
        d.days_left = (d.due_on - today).days
    timeline = []
    for log in pathway.history.select_related("by"):
        timeline.append({"on": log.occurred_on, "kind": "transition", "item": log})
    for contact in pathway.contacts.all():
        timeline.append({"on": contact.occurred_on, "kind": "contact", "item": contact})
    for alert in Alert.objects.filter(pathway=pathway):
        timeline.append({"on": alert.created_at.date(), "kind": "alert", "item": alert})
    for handover in pathway.handovers.select_related("outgoing__user", "incoming__user"):
        timeline.append({"on": handover.proposed_on, "kind": "handover", "item": handover})
    timeline.sort(key=lambda e: e["on"], reverse=True)
    return {
        "pathway": pathway,
        "actions": actions,
        "deadlines": deadlines,
        "open_alerts": Alert.objects.filter(pathway=pathway, status=AlertStatus.OPEN),
        "timeline": timeline,
        "can_record_contact": can_record_contact(pathway, user),
        "today": today,
    }
