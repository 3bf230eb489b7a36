"""Browser scenarios (Playwright, sync API) driving Debian's /usr/bin/chromium against live_server.

Screenshots of each main page go to test-artifacts/ (git-ignored). Without Chromium the tests
skip with a reason (fail in CI, where `.ci/run` installs it).
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.utils import timezone

from casework.enums import PathwayState
from notifications.services.sweep import sweep_deadlines
from tests.e2e.conftest import ARTIFACTS, login
from tests.helpers import advance, at, make_world

S = PathwayState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Tracks, delay and orientation rules: another transactional test may have flushed them."""
    from django.apps import apps

    import_module("casework.migrations.0002_defaults").load_defaults(apps, None)


def test_referent_sees_the_overdue_pathway_first_records_a_contact_and_its_alert_disappears(
    browser, live_server, today, assert_accessible
):
    world = make_world()
    start = today - dt.timedelta(days=75)
    late = advance(world, world.enter(start - dt.timedelta(days=5), last_name="Enretard"), S.DIAGNOSTIC, start)
    recent = today - dt.timedelta(days=3)
    advance(world, world.enter(recent - dt.timedelta(days=2), last_name="Recent"), S.DIAGNOSTIC, recent)
    sweep_deadlines(now=at(today))

    page = login(browser, live_server, world.referent.user.username, shot="01-connexion.png")
    first_row = page.locator("table.queue tbody tr").first
    assert first_row.get_attribute("data-pathway") == str(late.pk)
    assert "en retard" in first_row.inner_text().lower()
    page.screenshot(path=str(ARTIFACTS / "02-ma-file-active.png"), full_page=True)

    first_row.get_by_role("link").click()  # click 1
    assert_accessible(page)
    gap_alert = page.locator('#open-alerts li[data-rule="contact_gap"]')
    assert gap_alert.count() == 1
    page.screenshot(path=str(ARTIFACTS / "03-parcours.png"), full_page=True)
    url_before = page.url
    page.get_by_role("button", name="Contact honoré").click()  # click 2 (HTMX, no reload)
    page.locator("#pathway-live .msg-success").wait_for()
    assert_accessible(page)
    assert gap_alert.count() == 0
    assert page.url == url_before
    assert page.get_by_test_id("last-contact").inner_text() == today.strftime("%d/%m/%Y")
    page.screenshot(path=str(ARTIFACTS / "04-parcours-contact-enregistre.png"), full_page=True)
    page.context.close()


def test_officer_decides_an_orientation_from_the_queue_and_the_designated_team_lead_gets_the_assignment(
    browser, live_server, today, assert_accessible
):
    world = make_world()
    p = world.enter(today - dt.timedelta(days=10), last_name="Aorienter")

    page = login(browser, live_server, world.officer.user.username, lands_on="/taches/")
    page.locator('[data-testid="queue"]').get_by_role("link", name="Décider l'orientation").first.click()
    page.get_by_role("button", name="Prendre la tâche").click()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "05-tache-orientation.png"), full_page=True)
    form = page.locator('[data-action="orient"]')
    form.get_by_label("Organisation désignée").select_option(label=world.partner_org.name)
    form.get_by_label("Parcours").select_option(value="professional")
    form.get_by_role("button", name="Décider l'orientation").click()
    page.wait_for_url(f"{live_server.url}/taches/")
    assert "enregistré" in page.locator(".messages").inner_text()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "06-mes-taches.png"), full_page=True)
    page.context.close()

    lead = login(browser, live_server, world.partner_lead.user.username, lands_on="/tableau-de-bord/")
    lead.goto(f"{live_server.url}/taches/")
    queue = lead.locator('[data-testid="queue"]')
    assert "Désigner le référent" in queue.inner_text()
    assert "AORIENTER" in queue.inner_text()
    lead.screenshot(path=str(ARTIFACTS / "07-file-responsable.png"), full_page=True)
    lead.context.close()
    p.refresh_from_db()
    assert p.organisation == world.partner_org


def test_handover_is_proposed_accepted_by_the_incoming_referent_and_only_then_the_referent_changes(
    browser, live_server, today, assert_accessible
):
    world = make_world()
    start = today - dt.timedelta(days=10)
    p = advance(world, world.enter(start - dt.timedelta(days=3), last_name="Relais"), S.DIAGNOSTIC, start)
    outgoing, incoming = world.referent, world.referent2

    page = login(browser, live_server, outgoing.user.username)
    page.goto(f"{live_server.url}/parcours/{p.pk}/")
    assert_accessible(page)
    action = page.locator('[data-action="propose_handover"]')
    action.locator("summary").click()
    action.get_by_label("Référent entrant").select_option(label=f"{incoming} — {incoming.organisation}")
    action.get_by_label("Note de passage de relais").fill("Déménagement : suivi à reprendre à Niort.")
    action.get_by_role("button", name="Proposer un passage de relais").click()
    page.get_by_test_id("pending-handover").wait_for()
    assert_accessible(page)
    assert page.get_by_test_id("referent").inner_text() == str(outgoing)
    page.screenshot(path=str(ARTIFACTS / "08-relais-propose.png"), full_page=True)
    page.context.close()

    page = login(browser, live_server, incoming.user.username)
    page.locator('[data-testid="inbox"]').get_by_role("link", name="Répondre au passage de relais").click()
    assert "Déménagement" in page.content()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "09-tache-relais.png"), full_page=True)
    page.locator('[data-action="accept_handover"]').get_by_role("button", name="Accepter le passage de relais").click()
    page.wait_for_url(f"{live_server.url}/taches/")
    page.goto(f"{live_server.url}/parcours/{p.pk}/")
    assert page.get_by_test_id("referent").inner_text() == str(incoming)
    assert page.get_by_test_id("pending-handover").count() == 0
    page.goto(f"{live_server.url}/aide/")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "10-aide.png"), full_page=True)
    page.context.close()
