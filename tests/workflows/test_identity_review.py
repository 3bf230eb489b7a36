"""The orientation officers' "À vérifier" queue (issue 14, 3): the registrations the API held back
because they may be a person already followed, listed for the officers of the territories
concerned, decided once ("C'est la même personne" / "Personne différente", possibly registered
through the one entry service), with who and when; 404 for anyone else, 409 when already decided.
"""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from casework.enums import IdentityReviewOutcome, PathwayState
from casework.models import Beneficiary, IdentityReview, Pathway, TransitionLog
from tests.helpers import make_world

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
ENTERED = TODAY - dt.timedelta(days=20)
QUEUE = "/a-verifier/"
TOKEN = re.compile(r'name="form_token" value="([0-9a-f-]{36})"')


def browser(pro) -> Client:
    client = Client()
    client.force_login(pro.user)
    return client


def page(response) -> str:
    return unescape(response.content.decode())


def decide_url(review) -> str:
    return reverse("workspace:identity-review-decide", args=[review.pk])


def token_from(client) -> str:
    return TOKEN.search(client.get(QUEUE).content.decode()).group(1)


def sent(world, *, first_name="Jeanne", last_name="Martin", territory=None, days_ago=1):
    """What the outsider's office sent, as the API records it when the person may be known."""
    return {
        "first_name": first_name,
        "last_name": last_name,
        "birth_date": "1984-02-29",
        "territory": territory or f"{world.territory.code}-ailleurs",
        "publics": ["rsa"],
        "entered_on": ENTERED.isoformat(),
        "registered_with_france_travail": False,
        "plie_enrolled": False,
        "self_employed": False,
        "disability_recognised": False,
    }


@pytest.fixture
def followed(world) -> Pathway:
    """Jeanne MARTIN, followed in the officer's territory."""
    return world.enter(
        ENTERED - dt.timedelta(days=100), first_name="Jeanne", last_name="Martin", birth_date=dt.date(1984, 2, 29)
    )


def review_of(world, candidate: Pathway, *, days_ago: int = 1, **data) -> IdentityReview:
    body = sent(world, **data)
    from casework.models import Territory

    return IdentityReview.objects.create(
        candidate_id=candidate.beneficiary_id,
        territory=Territory.objects.get(code=body["territory"]),
        requested_by=world.outsider.user,
        requested_at=timezone.now() - dt.timedelta(days=days_ago),
        request_data=body,
    )


def test_a_duplicate_held_back_by_the_api_reaches_the_officers_queue(world, followed):
    """End to end: the outsider's 202 becomes a row in the queue of the officer who follows the person."""
    api = APIClient()
    api.force_authenticate(world.outsider.user)
    response = api.post("/api/v1/beneficiaries/", sent(world), format="json")
    assert response.status_code == 202
    body = page(browser(world.officer).get(QUEUE))
    assert "Jeanne MARTIN" in body
    assert "29/02/1984" in body
    assert f"Autre {world.territory.code}" in body  # the organisation that sent it
    assert f'href="/parcours/{followed.pk}/"' in body


def test_the_queue_lists_open_reviews_oldest_first_with_who_and_when(world, followed):
    newer = review_of(world, followed, days_ago=1, first_name="Jeanne")
    older = review_of(world, followed, days_ago=5, first_name="JEANNE")
    decided = review_of(world, followed, days_ago=9, first_name="Jeannette")
    IdentityReview.objects.filter(pk=decided.pk).update(
        outcome=IdentityReviewOutcome.SAME_PERSON, decided_by=world.officer.user, decided_at=timezone.now()
    )
    response = browser(world.officer).get(QUEUE)
    assert response.status_code == 200
    body = page(response)
    assert "2 demandes à vérifier" in body
    assert "Jeannette" not in body  # decided: out of the queue
    assert body.index("JEANNE") < body.index("Jeanne MARTIN")  # the older request first
    assert f"{timezone.localtime(older.requested_at):%d/%m/%Y à %H:%M}" in body
    assert f"{timezone.localtime(newer.requested_at):%d/%m/%Y à %H:%M}" in body
    assert body.count(f'href="/parcours/{followed.pk}/"') == 2


def test_the_requesting_office_sees_the_review_but_not_the_pathway_it_cannot_see(world, followed):
    review_of(world, followed)
    body = page(browser(world.outsider).get(QUEUE))
    assert "Jeanne MARTIN" in body
    assert f"/parcours/{followed.pk}/" not in body
    assert "hors de votre périmètre" in body
    assert 'value="register"' in body  # its organisation covers the territory asked for


def test_menu_entry_for_orientation_officers_only(world):
    assert 'href="/a-verifier/"' in browser(world.officer).get("/aide/").content.decode()
    for pro in (world.referent, world.lead, world.partner_referent):
        assert 'href="/a-verifier/"' not in browser(pro).get("/aide/").content.decode()


@pytest.mark.parametrize("who", ["referent", "lead", "partner_lead", "elsewhere"])
def test_anyone_but_the_officers_concerned_gets_404(world, followed, who):
    review = review_of(world, followed)
    pro = make_world("gatine").officer if who == "elsewhere" else getattr(world, who)
    client = browser(pro)
    if who == "elsewhere":
        assert client.get(QUEUE).status_code == 200
        assert "Jeanne" not in page(client.get(QUEUE))
    else:
        assert client.get(QUEUE).status_code == 404
    response = client.post(
        decide_url(review), {"decision": "same", "form_token": "f" * 8 + "-0000-4000-8000-" + "0" * 12}
    )
    assert response.status_code == 404
    review.refresh_from_db()
    assert review.decided_at is None


def test_same_person_closes_the_review_with_who_and_when_and_merges_nothing(world, followed):
    review = review_of(world, followed)
    client = browser(world.officer)
    before = (Beneficiary.objects.count(), Pathway.objects.count())
    response = client.post(decide_url(review), {"decision": "same", "form_token": token_from(client)})
    assert response.status_code == 302 and response["Location"] == QUEUE
    review.refresh_from_db()
    assert review.outcome == IdentityReviewOutcome.SAME_PERSON
    assert review.decided_by == world.officer.user
    assert review.decided_at is not None and review.registered_pathway is None
    assert (Beneficiary.objects.count(), Pathway.objects.count()) == before
    body = page(client.get(QUEUE))
    assert "« C'est la même personne »" in body  # the message
    assert "Aucune demande à vérifier." in body


def test_different_person_records_the_decision_only(world, followed):
    review = review_of(world, followed)
    client = browser(world.officer)
    response = client.post(decide_url(review), {"decision": "different", "form_token": token_from(client)})
    assert response.status_code == 302
    review.refresh_from_db()
    assert (review.outcome, review.decided_by) == (IdentityReviewOutcome.DIFFERENT_PERSON, world.officer.user)
    assert Pathway.objects.count() == 1


def test_different_person_registered_through_the_entry_service(world, followed):
    """The requesting office's officer registers the person from what was sent: a new person and
    pathway in orientation, logged as an entry by that officer, kept on the review."""
    review = review_of(world, followed)
    client = browser(world.outsider)
    response = client.post(decide_url(review), {"decision": "register", "form_token": token_from(client)})
    review.refresh_from_db()
    new = review.registered_pathway
    assert new is not None and new.pk != followed.pk
    assert response.status_code == 302 and response["Location"] == f"/parcours/{new.pk}/"
    assert review.outcome == IdentityReviewOutcome.DIFFERENT_PERSON and review.decided_by == world.outsider.user
    assert new.state == PathwayState.ORIENTATION and new.entered_on == ENTERED
    assert new.territory.code == f"{world.territory.code}-ailleurs"
    assert new.beneficiary_id != followed.beneficiary_id
    assert (new.beneficiary.first_name, new.beneficiary.birth_date) == ("Jeanne", dt.date(1984, 2, 29))
    entry = TransitionLog.objects.get(pathway=new)
    assert (entry.transition, entry.by) == ("enter", world.outsider.user)
    assert new.deadlines.filter(rule_code="orientation").exists()


def test_registering_is_refused_outside_the_territory_asked_for(world, followed):
    """The officer who follows the person does not cover the territory asked for: no register
    button, and a forged post is refused beside the review with nothing recorded."""
    review = review_of(world, followed)
    client = browser(world.officer)
    assert 'value="register"' not in page(client.get(QUEUE))
    response = client.post(decide_url(review), {"decision": "register", "form_token": token_from(client)})
    assert response.status_code == 400
    assert "L'entrée n'a pas pu être enregistrée : Ce territoire n'est pas couvert par votre organisation." in page(
        response
    )
    review.refresh_from_db()
    assert review.decided_at is None and Pathway.objects.count() == 1


def test_an_unknown_decision_is_refused_in_french(world, followed):
    review = review_of(world, followed)
    client = browser(world.officer)
    response = client.post(decide_url(review), {"decision": "merge", "form_token": token_from(client)})
    assert response.status_code == 400
    assert "Décision inconnue." in page(response)
    review.refresh_from_db()
    assert review.decided_at is None


def test_a_decided_review_cannot_be_decided_twice(world, followed):
    review = review_of(world, followed)
    first, second = browser(world.officer), browser(world.outsider)
    stale_token = token_from(second)  # the other office has the page open
    first.post(decide_url(review), {"decision": "same", "form_token": token_from(first)})
    review.refresh_from_db()
    decided_at = review.decided_at
    response = second.post(decide_url(review), {"decision": "register", "form_token": stale_token})
    assert response.status_code == 409
    body = page(response)
    assert "Cette vérification a déjà été traitée" in body
    assert "« C'est la même personne »" in body
    review.refresh_from_db()
    assert (review.outcome, review.decided_by, review.decided_at) == (
        IdentityReviewOutcome.SAME_PERSON,
        world.officer.user,
        decided_at,
    )
    assert Pathway.objects.count() == 1


def test_a_double_click_decides_once(world, followed):
    review = review_of(world, followed)
    client = browser(world.officer)
    token = token_from(client)
    client.post(decide_url(review), {"decision": "different", "form_token": token})
    response = client.post(decide_url(review), {"decision": "different", "form_token": token})
    assert response.status_code == 302 and response["Location"] == QUEUE  # the first outcome, replayed
    assert IdentityReview.objects.filter(outcome=IdentityReviewOutcome.DIFFERENT_PERSON).count() == 1


def test_a_decision_keeps_its_officer_and_instant_in_the_database(world, followed):
    review = review_of(world, followed)
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentityReview.objects.filter(pk=review.pk).update(outcome=IdentityReviewOutcome.SAME_PERSON)
    with pytest.raises(IntegrityError), transaction.atomic():
        IdentityReview.objects.filter(pk=review.pk).update(registered_pathway=followed)
