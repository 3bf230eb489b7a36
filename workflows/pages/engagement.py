"""The pathway page's « Contrat d'engagement » panel: the contract (and a CER/PPAE that stays
valid until renewed), its action plan, its weekly activity duration and the weekly ledger.

Thin views: the pathway through `pathway_for_user` (404), who may act through
`casework.permissions` (a message, nothing written), the writes through the services, one
submission applied once (`@one_time_form`). `today` and `now` are read here, at the edge.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.engagement import WeekInput, engagement_contracts
from casework.models import Contract, Pathway
from casework.permissions import can_manage_engagement, can_record_activity
from casework.selectors import pathway_for_user
from casework.services.engagement import contract_activity_add
from workflows.inputs.engagement_forms import ActivityDurationForm, ActivityWeekForm, ContractActivityForm
from workflows.inputs.forms import form_errors_add
from workflows.services.activity import activity_duration_change, activity_week_record

from .engagement_selectors import ACTIVITY, DURATION, WEEK
from .form_tokens import one_time_form
from .workspace import _pathway_render


def _render_back(request, pathway: Pathway, key: str, form):
    """The pathway page again, the refused form filled in with its messages (400)."""
    return _pathway_render(request, pathway, today=timezone.localdate(), bound_forms={key: form}, status=400)


def _pathway_or_404(request, pk: int) -> Pathway:
    pathway = pathway_for_user(request.user, pk)
    if pathway is None:
        raise Http404("Parcours introuvable.")
    return pathway


def _current_contract(pathway: Pathway) -> Contract | None:
    return engagement_contracts(pathway).order_by("-signed_on", "-id").first()


@login_required
@require_POST
@one_time_form
def activity_add(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    contract = _current_contract(pathway)
    if contract is None or not can_manage_engagement(pathway, request.user):
        messages.error(request, "Vous ne pouvez pas modifier le plan d'action de ce parcours.")
        return redirect("workspace:pathway", pathway.pk)
    form = ContractActivityForm(request.POST, pathway=pathway)
    if form.is_valid():
        try:
            contract_activity_add(contract, by=request.user, now=timezone.now(), **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
    if form.errors:
        return _render_back(request, pathway, ACTIVITY, form)
    messages.success(request, "Activité ajoutée au plan d'action.")
    return redirect("workspace:pathway", pathway.pk)


@login_required
@require_POST
@one_time_form
def duration_change(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    contract = _current_contract(pathway)
    if contract is None or not can_manage_engagement(pathway, request.user):
        messages.error(request, "Vous ne pouvez pas modifier la durée d'activité de ce parcours.")
        return redirect("workspace:pathway", pathway.pk)
    form = ActivityDurationForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        try:
            activity_duration_change(
                contract.pk, by=request.user, today=timezone.localdate(), now=timezone.now(), **data
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
    if form.errors:
        return _render_back(request, pathway, DURATION, form)
    messages.success(request, "Durée hebdomadaire d'activité enregistrée.")
    return redirect("workspace:pathway", pathway.pk)


@login_required
@require_POST
@one_time_form
def week_record(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    if not can_record_activity(pathway, request.user):
        messages.error(request, "Vous ne pouvez pas enregistrer d'heures d'activité sur ce parcours.")
        return redirect("workspace:pathway", pathway.pk)
    form = ActivityWeekForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            activity_week_record(
                pathway.pk,
                WeekInput(data["week_start"], data["planned_hours"], data["realised_hours"]),
                by=request.user,
                today=timezone.localdate(),
                now=timezone.now(),
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
    if form.errors:
        return _render_back(request, pathway, WEEK, form)
    messages.success(request, f"Heures de la semaine du {data['week_start']:%d/%m/%Y} enregistrées.")
    return redirect("workspace:pathway", pathway.pk)
