"""Reads for the workspace pages: the caseload queue and the pathway page (the task inbox and
queues: `task_selectors`).

Everything starts from `casework.selectors.pathways_visible_to(user)`. `today` is always passed
in by the view (never read from the clock here). The caseload and the task lists run a constant
number of queries whatever their size: annotations and subqueries, one prefetch, no per-row read.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.apps import apps
from django.contrib.postgres.expressions import ArraySubquery
from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce
from django_fsm import has_transition_perm
from viewflow.workflow.models import Task

from casework.enums import BarrierStatus, ContactOutcome, DeadlineStatus, HandoverStatus, PathwayState, RuleCode
from casework.models import Barrier, Contact, Deadline, Delegation, Pathway, Professional, Territory
from casework.names import user_name
from casework.permissions import can_export_subject_data, can_record_contact, can_view_audit, professional_of
from casework.selectors import pathways_visible_to
from casework.vendor_sql import is_postgresql
from notifications.models import Alert, AlertStatus
from workflows.flows import (
    OPEN_TASK_STATUSES,
)
from workflows.inputs.forms import TRANSITION_FORMS, CaseloadFilterForm
from workflows.inputs.params import page_number, paginate_or_404
from workflows.services.transitions import TRANSITION_LABELS

from .task_selectors import PAGE_SIZE, tasks_panel

ENTRY_LABEL = "Entrée dans le parcours"


def transition_title(name: str) -> str:
    """A journal row's transition as people read it ("Désigner le référent", not `assign_referent`)."""
    return ENTRY_LABEL if name == "enter" else TRANSITION_LABELS.get(name, name)


# Urgency buckets of the caseload queue, most urgent first.
OVERDUE, TODAY, THIS_WEEK, LATER, NO_DEADLINE = range(5)
URGENCY_LABELS = {
    OVERDUE: "En retard",
    TODAY: "Aujourd'hui",
    THIS_WEEK: "Cette semaine",
    LATER: "Plus tard",
    NO_DEADLINE: "Sans échéance",
}


def _open_deadline(field_name: str):
    return Subquery(
        Deadline.objects.filter(pathway=OuterRef("pk"), status=DeadlineStatus.OPEN)
        .order_by("due_on", "id")
        .values(field_name)[:1]
    )


def _last_held_contact():
    return Subquery(
        Contact.objects.filter(pathway=OuterRef("pk"), outcome=ContactOutcome.HELD)
        .order_by("-occurred_on")
        .values("occurred_on")[:1]
    )


def _open_barriers_count():
    return Coalesce(
        Subquery(
            Barrier.objects.filter(beneficiary=OuterRef("beneficiary_id"))
            .exclude(status=BarrierStatus.LIFTED)
            .values("beneficiary")
            .annotate(n=Count("id"))
            .values("n")[:1]
        ),
        0,
    )


def _delegated_referent_ids(pro: Professional, on: dt.date) -> list[int]:
    """The referents `pro` stands in for on `on` (usually none): one small indexed read."""
    return list(Delegation.objects.active_for_delegate(pro, on=on).values_list("referent_id", flat=True))


def caseload_queryset(user, *, today: dt.date, filters: dict | None = None) -> QuerySet[Pathway]:
    """My open pathways (as referent, delegate or incoming referent), most urgent first."""
    filters = filters or {}
    pro = professional_of(user)
    if pro is None:
        return Pathway.objects.none()
    # The delegations as a list of ids, not a subquery: under an OR, `referent_id IN (subquery)`
    # is a hashed SubPlan filter and PostgreSQL scanned every open pathway (75,000 rows at
    # N=100,000, 20-50 ms); with literals both arms use their index (BitmapOr) and the estimate
    # is right (~100 rows, nested loops instead of a hash join over all beneficiaries).
    mine = [pro.pk, *_delegated_referent_ids(pro, today)]
    qs = (
        pathways_visible_to(user, on=today)
        .filter(Q(referent_id__in=mine) | Q(handover_to_id=pro.pk))
        .exclude(state=PathwayState.CLOSED)
        # What the queue shows (not the referent: it is me or whom I stand in for). Each join
        # costs planning time on every request.
        .select_related("beneficiary", "territory", "track", "handover_to__user")
        .annotate(
            next_due_on=_open_deadline("due_on"),
            next_rule=_open_deadline("rule_code"),
            last_contact_on=_last_held_contact(),
            open_barriers=_open_barriers_count(),
        )
    )
    week_end = today + dt.timedelta(days=7)
    qs = qs.annotate(
        urgency=Case(
            When(next_due_on__lt=today, then=Value(OVERDUE)),
            When(next_due_on=today, then=Value(TODAY)),
            When(next_due_on__lte=week_end, then=Value(THIS_WEEK)),
            When(next_due_on__isnull=False, then=Value(LATER)),
            default=Value(NO_DEADLINE),
            output_field=IntegerField(),
        )
    )
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    if filters.get("territory"):
        qs = qs.filter(territory__code=filters["territory"])
    if filters.get("rule"):
        qs = qs.filter(
            Exists(
                Deadline.objects.filter(pathway=OuterRef("pk"), rule_code=filters["rule"], status=DeadlineStatus.OPEN)
            )
        )
    if filters.get("barrier"):
        qs = qs.filter(
            Exists(
                Barrier.objects.filter(beneficiary=OuterRef("beneficiary_id"), kind=filters["barrier"]).exclude(
                    status=BarrierStatus.LIFTED
                )
            )
        )
    if filters.get("late"):
        qs = qs.filter(next_due_on__lt=today)
    if filters.get("q"):
        for term in filters["q"].split():
            qs = qs.filter(Q(beneficiary__last_name__icontains=term) | Q(beneficiary__first_name__icontains=term))
    return qs.order_by("urgency", "next_due_on", "beneficiary__last_name", "id")


def _querystring(data: dict) -> str:
    return urlencode({k: v for k, v in data.items() if v not in (None, "", False) and k != "page"})


def caseload_page(user, *, today: dt.date, params) -> dict:
    form = CaseloadFilterForm(params or None, territories=_territories_of(user))
    filters = form.cleaned_data if form.is_valid() else {}
    qs = caseload_queryset(user, today=today, filters=filters)
    open_barriers = Barrier.objects.exclude(status=BarrierStatus.LIFTED).order_by("kind")
    if is_postgresql():
        # The open barriers' kinds in the same query (an array per row) instead of a prefetch.
        qs = qs.annotate(
            open_barrier_kinds=ArraySubquery(
                open_barriers.filter(beneficiary=OuterRef("beneficiary_id")).values("kind")
            )
        )
    else:
        qs = qs.prefetch_related(
            Prefetch("beneficiary__barriers", queryset=open_barriers, to_attr="open_barrier_list")
        )
    page, rows = _caseload_paginate(qs, page_number(params))
    for row in rows:
        if hasattr(row, "open_barrier_kinds"):
            row.beneficiary.open_barrier_list = [Barrier(kind=kind) for kind in row.open_barrier_kinds]
        row.days_left = (row.next_due_on - today).days if row.next_due_on else None
        row.urgency_label = URGENCY_LABELS[row.urgency]
        row.next_rule_label = RuleCode(row.next_rule).label if row.next_rule else ""
    return {
        "page": page,
        "rows": rows,
        "today": today,
        "form": form,
        "filtered": bool(filters and any(filters.values())),
        "querystring": _querystring(filters),
        **tasks_panel(user, today=today),
    }


def _caseload_paginate(qs: QuerySet, wanted: int) -> tuple[Page, list]:
    """Django's `Paginator.page`, with the total counted by the page query itself.

    `count(*) over ()` rides on the page's own query (the rows are all sorted for the urgency
    order anyway) instead of a separate COUNT over the visible set. An empty page falls back
    to the paginator (counted): page 1 of nothing, or a 404 beyond the last page.
    """
    paginator = Paginator(qs, PAGE_SIZE)
    bottom = (wanted - 1) * PAGE_SIZE
    rows = list(qs.annotate(total_rows=Window(Count("pk")))[bottom : bottom + PAGE_SIZE])
    if rows:
        paginator.count = rows[0].total_rows
        page = paginator.page(wanted)
        page.object_list = rows
        return page, rows
    page = paginate_or_404(paginator, wanted)
    return page, list(page.object_list)


def _territories_of(user) -> QuerySet[Territory]:
    pro = professional_of(user)
    if pro is None:
        return Territory.objects.none()
    return Territory.objects.filter(organisations=pro.organisation_id).order_by("name")


# --- the pathway page -----------------------------------------------------------------------


def available_transitions(pathway: Pathway, user) -> list[str]:
    names = []
    for t in pathway.get_available_state_transitions():
        if t.name in TRANSITION_FORMS and has_transition_perm(getattr(pathway, t.name), user):
            names.append(t.name)
    return names


@dataclass
class TimelineEntry:
    on: dt.date
    at: dt.datetime | None
    kind: str
    title: str
    detail: str = ""
    extra: dict = field(default_factory=dict)


def _consents(pathway: Pathway, today: dt.date) -> list | None:
    try:
        consent_model = apps.get_model("casework", "Consent")
    except LookupError:
        return None
    return list(
        consent_model.objects.active(today)
        .filter(beneficiary_id=pathway.beneficiary_id)
        .select_related("organisation")
    )


def pathway_timeline(pathway: Pathway) -> list[TimelineEntry]:
    entries: list[TimelineEntry] = []
    for log in pathway.history.select_related("by"):
        title = transition_title(log.transition)
        to_state = log.get_to_state_display()
        detail = (
            f"{log.get_from_state_display()} → {to_state}" if log.from_state not in ("", log.to_state) else to_state
        )
        who = user_name(log.by)
        entries.append(
            TimelineEntry(
                log.occurred_on, log.recorded_at, "transition", title, detail, {"by": who, "reason": log.reason}
            )
        )
    for contact in pathway.contacts.all():
        entries.append(
            TimelineEntry(
                contact.occurred_on,
                contact.recorded_at,
                "contact",
                f"{contact.get_kind_display()} — {contact.get_outcome_display().lower()}",
                extra={"outcome": contact.outcome, "note": contact.comment},
            )
        )
    for alert in Alert.objects.filter(pathway=pathway):
        entries.append(
            TimelineEntry(
                alert.created_at.date(),
                alert.created_at,
                "alert",
                f"Alerte : {alert.get_rule_code_display()} — {alert.get_level_display().lower()}",
                f"échéance du {alert.due_on:%d/%m/%Y} ({alert.get_status_display().lower()})",
            )
        )
    for handover in pathway.handovers.select_related("outgoing__user", "incoming__user"):
        detail = handover.get_status_display().lower()
        if handover.status == HandoverStatus.REFUSED and handover.refusal_reason:
            detail += f" : {handover.refusal_reason}"
        entries.append(
            TimelineEntry(
                handover.proposed_on,
                None,
                "handover",
                f"Passage de relais de {handover.outgoing} vers {handover.incoming}",
                detail,
                {"note": handover.note},
            )
        )
    entries.sort(key=lambda e: (e.on, e.at.timestamp() if e.at else 0), reverse=True)
    return entries


def pathway_live(pathway: Pathway, *, today: dt.date) -> dict:
    """The parts an action can change: alerts, deadlines with their countdown, the timeline."""
    deadlines = list(pathway.deadlines.order_by(Case(When(status=DeadlineStatus.OPEN, then=0), default=1), "due_on"))
    for d in deadlines:
        d.days_left = (d.due_on - today).days
    last_contact = (
        pathway.contacts.filter(outcome=ContactOutcome.HELD)
        .order_by("-occurred_on")
        .values_list("occurred_on", flat=True)
        .first()
    )
    return {
        "deadlines": deadlines,
        "open_alerts": list(
            Alert.objects.filter(pathway=pathway, status=AlertStatus.OPEN).order_by("due_on", "rule_code", "level")
        ),
        "timeline": pathway_timeline(pathway),
        "last_contact_on": last_contact,
        "today": today,
    }


def pathway_page(pathway: Pathway, user, *, today: dt.date, bound_forms: dict | None = None) -> dict:
    pathway = Pathway.objects.select_related(
        "beneficiary", "territory", "track", "organisation", "referent__user", "handover_to__user"
    ).get(pk=pathway.pk)
    bound_forms = bound_forms or {}
    actions = []
    for name in available_transitions(pathway, user):
        form = bound_forms.get(name) or TRANSITION_FORMS[name](pathway=pathway, today=today, prefix=name)
        actions.append({"name": name, "label": TRANSITION_LABELS[name], "form": form})
    pending_handover = (
        pathway.handovers.filter(status=HandoverStatus.PROPOSED).select_related("outgoing__user").first()
    )
    open_tasks = list(
        Task.objects.filter(
            flow_task_type="HUMAN", status__in=OPEN_TASK_STATUSES, process__pathwayprocess__pathway=pathway
        ).select_related("owner")
    )
    return {
        "pathway": pathway,
        "actions": actions,
        "pending_handover": pending_handover,
        "barriers": list(pathway.beneficiary.barriers.exclude(status=BarrierStatus.LIFTED).order_by("kind")),
        "consents": _consents(pathway, today),
        "open_tasks": open_tasks,
        "can_record_contact": can_record_contact(pathway, user),
        # The file's links are offered only to those they open for (else a 404 in the menu).
        "can_view_audit": can_view_audit(pathway, user),
        "can_export_subject_data": can_export_subject_data(pathway, user),
        **pathway_live(pathway, today=today),
    }
