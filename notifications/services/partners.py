"""Partner requests and their signed acknowledgement links (no account needed).

The link carries a signed, timestamped token: it cannot be forged (HMAC with SECRET_KEY),
it expires after PARTNER_LINK_MAX_AGE_DAYS, and replaying it after the acknowledgement
changes nothing (the request is acknowledged once; later clicks only show that it was).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.utils import timezone

from casework.enums import RuleCode
from casework.models import PartnerRequest, Pathway
from casework.services import deadlines as dl
from casework.validation import pathway_date_check
from notifications.models import Notification

from . import outbox
from .alerts import alerts_resolve_for_pathway

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


def partner_request_send(
    pathway: Pathway, organisation, kind: str, *, sent_on: dt.date, by, now: dt.datetime
) -> PartnerRequest:
    """Record a request to a partner, open its `partner_ack` clock and e-mail its contact.

    A sending date outside the pathway is refused (`ValidationError`, `casework.validation`)."""
    pathway_date_check(
        pathway, sent_on, today=timezone.localdate(now), label="La date d'envoi de la demande", field="sent_on"
    )
    with transaction.atomic():
        request = PartnerRequest.objects.create(
            pathway=pathway, organisation=organisation, kind=kind, sent_on=sent_on, created_by=by
        )
        dl.deadline_open(pathway, RuleCode.PARTNER_ACK, starts_on=sent_on, ref=str(request.pk))
        if organisation.contact_email:
            from . import messages

            title, body = messages.event_message(Notification.Event.PARTNER_REQUEST)
            n = Notification.objects.create(
                to_email=organisation.contact_email,
                event=Notification.Event.PARTNER_REQUEST,
                pathway=pathway,
                subject=title,
                body=body,
                link=messages.partner_ack_link(request.pk, now=now),
                created_at=now,
                email_status=outbox.email_status_for(None, organisation.contact_email),
            )
            outbox.dispatch_after_commit([n.pk])
    return request


def partner_request_acknowledge(request: PartnerRequest, *, on: dt.date, now: dt.datetime) -> bool:
    """Acknowledge once; return False when it already was (a replayed link)."""
    with transaction.atomic():
        locked = PartnerRequest.objects.select_for_update().get(pk=request.pk)
        if locked.acknowledged_on is not None:
            return False
        locked.acknowledged_on = on
        locked.save(update_fields=["acknowledged_on"])
        dl.deadline_meet(locked.pathway, [RuleCode.PARTNER_ACK], on=on, ref=str(locked.pk))
        alerts_resolve_for_pathway(locked.pathway_id, now=now)
    return True
