"""Browser scenario of issue 13, points 5 and 13: a referent whose case was typed in late finds
its alert in the notifications inbox, opens the pathway from it and marks what he has read."""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.utils import timezone

from notifications.services.sweep import sweep_deadlines
from tests.e2e.conftest import ARTIFACTS, PASSWORD
from tests.factories import track
from tests.helpers import at, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Tracks, delay and orientation rules: another transactional test may have flushed them."""
    from django.apps import apps

    import_module("casework.migrations.0002_defaults").load_defaults(apps, None)


def test_referent_reads_his_late_case_in_the_inbox_and_marks_it_read(browser, live_server):
    from axe_playwright_python.sync_playwright import Axe

    today = timezone.localdate()
    world = make_world("boite")
    entered = today - dt.timedelta(days=70)  # back-dated: its first appointment is long past due
    p = world.enter(entered)
    world.t(p, "orient", entered + dt.timedelta(days=1), organisation=world.dept, track=track("social"))
    world.t(p, "assign_referent", entered + dt.timedelta(days=2), referent=world.referent)
    sweep_deadlines(now=at(today))

    context = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill(world.referent.user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/")

    page.get_by_role("link", name="Notifications").click()
    page.get_by_role("heading", name="À lire").wait_for()
    items = page.locator("section.inbox li.inbox-item.unread")
    unread = items.count()
    assert unread >= 2  # "Un parcours vous est confié", then the late first appointment
    titles = page.locator("p.inbox-title", has_text="Premier rendez-vous à tenir, en retard de")
    assert titles.count() == 1  # one message, not two
    assert "Fil rouge —" not in page.locator("section.inbox").first.inner_text()
    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}})
    assert results.violations_count == 0, results.generate_report()
    page.screenshot(path=str(ARTIFACTS / "20-notifications.png"), full_page=True)

    items.first.get_by_role("button", name="Marquer comme lue").click()
    page.get_by_role("heading", name="Déjà lues").wait_for()
    assert page.locator("section.inbox li.inbox-item.unread").count() == unread - 1
    page.get_by_role("button", name="Tout marquer comme lu").click()
    page.get_by_text("Tout est lu.").wait_for()

    page.get_by_role("link", name=f"Parcours n° {p.pk}").first.click()
    page.wait_for_url(f"{live_server.url}/parcours/{p.pk}/")
    context.close()
