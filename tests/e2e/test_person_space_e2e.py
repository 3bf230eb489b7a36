"""Browser journey of issue 18 (part B): a referent sets an appointment on the pathway page; the
person opens their space from the link in the SMS and the e-mail, on a phone, sees the
appointment and their referent; every page of the person's space has no WCAG 2.1 A/AA
violation that axe-core detects at 375×667."""

from __future__ import annotations

import datetime as dt
import re
from importlib import import_module

import pytest
from django.core import mail
from django.core.cache import caches
from django.utils import timezone

from casework.enums import PathwayState
from casework.models import Appointment, Barrier, OfferInterest, SpaceView
from notifications.models import PersonMessage
from notifications.sms.backends import LocmemBackend
from tests.e2e.conftest import ARTIFACTS, check_accessible, login
from tests.factories import OfferFactory, OfferSessionFactory, OrganisationFactory, PayerAccountFactory
from tests.helpers import advance, make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 375, "height": 667}
LINK = re.compile(r"https?://[^\s]+(/mon-espace/e/[^/\s]+/)")


@pytest.fixture(autouse=True)
def reference_data(transactional_db, settings):
    """Tracks, delay and orientation rules: another transactional test may have flushed them."""
    from django.apps import apps

    import_module("casework.migrations.0002_defaults").load_defaults(apps, None)
    LocmemBackend.outbox.clear()
    # Rate limits in memory: clearing the Redis cache would flush the database the broker shares.
    settings.CACHES = {**settings.CACHES, "ratelimit": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    caches["ratelimit"].clear()


def phone_page(browser):
    context = browser.new_context(locale="fr-FR", viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    return context.new_page()


def test_the_person_opens_their_space_from_the_message_and_sees_the_appointment_and_the_referent(browser, live_server):
    today = timezone.localdate()
    world = make_world("monespace")
    world.dept.public_phone = "05 49 06 79 79"
    world.dept.save()
    start = today - dt.timedelta(days=20)
    pathway = advance(world, world.enter(start, first_name="Yasmina"), PathwayState.SOCIAL_TRACK, start)
    person = pathway.beneficiary
    person.email, person.mobile_phone = "yasmina@exemple.fr", "+33612345678"
    person.save()
    PayerAccountFactory(beneficiary=person, allocation_number="9876543")
    Barrier.objects.create(beneficiary=person, kind="mobility", noted_on=start)
    provider = OrganisationFactory(name="Mobilité 79")
    offer = OfferFactory(provider=provider, territories=[world.territory], title="Plateforme mobilité")
    OfferSessionFactory(offer=offer, starts_on=today + dt.timedelta(days=20), place="Salle Brassens")

    # The referent sets the appointment on the pathway page.
    page = login(browser, live_server, world.referent.user.username, check=False)
    page.goto(f"{live_server.url}/parcours/{pathway.pk}/")
    page.get_by_text("Fixer un rendez-vous", exact=True).click()
    day = today + dt.timedelta(days=7)
    page.locator("#rdv-day").fill(day.isoformat())
    page.locator("#rdv-time").fill("10:30")
    page.locator("#rdv-place").fill("Maison du Département, 74 rue Alsace-Lorraine, Niort")
    page.locator("#rdv-purpose").fill("Préparer votre contrat")
    page.get_by_role("button", name="Fixer le rendez-vous").click()
    page.get_by_text("la personne est prévenue").wait_for()
    assert page.get_by_test_id("appointments").inner_text().count("Préparer votre contrat") == 1
    check_accessible(page)
    page.context.close()
    assert Appointment.objects.filter(pathway=pathway).count() == 1

    # The invitation went out on both channels, after commit, each with the link to the space.
    sent = PersonMessage.objects.filter(kind=PersonMessage.Kind.INVITATION, status=PersonMessage.Status.SENT)
    assert sent.count() == 2
    [sms] = LocmemBackend.outbox
    [email] = [m for m in mail.outbox if m.to == ["yasmina@exemple.fr"]]  # the others: professionals'
    assert "10 h 30" in sms["text"] and "10 h 30" in email.subject
    sms_link = LINK.search(sms["text"]).group(1)
    assert LINK.search(email.body).group(1) == sms_link

    # The person, on a phone, opens the link from the SMS.
    phone = phone_page(browser)
    phone.goto(f"{live_server.url}{sms_link}")
    phone.get_by_role("heading", name="Bonjour Yasmina").wait_for()
    appointment = phone.get_by_test_id("appointment").inner_text()
    assert "10 h 30" in appointment and "74 rue Alsace-Lorraine" in appointment
    assert "Préparer votre contrat" in appointment
    assert phone.get_by_test_id("referent").inner_text() == world.referent.display_name
    assert phone.get_by_role("link", name="Appeler le 05 49 06 79 79").is_visible()
    check_accessible(phone)
    phone.screenshot(path=str(ARTIFACTS / "30-mon-espace.png"), full_page=True)
    # No horizontal scrolling on a phone.
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # An offer near them for their barrier: « Cela m'intéresse » (a form posted from a page that
    # sends no referrer), then the confirmation; the referent is told.
    assert "Plateforme mobilité" in phone.get_by_test_id("offers").inner_text()
    phone.get_by_role("button", name="Cela m'intéresse").click()
    phone.get_by_test_id("interest-done").wait_for()
    assert "votre référent(e) est prévenu(e)" in phone.get_by_test_id("interest-done").inner_text()
    check_accessible(phone)
    assert OfferInterest.objects.filter(pathway=pathway, offer=offer).count() == 1
    # The referent sees it on the pathway page, with the way to prescribe it (nothing automatic).
    referent = login(browser, live_server, world.referent.user.username, check=False)
    referent.goto(f"{live_server.url}/parcours/{pathway.pk}/")
    interest = referent.get_by_test_id("interest")
    interest.wait_for()
    assert "Plateforme mobilité" in interest.inner_text()
    assert referent.get_by_test_id("interest-prescribe").is_visible()
    check_accessible(referent)
    referent.close()

    phone.get_by_role("link", name="Voir ce que dit mon contrat").click()
    phone.get_by_role("heading", name="Mon contrat").wait_for()
    check_accessible(phone)
    assert SpaceView.objects.filter(beneficiary=person).count() == 4

    # Asking for a new link: the form, its neutral answer; the old link then stops working.
    phone.goto(f"{live_server.url}/mon-espace/nouveau-lien/")
    check_accessible(phone)
    phone.get_by_label("Votre numéro d'allocataire (CAF ou MSA)").fill("98 765 43")
    phone.get_by_label("Votre date de naissance").fill(person.birth_date.isoformat())
    phone.get_by_role("button", name="Recevoir un nouveau lien").click()
    phone.wait_for_load_state("load")
    phone.get_by_test_id("link-requested").wait_for()
    check_accessible(phone)
    phone.goto(f"{live_server.url}{sms_link}")
    assert "un nouveau lien a été demandé" in phone.get_by_test_id("link-error").inner_text()
    assert "Yasmina" not in phone.content()
    check_accessible(phone)
    new_link = LINK.search(LocmemBackend.outbox[-1]["text"]).group(1)
    phone.goto(f"{live_server.url}{new_link}")
    phone.get_by_role("heading", name="Bonjour Yasmina").wait_for()
    phone.context.close()
