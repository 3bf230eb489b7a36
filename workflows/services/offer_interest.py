"""« Cela m'intéresse »: the person, from their own space, says an offer near them interests
them. Recorded once per pathway and offer; the referent (or, without one, the organisation's
team leads) is notified and decides whether to prescribe: nothing is prescribed here."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework.enums import PathwayState
from casework.models import OfferInterest, Pathway
from casework.offers import offers_near
from notifications.models import Notification
from notifications.services import outbox

NOT_OFFERED = "Cette offre n'est plus proposée près de chez vous. Parlez-en à votre référent."


def offer_interest_express(pathway: Pathway, offer_id: int, *, now: dt.datetime) -> tuple[OfferInterest, bool]:
    """Record the interest (once: a second click or a double submit returns the first row, with
    False) and notify the referent after commit. Only an offer the space shows the person (their
    territory, their barriers, still taking people) on an open pathway: else a French
    ValidationError and nothing written."""
    if pathway.state == PathwayState.CLOSED:
        raise ValidationError(NOT_OFFERED)
    near = offers_near(pathway.beneficiary, today=timezone.localdate(now))
    if not near.filter(pk=offer_id).exists():
        raise ValidationError(NOT_OFFERED)
    with transaction.atomic():
        # get_or_create retries the read when a concurrent click inserted first (unique row).
        interest, created = OfferInterest.objects.get_or_create(
            pathway=pathway, offer_id=offer_id, defaults={"expressed_at": now}
        )
        if created:
            outbox.dispatch_after_commit(_notify_interest(pathway, now=now))
    return interest, created


def _notify_interest(pathway: Pathway, *, now: dt.datetime) -> list[int]:
    event = Notification.Event.INTEREST
    if pathway.referent_id is not None:
        return outbox.notify([pathway.referent], event, pathway, now=now)
    return outbox.notify_team_leads(pathway.organisation_id, event, pathway, now=now)
