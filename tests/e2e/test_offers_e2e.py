"""Browser scenario of issue 18, part A: a provider publishes an offer and its session; a
referent prescribes it from the pathway page (the person's barrier pre-selected); the provider
accepts through the link of its e-mail; the referent sees the answer. axe-core finds no WCAG 2.1
A/AA violation on any page of the journey."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casework.models import Barrier, Offer, Prescription
from notifications.models import Notification
from tests.e2e.conftest import ARTIFACTS, check_accessible, login
from tests.factories import OrganisationFactory, ProfessionalFactory
from tests.helpers import S, advance, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_provider_publishes_a_referent_prescribes_the_provider_accepts_by_its_link(browser, live_server):
    today = timezone.localdate()
    world = make_world("deux-sevres")
    pathway = advance(world, world.enter(today - dt.timedelta(days=40)), S.SOCIAL_TRACK, today - dt.timedelta(days=30))
    Barrier.objects.create(beneficiary=pathway.beneficiary, kind="mobility", noted_on=today - dt.timedelta(days=30))
    provider = OrganisationFactory(name="Mobilité 79", contact_email="accueil@mobilite79.example")
    provider.territories.set([world.territory])
    staff = ProfessionalFactory(organisation=provider, partner=True, user__username="mobilite79")
    starts = today + dt.timedelta(days=20)

    # 1. The provider publishes its offer, then a session.
    page = login(browser, live_server, staff.user.username)
    page.get_by_role("link", name="Offres", exact=True).click()
    page.get_by_role("link", name="Publier une offre").click()
    check_accessible(page)
    page.get_by_label("Intitulé").fill("Permis solidaire et location de voitures")
    page.get_by_label("Type d'offre").select_option("mobility")
    page.get_by_label("Mobilité", exact=True).check()
    page.get_by_label(world.territory.name, exact=True).check()
    page.get_by_label("Heures par semaine").fill("4")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("heading", name="Permis solidaire et location de voitures").wait_for()
    page.get_by_text("Ajouter une session").click()
    page.get_by_label("Début").fill(starts.isoformat())
    page.get_by_label("Places").fill("5")
    page.get_by_role("button", name="Ajouter la session").click()
    page.get_by_test_id("session").wait_for()
    check_accessible(page)
    offer = Offer.objects.get(title="Permis solidaire et location de voitures")
    assert offer.provider == provider and offer.sessions.count() == 1

    # 2. The referent looks for an offer from the pathway page: territory and barrier pre-selected.
    ref = login(browser, live_server, world.referent.user.username)
    ref.goto(f"{live_server.url}/parcours/{pathway.pk}/")
    ref.get_by_test_id("find-offer").click()
    check_accessible(ref)
    assert ref.get_by_label("Mobilité", exact=True).is_checked()
    ref.get_by_role("link", name="Permis solidaire et location de voitures").click()
    check_accessible(ref)
    ref.get_by_label("Session", exact=True).select_option(str(offer.sessions.get().pk))
    ref.get_by_role("button", name="Envoyer la prescription").click()
    ref.wait_for_url(f"{live_server.url}/parcours/{pathway.pk}/")
    assert ref.get_by_test_id("prescription-status").inner_text() == "En attente de réponse"
    check_accessible(ref)

    # 3. The provider accepts through the link of its e-mail (no account needed).
    link = Notification.objects.get(event=Notification.Event.PRESCRIPTION).link
    path = link.split("/prestataire/", 1)[1]
    answer = browser.new_context(locale="fr-FR").new_page()
    answer.goto(f"{live_server.url}/prestataire/{path}")
    check_accessible(answer)
    answer.get_by_label("J'accepte la personne").check()
    answer.get_by_label("Date de début prévue (si vous acceptez)").fill(starts.isoformat())
    answer.get_by_role("button", name="Envoyer ma réponse").click()
    answer.get_by_test_id("answer-done").wait_for()
    check_accessible(answer)

    # 4. The referent sees the answer on the pathway page.
    ref.reload()
    assert ref.get_by_test_id("prescription-status").inner_text() == "Acceptée"
    assert f"début le {starts:%d/%m/%Y}" in ref.get_by_test_id("prescription").inner_text()
    check_accessible(ref)
    ref.screenshot(path=str(ARTIFACTS / "18-prescription-acceptee.png"), full_page=True)
    assert Prescription.objects.get().status == "accepted"
