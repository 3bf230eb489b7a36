"""The offers catalogue's pages: search, an offer and its sessions, create and edit.

Every signed-in professional reads the catalogue; an offer is edited by its provider's own
staff and by administrators (`casework.permissions.can_edit_offer`). From a pathway page
(`?parcours=<id>`), the search starts on the person's territory and open barriers and the
offer's page carries the prescription form.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.models import Offer, Pathway
from casework.offers import SEARCH_LIMIT, offers_search_page, open_barriers, seats_annotated, sessions_with_seats
from casework.permissions import can_edit_offer, can_edit_offers_of, can_prescribe, is_administrator, professional_of
from casework.selectors import pathway_for_user
from workflows.inputs.offer_forms import OfferForm, OfferSearchForm, PrescriptionForm, SessionForm

from .form_tokens import one_time_form


def pathway_from_query(request) -> Pathway | None:
    """The pathway a prescription is being prepared for (`?parcours=`), if visible; 404 otherwise."""
    raw = request.GET.get("parcours") or request.POST.get("parcours") or ""
    if not raw:
        return None
    pathway = pathway_for_user(request.user, int(raw)) if raw.isdigit() else None
    if pathway is None:
        raise Http404("Parcours introuvable.")
    return pathway


@login_required
def offer_list(request):
    pathway = pathway_from_query(request)
    params = request.GET.copy()
    if pathway is not None and set(params) <= {"parcours"}:
        # From the pathway page: the person's territory and open barriers, pre-selected.
        params.setlist("barrier", open_barriers(pathway.beneficiary))
        params["territory"] = str(pathway.territory_id)
    form = OfferSearchForm(params)
    offers = []
    if form.is_valid():
        offers = offers_search_page(**form.search_kwargs())
    pro = professional_of(request.user)
    context = {
        "form": form,
        "offers": offers,
        "limit": SEARCH_LIMIT,
        "pathway": pathway,
        "can_create": pro is not None or is_administrator(request.user),
    }
    return render(request, "offers/list.html", context, status=200 if form.is_valid() else 400)


def _offer_page(request, offer: Offer, *, pathway=None, session_form=None, prescription_form=None, status=200):
    today = timezone.localdate()
    sessions = list(seats_annotated(offer.sessions.all()).order_by("starts_on", "id"))
    context = {
        "offer": offer,
        "sessions": sessions,
        "today": today,
        "can_edit": can_edit_offer(offer, request.user),
        "pathway": pathway,
    }
    if context["can_edit"]:
        context["session_form"] = session_form or SessionForm(today=today, prefix="session")
    if pathway is not None and can_prescribe(pathway, request.user):
        context["prescription_form"] = prescription_form or PrescriptionForm(
            offer=offer,
            sessions=sessions_with_seats(offer.sessions.all(), today=today),
            barriers=open_barriers(pathway.beneficiary),
        )
    return render(request, "offers/detail.html", context, status=status)


@login_required
def offer_detail(request, pk: int):
    offer = get_object_or_404(Offer.objects.select_related("provider"), pk=pk)
    if not offer.is_published and not can_edit_offer(offer, request.user):
        raise Http404("Offre introuvable.")
    return _offer_page(request, offer, pathway=pathway_from_query(request))


def _offer_form_page(request, form: OfferForm, offer: Offer | None, status: int = 200) -> HttpResponse:
    return render(request, "offers/form.html", {"form": form, "offer": offer}, status=status)


@login_required
@one_time_form
def offer_create(request):
    """A provider's staff publish an offer of their organisation; an administrator picks the provider."""
    pro = professional_of(request.user)
    admin = is_administrator(request.user)
    if pro is None and not admin:
        raise PermissionDenied("Seuls les professionnels d'une structure publient une offre.")
    provider = None if admin else pro.organisation
    if request.method != "POST":
        return _offer_form_page(request, OfferForm(provider=provider), None)
    form = OfferForm(request.POST, provider=provider)
    if not form.is_valid():
        return _offer_form_page(request, form, None, status=400)
    offer = form.save()
    messages.success(request, f"Offre « {offer.title} » publiée." if offer.is_published else "Offre enregistrée.")
    return redirect("offers:detail", offer.pk)


@login_required
@one_time_form
def offer_edit(request, pk: int):
    offer = get_object_or_404(Offer, pk=pk)
    if not can_edit_offer(offer, request.user):
        raise PermissionDenied("Seuls la structure qui porte cette offre et les administrateurs la modifient.")
    provider = None if is_administrator(request.user) else offer.provider
    if request.method != "POST":
        return _offer_form_page(request, OfferForm(instance=offer, provider=provider), offer)
    form = OfferForm(request.POST, instance=offer, provider=provider)
    if not form.is_valid():
        return _offer_form_page(request, form, offer, status=400)
    form.save()
    messages.success(request, "Offre mise à jour.")
    return redirect("offers:detail", offer.pk)


@login_required
@require_POST
@one_time_form
def session_create(request, pk: int):
    offer = get_object_or_404(Offer.objects.select_related("provider"), pk=pk)
    if not can_edit_offers_of(request.user, offer.provider_id):
        raise PermissionDenied(
            "Seuls la structure qui porte cette offre et les administrateurs en ajoutent les sessions."
        )
    form = SessionForm(request.POST, today=timezone.localdate(), prefix="session")
    if not form.is_valid():
        return _offer_page(request, offer, session_form=form, status=400)
    session = form.save(commit=False)
    session.offer = offer
    session.save()
    messages.success(request, f"Session du {session.starts_on:%d/%m/%Y} ajoutée ({session.seats} places).")
    return redirect(reverse("offers:detail", args=[offer.pk]) + "#sessions-h")
