"""The offers catalogue: French search (accents and plurals ignored on PostgreSQL), filters,
and who may publish and edit an offer."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casework.models import Offer, OfferSession
from casework.offers import offers_search

from ..factories import OfferFactory, OrganisationFactory, ProfessionalFactory, TerritoryFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def catalogue(world):
    provider = OrganisationFactory(name="Atelier Chantier 79")
    OfferFactory(
        provider=provider,
        territories=[world.territory],
        title="Équipes mobiles de remobilisation",
        description="Accompagnement vers l'emploi dans les métiers du bâtiment.",
        kind="iae",
        barriers=["qualification", "isolation"],
    )
    OfferFactory(
        provider=provider,
        territories=[world.territory],
        title="Garde d'enfants ponctuelle",
        description="Crèche à vocation d'insertion professionnelle.",
        kind="childcare",
        barriers=["childcare"],
    )
    OfferFactory(
        provider=provider,
        territories=[TerritoryFactory(code="gatine")],
        title="Formation aux métiers du bâtiment",
        kind="training",
        barriers=["qualification"],
    )
    return provider


def _titles(**kwargs) -> list[str]:
    return list(offers_search(**kwargs).values_list("title", flat=True))


def test_french_search_ignores_accents_and_plurals(needs_postgres, catalogue):
    assert _titles(text="equipe mobile") == ["Équipes mobiles de remobilisation"]
    assert _titles(text="crèches") == ["Garde d'enfants ponctuelle"]
    assert _titles(text="metier batiment") == [
        "Formation aux métiers du bâtiment",
        "Équipes mobiles de remobilisation",
    ]


def test_the_search_ranks_a_title_match_before_a_description_match(needs_postgres, catalogue):
    titles = _titles(text="bâtiment")
    assert titles[0] == "Formation aux métiers du bâtiment"


def test_filters_by_territory_barrier_and_kind(world, catalogue):
    assert _titles(territory_id=world.territory.pk) == [
        "Garde d'enfants ponctuelle",
        "Équipes mobiles de remobilisation",
    ]
    assert _titles(barriers=["qualification"]) == [
        "Formation aux métiers du bâtiment",
        "Équipes mobiles de remobilisation",
    ]
    assert _titles(barriers=["childcare", "isolation"], kind="iae") == ["Équipes mobiles de remobilisation"]
    assert _titles(territory_id=world.territory.pk, text="bâtiment") == ["Équipes mobiles de remobilisation"]


def test_the_search_page_from_a_pathway_preselects_the_territory(world, client, catalogue):
    pathway = world.enter(TODAY - dt.timedelta(days=5))
    client.force_login(world.officer.user)
    response = client.get(f"/offres/?parcours={pathway.pk}")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Équipes mobiles" in body and "Formation aux métiers" not in body
    assert client.get("/offres/?parcours=999999").status_code == 404


def _offer_post(**extra) -> dict:
    return {
        "title": "Atelier numérique",
        "kind": "workshop",
        "barriers": ["digital"],
        "publics": ["rsa"],
        "hours_per_week": "4",
        "is_published": "on",
        **extra,
    }


def test_provider_staff_publish_an_offer_of_their_own_organisation(world, client, catalogue):
    staff = ProfessionalFactory(organisation=catalogue, partner=True)
    client.force_login(staff.user)
    other = OrganisationFactory(name="Autre")
    response = client.post("/offres/nouvelle/", _offer_post(territories=[world.territory.pk], provider=other.pk))
    assert response.status_code == 302
    offer = Offer.objects.get(title="Atelier numérique")
    assert offer.provider == catalogue and offer.barriers == ["digital"]


def test_an_offer_is_edited_by_its_provider_and_administrators_only(world, client, catalogue):
    offer = Offer.objects.get(title="Garde d'enfants ponctuelle")
    client.force_login(world.referent.user)
    refused = client.post(f"/offres/{offer.pk}/modifier/", _offer_post(territories=[world.territory.pk]))
    assert refused.status_code == 403 and "Seuls la structure" in refused.content.decode()
    offer.refresh_from_db()
    assert offer.title == "Garde d'enfants ponctuelle"
    admin = ProfessionalFactory(organisation=world.dept, is_administrator=True)
    client.force_login(admin.user)
    done = client.post(
        f"/offres/{offer.pk}/modifier/", _offer_post(territories=[world.territory.pk], provider=catalogue.pk)
    )
    assert done.status_code == 302
    offer.refresh_from_db()
    assert offer.title == "Atelier numérique"


def test_an_offer_without_territory_or_kind_is_refused_beside_its_fields(world, client, catalogue):
    client.force_login(ProfessionalFactory(organisation=catalogue).user)
    response = client.post("/offres/nouvelle/", _offer_post(kind=""))
    assert response.status_code == 400
    assert Offer.objects.filter(title="Atelier numérique").count() == 0


def test_a_session_cannot_start_in_the_past(world, client, catalogue):
    offer = Offer.objects.get(title="Garde d'enfants ponctuelle")
    client.force_login(ProfessionalFactory(organisation=catalogue).user)
    past = {"session-starts_on": (TODAY - dt.timedelta(days=1)).isoformat(), "session-seats": "3"}
    response = client.post(f"/offres/{offer.pk}/sessions/", past)
    assert response.status_code == 400 and "dans le passé" in response.content.decode()
    future = {"session-starts_on": (TODAY + dt.timedelta(days=9)).isoformat(), "session-seats": "3"}
    assert client.post(f"/offres/{offer.pk}/sessions/", future).status_code == 302
    assert OfferSession.objects.get(offer=offer).seats == 3


def test_the_demo_offers_are_written_once_with_sessions_to_come(db):
    from django.core.management import call_command

    from casework.services.demo_offers import DEMO_OFFERS, demo_offers_load

    call_command("seed_demo", beneficiaries=0, today=TODAY.isoformat())
    assert Offer.objects.count() == len(DEMO_OFFERS)
    assert OfferSession.objects.filter(starts_on__lt=TODAY).count() == 0
    assert demo_offers_load(today=TODAY) == 0
