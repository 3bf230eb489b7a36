"""A professional's own API tokens: list (label, creation, expiry), create (key shown once), revoke.

Only the owner reaches this page (it shows only the signed-in user's tokens); an account
without a professional profile (an administrator) gets 404, as it reads no file.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.permissions import professional_of

from .forms import ApiTokenForm
from .services import api_token_issue, api_token_revoke, api_tokens_of


def _owner(request):
    if professional_of(request.user) is None:
        raise Http404
    return request.user


@login_required
def api_tokens(request):
    user = _owner(request)
    new_key = None
    form = ApiTokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            _, new_key = api_token_issue(
                user, label=form.cleaned_data["label"], days=form.cleaned_data["days"], now=timezone.now()
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            form = ApiTokenForm()
    status = 400 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "accounts/api_tokens.html",
        {"form": form, "tokens": api_tokens_of(user), "new_key": new_key, "now": timezone.now()},
        status=status,
    )


@login_required
@require_POST
def api_token_revoke_view(request, pk: int):
    user = _owner(request)
    if not api_token_revoke(user, label_id=pk):
        raise Http404
    messages.success(request, "Le jeton est révoqué : il ne permet plus d'accéder à l'API.")
    return redirect("accounts:api-tokens")
