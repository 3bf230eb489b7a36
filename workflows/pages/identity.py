"""The orientation officers' "À vérifier" queue: registrations that may be a person already followed.

The API recorded them as `IdentityReview` rows without saying the person exists (issue 14, 3).
Thin: the reviews come from `casework.selectors.identity_reviews_visible_to` (404 outside it, for
another role as for an officer elsewhere), the decision goes through
`workflows.services.identity_reviews.identity_review_decide`, each form carries a one-time token.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.enums import IdentityReviewOrigin, IdentityReviewOutcome, Payer, Public
from casework.models import IdentityReview
from casework.names import person_name
from casework.permissions import can_review_identities, covers_territory, professional_of
from casework.selectors import identity_reviews_open_for, identity_reviews_visible_to, pathway_for_user
from workflows.api.serializers import BeneficiaryCreateSerializer
from workflows.inputs.params import page_or_404
from workflows.services.identity_reviews import IdentityReviewDecided, identity_review_decide

from .form_tokens import one_time_form

PAGE_SIZE = 25
SAME, DIFFERENT, REGISTER = "same", "different", "register"


class IdentityReviewDecisionForm(forms.Form):
    """Which button was pressed: the same person, a different one, a different one registered now."""

    decision = forms.ChoiceField(
        choices=[
            (SAME, IdentityReviewOutcome.SAME_PERSON.label),
            (DIFFERENT, IdentityReviewOutcome.DIFFERENT_PERSON.label),
            (REGISTER, "Personne différente : enregistrer son entrée"),
        ],
        error_messages={"required": "Choisissez une décision.", "invalid_choice": "Décision inconnue."},
    )


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


@dataclass
class ReviewRow:
    """What the officer reads about one request: the identity sent, by whom, when, the match."""

    review: IdentityReview
    name: str
    birth_date: dt.date | None
    birth_date_raw: str
    entered_on: dt.date | None
    publics: list[str]
    organisation: str
    pathway_id: int | None
    may_register: bool
    error: str = ""
    origin: str = ""


def _origin(review: IdentityReview) -> str:
    """A payer's line says which file and line it comes from (never the NIR)."""
    if review.origin != IdentityReviewOrigin.FLUX:
        return ""
    data = review.request_data or {}
    payer = dict(Payer.choices).get(data.get("payer"), "organisme payeur")
    return f"Flux {payer}, import n° {data.get('flux_import')}, ligne {data.get('line')}"


def _row(review: IdentityReview, pro, *, error: str = "") -> ReviewRow:
    data = review.request_data or {}
    requester = getattr(review.requested_by, "professional", None) if review.requested_by_id else None
    labels = dict(Public.choices)
    return ReviewRow(
        review=review,
        name=person_name(str(data.get("first_name", "")), str(data.get("last_name", ""))),
        birth_date=_date(data.get("birth_date")),
        birth_date_raw=str(data.get("birth_date", "")),
        entered_on=_date(data.get("entered_on")),
        publics=[labels.get(p, str(p)) for p in data.get("publics") or []],
        organisation=requester.organisation.name if requester is not None else "Import (sans organisation)",
        pathway_id=getattr(review, "visible_pathway_id", None),
        may_register=covers_territory(pro, review.territory_id),
        error=error,
        origin=_origin(review),
    )


def _queue(request, *, errors: dict[int, str] | None = None, status: int = 200) -> HttpResponse:
    pro = professional_of(request.user)
    page = page_or_404(identity_reviews_open_for(request.user), PAGE_SIZE, request.GET)
    errors = errors or {}
    rows = [_row(review, pro, error=errors.get(review.pk, "")) for review in page.object_list]
    return render(request, "workspace/identity_reviews.html", {"page": page, "rows": rows}, status=status)


@login_required
def identity_review_list(request):
    if not can_review_identities(request.user):
        raise Http404("Page introuvable.")
    return _queue(request)


def _registration(request, review: IdentityReview) -> tuple[dict, dt.date]:
    """What was sent, parsed by the API's own serializer (the same fields, limits and date window,
    and the officer's organisation must cover the territory); a `ValidationError` otherwise."""
    serializer = BeneficiaryCreateSerializer(data=review.request_data, context={"request": request})
    if not serializer.is_valid():
        messages_ = [str(m) for errors in serializer.errors.values() for m in errors]
        raise ValidationError(messages_)
    data = dict(serializer.validated_data)
    return data, data.pop("entered_on")


def _decided(request, review: IdentityReview) -> HttpResponse:
    review.refresh_from_db()
    context = {
        "review": review,
        "pathway_visible": review.registered_pathway_id is not None
        and pathway_for_user(request.user, review.registered_pathway_id) is not None,
    }
    return render(request, "workspace/identity_review_decided.html", context, status=409)


@login_required
@require_POST
@one_time_form
def identity_review_decide_view(request, pk: int):
    review = identity_reviews_visible_to(request.user).filter(pk=pk).first()
    if review is None:
        raise Http404("Vérification introuvable.")
    if review.decided_at is not None:
        return _decided(request, review)
    form = IdentityReviewDecisionForm(request.POST)
    if not form.is_valid():
        return _queue(request, errors={review.pk: " ".join(form.errors["decision"])}, status=400)
    decision = form.cleaned_data["decision"]
    outcome = IdentityReviewOutcome.SAME_PERSON if decision == SAME else IdentityReviewOutcome.DIFFERENT_PERSON
    try:
        kwargs = {}
        if decision == REGISTER:
            kwargs["beneficiary_data"], kwargs["entered_on"] = _registration(request, review)
        review = identity_review_decide(review.pk, outcome=outcome, by=request.user, now=timezone.now(), **kwargs)
    except IdentityReviewDecided:
        return _decided(request, review)
    except ValidationError as exc:
        error = "L'entrée n'a pas pu être enregistrée : " + " ".join(exc.messages)
        return _queue(request, errors={review.pk: error}, status=400)
    if review.registered_pathway_id is not None:
        messages.success(request, "Personne différente : son entrée est enregistrée, son parcours est ouvert.")
        if pathway_for_user(request.user, review.registered_pathway_id) is not None:
            return redirect("workspace:pathway", review.registered_pathway_id)
    else:
        messages.success(request, f"Décision enregistrée : « {outcome.label} ».")
    return redirect("workspace:identity-reviews")
