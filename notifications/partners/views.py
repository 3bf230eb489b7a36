"""The partners' pages: the request form of the pathway page, and the acknowledgement link."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.permissions import can_manage
from casework.selectors import pathway_for_user
from notifications.links import InvalidPartnerLink, partner_request_from_token

from .forms import PartnerRequestForm
from .services import partner_request_acknowledge, partner_request_send


@login_required
@require_POST
def partner_request_create(request, pk: int):
    """Send a request to a partner organisation from the pathway page.

    Its URL is declared with the pathway page's (`workflows.pages.urls`), which wraps it in the
    pages' one double-submit guard (`one_time_form`): notifications do not import workflows."""
    pathway = pathway_for_user(request.user, pk)
    if pathway is None:
        raise Http404("Parcours introuvable.")
    if not (pathway.is_open and can_manage(pathway, request.user)):
        messages.error(request, "Seuls le référent, son délégué ou le responsable d'équipe adressent une demande.")
        return redirect("workspace:pathway", pathway.pk)
    form = PartnerRequestForm(request.POST, territory_id=pathway.territory_id)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("workspace:pathway", pathway.pk)
    organisation, kind = form.cleaned_data["organisation"], form.cleaned_data["kind"]
    partner_request_send(
        pathway, organisation, kind, sent_on=timezone.localdate(), by=request.user, now=timezone.now()
    )
    messages.success(request, f"Demande envoyée à {organisation}.")
    return redirect("workspace:pathway", pathway.pk)


def partner_ack(request, token: str):
    """No account needed: the signed link is the credential. GET shows, POST acknowledges."""
    try:
        partner_request = partner_request_from_token(token)
    except InvalidPartnerLink as exc:
        return render(request, "notifications/partner_ack.html", {"error": exc.message}, status=400)
    done = None
    if request.method == "POST":
        done = partner_request_acknowledge(partner_request, on=timezone.localdate(), now=timezone.now())
        partner_request.refresh_from_db()
    return render(
        request,
        "notifications/partner_ack.html",
        {"partner_request": partner_request, "done": done},
    )
