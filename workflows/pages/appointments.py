"""The pathway page's "Rendez-vous et coordonnées" block: the referent sets an appointment (the
person is invited at once, reminded two days before) and keeps the person's e-mail, mobile
number and SMS choice up to date."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.permissions import can_record_contact
from workflows.inputs.forms import form_errors_add
from workflows.inputs.person_forms import AppointmentForm, ContactDetailsForm
from workflows.services.person_space import appointment_set, person_contact_update

from .form_tokens import one_time_form
from .workspace import _pathway_or_404, _pathway_render

NOT_YOURS = "Seuls le référent, son délégué ou le responsable d'équipe fixent un rendez-vous ou les coordonnées."


def _allowed_or_back(request, pathway):
    if can_record_contact(pathway, request.user):
        return None
    messages.error(request, NOT_YOURS)
    return redirect("workspace:pathway", pathway.pk)


@login_required
@require_POST
@one_time_form
def appointment_create(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    if (refused := _allowed_or_back(request, pathway)) is not None:
        return refused
    now = timezone.now()
    form = AppointmentForm(request.POST, now=now)
    if form.is_valid():
        data = form.cleaned_data
        try:
            appointment_set(
                pathway,
                starts_at=data["starts_at"],
                mode=data["mode"],
                place=data["place"],
                purpose=data["purpose"],
                by=request.user,
                now=now,
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
    if not form.is_valid():
        extra = {"appointment_form": form}
        return _pathway_render(request, pathway, today=timezone.localdate(now), status=400, extra=extra)
    local = timezone.localtime(data["starts_at"])
    messages.success(request, f"Rendez-vous fixé le {local:%d/%m/%Y à %H:%M} ; la personne est prévenue.")
    return redirect("workspace:pathway", pathway.pk)


@login_required
@require_POST
@one_time_form
def person_contact_edit(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    if (refused := _allowed_or_back(request, pathway)) is not None:
        return refused
    form = ContactDetailsForm(request.POST)
    if form.is_valid():
        try:
            changed = person_contact_update(pathway.beneficiary, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_add(form, exc)
    if not form.is_valid():
        extra = {"contact_details_form": form}
        return _pathway_render(request, pathway, today=timezone.localdate(), status=400, extra=extra)
    messages.success(request, "Coordonnées enregistrées." if changed else "Coordonnées inchangées.")
    return redirect("workspace:pathway", pathway.pk)
