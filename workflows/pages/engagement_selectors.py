"""The reads of the pathway page's « Contrat d'engagement » panel (`workflows.pages.engagement`)."""

from __future__ import annotations

import datetime as dt

from casework.engagement import contract_status, duration_in_force, monday_of
from casework.enums import ContractKind
from casework.models import ActivityWeek, Contract, Pathway
from casework.permissions import can_manage_engagement, can_record_activity
from workflows.inputs.engagement_forms import ActivityDurationForm, ActivityWeekForm, ContractActivityForm

WEEKS_SHOWN = 12
# Keys of the bound forms handed back to the pathway page (beside the transitions' names).
ACTIVITY, DURATION, WEEK = "engagement:activity", "engagement:duration", "engagement:week"


def engagement_panel(pathway: Pathway, user, *, today: dt.date, bound_forms: dict | None = None) -> dict:
    """What the panel shows, and the forms for who may use them."""
    bound_forms = bound_forms or {}
    contracts = list(Contract.objects.filter(pathway=pathway).order_by("-signed_on", "-id"))
    current = next((c for c in contracts if c.kind == ContractKind.CONTRAT_ENGAGEMENT), None)
    legacy = next((c for c in contracts if c.kind != ContractKind.CONTRAT_ENGAGEMENT), None)
    weeks = list(ActivityWeek.objects.filter(pathway=pathway).order_by("-week_start")[:WEEKS_SHOWN])
    manage = can_manage_engagement(pathway, user) and current is not None
    record = can_record_activity(pathway, user) and current is not None
    panel = {
        "contract": current,
        "legacy_contract": legacy if current is None or (legacy and legacy.signed_on > current.signed_on) else None,
        "legacy_status": contract_status(legacy, today=today) if legacy else "",
        "duration": duration_in_force(current, today) if current else None,
        "durations": list(current.durations.select_related("recorded_by").order_by("-effective_from", "-id"))
        if current
        else [],
        "activities": list(current.activities.select_related("provider")) if current else [],
        "weeks": weeks,
        "activity_form": (bound_forms.get(ACTIVITY) or ContractActivityForm(pathway=pathway)) if manage else None,
        "duration_form": (bound_forms.get(DURATION) or ActivityDurationForm(initial={"effective_from": today}))
        if manage
        else None,
        "week_form": (bound_forms.get(WEEK) or ActivityWeekForm(initial={"week_start": monday_of(today)}))
        if record
        else None,
    }
    return {"engagement": panel}
