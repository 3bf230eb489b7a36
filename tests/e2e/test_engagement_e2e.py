"""In the browser: a referent records a week of activity hours on the pathway page — refused
over 168 hours with the message by the field, then recorded — and the panel, its forms open
and in error, has no WCAG violation axe-core can find."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.utils import timezone

from casework.engagement import monday_of
from casework.models import ActivityWeek
from tests.casework.test_engagement import engagement_defaults
from tests.e2e.conftest import check_accessible, login
from tests.helpers import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    from django.apps import apps

    import_module("casework.migrations.0002_defaults").load_defaults(apps, None)
    engagement_defaults()


def test_a_referent_records_a_week_of_hours_after_a_refusal(browser, live_server):
    from tests.factories import track

    today = timezone.localdate()
    start = monday_of(today) - dt.timedelta(weeks=6)
    world = make_world("gatine")
    pathway = world.enter(start - dt.timedelta(days=20), last_name="Heures", first_name="Lina")
    world.t(pathway, "orient", start - dt.timedelta(days=10), organisation=world.dept, track=track("professional"))
    world.t(pathway, "assign_referent", start - dt.timedelta(days=9), referent=world.referent)
    world.t(pathway, "sign_contract", start, starts_on=start, ends_on=start + dt.timedelta(days=182))

    page = login(browser, live_server, world.referent.user.username, check=False)
    page.goto(f"{live_server.url}/parcours/{pathway.pk}/")
    panel = page.locator("#engagement-section")
    assert "15 h par semaine" in panel.get_by_test_id("activity-duration").inner_text()
    for summary in ("Ajouter une activité", "Adapter la durée d'activité", "Enregistrer les heures d'une semaine"):
        panel.get_by_text(summary, exact=True).click()
    check_accessible(page)

    panel.locator("input[name=week-week_start]").fill(start.isoformat())
    panel.locator("input[name=week-planned_hours]").fill("200")
    panel.get_by_role("button", name="Enregistrer les heures").click()
    error = page.locator("#engagement-section .field-error").first
    assert "dépasse les 168 heures d'une semaine" in error.inner_text()
    check_accessible(page)
    assert not ActivityWeek.objects.exists()

    panel = page.locator("#engagement-section")
    panel.locator("input[name=week-planned_hours]").fill("15")
    panel.locator("input[name=week-realised_hours]").fill("12,5")
    panel.get_by_role("button", name="Enregistrer les heures").click()
    page.locator(".msg-success").wait_for()
    row = page.get_by_test_id("activity-weeks").locator("tbody tr").first
    assert f"{start:%d/%m/%Y}" in row.inner_text() and "12,5" in row.inner_text()
    assert ActivityWeek.objects.get().realised_hours == 12.5
    check_accessible(page)
