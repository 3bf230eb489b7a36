"""The prescriptions' indicators: values as they stood on `as_of`, "n/a" with the reason while the
cohort has not had its answer or its outcome, the same figures in the API and the CSV."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from casework.offer_indicators import prescription_indicators_compute
from workflows.services.prescriptions import prescription_answer, prescription_outcome_record, prescription_send

from ..factories import OfferFactory, OrganisationFactory
from ..helpers import S, advance, at

pytestmark = pytest.mark.django_db

D = dt.date


@pytest.fixture
def sent(world):
    """Three prescriptions sent on 1, 2 and 3 April 2026; answered after 4 and 6 days, one never."""
    offer = OfferFactory(
        provider=OrganisationFactory(name="Chantier 79"), territories=[world.territory], hours_per_week=10
    )
    pathways = [advance(world, world.enter(D(2026, 3, 1)), S.SOCIAL_TRACK, D(2026, 3, 2)) for _ in range(3)]
    ps = [
        prescription_send(p, offer, barrier="mobility", by=world.referent.user, now=at(D(2026, 4, 1 + i)))
        for i, p in enumerate(pathways)
    ]
    prescription_answer(ps[0].pk, accepted=True, start_on=D(2026, 4, 10), now=at(D(2026, 4, 5)))
    prescription_answer(ps[1].pk, accepted=False, reason="Complet", now=at(D(2026, 4, 8)))
    prescription_outcome_record(
        ps[0].pk, "entered", occurred_on=D(2026, 4, 10), by=world.referent.user, now=at(D(2026, 4, 10))
    )
    return ps


def _values(r: dict) -> dict:
    return {code: (v["value"], v["status"]) for code, v in r.items()}


def test_an_unanswered_prescription_keeps_the_answer_delay_unknown(sent):
    r = prescription_indicators_compute(as_of=D(2026, 4, 30))
    assert r["prescriptions_sent"]["value"] == 3
    assert r["prescription_answer_days_mean"]["status"] == "n/a"
    assert "attendent leur réponse (1 au jour du calcul)" in r["prescription_answer_days_mean"]["reason"]
    assert r["prescription_entered_share"]["status"] == "n/a"


def test_figures_once_every_prescription_is_answered_and_as_they_stood_on_a_past_day(sent):
    prescription_answer(sent[2].pk, accepted=False, reason="Hors critères", now=at(D(2026, 5, 4)))
    r = prescription_indicators_compute(as_of=D(2026, 5, 31))
    assert _values(r)["prescription_answer_days_mean"] == (round((4 + 6 + 31) / 3, 1), "ok")
    assert _values(r)["prescription_entered_share"] == (33.3, "ok")
    assert r["prescription_completion_rate"]["status"] == "n/a"
    assert "encore dans l'action" in r["prescription_completion_rate"]["reason"]
    before_any_answer = prescription_indicators_compute(as_of=D(2026, 4, 4))
    assert before_any_answer["prescription_answer_days_mean"]["denominator"] == 0
    assert prescription_indicators_compute(as_of=D(2026, 4, 1))["prescriptions_sent"]["value"] == 1


def test_completion_counts_the_people_who_finished_among_those_who_left(world, sent):
    prescription_answer(sent[2].pk, accepted=False, reason="Hors critères", now=at(D(2026, 5, 4)))
    prescription_outcome_record(
        sent[0].pk, "completed", occurred_on=D(2026, 6, 1), by=world.referent.user, now=at(D(2026, 6, 1))
    )
    r = prescription_indicators_compute(as_of=D(2026, 6, 30))
    assert _values(r)["prescription_completion_rate"] == (100.0, "ok")


def test_the_api_and_the_csv_carry_the_prescription_indicators(client, world, sent):
    client.force_login(world.officer.user)
    query = "?entered_from=2026-04-01&entered_to=2026-04-30"
    api = client.get("/api/v1/indicators/" + query).json()
    assert api["prescriptions_sent"]["value"] == 3 and api["orientation_rate"]["denominator"] == 0
    csv_text = client.get(reverse("dashboard:export", args=["indicateurs"]) + query).content.decode()
    assert "prescriptions_sent" in csv_text
    by_barrier = client.get(reverse("dashboard:export", args=["prescriptions"]) + query).content.decode()
    assert "Mobilité" in by_barrier and world.territory.name in by_barrier
    page = client.get(reverse("dashboard:indicators") + query).content.decode()
    assert "Prescriptions vers une offre" in page
