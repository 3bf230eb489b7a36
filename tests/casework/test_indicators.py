"""Indicators on hand-built cohorts with known answers (SPEC.md "Indicators", cohort rule)."""

from __future__ import annotations

import datetime as dt
import sys

import pytest
from django.utils import timezone

from casework import indicators
from casework.enums import ContactKind, ContactOutcome
from casework.indicators import DEFINITIONS, indicators_compute
from casework.selectors import pathways_visible_to
from casework.services.facts import facts_refresh
from tests.factories import OrganisationFactory, ProfessionalFactory, TerritoryFactory, track
from tests.helpers import at
from workflows.services.events import contact_record, pathway_enter

pytestmark = pytest.mark.django_db

D = dt.date
BREACH_CODES = [
    "breaches_recorded",
    "breach_decisions_no_sanction",
    "breach_decisions_suspension",
    "remobilised_during_suspension",
    "breach_decision_days_mean",
]
JAN = {"entered_from": D(2026, 1, 1), "entered_to": D(2026, 1, 31)}


@pytest.fixture(autouse=True, params=[indicators.LIVE, indicators.FACTS])
def source(request, monkeypatch):
    """Every definition test runs twice: live from the journal, and from the facts.

    The facts run refreshes them (incrementally, after the first call) right before each
    computation, so each test also checks that a refresh picks up the events typed since.
    """
    if request.param == indicators.FACTS:
        live = indicators.indicators_compute

        def from_facts(**kwargs):
            facts_refresh(now=timezone.now())
            result = live(source=indicators.FACTS, **kwargs)
            assert all(r["source"] == indicators.FACTS for r in result.values())
            return result

        monkeypatch.setattr(sys.modules[__name__], "indicators_compute", from_facts)
    return request.param


def held(world, pathway, on):
    pathway.refresh_from_db()
    contact_record(
        pathway,
        occurred_on=on,
        kind=ContactKind.INTERVIEW,
        outcome=ContactOutcome.HELD,
        by=pathway.referent.user,
        now=at(on),
    )


def sign(world, pathway, on):
    world.t(pathway, "sign_contract", on, kind="cer", starts_on=on, ends_on=on + dt.timedelta(days=180))


def orient(world, pathway, on, code="social", organisation=None):
    world.t(pathway, "orient", on, organisation=organisation or world.dept, track=track(code))


@pytest.fixture
def cohort(world):
    """Four January entries:

    A  05/01 → oriented 25/01 (20 d, social), referent 27/01, first held contact 05/02 (9 d),
       contract 10/02 (within a month of orientation).
    B  10/01 → oriented 01/03 (50 d, professional), referent 02/03, first held contact 30/03 (28 d),
       contract 15/04 (more than a month after orientation).
    C  15/01 → oriented 04/02 (20 d, social), still in the assignment queue.
    D  20/01 → never oriented.
    """
    w = world
    a = w.enter(D(2026, 1, 5), last_name="A")
    orient(w, a, D(2026, 1, 25))
    w.t(a, "assign_referent", D(2026, 1, 27), referent=w.referent)
    held(w, a, D(2026, 2, 5))
    sign(w, a, D(2026, 2, 10))

    b = w.enter(D(2026, 1, 10), last_name="B")
    orient(w, b, D(2026, 3, 1), "professional")
    w.t(b, "assign_referent", D(2026, 3, 2), referent=w.referent2)
    held(w, b, D(2026, 3, 30))
    sign(w, b, D(2026, 4, 15))

    c = w.enter(D(2026, 1, 15), last_name="C")
    orient(w, c, D(2026, 2, 4))

    d = w.enter(D(2026, 1, 20), last_name="D")
    return {"a": a, "b": b, "c": c, "d": d}


def values(result: dict) -> dict:
    return {code: r["value"] for code, r in result.items()}


def test_known_answers_on_a_complete_cohort(cohort):
    r = indicators_compute(as_of=D(2026, 6, 30), **JAN)
    # No exit, no reorientation request, no week of activity recorded yet, no breach decided.
    nobody = {"exits_to_job_or_training", "reorientation_decision_days_mean", "activity_hours_met"}
    nobody |= {c for c in BREACH_CODES if c != "breaches_recorded"}
    assert {code for code in r if r[code]["status"] == "n/a"} == nobody
    assert values(r) == {
        "cohort_size": 4,
        "orientation_rate": 75.0,
        "oriented_within_6_weeks": 50.0,
        "days_to_orientation_mean": 30.0,
        "days_to_orientation_median": 20.0,
        "social_track_share": 66.7,
        "contract_rate": 50.0,
        "contract_within_1_month": 25.0,
        "reorientation_rate": 0.0,
        "reorientation_decision_days_mean": None,
        "first_appointment_within_15_days": 25.0,
        "days_to_first_appointment_mean": 18.5,
        "exits_to_job_or_training": None,
        "breaches_recorded": 0,
        **{c: None for c in BREACH_CODES if c != "breaches_recorded"},
        "engagement_contract_share": 0.0,  # CER signed in 2026 (tests/casework/test_engagement_indicators.py)
        "engagement_within_delay": 0.0,
        "activity_hours_met": None,
    }
    assert (r["orientation_rate"]["numerator"], r["orientation_rate"]["denominator"]) == (3, 4)
    assert (r["days_to_orientation_mean"]["numerator"], r["days_to_orientation_mean"]["denominator"]) == (90, 3)
    assert r["exits_to_job_or_training"]["status"] == "n/a"
    assert r["orientation_rate"]["reference"] == 91
    assert set(r) == set(DEFINITIONS)


def test_never_oriented_people_count_in_the_denominator(cohort):
    r = indicators_compute(as_of=D(2026, 6, 30), **JAN)
    # D was never oriented: 4 in the denominator of every chain rate, never 3.
    for code in ("orientation_rate", "oriented_within_6_weeks", "contract_rate", "contract_within_1_month"):
        assert r[code]["denominator"] == 4, code
    assert r["first_appointment_within_15_days"]["denominator"] == 4


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_values(world, cohort):
    e = world.enter(D(2026, 1, 21), last_name="E")
    orient(world, e, D(2026, 3, 12))  # 50 days: 20, 20, 50, 50
    r = indicators_compute(as_of=D(2026, 6, 30), **JAN)
    assert r["days_to_orientation_median"]["value"] == 35.0
    assert r["days_to_orientation_median"]["denominator"] == 4


def test_delay_indicators_are_na_until_the_last_entry_has_had_six_weeks(world, cohort):
    late = world.enter(D(2026, 6, 25), last_name="Late")
    assert late
    r = indicators_compute(as_of=D(2026, 6, 30), entered_from=D(2026, 1, 1), entered_to=D(2026, 6, 30))
    for code in (
        "oriented_within_6_weeks",
        "days_to_orientation_mean",
        "days_to_orientation_median",
        "contract_within_1_month",
        "first_appointment_within_15_days",
    ):
        assert r[code]["status"] == "n/a", code
        assert r[code]["value"] is None
        assert "06/08/2026" in r[code]["reason"]  # 25/06 + 42 days
    # Stock figures stay shown: 3 of the 5 entries are oriented.
    assert r["orientation_rate"] == r["orientation_rate"] | {"value": 60.0, "status": "ok", "numerator": 3}


def test_contract_within_a_month_waits_for_the_last_orientation(cohort):
    # 15/03: every entry has had 42 days, but B (oriented 01/03) has not had its month.
    r = indicators_compute(as_of=D(2026, 3, 15), **JAN)
    assert r["oriented_within_6_weeks"]["status"] == "ok"
    assert r["contract_within_1_month"]["status"] == "n/a"
    assert "01/04/2026" in r["contract_within_1_month"]["reason"]
    assert r["first_appointment_within_15_days"]["status"] == "n/a"


def test_as_of_replays_the_figures_of_a_past_day(cohort):
    r = indicators_compute(as_of=D(2026, 2, 20), **JAN)
    # On 20/02, A and C are oriented; B will be on 01/03; A signed on 10/02.
    assert (r["orientation_rate"]["numerator"], r["orientation_rate"]["denominator"]) == (2, 4)
    assert r["contract_rate"]["value"] == 25.0
    assert r["social_track_share"]["value"] == 100.0
    assert r["oriented_within_6_weeks"]["status"] == "n/a"  # D entered 20/01: 42 days on 03/03
    before = indicators_compute(as_of=D(2026, 1, 12), **JAN)
    assert before["cohort_size"]["value"] == 2  # C and D had not entered yet


def test_a_back_dated_event_counts_from_its_effective_date(world, cohort):
    # Recorded today, effective 01/02: the figures as of 15/02 change, those as of 31/01 do not.
    orient(world, cohort["d"], D(2026, 2, 1))
    assert indicators_compute(as_of=D(2026, 2, 15), **JAN)["orientation_rate"]["numerator"] == 3
    assert indicators_compute(as_of=D(2026, 1, 31), **JAN)["orientation_rate"]["numerator"] == 1


def test_empty_cohort_is_na_never_zero(world):
    r = indicators_compute(as_of=D(2026, 6, 30), **JAN)
    assert r["orientation_rate"]["status"] == "n/a"
    assert r["orientation_rate"]["value"] is None
    assert r["orientation_rate"]["reason"]


def test_reorientation_rate_and_decision_delay(world, cohort):
    a = cohort["a"]
    world.t(a, "request_reorientation", D(2026, 3, 1))
    r = indicators_compute(as_of=D(2026, 6, 30), **JAN)
    assert r["reorientation_decision_days_mean"]["status"] == "n/a"
    assert "1 demande" in r["reorientation_decision_days_mean"]["reason"]
    world.t(a, "decide_reorientation", D(2026, 3, 11), accepted=True, track=track("professional"))
    r = indicators_compute(as_of=D(2026, 6, 30), **JAN)
    assert (r["reorientation_rate"]["numerator"], r["reorientation_rate"]["denominator"]) == (1, 3)
    assert r["reorientation_rate"]["value"] == 33.3
    assert r["reorientation_decision_days_mean"]["value"] == 10.0
    # The social share reads the first orientation decision, not the reorientation.
    assert r["social_track_share"]["value"] == 66.7


def test_exits_to_job_or_training_over_completed_accompaniments(world, cohort):
    world.t(cohort["a"], "close", D(2026, 5, 1), close_reason="training")
    world.t(cohort["b"], "close", D(2026, 5, 2), close_reason="moved_away")
    r = indicators_compute(as_of=D(2026, 6, 30), **JAN)
    assert (r["exits_to_job_or_training"]["numerator"], r["exits_to_job_or_training"]["denominator"]) == (1, 2)
    assert r["exits_to_job_or_training"]["value"] == 50.0
    assert indicators_compute(as_of=D(2026, 5, 1), **JAN)["exits_to_job_or_training"]["value"] == 100.0


def test_a_reopened_pathway_is_a_new_entry_with_its_own_events(world):
    p = world.enter(D(2026, 1, 5), last_name="R")
    world.t(p, "close", D(2026, 1, 10), close_reason="moved_away")
    world.t(p, "reopen", D(2026, 1, 20))
    orient(world, p, D(2026, 1, 30))
    r = indicators_compute(as_of=D(2026, 6, 30), **JAN)
    assert r["cohort_size"]["value"] == 2
    # The first entry was never oriented: the later orientation belongs to the second entry.
    assert (r["orientation_rate"]["numerator"], r["orientation_rate"]["denominator"]) == (1, 2)
    assert r["days_to_orientation_mean"]["value"] == 10.0


def test_filters_territory_public_organisation(world, cohort):
    other = TerritoryFactory(code="mellois")
    world.dept.territories.add(other)
    data = {"first_name": "X", "last_name": "X", "birth_date": D(2004, 1, 1), "territory": other, "publics": ["youth"]}
    x = pathway_enter(beneficiary_data=data, entered_on=D(2026, 1, 6), by=world.officer.user, now=at(D(2026, 1, 6)))
    officer = ProfessionalFactory(organisation=world.dept, orientation_officer=True)
    world.t(x, "orient", D(2026, 1, 7), by=officer, organisation=world.partner_org, track=track("social"))
    everyone = indicators_compute(as_of=D(2026, 6, 30), **JAN)
    assert everyone["cohort_size"]["value"] == 5
    by_territory = indicators_compute(as_of=D(2026, 6, 30), territory_id=world.territory.pk, **JAN)
    assert by_territory["cohort_size"]["value"] == 4
    youth = indicators_compute(as_of=D(2026, 6, 30), public="youth", **JAN)
    assert youth["cohort_size"]["value"] == 1
    assert indicators_compute(as_of=D(2026, 6, 30), public="rsa", **JAN)["cohort_size"]["value"] == 4
    by_org = indicators_compute(as_of=D(2026, 6, 30), organisation_id=world.dept.pk, **JAN)
    assert by_org["cohort_size"]["value"] == 3  # A, B, C oriented to the Département; D to nobody
    assert by_org["orientation_rate"]["status"] == "n/a"
    assert by_org["contract_rate"]["value"] == 66.7
    empty = indicators_compute(as_of=D(2026, 6, 30), organisation_id=OrganisationFactory().pk, **JAN)
    assert empty["cohort_size"]["denominator"] == 0


def test_scope_limits_the_cohort_to_what_the_user_may_see(world, cohort):
    # The outsider's organisation covers another territory: nothing of this cohort is theirs.
    scoped = indicators_compute(as_of=D(2026, 6, 30), pathways=pathways_visible_to(world.outsider.user), **JAN)
    assert scoped["cohort_size"]["denominator"] == 0
    assert scoped["cohort_size"]["status"] == "n/a"
    officer = indicators_compute(as_of=D(2026, 6, 30), pathways=pathways_visible_to(world.officer.user), **JAN)
    assert officer["cohort_size"]["value"] == 4


def test_month_arithmetic_clamps_to_the_end_of_month(world):
    p = world.enter(D(2026, 1, 2), last_name="M")
    orient(world, p, D(2026, 1, 31))
    world.t(p, "assign_referent", D(2026, 1, 31), referent=world.referent)
    sign(world, p, D(2026, 2, 28))  # 31/01 + 1 month = 28/02: in time
    q = world.enter(D(2026, 1, 3), last_name="N")
    orient(world, q, D(2026, 1, 31))
    world.t(q, "assign_referent", D(2026, 1, 31), referent=world.referent)
    sign(world, q, D(2026, 3, 1))  # one day late
    r = indicators_compute(as_of=D(2026, 6, 30), **JAN)
    assert (r["contract_within_1_month"]["numerator"], r["contract_within_1_month"]["denominator"]) == (1, 2)


# --- the facts' refresh ----------------------------------------------------------------------
def test_facts_refresh_is_idempotent(cohort, source):
    from casework.models import EntryFact

    first = facts_refresh(now=timezone.now())
    assert first["mode"] == "full" and first["entries"] == 4
    snapshot = list(EntryFact.objects.order_by("entry_log_id").values())
    again = facts_refresh(now=timezone.now())
    assert again["mode"] == "incremental"
    fields = [f for f in snapshot[0] if f != "refreshed_at"]
    assert [{k: r[k] for k in fields} for r in EntryFact.objects.order_by("entry_log_id").values()] == [
        {k: r[k] for k in fields} for r in snapshot
    ]
    assert facts_refresh(now=timezone.now(), full=True)["entries"] == 4
    assert EntryFact.objects.count() == 4


def test_facts_refresh_picks_up_events_typed_since(world, cohort, source):
    facts_refresh(now=timezone.now())
    orient(world, cohort["d"], D(2026, 2, 1))  # back-dated orientation of D
    stale = indicators.indicators_compute(as_of=D(2026, 6, 30), source=indicators.FACTS, **JAN)
    assert stale["orientation_rate"]["numerator"] == 3  # until the next refresh: and it says so
    result = facts_refresh(now=timezone.now())
    assert result["mode"] == "incremental" and 1 <= result["pathways"] <= 4  # D, and the id overlap
    fresh = indicators.indicators_compute(as_of=D(2026, 6, 30), source=indicators.FACTS, **JAN)
    assert fresh["orientation_rate"]["numerator"] == 4
    assert fresh["orientation_rate"]["figures_as_of"] > stale["orientation_rate"]["figures_as_of"]
    live = indicators.indicators_compute(as_of=D(2026, 6, 30), source=indicators.LIVE, **JAN)
    assert {c: r["value"] for c, r in fresh.items()} == {c: r["value"] for c, r in live.items()}


def test_the_page_shows_the_age_of_the_figures(client, world, cohort, source):
    from django.urls import reverse

    client.force_login(world.officer.user)
    url = reverse("dashboard:indicators") + "?entered_from=2026-01-01&entered_to=2026-01-31&as_of=2026-06-30"
    assert "Chiffres calculés à l'instant" in client.get(url).content.decode()
    facts_refresh(now=timezone.make_aware(dt.datetime(2026, 7, 1, 6, 30)))
    page = client.get(url).content.decode()
    assert "Chiffres au 01/07/2026 à 06:30" in page
    api = client.get("/api/v1/indicators/?entered_from=2026-01-01&entered_to=2026-01-31&as_of=2026-06-30").json()
    assert api["orientation_rate"]["source"] == "facts"
    assert api["orientation_rate"]["figures_as_of"].startswith("2026-07-01T")


def test_refresh_command_and_task(cohort, source):
    from django.core.management import call_command

    from casework.models import IndicatorFactsState
    from workflows.tasks import refresh_indicator_facts_task

    call_command("refresh_indicator_facts", "--now", "2026-07-01T06:30:00")
    assert IndicatorFactsState.objects.get().entries_refreshed == 4
    assert refresh_indicator_facts_task()["mode"] == "incremental"
