"""Prescriptions: a referent sends a person to an offer, the provider answers within its delay,
the outcome follows; every refusal is a French message with nothing written."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework.enums import PrescriptionStatus, RuleCode
from casework.models import Barrier, Deadline, Prescription
from casework.offers import offers_near, pathway_offer_hours_per_week
from notifications.models import Notification
from notifications.offer_links import prescription_token
from notifications.services.sweep import sweep_deadlines
from workflows.services.errors import TransitionConflict, TransitionForbidden
from workflows.services.prescriptions import prescription_answer, prescription_outcome_record, prescription_send

from ..factories import OfferFactory, OfferSessionFactory, OrganisationFactory, ProfessionalFactory, TerritoryFactory
from ..helpers import S, advance, at

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NOW = timezone.now()


@pytest.fixture
def case(world):
    pathway = advance(world, world.enter(TODAY - dt.timedelta(days=40)), S.SOCIAL_TRACK, TODAY - dt.timedelta(days=30))
    Barrier.objects.create(beneficiary=pathway.beneficiary, kind="mobility", noted_on=TODAY - dt.timedelta(days=30))
    provider = OrganisationFactory(name="Mobilité 79", contact_email="accueil@mobilite79.example")
    provider_staff = ProfessionalFactory(organisation=provider, partner=True, user__username="mobilite-staff")
    offer = OfferFactory(provider=provider, territories=[world.territory], title="Plateforme mobilité")
    session = OfferSessionFactory(offer=offer, starts_on=TODAY + dt.timedelta(days=20), seats=2)
    return pathway, offer, session, provider_staff


def _counts():
    return Prescription.objects.count(), Deadline.objects.count(), Notification.objects.count()


def test_a_prescription_opens_its_answer_clock_and_mails_the_provider_a_link(world, case):
    pathway, offer, session, _ = case
    p = prescription_send(pathway, offer, session=session, barrier="mobility", by=world.referent.user, now=NOW)
    assert p.status == PrescriptionStatus.SENT and p.sent_on == TODAY
    clock = Deadline.objects.get(pathway=pathway, rule_code=RuleCode.PRESCRIPTION_ANSWER, ref=str(p.pk))
    assert clock.status == "open" and clock.due_on > TODAY
    mail = Notification.objects.get(event=Notification.Event.PRESCRIPTION)
    assert mail.to_email == "accueil@mobilite79.example"
    assert "/prestataire/prescription/" in mail.link
    assert str(pathway.beneficiary.last_name) not in mail.body + mail.subject


@pytest.mark.parametrize(
    ("situation", "field", "words"),
    [
        ("full", "session", "plus de place"),
        ("past", "session", "a commencé le"),
        ("elsewhere", "offer", "pas proposée sur le territoire"),
    ],
)
def test_a_prescription_that_cannot_be_honoured_is_refused_in_french_and_writes_nothing(
    world, case, situation, field, words
):
    pathway, offer, session, _ = case
    if situation == "full":
        for _ in range(2):
            other = advance(
                world, world.enter(TODAY - dt.timedelta(days=40)), S.SOCIAL_TRACK, TODAY - dt.timedelta(days=30)
            )
            prescription_send(other, offer, session=session, by=world.referent.user, now=NOW)
    if situation == "past":
        session = OfferSessionFactory(offer=offer, starts_on=TODAY - dt.timedelta(days=1))
    if situation == "elsewhere":
        offer.territories.set([TerritoryFactory(code="gatine")])
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        prescription_send(pathway, offer, session=session, by=world.referent.user, now=NOW)
    assert words in " ".join(refused.value.message_dict[field])
    assert _counts() == before


def test_the_page_shows_the_refusal_beside_the_session_and_writes_nothing(world, case, client):
    pathway, offer, session, _ = case
    past = OfferSessionFactory(offer=offer, starts_on=TODAY - dt.timedelta(days=3))
    client.force_login(world.referent.user)
    before = _counts()
    response = client.post(
        f"/offres/{offer.pk}/prescrire/", {"parcours": pathway.pk, "session": past.pk, "barrier": "mobility"}
    )
    assert response.status_code == 400
    assert "a commencé le" in response.content.decode()
    assert _counts() == before


def test_the_provider_accepts_through_its_link_once_and_the_referent_hears_of_it(world, case, client):
    pathway, offer, session, _ = case
    p = prescription_send(pathway, offer, session=session, by=world.referent.user, now=NOW)
    url = re.sub(r"^https?://[^/]+", "", Notification.objects.get(event="prescription").link)
    page = client.get(url)
    assert page.status_code == 200 and str(pathway.beneficiary) in page.content.decode()
    start = (TODAY + dt.timedelta(days=20)).isoformat()
    response = client.post(url, {"decision": "accept", "start_on": start})
    assert response.status_code == 200 and "réponse est enregistrée" in response.content.decode()
    p.refresh_from_db()
    assert p.status == PrescriptionStatus.ACCEPTED and p.answered_on == TODAY
    assert Deadline.objects.get(ref=str(p.pk), rule_code=RuleCode.PRESCRIPTION_ANSWER).status == "met"
    told = Notification.objects.get(event=Notification.Event.PRESCRIPTION_ANSWERED)
    assert told.recipient == world.referent
    again = client.post(url, {"decision": "refuse", "reason": "Plus de place"})
    assert again.status_code == 409 and "déjà reçu une réponse" in again.content.decode()
    p.refresh_from_db()
    assert p.status == PrescriptionStatus.ACCEPTED


def test_a_refusal_needs_its_reason(world, case, client):
    pathway, offer, session, _ = case
    p = prescription_send(pathway, offer, session=session, by=world.referent.user, now=NOW)
    response = client.post(f"/prestataire/prescription/{prescription_token(p.pk, now=NOW)}/", {"decision": "refuse"})
    assert response.status_code == 400 and "Indiquez le motif du refus." in response.content.decode()
    p.refresh_from_db()
    assert p.status == PrescriptionStatus.SENT


def test_another_provider_cannot_answer_for_an_offer_not_its_own(world, case, client):
    pathway, offer, session, _ = case
    p = prescription_send(pathway, offer, session=session, by=world.referent.user, now=NOW)
    other_staff = ProfessionalFactory(organisation=OrganisationFactory(name="Autre structure"), partner=True)
    with pytest.raises(TransitionForbidden):
        prescription_answer(p.pk, accepted=True, start_on=TODAY, by=other_staff.user, now=NOW)
    client.force_login(other_staff.user)
    response = client.post(f"/offres/prescriptions/{p.pk}/reponse/", {"decision": "accept", "start_on": TODAY})
    assert response.status_code == 403 and "autre structure" in response.content.decode()
    p.refresh_from_db()
    assert p.status == PrescriptionStatus.SENT and p.answered_on is None


def test_the_provider_signed_in_answers_from_its_list(world, case, client):
    pathway, offer, session, staff = case
    p = prescription_send(pathway, offer, session=session, by=world.referent.user, now=NOW)
    client.force_login(staff.user)
    assert "Plateforme mobilité" in client.get("/offres/prescriptions/recues/").content.decode()
    response = client.post(f"/offres/prescriptions/{p.pk}/reponse/", {"decision": "refuse", "reason": "Complet"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.status == PrescriptionStatus.REFUSED and p.refusal_reason == "Complet"


@pytest.mark.parametrize("token", ["nimporte-quoi", "12:1abcde:forged"])
def test_a_forged_link_gets_a_french_page_and_shows_nothing(world, case, client, token):
    response = client.get(f"/prestataire/prescription/{token}/")
    assert response.status_code == 400 and "Ce lien n&#x27;est pas valide." in response.content.decode()


def test_an_expired_link_gets_a_french_page(world, case, client, settings):
    pathway, offer, session, _ = case
    p = prescription_send(pathway, offer, session=session, by=world.referent.user, now=NOW)
    settings.PARTNER_LINK_MAX_AGE_DAYS = 30
    old = prescription_token(p.pk, now=NOW - dt.timedelta(days=31))
    response = client.post(f"/prestataire/prescription/{old}/", {"decision": "accept", "start_on": TODAY})
    assert response.status_code == 400 and "Ce lien a expiré" in response.content.decode()
    assert str(pathway.beneficiary) not in response.content.decode()
    p.refresh_from_db()
    assert p.status == PrescriptionStatus.SENT


def test_outcomes_follow_in_order_and_the_hours_count_while_the_person_is_in(world, case):
    pathway, offer, session, staff = case
    p = prescription_send(pathway, offer, session=session, by=world.referent.user, now=NOW)
    with pytest.raises(TransitionConflict):
        prescription_outcome_record(p.pk, "entered", occurred_on=TODAY, by=world.referent.user, now=NOW)
    prescription_answer(p.pk, accepted=True, start_on=TODAY, by=staff.user, now=NOW)
    assert pathway_offer_hours_per_week(pathway, on=TODAY) == 0
    prescription_outcome_record(p.pk, "entered", occurred_on=TODAY, by=staff.user, now=NOW)
    assert pathway_offer_hours_per_week(pathway, on=TODAY) == Decimal("6")
    prescription_outcome_record(
        p.pk, "completed", occurred_on=TODAY, by=world.referent.user, now=NOW + dt.timedelta(days=1)
    )
    assert pathway_offer_hours_per_week(pathway, on=TODAY) == 0
    with pytest.raises(TransitionForbidden):
        prescription_outcome_record(p.pk, "left_early", occurred_on=TODAY, by=world.outsider.user, now=NOW)


def test_an_unanswered_prescription_alerts_the_referent_on_its_due_day(world, case):
    pathway, offer, session, _ = case
    p = prescription_send(pathway, offer, session=session, by=world.referent.user, now=NOW)
    clock = Deadline.objects.get(ref=str(p.pk), rule_code=RuleCode.PRESCRIPTION_ANSWER)
    sweep_deadlines(now=at(clock.due_alert_on, 10))
    alert = Notification.objects.get(event="alert", alert__deadline=clock)
    assert alert.recipient == world.referent
    assert "Réponse du prestataire à une prescription attendue" in alert.subject


def test_offers_near_a_person_are_those_of_their_territory_and_barriers_with_a_seat(world, case):
    pathway, offer, session, _ = case
    OfferFactory(provider=offer.provider, territories=[world.territory], barriers=["housing"], title="Logement")
    all_year = OfferFactory(provider=offer.provider, territories=[world.territory], title="Permanence mobilité")
    full = OfferFactory(provider=offer.provider, territories=[world.territory], title="Complet")
    OfferSessionFactory(offer=full, starts_on=TODAY - dt.timedelta(days=2))
    near = set(offers_near(pathway.beneficiary, today=TODAY).values_list("title", flat=True))
    assert near == {offer.title, all_year.title}


def test_the_referent_records_the_entry_from_the_pathway_page_and_strangers_get_a_404(world, case, client):
    pathway, offer, session, staff = case
    p = prescription_send(pathway, offer, session=session, by=world.referent.user, now=NOW)
    prescription_answer(p.pk, accepted=True, start_on=TODAY, by=staff.user, now=NOW)
    client.force_login(world.outsider.user)
    data = {"outcome": "entered", "occurred_on": TODAY.isoformat()}
    assert client.post(f"/offres/prescriptions/{p.pk}/suite/", data).status_code == 404
    client.force_login(world.referent.user)
    response = client.post(f"/offres/prescriptions/{p.pk}/suite/", data)
    assert response.status_code == 302 and response["Location"] == f"/parcours/{pathway.pk}/"
    p.refresh_from_db()
    assert p.status == PrescriptionStatus.ENTERED and p.entered_on == TODAY
    page = client.get(f"/parcours/{pathway.pk}/").content.decode()
    assert "Entrée dans l" in page and "Plateforme mobilité" in page
