"""The orientation officers' decision on a registration that may be a known person ("à vérifier").

One door for the decision: lock the review, refuse a second decision (409), record the outcome,
who and when. "C'est la même personne" merges nothing: the officer follows up with the existing
pathway by hand. "Personne différente" may register the person from what was sent, through the one
entry service (`pathway_enter`), in the same transaction as the decision: both happen or neither.
Who may decide which review is `casework.selectors.identity_reviews_visible_to` (the views answer
404 outside it); this service only guards the review's own state.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from casework.enums import IdentityReviewOrigin, IdentityReviewOutcome
from casework.models import IdentityReview, PayerAccount

from .errors import TransitionConflict
from .events import pathway_enter


class IdentityReviewDecided(TransitionConflict):
    """The review was decided already (another tab, a colleague): 409, nothing changes."""

    def __init__(self, review: IdentityReview):
        super().__init__("Cette vérification a déjà été traitée.")
        self.review = review


def identity_review_decide(
    review_id: int,
    *,
    outcome: str,
    by,
    now: dt.datetime,
    beneficiary_data: dict | None = None,
    entered_on: dt.date | None = None,
) -> IdentityReview:
    """Record the officer's decision once; with `beneficiary_data` ("Personne différente" only),
    also register the person and keep their new pathway on the review.

    Raises `IdentityReviewDecided` if already decided, and `pathway_enter`'s `ValidationError` (the
    decision is then not recorded either) when the sent dates are outside the accepted window.
    """
    outcome = IdentityReviewOutcome(outcome)
    if beneficiary_data is not None and outcome != IdentityReviewOutcome.DIFFERENT_PERSON:
        raise ValueError("Only a different person is registered.")
    with transaction.atomic():
        review = IdentityReview.objects.select_for_update(of=("self",)).get(pk=review_id)
        if review.decided_at is not None:
            raise IdentityReviewDecided(review)
        if beneficiary_data is not None:
            review.registered_pathway = pathway_enter(
                beneficiary_data=beneficiary_data, entered_on=entered_on, by=by, now=now
            )
        _payer_account_keep(review, outcome)
        review.outcome, review.decided_by, review.decided_at = outcome, by, now
        review.save(update_fields=["outcome", "decided_by", "decided_at", "registered_pathway"])
    return review


def _payer_account_keep(review: IdentityReview, outcome: str) -> None:
    """A payer's line decided: the person it names (the one followed, or the one just registered)
    keeps the payer's allocation number, so the next file finds them without a second review."""
    data = review.request_data or {}
    if review.origin != IdentityReviewOrigin.FLUX or not data.get("allocation_number"):
        return
    if outcome == IdentityReviewOutcome.SAME_PERSON:
        beneficiary_id = review.candidate_id
    elif review.registered_pathway is not None:
        beneficiary_id = review.registered_pathway.beneficiary_id
    else:
        return
    PayerAccount.objects.get_or_create(
        beneficiary_id=beneficiary_id, payer=data["payer"], allocation_number=data["allocation_number"]
    )
