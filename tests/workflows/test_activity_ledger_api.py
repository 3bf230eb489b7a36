"""`/api/v1/activity-weeks/`: who may record a week's hours (404 unseen, 403 seen but not theirs),
the French 400s with nothing written, Idempotency-Key, the OpenAPI schema."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from casework.engagement import monday_of
from casework.models import ActivityWeek, PartnerRequest
from notifications.models import Notification
from tests.casework.test_engagement import engagement_defaults, signed
from tests.factories import ProfessionalFactory

URL = "/api/v1/activity-weeks/"


@pytest.fixture(autouse=True)
def _rules(db):
    engagement_defaults()


def client_for(pro) -> APIClient:
    client = APIClient()
    client.force_authenticate(pro.user)
    return client


@pytest.fixture
def setting(world):
    """A contrat d'engagement that started eight Mondays ago (the API reads today's date)."""
    today = timezone.localdate()
    start = monday_of(today) - dt.timedelta(weeks=8)
    pathway, _ = signed(world, entered=start - dt.timedelta(days=30), signed_on=start)
    return pathway, start


def body(pathway, week: dt.date, planned="15", realised=None) -> dict:
    data = {"pathway": pathway.pk, "week_start": week.isoformat(), "planned_hours": planned}
    if realised is not None:
        data["realised_hours"] = realised
    return data


def test_the_referent_records_a_week_then_replaces_it(world, setting):
    pathway, start = setting
    client = client_for(world.referent)
    created = client.post(URL, body(pathway, start, realised="12.5"), format="json")
    assert created.status_code == 201, created.data
    assert created.data["pathway"] == pathway.pk
    assert (created.data["realised_hours"], created.data["target_hours"]) == ("12.50", "15.00")
    replaced = client.post(URL, body(pathway, start, realised="14"), format="json")
    assert replaced.status_code == 200
    assert ActivityWeek.objects.get().realised_hours == 14
    listed = client.get(URL, {"pathway": pathway.pk})
    assert [w["week_start"] for w in listed.data["results"]] == [start.isoformat()]


def test_a_partner_the_referent_asked_records_hours_another_partner_sees_nothing(world, setting):
    pathway, start = setting
    partner = ProfessionalFactory(organisation=world.partner_org, partner=True, user__username="ft-partner")
    assert client_for(partner).post(URL, body(pathway, start), format="json").status_code == 404
    PartnerRequest.objects.create(pathway=pathway, organisation=world.partner_org, kind="orientation", sent_on=start)
    answer = client_for(partner).post(URL, body(pathway, start, realised="15"), format="json")
    assert answer.status_code == 201, answer.data
    assert ActivityWeek.objects.get().recorded_by == partner.user


def test_a_colleague_who_sees_the_pathway_but_does_not_manage_it_gets_403_and_writes_nothing(world, setting):
    pathway, start = setting
    answer = client_for(world.referent2).post(URL, body(pathway, start), format="json")
    assert answer.status_code == 403
    assert "partenaire sollicité" in answer.data["detail"]
    assert client_for(world.outsider).post(URL, body(pathway, start), format="json").status_code == 404
    assert client_for(world.outsider).get(URL, {"pathway": pathway.pk}).data["results"] == []
    assert not ActivityWeek.objects.exists()


@pytest.mark.parametrize(
    ("shift_weeks", "planned", "realised", "field", "message"),
    [
        (0, "169", None, "planned_hours", "168 heures"),
        (0, "15", "-1", "realised_hours", "négatif"),
        (9, "15", None, "week_start", "n'a pas encore commencé"),
        (-1, "15", None, "week_start", "précède le contrat d'engagement"),
    ],
)
def test_bad_hours_or_weeks_are_a_400_with_french_messages_and_nothing_written(
    world, setting, shift_weeks, planned, realised, field, message
):
    pathway, start = setting
    week = start + dt.timedelta(weeks=shift_weeks)
    answer = client_for(world.referent).post(URL, body(pathway, week, planned, realised), format="json")
    assert answer.status_code == 400
    assert message in " ".join(answer.data[field])
    assert not ActivityWeek.objects.exists()


def test_the_idempotency_key_applies_a_retried_post_once(world, setting):
    pathway, start = setting
    client = client_for(world.referent)
    headers = {"HTTP_IDEMPOTENCY_KEY": "semaine-1"}
    first = client.post(URL, body(pathway, start, realised="10"), format="json", **headers)
    again = client.post(URL, body(pathway, start, realised="10"), format="json", **headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    other = client.post(URL, body(pathway, start, realised="11"), format="json", **headers)
    assert other.status_code == 422
    assert ActivityWeek.objects.get().realised_hours == 10


def test_three_short_weeks_through_the_api_alert_the_referent_once(world, setting):
    pathway, start = setting
    client = client_for(world.referent)
    for i in range(4):
        week = start + dt.timedelta(weeks=i)
        assert client.post(URL, body(pathway, week, realised="9"), format="json").status_code == 201
    assert Notification.objects.filter(event="activity_shortfall", recipient=world.referent).count() == 1


def test_the_openapi_schema_describes_the_ledger(world):
    schema = client_for(world.referent).get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    operations = schema.json()["paths"][URL]
    assert {"get", "post"} <= set(operations)
    parameters = {p["name"] for p in operations["post"].get("parameters", [])}
    assert "Idempotency-Key" in parameters
