"""The contrat d'engagement's indicators on a small cohort with known answers, live and from the
facts (same cohort rules as the other indicators)."""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal

import pytest
from django.utils import timezone

from casework import indicators
from casework.engagement import WeekInput
from casework.enums import ActivityDurationKind
from casework.indicators import indicators_compute
from casework.models import Contract
from casework.services.facts import facts_refresh
from tests.casework.test_engagement import engagement_defaults
from tests.factories import track
from tests.helpers import at
from workflows.services.activity import activity_duration_change, activity_week_record

D = dt.date
MARCH = {"entered_from": D(2025, 3, 1), "entered_to": D(2025, 3, 31)}
CODES = ("engagement_contract_share", "engagement_within_delay", "activity_hours_met")


@pytest.fixture(autouse=True, params=[indicators.LIVE, indicators.FACTS])
def source(request, monkeypatch, db):
    engagement_defaults()
    if request.param == indicators.FACTS:
        live = indicators.indicators_compute

        def from_facts(**kwargs):
            facts_refresh(now=timezone.now())
            return live(source=indicators.FACTS, **kwargs)

        monkeypatch.setattr(sys.modules[__name__], "indicators_compute", from_facts)
    return request.param


def week(world, pathway, monday: D, realised: int) -> None:
    data = WeekInput(monday, Decimal(15), Decimal(realised))
    today = monday + dt.timedelta(days=7)
    activity_week_record(pathway.pk, data, by=world.referent.user, today=today, now=at(today))


def accompanied(world, name: str, entered: D, oriented: D):
    p = world.enter(entered, last_name=name)
    world.t(p, "orient", oriented, organisation=world.dept, track=track("professional"))
    world.t(p, "assign_referent", oriented, referent=world.referent)
    return p


def sign(world, pathway, on: D, **kind):
    world.t(pathway, "sign_contract", on, starts_on=on, ends_on=on + dt.timedelta(days=182), **kind)


@pytest.fixture
def cohort(world):
    """Four March 2025 entries:

    A  03/03 → oriented 10/03; contrat d'engagement signed 07/04 (within the month); weeks of
       07/04, 14/04, 21/04 realised 15, 10, 20 h (target 15: the 20 count as 15).
    B  05/03 → oriented 12/03; contrat d'engagement signed 02/05 (after 12/04: late); week of
       05/05 realised 5 h; exempted from 12/05 at the person's request (single parent): the week
       of 12/05 (0 h) measures nothing.
    C  06/03 → oriented 14/03; a CER signed 20/03 (named): not a contrat d'engagement.
    D  07/03 → never oriented.
    """
    w = world
    a = accompanied(w, "A", D(2025, 3, 3), D(2025, 3, 10))
    sign(w, a, D(2025, 4, 7))
    for monday, hours in ((D(2025, 4, 7), 15), (D(2025, 4, 14), 10), (D(2025, 4, 21), 20)):
        week(w, a, monday, hours)
    b = accompanied(w, "B", D(2025, 3, 5), D(2025, 3, 12))
    sign(w, b, D(2025, 5, 2))
    week(w, b, D(2025, 5, 5), 5)
    activity_duration_change(
        Contract.objects.get(pathway=b).pk,
        kind=ActivityDurationKind.EXEMPTED,
        effective_from=D(2025, 5, 12),
        exemption_ground="single_parent",
        at_persons_request=True,
        by=w.referent.user,
        today=D(2025, 5, 12),
        now=at(D(2025, 5, 12)),
    )
    week(w, b, D(2025, 5, 12), 0)
    c = accompanied(w, "C", D(2025, 3, 6), D(2025, 3, 14))
    sign(w, c, D(2025, 3, 20), kind="cer")
    w.enter(D(2025, 3, 7), last_name="D")


def figures(result) -> dict:
    return {code: (result[code]["value"], result[code]["numerator"], result[code]["denominator"]) for code in CODES}


def test_known_answers_on_30_june_2025(cohort):
    result = indicators_compute(as_of=D(2025, 6, 30), **MARCH)
    assert figures(result) == {
        "engagement_contract_share": (50.0, 2, 4),
        "engagement_within_delay": (25.0, 1, 4),
        "activity_hours_met": (75.0, 45.0, 60.0),  # (15 + 10 + 15 + 5) / (4 × 15)
    }
    assert all(result[code]["status"] == "ok" for code in CODES)


def test_on_20_april_2025_only_what_was_effective_by_then_counts(cohort):
    result = indicators_compute(as_of=D(2025, 4, 20), **MARCH)
    assert figures(result) == {
        "engagement_contract_share": (25.0, 1, 4),
        "engagement_within_delay": (25.0, 1, 4),
        "activity_hours_met": (83.3, 25.0, 30.0),  # the weeks of 7 and 14 April, over by the 20th
    }


def test_the_delay_indicator_waits_for_the_last_orientation_s_month(cohort):
    result = indicators_compute(as_of=D(2025, 4, 10), **MARCH)
    assert result["engagement_within_delay"]["status"] == "n/a"
    assert "la dernière" in result["engagement_within_delay"]["reason"]


def test_no_week_measured_is_na_never_zero(world):
    world.enter(D(2025, 3, 3), last_name="Seul")
    result = indicators_compute(as_of=D(2025, 6, 30), **MARCH)
    assert result["activity_hours_met"]["status"] == "n/a"
    assert result["activity_hours_met"]["value"] is None
    assert result["engagement_contract_share"]["value"] == 0.0
