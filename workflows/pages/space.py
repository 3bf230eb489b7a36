"""The person's own space (`/mon-espace/…`): no account, the signed link is the credential.

Mobile first, plain French. A link forged, expired or replaced by a newer one shows a French
page and nothing of the person. Every page shown is logged (`casework.services.person_space`).
The page asking for a new link answers the same whether or not the person exists, and is rate
limited per client address and per allocation number.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from casework.enums import SpacePage
from casework.services.person_space import space_view_log
from config.security import client_ip
from notifications.space_links import InvalidSpaceLink, beneficiary_from_space_token
from workflows.inputs.person_forms import SpaceLinkRequestForm
from workflows.services.offer_interest import offer_interest_express
from workflows.services.person_space import space_link_request

from .ratelimit import rate_exceeded
from .space_selectors import person_pathway, space_offers, space_page

LINK_REQUESTED = (
    "C'est noté. Si nous vous connaissons, vous allez recevoir un lien par SMS ou par e-mail dans quelques minutes."
)
NO_PATHWAY = "Vous n'avez pas encore de référent. Les offres seront proposées avec lui ou elle."
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


def _refused(request, message: str, status: int, back_url: str = ""):
    context = {"message": message, "back_url": back_url}
    response = render(request, "space/invalid_link.html", context, status=status)
    return _private(response, credential_in_url=True)


def _space(request, token: str, page: str, template: str):
    now = timezone.now()
    try:
        person = beneficiary_from_space_token(token)
    except InvalidSpaceLink as exc:
        return _refused(request, exc.message, exc.status)
    space_view_log(person.pk, page, now=now)
    context = {**space_page(person, now=now), "token": token, "page": page}
    if page == SpacePage.HOME:  # only the home page lists offers: the contract page never reads them
        context["offers"] = space_offers(context["pathway"], today=context["today"])
        context["interest_done"] = request.GET.get("interet", "") in {
            str(o.pk) for o in context["offers"] if o.interested
        }
    return _private(render(request, template, context), credential_in_url=True)


@require_http_methods(["GET", "HEAD"])
def space_home(request, token: str):
    return _space(request, token, SpacePage.HOME, "space/home.html")


@require_http_methods(["GET", "HEAD"])
def space_contract(request, token: str):
    return _space(request, token, SpacePage.CONTRACT, "space/contract.html")


# No CSRF token: the space has no session or cookie to ride on, the link in the URL is the
# credential, and its pages send no referrer, so the browser posts `Origin: null` (see `_private`).
@csrf_exempt
@require_POST
def space_offer_interest(request, token: str, pk: int):
    """« Cela m'intéresse » on an offer of the home page: re-checks the link, logs the action,
    records the interest once (a double submit changes nothing), then back to the home page
    with the confirmation."""
    now = timezone.now()
    try:
        person = beneficiary_from_space_token(token)
    except InvalidSpaceLink as exc:
        return _refused(request, exc.message, exc.status)
    space_view_log(person.pk, SpacePage.INTEREST, now=now)
    pathway = person_pathway(person)
    url = reverse("person-space:home", args=[token])
    if pathway is None:
        return _refused(request, NO_PATHWAY, 404, back_url=url)
    try:
        offer_interest_express(pathway, pk, now=now)
    except ValidationError as exc:
        return _refused(request, exc.messages[0], 404, back_url=url)
    return _private(redirect(f"{url}?interet={pk}#offres"), credential_in_url=True)


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
