"""The pathway page's « Contrat d'engagement et activité » panel: what it shows, its three forms
(action plan, duration, weekly hours), refusals beside the fields with nothing written, a
double submit applied once, and who may use them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.engagement import monday_of
from casework.models import ActivityDuration, ActivityWeek, ContractActivity
from tests.casework.test_engagement import engagement_defaults, signed
from tests.workflows.test_workspace_forms import html, token_of
from workflows.pages.form_tokens import ALREADY_DONE


@pytest.fixture(autouse=True)
def _rules(db):
    engagement_defaults()


@pytest.fixture
def page(world, client):
    """A contrat d'engagement that started eight Mondays ago; the referent is logged in."""
    today = timezone.localdate()
    start = monday_of(today) - dt.timedelta(weeks=8)
    pathway, contract = signed(world, entered=start - dt.timedelta(days=30), signed_on=start)
    client.force_login(world.referent.user)
    return pathway, start


def url_of(pathway, name: str) -> str:
    return reverse(f"workspace:engagement-{name}", args=[pathway.pk])


def pathway_page(client, pathway) -> str:
    return html(client.get(reverse("workspace:pathway", args=[pathway.pk])))


def test_the_page_shows_the_contract_its_15_hours_and_who_set_them(client, page):
    pathway, start = page
    body = pathway_page(client, pathway)
    assert "Contrat d'engagement (2025) signé le" in body
    assert "15 h par semaine depuis le " + f"{start:%d/%m/%Y}" in body
    assert "règle en vigueur" in body


def test_a_cer_signed_in_2024_is_shown_valid_until_renewed(world, client):
    pathway, _ = signed(
        world, entered=dt.date(2024, 11, 4), signed_on=dt.date(2024, 12, 20), ends_on=dt.date(2034, 1, 1)
    )
    client.force_login(world.referent.user)
    body = pathway_page(client, pathway)
    assert "signé avant la réforme : il reste valable jusqu'à son renouvellement" in body
    assert url_of(pathway, "week") not in body  # no ledger without a contrat d'engagement


def test_a_week_over_168_hours_is_refused_beside_its_field_and_nothing_is_written(client, page):
    pathway, start = page
    token = token_of(pathway_page(client, pathway), url_of(pathway, "week"))
    data = {"week-week_start": start.isoformat(), "week-planned_hours": "200", "form_token": token}
    refused = client.post(url_of(pathway, "week"), data)
    assert refused.status_code == 400
    body = html(refused)
    assert "dépasse les 168 heures d'une semaine" in body
    assert 'aria-invalid="true"' in body
    assert not ActivityWeek.objects.exists()
    # Corrected, the same (unspent) token applies it; posted twice, once.
    done = client.post(url_of(pathway, "week"), {**data, "week-planned_hours": "15", "week-realised_hours": "12,5"})
    assert done.status_code == 302
    again = client.post(url_of(pathway, "week"), {**data, "week-planned_hours": "15", "week-realised_hours": "12,5"})
    assert again.status_code == 302
    assert ActivityWeek.objects.get().realised_hours == 12.5
    assert ALREADY_DONE in html(client.get(again.url))


def test_an_exemption_not_asked_by_the_person_is_refused_then_recorded_when_asked(client, page):
    pathway, start = page
    token = token_of(pathway_page(client, pathway), url_of(pathway, "duration"))
    data = {
        "duration-kind": "exempted",
        "duration-effective_from": timezone.localdate().isoformat(),
        "duration-exemption_ground": "invalidity",
        "form_token": token,
    }
    refused = client.post(url_of(pathway, "duration"), data)
    assert refused.status_code == 400
    assert "n'est accordée qu'à la demande de la personne" in html(refused)
    assert ActivityDuration.objects.count() == 1
    done = client.post(url_of(pathway, "duration"), {**data, "duration-at_persons_request": "on"})
    assert done.status_code == 302
    assert "Dispense totale (Invalidité)" in pathway_page(client, pathway)


def test_the_referent_adds_an_activity_to_the_action_plan(world, client, page):
    pathway, start = page
    token = token_of(pathway_page(client, pathway), url_of(pathway, "activity"))
    data = {
        "activity-kind": "training",
        "activity-provider": world.partner_org.pk,
        "activity-hours_per_week": "10",
        "activity-starts_on": start.isoformat(),
        "activity-ends_on": (start + dt.timedelta(days=60)).isoformat(),
        "form_token": token,
    }
    assert client.post(url_of(pathway, "activity"), data).status_code == 302
    assert ContractActivity.objects.get().provider == world.partner_org
    assert "Formation" in pathway_page(client, pathway)


def test_a_colleague_who_does_not_manage_the_pathway_writes_nothing_and_a_stranger_gets_404(world, client, page):
    pathway, start = page
    data = {"week-week_start": start.isoformat(), "week-planned_hours": "15"}
    client.force_login(world.referent2.user)
    assert url_of(pathway, "week") not in pathway_page(client, pathway)
    refused = client.post(url_of(pathway, "week"), data)
    assert refused.status_code == 302
    client.force_login(world.outsider.user)
    assert client.post(url_of(pathway, "week"), data).status_code == 404
    assert client.post(url_of(pathway, "duration"), {"duration-kind": "standard"}).status_code == 404
    assert not ActivityWeek.objects.exists()


def test_the_audit_page_and_the_subject_access_export_show_the_durations_and_weeks(world, client, page):
    pathway, start = page
    token = token_of(pathway_page(client, pathway), url_of(pathway, "week"))
    week = {"week-week_start": start.isoformat(), "week-planned_hours": "15", "week-realised_hours": "9"}
    assert client.post(url_of(pathway, "week"), {**week, "form_token": token}).status_code == 302
    audit = html(client.get(reverse("security:audit", args=[pathway.pk])))
    assert "Durée d'activité" in audit and "Heures d'activité" in audit
    export = client.get(reverse("security:subject-access-json", args=[pathway.beneficiary_id])).json()
    (mine,) = [p for p in export["pathways"] if p["id"] == pathway.pk]
    assert mine["activity_weeks"][0]["realised_hours"] == "9.00"
    assert mine["activity_durations"][0]["weekly_hours"] == "15.00"
