"""Signed links sent by e-mail: a partner's acknowledgement link (no account needed).

The link carries a signed, timestamped token: it cannot be forged (HMAC with SECRET_KEY),
it expires after PARTNER_LINK_MAX_AGE_DAYS, and replaying it after the acknowledgement
changes nothing (the request is acknowledged once; later clicks only show that it was).

Apart from `notifications.partners` because the sweep writes these links too (the partner's
reminders): both import this module, which imports neither.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.urls import reverse

from casework.models import PartnerRequest

SALT = "filrouge.partner-ack"


class InvalidPartnerLink(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _SignedAt(signing.TimestampSigner):
    """A timestamp signer that stamps the instant it is given (TimestampSigner reads the clock)."""

    def __init__(self, at: dt.datetime, **kwargs):
        super().__init__(**kwargs)
        self.at = at

    def timestamp(self) -> str:
        return signing.b62_encode(int(self.at.timestamp()))


def partner_ack_token(request_id: int, *, now: dt.datetime) -> str:
    """The link's token, dated `now` (the request's or the reminder's instant): it expires
    PARTNER_LINK_MAX_AGE_DAYS after that."""
    return _SignedAt(now, salt=SALT).sign(str(request_id))


def partner_ack_link(partner_request_id: int, *, now) -> str:
    token = partner_ack_token(partner_request_id, now=now)
    return settings.SITE_URL + reverse("partner-ack", args=[token])


def partner_request_from_token(token: str) -> PartnerRequest:
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign(token, max_age=dt.timedelta(days=settings.PARTNER_LINK_MAX_AGE_DAYS))
    except signing.SignatureExpired as exc:
        raise InvalidPartnerLink("Ce lien a expiré. Contactez le référent du parcours.") from exc
    except signing.BadSignature as exc:
        raise InvalidPartnerLink("Ce lien n'est pas valide.") from exc
    request = PartnerRequest.objects.filter(pk=int(value)).first()
    if request is None:
        raise InvalidPartnerLink("Ce lien n'est pas valide.")
    return request
