"""Reads for the breach pages. A breach is visible to whoever sees its pathway
(`pathways_visible_to`, else 404); what each person may do on it is `casework.permissions`."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from casework import breach_rules
from casework.enums import BreachOutcome, BreachState
from casework.models import Breach, PayerExport, PayerLine
from casework.names import user_name
from casework.permissions import can_decide_breach, can_follow_breach, may_decide_breaches, professional_of
from casework.selectors import pathways_visible_to
from workflows.inputs.breach_forms import DecisionForm, ObservationsForm, OpinionForm, RemobilisationForm

B = BreachState
LIST_SIZE = 200


def breaches_visible_to(user, *, today: dt.date) -> QuerySet[Breach]:
    return Breach.objects.filter(pathway__in=pathways_visible_to(user, on=today).values("pk"))


def breach_for_user(user, pk: int, *, today: dt.date) -> Breach | None:
    return (
        breaches_visible_to(user, today=today)
        .select_related("pathway__beneficiary", "pathway__referent__user", "recorded_by", "decided_by")
        .filter(pk=pk)
        .first()
    )


def breaches_page(user, *, today: dt.date) -> dict:
    rows = list(
        breaches_visible_to(user, today=today)
        .select_related("pathway__beneficiary", "recorded_by")
        .order_by("-recorded_at", "-id")[:LIST_SIZE]
    )
    decider = may_decide_breaches(user)
    to_decide = [b for b in rows if decider and b.state == B.OBSERVATIONS and b.recorded_by_id != user.pk]
    return {
        "current": "breaches",
        "is_decider": decider,
        "to_decide": to_decide,
        "running": [b for b in rows if b.state == B.SUSPENDED],
        "rows": rows,
        "today": today,
    }


def _caps(breach: Breach) -> breach_rules.Caps | None:
    try:
        return breach_rules.breach_caps(breach)
    except ValidationError:  # no rule in force on the breach's date: the page says so
        return None


def breach_page(breach: Breach, user, *, today: dt.date, bound: dict | None = None) -> dict:
    """The breach, its dates, and the forms of the steps this person may take now."""
    bound = bound or {}
    follows = can_follow_breach(breach, user)
    waiting = breach.state == B.OBSERVATIONS
    forms = {}

    def form(name, form_class):
        forms[name] = bound.get(name) or form_class(today=today, prefix=name)

    if waiting and follows and breach.observations_on is None:
        form("observations", ObservationsForm)
    if waiting and (follows or may_decide_breaches(user)) and not breach.team_opinion:
        form("avis", OpinionForm)
    if waiting and can_decide_breach(breach, user):
        form("decision", DecisionForm)
    if breach.state == B.SUSPENDED and follows:
        form("remobilisation", RemobilisationForm)
    decision_ready = breach.observations_on is not None or today >= breach.decision_possible_from()
    return {
        "current": "breaches",
        "breach": breach,
        "pathway": breach.pathway,
        "forms": forms,
        "caps": _caps(breach) if waiting else None,
        "decision_ready": decision_ready,
        "recorded_by_me": breach.recorded_by_id == user.pk,
        "is_decider": may_decide_breaches(user),
        "is_suspension": breach.outcome == BreachOutcome.SUSPENSION,
        "today": today,
    }


def letter_context(breach: Breach, *, today: dt.date) -> dict:
    pathway = breach.pathway
    referent = pathway.referent
    pro = professional_of(breach.recorded_by)
    return {
        "breach": breach,
        "person": pathway.beneficiary,
        "referent_name": user_name(referent.user) if referent else user_name(breach.recorded_by),
        "organisation": (pro.organisation.name if pro and pro.organisation_id else ""),
        "caps": _caps(breach),
    }


def payer_exports_list() -> list[PayerExport]:
    return list(PayerExport.objects.defer("content").select_related("created_by")[:50])


def payer_lines_pending() -> int:
    return PayerLine.objects.filter(export__isnull=True).count()


def payer_export_or_none(pk: int) -> PayerExport | None:
    return PayerExport.objects.filter(pk=pk).first()
