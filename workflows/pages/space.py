"""The person's own space (`/mon-espace/…`): no account, the signed link is the credential.

Mobile first, plain French. A link forged, expired or replaced by a newer one shows a French
page and nothing of the person. Every page shown is logged (`casework.services.person_space`).
The page asking for a new link answers the same whether or not the person exists, and is rate
limited per client address and per allocation number.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from casework.enums import SpacePage
from casework.services.person_space import space_view_log
from config.security import client_ip
from notifications.space_links import InvalidSpaceLink, beneficiary_from_space_token
from workflows.inputs.person_forms import SpaceLinkRequestForm
from workflows.services.person_space import space_link_request

from .ratelimit import rate_exceeded
from .space_selectors import space_page

LINK_REQUESTED = (
    "C'est noté. Si nous vous connaissons, vous allez recevoir un lien par SMS ou par e-mail dans quelques minutes."
)
TOO_MANY = "Vous avez fait trop de demandes. Attendez une heure, puis essayez encore."


def _private(response, *, credential_in_url: bool = False):
    """Never cached, never indexed; a page whose URL holds the link (a credential) never sends it
    on as a referrer. (The form page keeps the site's policy: with `no-referrer` the browser posts
    `Origin: null`, which the CSRF check refuses.)"""
    response["Cache-Control"] = "no-store, private, max-age=0"
    response["X-Robots-Tag"] = "noindex"
    if credential_in_url:
        response["Referrer-Policy"] = "no-referrer"
    return response


def _space(request, token: str, page: str, template: str):
    now = timezone.now()
    try:
        person = beneficiary_from_space_token(token)
    except InvalidSpaceLink as exc:
        context = {"message": exc.message}
        response = render(request, "space/invalid_link.html", context, status=exc.status)
        return _private(response, credential_in_url=True)
    space_view_log(person.pk, page, now=now)
    context = {**space_page(person, now=now), "token": token, "page": page}
    return _private(render(request, template, context), credential_in_url=True)


@require_http_methods(["GET", "HEAD"])
def space_home(request, token: str):
    return _space(request, token, SpacePage.HOME, "space/home.html")


@require_http_methods(["GET", "HEAD"])
def space_contract(request, token: str):
    return _space(request, token, SpacePage.CONTRACT, "space/contract.html")


@require_http_methods(["GET", "HEAD", "POST"])
def space_link_request_view(request):
    """Allocation number + birth date → a new link by SMS or e-mail, if the person is known."""
    if request.method != "POST":
        return _private(render(request, "space/link_request.html", {"form": SpaceLinkRequestForm()}))
    if rate_exceeded("space-link-ip", client_ip(request) or "?", settings.PERSON_SPACE_LINK_REQUESTS_PER_ADDRESS):
        return _private(render(request, "space/link_request.html", {"too_many": TOO_MANY}, status=429))
    form = SpaceLinkRequestForm(request.POST)
    if not form.is_valid():
        return _private(render(request, "space/link_request.html", {"form": form}, status=400))
    number = form.cleaned_data["allocation_number"]
    if rate_exceeded("space-link-number", number, settings.PERSON_SPACE_LINK_REQUESTS_PER_NUMBER):
        return _private(render(request, "space/link_request.html", {"too_many": TOO_MANY}, status=429))
    space_link_request(number, form.cleaned_data["birth_date"], now=timezone.now())
    return _private(render(request, "space/link_request.html", {"done": LINK_REQUESTED}))
