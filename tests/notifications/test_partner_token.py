"""A partner's acknowledgement link is dated by the `now` it is made with, not by the clock."""

import datetime as dt

import pytest
from django.utils import timezone

from casework.models import PartnerRequest
from notifications.links import partner_ack_token

pytestmark = pytest.mark.django_db


def test_a_partner_link_expires_counted_from_the_now_it_was_made_with(world, client, settings):
    settings.PARTNER_LINK_MAX_AGE_DAYS = 30
    p = world.enter(dt.date(2026, 10, 1))
    r = PartnerRequest.objects.create(
        pathway=p, organisation=world.partner_org, kind="orientation", sent_on=dt.date(2026, 10, 1)
    )
    made_31_days_ago = partner_ack_token(r.pk, now=timezone.now() - dt.timedelta(days=31))
    response = client.get(f"/partenaire/accuse/{made_31_days_ago}/")
    assert response.status_code == 400 and "expiré" in response.content.decode()
    made_29_days_ago = partner_ack_token(r.pk, now=timezone.now() - dt.timedelta(days=29))
    assert client.get(f"/partenaire/accuse/{made_29_days_ago}/").status_code == 200
