"""The weekly activity ledger and its shortfall rule, with the worked dates of docs/legal.md:
contract signed Mon 10 March 2025, target 15 h; weeks of 17, 24 and 31 March realised 10 h →
the referent is alerted when the third is recorded (Mon 7 April 2025), once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from casework.engagement import WeekInput
from casework.enums import ActivityDurationKind
from casework.models import ActivityShortfall, ActivityWeek, EngagementRule
from notifications.models import Notification
from tests.casework.test_engagement import engagement_defaults, signed
from tests.helpers import at
from workflows.services.activity import activity_duration_change, activity_week_record

D = dt.date
SHORTFALL = Notification.Event.ACTIVITY_SHORTFALL


@pytest.fixture(autouse=True)
def _rules(db):
    engagement_defaults()


@pytest.fixture
def contracted(world):
    """Entered 3 Feb 2025, contrat d'engagement signed Mon 10 March 2025 (15 h a week)."""
    return signed(world, entered=D(2025, 2, 3), signed_on=D(2025, 3, 10))


def record(world, pathway, week: D, planned, realised=None, *, today: D, by=None):
    data = WeekInput(week, Decimal(planned) if planned is not None else None, realised and Decimal(realised))
    if realised == 0:
        data = WeekInput(week, Decimal(planned), Decimal(0))
    user = (by or world.referent).user
    return activity_week_record(pathway.pk, data, by=user, today=today, now=at(today))


def alerts(pathway) -> int:
    return Notification.objects.filter(event=SHORTFALL, pathway=pathway).count()


def test_three_short_weeks_running_alert_the_referent_on_the_day_the_third_is_recorded(world, contracted):
    p, _ = contracted
    record(world, p, D(2025, 3, 10), 15, 15, today=D(2025, 3, 17))
    record(world, p, D(2025, 3, 17), 15, 10, today=D(2025, 3, 24))
    record(world, p, D(2025, 3, 24), 15, 10, today=D(2025, 3, 31))
    assert alerts(p) == 0
    record(world, p, D(2025, 3, 31), 15, 10, today=D(2025, 4, 7))
    (note,) = Notification.objects.filter(event=SHORTFALL, pathway=p)
    assert note.recipient == world.referent
    assert note.created_at == at(D(2025, 4, 7))
    assert "n'est pas une sanction" in note.body
    shortfall = ActivityShortfall.objects.get(pathway=p)
    assert (shortfall.run_start, shortfall.alerted_week) == (D(2025, 3, 17), D(2025, 3, 31))


def test_the_same_run_alerts_once_a_fourth_week_or_a_correction_inside_it_alerts_no_one(world, contracted):
    p, _ = contracted
    for week, today in ((D(2025, 3, 17), D(2025, 3, 24)), (D(2025, 3, 24), D(2025, 3, 31))):
        record(world, p, week, 15, 10, today=today)
    record(world, p, D(2025, 3, 31), 15, 10, today=D(2025, 4, 7))
    record(world, p, D(2025, 4, 7), 15, 12, today=D(2025, 4, 14))  # the run goes on: 4 weeks
    record(world, p, D(2025, 3, 24), 15, 9, today=D(2025, 4, 14))  # a figure corrected inside it
    assert alerts(p) == 1
    # The week before the run filled in late: the run now starts on 10 March, still the same run.
    record(world, p, D(2025, 3, 10), 15, 5, today=D(2025, 4, 14))
    assert alerts(p) == 1


def test_a_week_at_target_ends_the_run_and_three_more_short_weeks_alert_again(world, contracted):
    p, _ = contracted
    weeks = [D(2025, 3, 17) + dt.timedelta(weeks=i) for i in range(7)]
    realised = [10, 10, 10, 15, 8, 8, 8]
    for week, hours in zip(weeks, realised, strict=True):
        record(world, p, week, 15, hours, today=week + dt.timedelta(days=7))
    assert alerts(p) == 2
    assert list(
        ActivityShortfall.objects.filter(pathway=p).values_list("run_start", flat=True).order_by("run_start")
    ) == [
        D(2025, 3, 17),
        D(2025, 4, 14),
    ]


def test_a_missing_week_breaks_the_run(world, contracted):
    p, _ = contracted
    record(world, p, D(2025, 3, 17), 15, 10, today=D(2025, 3, 24))
    record(world, p, D(2025, 3, 24), 15, 10, today=D(2025, 3, 31))
    record(world, p, D(2025, 4, 7), 15, 10, today=D(2025, 4, 14))  # nothing recorded for 31 March
    assert alerts(p) == 0


def test_an_exempted_week_is_never_short_and_a_reduction_measures_against_its_hours(world, contracted):
    p, contract = contracted
    activity_duration_change(
        contract.pk,
        kind=ActivityDurationKind.REDUCED,
        effective_from=D(2025, 3, 17),
        weekly_hours=Decimal(8),
        reason="Soins réguliers le matin.",
        by=world.referent.user,
        today=D(2025, 3, 17),
        now=at(D(2025, 3, 17)),
    )
    for week in (D(2025, 3, 17), D(2025, 3, 24), D(2025, 3, 31)):
        record(world, p, week, 8, 10, today=week + dt.timedelta(days=7))
    assert alerts(p) == 0
    assert set(ActivityWeek.objects.filter(pathway=p).values_list("target_hours", flat=True)) == {8}


def test_a_reduction_recorded_later_re_measures_the_weeks_it_covers(world, contracted):
    p, contract = contracted
    record(world, p, D(2025, 3, 17), 15, 10, today=D(2025, 3, 24))
    record(world, p, D(2025, 3, 24), 15, 10, today=D(2025, 3, 31))
    activity_duration_change(
        contract.pk,
        kind=ActivityDurationKind.REDUCED,
        effective_from=D(2025, 3, 19),
        weekly_hours=Decimal(10),
        reason="Garde d'un parent malade.",
        by=world.referent.user,
        today=D(2025, 4, 1),
        now=at(D(2025, 4, 1)),
    )
    targets = dict(ActivityWeek.objects.filter(pathway=p).values_list("week_start", "target_hours"))
    assert targets == {D(2025, 3, 17): 10, D(2025, 3, 24): 10}
    record(world, p, D(2025, 3, 31), 10, 10, today=D(2025, 4, 7))
    assert alerts(p) == 0


def test_the_shortfall_weeks_are_rule_data(world, contracted):
    p, _ = contracted
    EngagementRule.objects.filter(valid_from=D(2025, 1, 1), territory=None).update(shortfall_weeks=2)
    record(world, p, D(2025, 3, 17), 15, 10, today=D(2025, 3, 24))
    record(world, p, D(2025, 3, 24), 15, 10, today=D(2025, 3, 31))
    assert alerts(p) == 1


def test_a_second_entry_for_a_week_replaces_its_figures(world, contracted):
    p, _ = contracted
    week, created = record(world, p, D(2025, 3, 17), 15, today=D(2025, 3, 17))
    assert created and week.realised_hours is None and week.target_hours == 15
    week, created = record(world, p, D(2025, 3, 17), 12, 11.5, today=D(2025, 3, 24))
    assert not created
    assert (week.planned_hours, week.realised_hours) == (12, Decimal("11.5"))
    assert ActivityWeek.objects.filter(pathway=p).count() == 1
    assert week.audit.count() == 2  # who changed the figures, and when


@pytest.mark.parametrize(
    ("week", "planned", "realised", "today", "field", "message"),
    [
        (D(2025, 3, 17), 169, None, D(2025, 3, 24), "planned_hours", "168 heures"),
        (D(2025, 3, 17), 15, 170, D(2025, 3, 24), "realised_hours", "168 heures"),
        (D(2025, 3, 17), -1, None, D(2025, 3, 24), "planned_hours", "négatif"),
        (D(2025, 3, 17), 15, -2, D(2025, 3, 24), "realised_hours", "négatif"),
        (D(2025, 3, 31), 15, None, D(2025, 3, 28), "week_start", "n'a pas encore commencé"),
        (D(2025, 3, 24), 15, 10, D(2025, 3, 28), "realised_hours", "une fois la semaine terminée"),
        (D(2025, 3, 19), 15, None, D(2025, 3, 28), "week_start", "indiquez le 17/03/2025"),
        (D(2025, 3, 3), 15, None, D(2025, 3, 28), "week_start", "précède le contrat d'engagement"),
        (D(2025, 1, 27), 15, None, D(2025, 3, 28), "week_start", "précède l'entrée"),
        (D(2025, 3, 17), None, None, D(2025, 3, 28), "planned_hours", "Indiquez les heures prévues"),
    ],
)
def test_a_bad_week_is_refused_with_its_message_and_nothing_written(
    world, contracted, week, planned, realised, today, field, message
):
    p, _ = contracted
    with pytest.raises(ValidationError) as exc:
        record(world, p, week, planned, realised, today=today)
    assert message in " ".join(exc.value.message_dict[field])
    assert not ActivityWeek.objects.exists()


def test_a_pathway_without_a_contrat_d_engagement_has_no_ledger(world):
    p, _ = signed(world, entered=D(2024, 11, 4), signed_on=D(2024, 12, 20))
    with pytest.raises(ValidationError) as exc:
        record(world, p, D(2025, 3, 17), 15, today=D(2025, 3, 24))
    assert "pas de contrat d'engagement" in exc.value.message_dict["week_start"][0]
