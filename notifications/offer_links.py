"""The provider's answer link for a prescription (no account needed), signed like the partner's
acknowledgement link (`notifications.links`): HMAC with SECRET_KEY, its own salt (a partner
link's token opens nothing here), dated by the instant it is written and refused
PARTNER_LINK_MAX_AGE_DAYS later. Answering twice changes nothing: the page shows the answer.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse

from casework.models import Prescription
from notifications.links import InvalidPartnerLink, _SignedAt

SALT = "filrouge.prescription-answer"


def prescription_token(prescription_id: int, *, now: dt.datetime) -> str:
    return _SignedAt(now, salt=SALT).sign(str(prescription_id))


def prescription_link(prescription_id: int, *, now: dt.datetime) -> str:
    return settings.SITE_URL + reverse("prescription-answer", args=[prescription_token(prescription_id, now=now)])


def prescription_from_token(token: str) -> Prescription:
    """The prescription the link was written for; `InvalidPartnerLink` (a French message) otherwise."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign(token, max_age=dt.timedelta(days=settings.PARTNER_LINK_MAX_AGE_DAYS))
    except signing.SignatureExpired as exc:
        raise InvalidPartnerLink("Ce lien a expiré. Contactez le référent qui vous a adressé la personne.") from exc
    except signing.BadSignature as exc:
        raise InvalidPartnerLink("Ce lien n'est pas valide.") from exc
    prescription = (
        Prescription.objects.select_related(
            "offer__provider", "session", "pathway__beneficiary", "pathway__referent__user"
        )
        .filter(pk=int(value))
        .first()
    )
    if prescription is None:
        raise InvalidPartnerLink("Ce lien n'est pas valide.")
    return prescription
