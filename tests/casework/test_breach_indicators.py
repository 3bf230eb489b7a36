"""Breach indicators on a hand-built cohort with known answers, live and from the facts, and
the cohort rule: "n/a" with the reason while a breach awaits its decision or a suspension runs."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from django.utils import timezone

from casework import indicators
from casework.enums import BreachKind, BreachOutcome
from casework.indicators import indicators_compute
from casework.services.facts import facts_refresh
from tests.factories import ProfessionalFactory
from tests.helpers import advance, at
from workflows.flows.access import breach_decider_grant
from workflows.services.breaches import breach_decide, breach_record, breach_remobilise

pytestmark = pytest.mark.django_db

D = dt.date
COHORT = {"entered_from": D(2025, 8, 1), "entered_to": D(2025, 8, 31)}
CODES = [
    "breaches_recorded",
    "breach_decisions_no_sanction",
    "breach_decisions_suspension",
    "remobilised_during_suspension",
    "breach_decision_days_mean",
]


@pytest.fixture(autouse=True, params=[indicators.LIVE, indicators.FACTS])
def source(request, monkeypatch):
    if request.param == indicators.FACTS:
        live = indicators.indicators_compute

        def from_facts(**kwargs):
            facts_refresh(now=timezone.now())
            return live(source=indicators.FACTS, **kwargs)

        monkeypatch.setattr(sys.modules[__name__], "indicators_compute", from_facts)
    return request.param


def _breach(world, pathway, occurred_on, recorded_on):
    return breach_record(
        pathway.pk, by=world.referent.user, kind=BreachKind.MISSED_APPOINTMENTS, facts="x",
        occurred_on=occurred_on, now=at(recorded_on),
    )  # fmt: skip


@pytest.fixture
def cohort(world):
    """Three entries in August 2025: A suspended then remobilised, B not sanctioned, C's breach
    decided later (suspension to 04/01/2026), D no breach."""
    decider = ProfessionalFactory(organisation=world.dept, user__username="decider")
    breach_decider_grant([decider.user])
    people = [advance(world, world.enter(D(2025, 8, d)), "social_track", D(2025, 8, d + 1)) for d in (4, 5, 6, 7)]
    a = _breach(world, people[0], D(2025, 9, 1), D(2025, 9, 3))
    b = _breach(world, people[1], D(2025, 9, 2), D(2025, 9, 3))
    c = _breach(world, people[2], D(2025, 10, 1), D(2025, 10, 1))
    on = D(2025, 10, 6)
    breach_decide(a.pk, by=decider.user, outcome=BreachOutcome.SUSPENSION, rate=30, months=1, on=on, now=at(on))
    breach_decide(b.pk, by=decider.user, outcome=BreachOutcome.NO_SANCTION, on=D(2025, 10, 10),
                  now=at(D(2025, 10, 10)))  # fmt: skip
    breach_remobilise(a.pk, by=world.referent.user, on=D(2025, 10, 20), note="", now=at(D(2025, 10, 20)))
    breach_decide(c.pk, by=decider.user, outcome=BreachOutcome.SUSPENSION, rate=50, months=2,
                  starts_on=D(2025, 11, 5), on=D(2025, 11, 5), now=at(D(2025, 11, 5)))  # fmt: skip
    return people


def values(result):
    return {code: (result[code]["value"], result[code]["status"]) for code in CODES}


def test_breach_indicators_once_every_breach_is_decided_and_every_suspension_over(cohort):
    result = indicators_compute(as_of=D(2026, 2, 1), **COHORT)
    assert values(result) == {
        "breaches_recorded": (3, "ok"),
        "breach_decisions_no_sanction": (33.3, "ok"),
        "breach_decisions_suspension": (66.7, "ok"),
        "remobilised_during_suspension": (50.0, "ok"),
        # A: 01/09 → 06/10 = 35 days; B: 02/09 → 10/10 = 38; C: 01/10 → 05/11 = 35: 108 / 3
        "breach_decision_days_mean": (36.0, "ok"),
    }
    assert result["breaches_recorded"]["denominator"] == 4


def test_breach_delays_wait_for_every_decision_and_every_suspension(cohort):
    result = indicators_compute(as_of=D(2025, 10, 31), **COHORT)
    assert result["breaches_recorded"]["value"] == 3
    assert result["breach_decisions_suspension"]["value"] == 50.0  # A suspended, B not; C undecided
    mean = result["breach_decision_days_mean"]
    assert (mean["status"], mean["value"]) == ("n/a", None)
    assert mean["reason"] == (
        "1 manquement sans décision au 31/10/2025 : le délai moyen ne sera connu qu'une fois tous décidés."
    )
    remobilised = indicators_compute(as_of=D(2025, 12, 1), **COHORT)["remobilised_during_suspension"]
    assert remobilised["status"] == "n/a"
    assert remobilised["reason"] == (
        "1 suspension en cours au 01/12/2025 : la part remobilisée ne sera connue qu'après le 04/01/2026."
    )
