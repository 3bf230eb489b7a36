"""One-time form tokens: a double click (or a reload, or a second tab) records nothing twice.

Every state-changing form of the pages carries a hidden `form_token` (a fresh UUID per render,
`{% form_token %}` from `workflows.templatetags.form_tokens`), and its view is decorated with
`@one_time_form`. The decorator inserts the token's `FormSubmission` row and runs the view in
one transaction:

- the view applied something (it redirects, or marked its response with `form_applied`): the
  row is committed with the page it led to;
- the view did not (form errors re-rendered, a confirmation step shown): everything rolls back,
  the token stays unspent and the corrected or confirmed form may use it;
- the token was already spent: nothing runs, the person lands on the first outcome's page with
  "Cette action avait déjà été enregistrée.".

Two concurrent POSTs of one token are serialised by the unique index itself: the second INSERT
waits for the first transaction and then fails (no check-then-act). A POST without a token (an
old page, a script) runs as before, unprotected.

Spent tokens are deleted after `FORM_TOKEN_RETENTION_DAYS` (`form_submissions_purge`, nightly).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from workflows.models import FormSubmission

FIELD = "form_token"
ALREADY_DONE = "Cette action avait déjà été enregistrée."


def form_token_new() -> str:
    return str(uuid.uuid4())


def form_applied(response: HttpResponse, outcome_url: str) -> HttpResponse:
    """Mark a non-redirect response (an HTMX partial) as the outcome of an applied form."""
    response.form_outcome_url = outcome_url
    return response


def _posted_token(request: HttpRequest) -> uuid.UUID | None:
    try:
        return uuid.UUID(request.POST.get(FIELD, ""))
    except ValueError:
        return None


def _outcome_url(response: HttpResponse) -> str | None:
    url = getattr(response, "form_outcome_url", None)
    if url is None and 300 <= response.status_code < 400:
        url = response.get("Location")
    return url


class _NotApplied(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


def _replay(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    submission = FormSubmission.objects.filter(token=token, user=request.user).first()
    if submission is None:  # someone else's token: never show another person's outcome
        message = "Ce formulaire n'est plus valable : rechargez la page."
        return render(request, "400.html", {"message": message}, status=400)
    messages.info(request, ALREADY_DONE)
    url = submission.outcome_url or "/"
    if getattr(request, "htmx", False):
        return HttpResponse(status=200, headers={"HX-Redirect": url})
    return redirect(url)


def one_time_form(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run `view` at most once per posted form token (see the module's docstring)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        token = _posted_token(request)
        if token is None:
            return view(request, *args, **kwargs)
        try:
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        submission = FormSubmission.objects.create(
                            token=token, user=request.user, created_at=timezone.now()
                        )
                except IntegrityError:
                    submission = None
                if submission is not None:
                    response = view(request, *args, **kwargs)
                    outcome = _outcome_url(response)
                    if outcome is None:
                        raise _NotApplied(response)
                    submission.outcome_url = outcome[:500]
                    submission.save(update_fields=["outcome_url"])
                    return response
        except _NotApplied as not_applied:
            return not_applied.response
        return _replay(request, token)

    return wrapper
