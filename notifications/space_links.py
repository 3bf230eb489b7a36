"""The person's own space: its signed, single-purpose, expiring link.

The token signs "<person id>.<generation>" with its own salt (a partner's acknowledgement token,
or any other signature of the site, is refused here), dated by the instant it is given: it
expires PERSON_SPACE_LINK_MAX_AGE_DAYS later. The generation is the person's current
`SpaceLinkGeneration`: asking for a new link increments it (`space_link_renew`), which retires
every link sent before. The messages of an appointment take the current generation; only
asking for a new link moves it.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db.models import F
from django.urls import reverse

from casework.models import Beneficiary, SpaceLinkGeneration
from notifications.links import _SignedAt

SALT = "filrouge.person-space"

FORGED = "Ce lien n'est pas valide. Vérifiez qu'il est complet, ou demandez un nouveau lien."
EXPIRED = "Ce lien est trop ancien. Demandez un nouveau lien : c'est rapide."
REPLACED = "Ce lien ne marche plus : un nouveau lien a été demandé. Utilisez le dernier message reçu."


class InvalidSpaceLink(Exception):
    """A link that shows nothing; `status` is the page's HTTP status, `message` its French text."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.message = message
        self.status = status


def space_generation(beneficiary_id: int) -> int:
    return (
        SpaceLinkGeneration.objects.filter(beneficiary_id=beneficiary_id).values_list("generation", flat=True).first()
        or 0
    )


def space_token(beneficiary_id: int, generation: int, *, now: dt.datetime) -> str:
    return _SignedAt(now, salt=SALT).sign(f"{beneficiary_id}.{generation}")


def space_link(beneficiary_id: int, *, now: dt.datetime) -> str:
    """The link to the person's space at their current generation, dated `now`."""
    token = space_token(beneficiary_id, space_generation(beneficiary_id), now=now)
    return settings.SITE_URL + reverse("person-space:home", args=[token])


def space_link_renew(beneficiary_id: int, *, now: dt.datetime) -> int:
    """Retire every link sent so far (the caller sends the new one); returns the new generation.
    Row-level: two concurrent renewals each increment once."""
    row, created = SpaceLinkGeneration.objects.get_or_create(
        beneficiary_id=beneficiary_id, defaults={"generation": 1, "renewed_at": now}
    )
    if not created:
        SpaceLinkGeneration.objects.filter(pk=beneficiary_id).update(generation=F("generation") + 1, renewed_at=now)
    return space_generation(beneficiary_id)


def beneficiary_from_space_token(token: str) -> Beneficiary:
    """The person a link opens the space of, or `InvalidSpaceLink` (forged, expired, replaced)."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign(token, max_age=dt.timedelta(days=settings.PERSON_SPACE_LINK_MAX_AGE_DAYS))
    except signing.SignatureExpired as exc:
        raise InvalidSpaceLink(EXPIRED, 410) from exc
    except signing.BadSignature as exc:
        raise InvalidSpaceLink(FORGED, 400) from exc
    person_id, _, generation = value.partition(".")
    if not (person_id.isdigit() and generation.isdigit()):
        raise InvalidSpaceLink(FORGED, 400)
    person = Beneficiary.objects.filter(pk=int(person_id), anonymisation__isnull=True).first()
    if person is None:
        raise InvalidSpaceLink(FORGED, 400)
    if int(generation) != space_generation(person.pk):
        raise InvalidSpaceLink(REPLACED, 410)
    return person
