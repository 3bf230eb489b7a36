"""Partner requests: sent to a partner organisation, acknowledged through a signed link
(`notifications.links`) that opens and meets the `partner_ack` clock."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from casework.enums import RuleCode
from casework.models import PartnerRequest, Pathway
from casework.services import deadlines as dl
from casework.validation import pathway_date_check
from notifications.links import partner_ack_link
from notifications.models import Notification
from notifications.services import messages, outbox
from notifications.services.alerts import alerts_resolve_for_pathway


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
            title, body = messages.event_message(Notification.Event.PARTNER_REQUEST)
            n = Notification.objects.create(
                to_email=organisation.contact_email,
                event=Notification.Event.PARTNER_REQUEST,
                pathway=pathway,
                subject=title,
                body=body,
                link=partner_ack_link(request.pk, now=now),
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
