"""Referent workspace pages. Thin: selectors read, services write, forms validate."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.enums import ContactKind, ContactOutcome
from casework.permissions import can_record_contact
from casework.selectors import pathway_for_user

from . import selectors
from .forms import TRANSITION_FORMS, TRANSITION_LABELS
from .services.errors import TransitionError
from .services.events import contact_record
from .services.transitions import pathway_transition


@login_required
def home(request):
    today = timezone.localdate()
    context = selectors.caseload_page(request.user, today=today, params=request.GET)
    return render(request, "workspace/home.html", context)


def _pathway_or_404(request, pk: int):
    pathway = pathway_for_user(request.user, pk)
    if pathway is None:
        raise Http404("Parcours introuvable.")
    return pathway


@login_required
def pathway_detail(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    today = timezone.localdate()
    context = selectors.pathway_page(pathway, request.user, today=today)
    return render(request, "workspace/pathway.html", context)


@login_required
@require_POST
def pathway_transition_view(request, pk: int, name: str):
    pathway = _pathway_or_404(request, pk)
    if name not in TRANSITION_FORMS:
        raise Http404
    today = timezone.localdate()
    form = TRANSITION_FORMS[name](data=request.POST, pathway=pathway, today=today, prefix=name)
    if form.is_valid():
        try:
            pathway_transition(
                pathway.pk,
                name,
                by=request.user,
                occurred_on=form.cleaned_data["occurred_on"],
                now=timezone.now(),
                reason=form.cleaned_data.get("reason", ""),
                params=form.params(),
            )
        except TransitionError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"« {TRANSITION_LABELS[name]} » enregistré.")
            return redirect("workspace:pathway", pathway.pk)
    context = selectors.pathway_page(pathway, request.user, today=today, bound_forms={name: form})
    return render(request, "workspace/pathway.html", context, status=400 if not form.is_valid() else 409)


@login_required
@require_POST
def contact_create(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    if not can_record_contact(pathway, request.user):
        messages.error(request, "Vous ne pouvez pas enregistrer de contact sur ce parcours.")
        return redirect("workspace:pathway", pathway.pk)
    outcome = request.POST.get("outcome")
    kind = request.POST.get("kind") or ContactKind.INTERVIEW
    today = timezone.localdate()
    try:
        occurred_on = timezone.datetime.fromisoformat(request.POST.get("occurred_on") or today.isoformat()).date()
    except ValueError:
        return HttpResponseBadRequest("Date invalide.")
    if outcome not in ContactOutcome.values or kind not in ContactKind.values or occurred_on > today:
        return HttpResponseBadRequest("Contact invalide.")
    contact_record(pathway, occurred_on=occurred_on, kind=kind, outcome=outcome, by=request.user, now=timezone.now())
    label = "honoré" if outcome == ContactOutcome.HELD else "manqué"
    messages.success(request, f"Contact {label} enregistré le {occurred_on:%d/%m/%Y}.")
    if request.htmx:
        context = selectors.pathway_page(pathway_for_user(request.user, pk), request.user, today=today)
        return render(request, "workspace/pathway.html", context)
    return redirect("workspace:pathway", pathway.pk)
