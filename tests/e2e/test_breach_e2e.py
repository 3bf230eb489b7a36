"""The breach procedure in the browser: a referent records a breach (and the person's
observations), a decider decides a suspension, the referent records the remobilisation, and
the payer's file holds both lines. axe-core: 0 violations on every page visited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casework.enums import BreachState, PathwayState
from casework.models import Breach
from tests.e2e.conftest import ARTIFACTS, login
from tests.factories import ProfessionalFactory
from tests.helpers import advance, make_world
from workflows.flows.access import breach_decider_grant

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_breach_recorded_decided_lifted_and_exported(browser, live_server, assert_accessible):
    today = timezone.localdate()
    world = make_world()
    start = today - dt.timedelta(days=90)
    pathway = advance(world, world.enter(start, last_name="Manquement"), PathwayState.SOCIAL_TRACK, start)
    decider = ProfessionalFactory(organisation=world.dept, user__username="decideur")
    breach_decider_grant([decider.user])

    # The referent records the breach from the pathway page, prints the letter, then records
    # the person's observations (so the decision may come before the window closes).
    page = login(browser, live_server, world.referent.user.username)
    page.goto(f"{live_server.url}/parcours/{pathway.pk}/")
    page.get_by_role("link", name="Constater un manquement").click()
    assert_accessible(page)
    page.get_by_label("Nature du manquement").select_option(label="Rendez-vous manqués sans motif")
    page.get_by_label("Date du manquement").fill((today - dt.timedelta(days=2)).isoformat())
    page.get_by_label("Faits constatés").fill("Rendez-vous des 3 et 17 non honorés, sans nouvelles.")
    page.get_by_role("button", name="Enregistrer et préparer le courrier").click()
    page.get_by_test_id("breach-state").wait_for()
    assert_accessible(page)
    breach = Breach.objects.get()
    page.get_by_test_id("letter-link").click()
    assert "Rendez-vous des 3 et 17" in page.get_by_test_id("letter").inner_text()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "manquement-courrier.png"), full_page=True)
    page.goto(f"{live_server.url}/manquements/{breach.pk}/")
    form = page.get_by_test_id("form-observations")
    form.get_by_label("Observations de la personne").fill("Problème de garde d'enfant ; disponible désormais.")
    form.get_by_role("button", name="Enregistrer les observations").click()
    page.locator(".messages").wait_for()
    assert_accessible(page)
    page.context.close()

    # The decider decides a suspension of 50 % for 1 month.
    page = login(browser, live_server, decider.user.username)
    page.goto(f"{live_server.url}/manquements/")
    assert_accessible(page)
    page.get_by_test_id("to-decide").get_by_role("link").first.click()
    assert_accessible(page)
    form = page.get_by_test_id("form-decision")
    form.get_by_label("Suspension-remobilisation").check()
    form.get_by_label("Taux de suspension (%)").fill("50")
    form.get_by_label("Durée (mois)").fill("1")
    form.get_by_role("button", name="Enregistrer la décision").click()
    page.get_by_test_id("decision").wait_for()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "manquement-decision.png"), full_page=True)
    page.context.close()

    # The referent records the remobilisation: the suspension is lifted.
    page = login(browser, live_server, world.referent.user.username)
    page.goto(f"{live_server.url}/manquements/{breach.pk}/")
    form = page.get_by_test_id("form-remobilisation")
    form.get_by_label("Ce que la personne a engagé").fill("Contrat d'engagement actualisé ce jour.")
    form.get_by_role("button", name="Enregistrer la remobilisation").click()
    page.get_by_test_id("lift").wait_for()
    assert_accessible(page)
    page.context.close()
    breach.refresh_from_db()
    assert breach.state == BreachState.REMOBILISED

    # The decider produces the payer's file: the decision and the lift.
    page = login(browser, live_server, decider.user.username)
    page.goto(f"{live_server.url}/manquements/exports/")
    assert_accessible(page)
    page.locator("#id_period_from").fill(today.isoformat())
    page.locator("#id_period_to").fill(today.isoformat())
    page.get_by_role("button", name="Produire le fichier").click()
    row = page.get_by_test_id("exports").locator("tbody tr").first
    row.wait_for()
    assert_accessible(page)
    assert "\n2\n" in f"\n{row.inner_text().replace(chr(9), chr(10))}\n"
    href = row.get_by_role("link").get_attribute("href")
    body = page.request.get(f"{live_server.url}{href}").text()
    assert [line.split(";")[1] for line in body.split("\r\n")[1:-1]] == ["DECISION", "LEVEE"]
    page.screenshot(path=str(ARTIFACTS / "manquement-export.png"), full_page=True)
    page.context.close()
