"""Prescriptions' pages: send one from an offer's page, the provider's answer (signed link or
signed in), the list a provider receives, and the outcome (provider or referent).

Thin: `workflows.services.prescriptions` checks and writes; its refusals are shown beside the
fields (400), as a refusal page (403) or as "already answered" (409), nothing written.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.models import Offer, Prescription
from casework.offers import open_barriers, prescriptions_received, sessions_with_seats
from casework.permissions import professional_of
from casework.selectors import pathways_visible_to
from notifications.links import InvalidPartnerLink
from notifications.offer_links import prescription_from_token
from workflows.inputs.forms import form_errors_add
from workflows.inputs.offer_forms import AnswerForm, OutcomeForm, PrescriptionForm
from workflows.services.errors import TransitionConflict, TransitionError, TransitionForbidden
from workflows.services.prescriptions import prescription_answer, prescription_outcome_record, prescription_send

from .form_tokens import one_time_form
from .offers import _offer_page, pathway_from_query


@login_required
@require_POST
@one_time_form
def prescription_create(request, pk: int):
    """From an offer's page opened from a pathway (`parcours`): send the person to this offer."""
    offer = get_object_or_404(Offer.objects.select_related("provider"), pk=pk)
    pathway = pathway_from_query(request)
    if pathway is None:
        raise Http404("Parcours introuvable.")
    # Any session of the offer is accepted by the form: the service says why a past or full one
    # cannot be chosen, beside the field.
    sessions = sessions_with_seats(offer.sessions.all(), today=timezone.localdate())
    form = PrescriptionForm(request.POST, offer=offer, sessions=sessions, barriers=open_barriers(pathway.beneficiary))
    if form.is_valid():
        data = form.cleaned_data
        try:
            prescription_send(
                pathway, offer, session=data["session"], barrier=data["barrier"], note=data["note"],
                by=request.user, now=timezone.now(),
            )  # fmt: skip
        except TransitionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationError as exc:
            form_errors_add(form, exc)
    if not form.is_valid():
        return _offer_page(request, offer, pathway=pathway, prescription_form=form, status=400)
    messages.success(request, f"Prescription envoyée à {offer.provider} : il doit y répondre.")
    return redirect("workspace:pathway", pathway.pk)


def _answer_page(request, prescription, form, *, done=False, error="", status=200) -> HttpResponse:
    context = {"prescription": prescription, "form": form, "done": done, "error": error}
    return render(request, "offers/answer.html", context, status=status)


def _answer(request, prescription, *, by) -> HttpResponse:
    """GET shows the prescription and the form; POST answers once."""
    if request.method != "POST":
        return _answer_page(request, prescription, AnswerForm())
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            prescription = prescription_answer(prescription.pk, by=by, now=timezone.now(), **form.answer_kwargs())
        except TransitionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except TransitionConflict as exc:
            prescription.refresh_from_db()
            return _answer_page(request, prescription, None, error=exc.message, status=409)
        except ValidationError as exc:
            form_errors_add(form, exc)
    if not form.is_valid():
        return _answer_page(request, prescription, form, status=400)
    return _answer_page(request, prescription, None, done=True)


def prescription_answer_link(request, token: str):
    """No account needed: the signed link is the credential, for this prescription only."""
    try:
        prescription = prescription_from_token(token)
    except InvalidPartnerLink as exc:
        return render(request, "offers/answer.html", {"error": exc.message, "invalid_link": True}, status=400)
    return _answer(request, prescription, by=None)


@login_required
@one_time_form
def prescription_answer_view(request, pk: int):
    """A provider's staff member, signed in, answers from the list of requests received.

    Staff of another structure are refused (403, with the reason), nothing written."""
    prescription = get_object_or_404(
        Prescription.objects.select_related("offer__provider", "session", "pathway__beneficiary"), pk=pk
    )
    pro = professional_of(request.user)
    if pro is None or pro.organisation_id != prescription.offer.provider_id:
        raise PermissionDenied(
            "Cette prescription concerne une offre d'une autre structure : seule celle-ci peut y répondre."
        )
    response = _answer(request, prescription, by=request.user)
    if request.method == "POST" and response.status_code == 200:
        return redirect("offers:received")
    return response


@login_required
def prescriptions_received_page(request):
    pro = professional_of(request.user)
    if pro is None:
        raise PermissionDenied("Cette page est celle des structures qui portent des offres.")
    rows = list(prescriptions_received(pro.organisation_id)[:200])
    today = timezone.localdate()
    return render(
        request,
        "offers/received.html",
        {"prescriptions": rows, "outcome_form": OutcomeForm(today=today), "organisation": pro.organisation},
    )


@login_required
@require_POST
@one_time_form
def prescription_outcome_view(request, pk: int):
    """The outcome, from the provider's list or the pathway page; back to where it came from."""
    visible = Prescription.objects.filter(
        Q(offer__provider__professionals__user=request.user) | Q(pathway__in=pathways_visible_to(request.user))
    ).distinct()
    prescription = get_object_or_404(visible, pk=pk)
    form = OutcomeForm(request.POST, today=timezone.localdate())
    back = request.POST.get("back") == "received"
    target = reverse("offers:received") if back else reverse("workspace:pathway", args=[prescription.pathway_id])
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(target)
    data = form.cleaned_data
    try:
        prescription_outcome_record(
            prescription.pk, data["outcome"], occurred_on=data["occurred_on"], by=request.user, now=timezone.now()
        )
    except TransitionForbidden as exc:
        raise PermissionDenied(exc.message) from exc
    except (TransitionError, ValidationError) as exc:
        for message in getattr(exc, "messages", None) or [getattr(exc, "message", str(exc))]:
            messages.error(request, message)
        return redirect(target)
    messages.success(request, "Suite de la prescription enregistrée.")
    return redirect(target)
