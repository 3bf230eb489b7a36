"""The joins of issue 18: the offers near the person in their own space and « Cela m'intéresse »
(recorded once, the referent notified and shown the interest), the contrat d'engagement's hours
and action plan in the space, and the entered offers' weekly hours on the pathway page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from casework.engagement import monday_of
from casework.enums import SpacePage
from casework.models import Barrier, OfferInterest, SpaceView
from casework.services.engagement import activity_duration_record, contract_activity_add
from casework.services.subject_access import subject_data
from notifications.models import Notification
from notifications.space_links import space_link, space_token
from tests.casework.test_engagement import engagement_defaults, signed
from tests.factories import (
    OfferFactory,
    OfferSessionFactory,
    OrganisationFactory,
    ProfessionalFactory,
    TerritoryFactory,
)
from workflows.services.prescriptions import prescription_answer, prescription_outcome_record, prescription_send

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NOW = timezone.now()
DONE = "C'est noté : votre référent(e) est prévenu(e). Il ou elle vous recontactera."


@pytest.fixture(autouse=True)
def _rules(db):
    engagement_defaults()


@pytest.fixture
def case(world):
    """A contrat d'engagement signed four Mondays ago; the person has a mobility barrier; an
    offer for it near them (with a session), another for housing, another in another territory."""
    start = monday_of(TODAY) - dt.timedelta(weeks=4)
    pathway, contract = signed(world, entered=start - dt.timedelta(days=30), signed_on=start)
    Barrier.objects.create(beneficiary=pathway.beneficiary, kind="mobility", noted_on=start)
    provider = OrganisationFactory(name="Mobilité 79", contact_email="accueil@mobilite79.example")
    staff = ProfessionalFactory(organisation=provider, partner=True, user__username="mobilite-staff")
    offer = OfferFactory(
        provider=provider, territories=[world.territory], title="Plateforme mobilité", address="12 rue du Port"
    )
    OfferSessionFactory(offer=offer, starts_on=TODAY + dt.timedelta(days=20), seats=3, place="Salle Brassens")
    OfferFactory(provider=provider, territories=[world.territory], barriers=["housing"], title="Logement d'abord")
    elsewhere = OfferFactory(provider=provider, territories=[TerritoryFactory(code="17")], title="Mobilité ailleurs")
    world.pathway, world.contract, world.offer, world.elsewhere, world.staff = (
        pathway,
        contract,
        offer,
        elsewhere,
        staff,
    )
    world.link = space_link(pathway.beneficiary_id, now=NOW).removeprefix("https://filrouge.test")
    return world


def interest_url(link: str, offer_id: int) -> str:
    return f"{link}offres/{offer_id}/interet/"


def test_the_space_shows_the_offers_for_the_persons_barriers_and_territory_only(case, client):
    html = client.get(case.link).content.decode()
    assert "Des offres près de chez moi" in html
    assert "Plateforme mobilité" in html and "Mobilité 79" in html and "Salle Brassens" in html
    assert "Logement d" not in html and "Mobilité ailleurs" not in html
    assert case.staff.display_name not in html
    assert html.count("Cela m'intéresse") == 1
    # Another territory's offer cannot be asked for by forging the form either.
    refused = client.post(interest_url(case.link, case.elsewhere.pk))
    assert refused.status_code == 404 and "n&#x27;est plus proposée près de chez vous" in refused.content.decode()
    assert not OfferInterest.objects.exists() and not Notification.objects.filter(event="interest").exists()


def test_an_interest_is_recorded_once_and_the_referent_notified_once(case, client, django_capture_on_commit_callbacks):
    url = interest_url(case.link, case.offer.pk)
    with django_capture_on_commit_callbacks(execute=True):
        first, second = client.post(url), client.post(url)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == f"{case.link}?interet={case.offer.pk}#offres"
    interest = OfferInterest.objects.get()
    assert (interest.pathway, interest.offer) == (case.pathway, case.offer)
    (note,) = Notification.objects.filter(event="interest")
    assert note.recipient == case.referent and note.pathway == case.pathway
    person = case.pathway.beneficiary
    for text in (note.subject, note.body):
        assert person.first_name not in text and person.last_name not in text and "Plateforme" not in text
    (email,) = [m for m in mail.outbox if m.to == [case.referent.user.email]]
    assert "s'intéresse à une offre" in email.subject and f"/parcours/{case.pathway.pk}/" in email.body
    for text in (email.subject, email.body):
        assert person.first_name not in text and person.last_name not in text and "Plateforme" not in text
    page = client.get(first["Location"]).content.decode()
    assert DONE in page and "Vous avez dit que cette offre vous intéresse." in page
    assert "Cela m'intéresse</button>" not in page
    pages = list(SpaceView.objects.order_by("at", "id").values_list("page", flat=True))
    assert pages == [SpacePage.INTEREST, SpacePage.INTEREST, SpacePage.HOME]


def test_the_confirmation_is_not_shown_for_an_offer_not_asked_for(case, client):
    assert DONE not in client.get(f"{case.link}?interet={case.offer.pk}").content.decode()


@pytest.mark.parametrize("kind", ["forged", "expired"])
def test_a_forged_or_expired_link_gets_a_french_page_and_writes_nothing(case, client, settings, kind):
    if kind == "forged":
        token, status, text = "n-importe-quoi", 400, "Ce lien n&#x27;est pas valide"
    else:
        old = NOW - dt.timedelta(days=settings.PERSON_SPACE_LINK_MAX_AGE_DAYS + 1)
        token, status, text = space_token(case.pathway.beneficiary_id, 0, now=old), 410, "trop ancien"
    response = client.post(f"/mon-espace/e/{token}/offres/{case.offer.pk}/interet/")
    assert response.status_code == status and text in response.content.decode()
    assert case.pathway.beneficiary.first_name not in response.content.decode()
    assert not OfferInterest.objects.exists() and not SpaceView.objects.exists()
    assert not Notification.objects.filter(event="interest").exists()


def test_the_referent_sees_the_interest_and_may_prescribe_a_stranger_gets_a_404(case, client):
    client.post(interest_url(case.link, case.offer.pk))
    client.force_login(case.referent.user)
    page = client.get(f"/parcours/{case.pathway.pk}/").content.decode()
    assert "La personne s'intéresse à" in page and "Plateforme mobilité" in page
    assert f'href="/offres/{case.offer.pk}/?parcours={case.pathway.pk}#prescrire"' in page
    assert case.pathway.prescriptions.count() == 0  # the referent decides: nothing prescribed
    client.force_login(case.outsider.user)
    assert client.get(f"/parcours/{case.pathway.pk}/").status_code == 404


def test_the_contract_page_shows_the_hours_in_force_and_the_action_plan(case, client):
    contract_activity_add(
        case.contract, kind="workshop", provider=None, provider_name="Garage solidaire",
        hours_per_week=Decimal("4"), starts_on=case.contract.starts_on, ends_on=case.contract.ends_on,
        by=case.referent.user, now=NOW,
    )  # fmt: skip
    html = client.get(case.link + "contrat/").content.decode()
    assert "Vous faites 15 heures d'activité par semaine." in html
    assert "Atelier, avec Garage solidaire : 4 heures par semaine, du " in html
    assert "comptent pour" not in html
    activity_duration_record(
        case.contract, kind="reduced", effective_from=monday_of(TODAY), today=TODAY, by=case.referent.user,
        now=NOW, weekly_hours=Decimal("8"), reason="Santé",
    )  # fmt: skip
    html = client.get(case.link + "contrat/").content.decode()
    assert "Vous faites 8 heures d'activité par semaine. C'est moins que d'habitude" in html
    assert "Santé" not in html and case.referent.display_name not in html


def test_the_entered_offers_hours_show_on_the_pathway_page_and_in_the_space(case, client):
    client.force_login(case.referent.user)
    page = client.get(f"/parcours/{case.pathway.pk}/").content.decode()
    assert "Heures prévues cette semaine : 0 h par semaine, dont offres prescrites en cours : 0 h" in page
    session = case.offer.sessions.get()
    p = prescription_send(case.pathway, case.offer, session=session, by=case.referent.user, now=NOW)
    prescription_answer(p.pk, accepted=True, start_on=TODAY, by=case.staff.user, now=NOW)
    prescription_outcome_record(p.pk, "entered", occurred_on=TODAY, by=case.staff.user, now=NOW)
    contract_activity_add(
        case.contract, kind="job_search", provider=None, provider_name="France Travail",
        hours_per_week=Decimal("5"), starts_on=case.contract.starts_on, ends_on=case.contract.ends_on,
        by=case.referent.user, now=NOW,
    )  # fmt: skip
    page = client.get(f"/parcours/{case.pathway.pk}/").content.decode()
    assert "Heures prévues cette semaine : 11 h par semaine, dont offres prescrites en cours : 6 h" in page
    space = client.get(case.link + "contrat/").content.decode()
    assert "Les offres où vous êtes inscrit(e) comptent pour 6 heures par semaine." in space


def test_the_subject_access_export_lists_the_interests(case, client):
    client.post(interest_url(case.link, case.offer.pk))
    doc = subject_data(case.pathway.beneficiary, [case.pathway], case.referent.user, now=NOW)
    assert [i["offer"] for i in doc["pathways"][0]["offer_interests"]] == ["Plateforme mobilité"]
    assert "Cela m'intéresse" in [v["page"] for v in doc["space_views"]]
    client.force_login(case.referent.user)
    page = client.get(f"/personnes/{case.pathway.beneficiary_id}/donnees/").content.decode()
    assert "Offres qui intéressent la personne" in page and "Plateforme mobilité" in page
