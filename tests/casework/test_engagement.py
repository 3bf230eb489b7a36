"""The contrat d'engagement (loi n° 2023-1196): its default kind, its weekly activity duration
(15 h, reduced with a reason, exempted at the person's request), with worked dates as in
docs/legal.md, « Contrat d'engagement et activité »."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from casework.engagement import contract_status, week_target
from casework.enums import ActivityDurationKind, ActivityKind, ContractKind
from casework.models import ActivityDuration, Contract, ContractActivity, EngagementRule
from casework.services.engagement import contract_activity_add
from tests.conftest import ensure_defaults
from tests.helpers import at
from workflows.services.activity import activity_duration_change

D = dt.date
K = ActivityDurationKind


def engagement_defaults() -> None:
    """The migrations' rules (a transactional test elsewhere may have flushed them): the one loader."""
    ensure_defaults()


@pytest.fixture(autouse=True)
def _rules(db):
    engagement_defaults()


def signed(world, *, entered: D, signed_on: D, kind: str | None = None, ends_on: D | None = None):
    """A pathway entered, oriented and assigned, then its contract signed on `signed_on`."""
    from tests.factories import track

    p = world.enter(entered)
    world.t(p, "orient", entered, organisation=world.dept, track=track("professional"))
    world.t(p, "assign_referent", entered, referent=world.referent)
    params = {"starts_on": signed_on, "ends_on": ends_on or signed_on + dt.timedelta(days=182)}
    if kind:
        params["kind"] = kind
    world.t(p, "sign_contract", signed_on, **params)
    return p, Contract.objects.get(pathway=p)


def test_a_contract_signed_on_10_march_2025_is_a_contrat_d_engagement_of_15_hours(world):
    p, contract = signed(world, entered=D(2025, 2, 3), signed_on=D(2025, 3, 10))
    assert contract.kind == ContractKind.CONTRAT_ENGAGEMENT
    (duration,) = contract.durations.all()
    assert (duration.kind, duration.weekly_hours, duration.effective_from) == (K.STANDARD, 15, D(2025, 3, 10))
    assert week_target(contract, D(2025, 3, 17)) == 15
    assert contract_status(contract, today=D(2025, 4, 1)) == ""


def test_a_contract_signed_on_20_december_2024_is_a_cer_without_hours_and_stays_valid(world):
    p, contract = signed(world, entered=D(2024, 11, 4), signed_on=D(2024, 12, 20), ends_on=D(2025, 6, 19))
    assert contract.kind == ContractKind.CER
    assert not contract.durations.exists()
    assert "reste valable jusqu'à son renouvellement (fin le 19/06/2025)" in contract_status(
        contract, today=D(2025, 2, 1)
    )
    assert "prochain contrat sera un contrat d'engagement" in contract_status(contract, today=D(2025, 6, 20))


def test_the_rule_is_data_a_territory_row_from_june_2025_sets_20_hours_only_after_it(world):
    EngagementRule.objects.create(
        territory=world.territory,
        valid_from=D(2025, 6, 1),
        default_contract_kind=ContractKind.CONTRAT_ENGAGEMENT,
        weekly_hours=20,
        shortfall_weeks=2,
    )
    _, before = signed(world, entered=D(2025, 2, 3), signed_on=D(2025, 5, 5))
    assert before.durations.get().weekly_hours == 15
    _, after = signed(world, entered=D(2025, 6, 2), signed_on=D(2025, 7, 1))
    assert after.durations.get().weekly_hours == 20


def test_a_reduction_from_wednesday_2_april_2025_covers_the_week_of_31_march_not_the_one_before(world):
    p, contract = signed(world, entered=D(2025, 2, 3), signed_on=D(2025, 3, 10))
    activity_duration_change(
        contract.pk,
        kind=K.REDUCED,
        effective_from=D(2025, 4, 2),
        weekly_hours=Decimal(10),
        reason="Reprise progressive après une hospitalisation.",
        by=world.referent.user,
        today=D(2025, 4, 2),
        now=at(D(2025, 4, 2)),
    )
    assert week_target(contract, D(2025, 3, 24)) == 15
    assert week_target(contract, D(2025, 3, 31)) == 10
    # Who, when, why: the audit trail of the row, with its reason.
    record = ActivityDuration.audit.get(kind=K.REDUCED)
    assert record.history_user == world.referent.user
    assert record.reason == "Reprise progressive après une hospitalisation."


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": K.REDUCED, "weekly_hours": Decimal(10), "reason": ""}, "reason", "pourquoi la durée est réduite"),
        ({"kind": K.REDUCED, "weekly_hours": Decimal(0), "reason": "x"}, "weekly_hours", "jamais nulle"),
        ({"kind": K.REDUCED, "weekly_hours": Decimal(15), "reason": "x"}, "weekly_hours", "inférieure à la durée"),
        (
            {"kind": K.EXEMPTED, "exemption_ground": "health", "at_persons_request": False},
            "at_persons_request",
            "à la demande de la personne",
        ),
        ({"kind": K.EXEMPTED, "exemption_ground": "", "at_persons_request": True}, "exemption_ground", "situation"),
        (
            {"kind": K.REDUCED, "weekly_hours": Decimal(10), "reason": "x", "effective_from": D(2025, 4, 3)},
            "effective_from",
            "futur",
        ),
        (
            {"kind": K.REDUCED, "weekly_hours": Decimal(10), "reason": "x", "effective_from": D(2025, 3, 1)},
            "effective_from",
            "dans la durée du contrat",
        ),
    ],
)
def test_a_duration_outside_the_law_is_refused_with_a_french_message_and_nothing_written(world, data, field, message):
    p, contract = signed(world, entered=D(2025, 2, 3), signed_on=D(2025, 3, 10))
    data = {"effective_from": D(2025, 4, 2), **data}
    with pytest.raises(ValidationError) as exc:
        activity_duration_change(
            contract.pk, by=world.referent.user, today=D(2025, 4, 2), now=at(D(2025, 4, 2)), **data
        )
    assert message in " ".join(exc.value.message_dict[field])
    assert contract.durations.count() == 1


def test_an_exemption_asked_by_a_single_parent_sets_the_target_to_zero_from_its_day(world):
    p, contract = signed(world, entered=D(2025, 2, 3), signed_on=D(2025, 3, 10))
    activity_duration_change(
        contract.pk,
        kind=K.EXEMPTED,
        effective_from=D(2025, 3, 24),
        exemption_ground="single_parent",
        at_persons_request=True,
        reason="Pas de place en crèche avant septembre.",
        by=world.referent.user,
        today=D(2025, 3, 25),
        now=at(D(2025, 3, 25)),
    )
    exemption = contract.durations.get(kind=K.EXEMPTED)
    assert (exemption.weekly_hours, exemption.at_persons_request) == (0, True)
    assert week_target(contract, D(2025, 3, 17)) == 15
    assert week_target(contract, D(2025, 3, 24)) == 0


def test_an_action_plan_activity_must_name_its_provider_and_stay_within_the_contract(world):
    p, contract = signed(world, entered=D(2025, 2, 3), signed_on=D(2025, 3, 10))
    base = {
        "kind": ActivityKind.WORKSHOP,
        "provider": None,
        "provider_name": "",
        "hours_per_week": Decimal(6),
        "starts_on": D(2025, 3, 17),
        "ends_on": D(2025, 12, 31),
        "by": world.referent.user,
        "now": at(D(2025, 3, 12)),
    }
    with pytest.raises(ValidationError) as exc:
        contract_activity_add(contract, **base)
    assert set(exc.value.message_dict) == {"provider_name", "ends_on"}
    with pytest.raises(ValidationError) as exc:
        contract_activity_add(contract, **{**base, "provider_name": "Atelier CV", "hours_per_week": Decimal(169)})
    assert "168" in exc.value.message_dict["hours_per_week"][0]
    assert not ContractActivity.objects.exists()
    activity = contract_activity_add(contract, **{**base, "provider": world.partner_org, "ends_on": D(2025, 6, 30)})
    assert activity.provider_label == world.partner_org.name


def test_anonymisation_blanks_why_a_duration_was_reduced_in_the_row_and_its_audit(world):
    from casework.services.retention import beneficiary_anonymise

    p, contract = signed(world, entered=D(2025, 2, 3), signed_on=D(2025, 3, 10))
    activity_duration_change(
        contract.pk,
        kind=K.REDUCED,
        effective_from=D(2025, 4, 2),
        weekly_hours=Decimal(10),
        reason="Suivi psychiatrique deux matinées par semaine.",
        by=world.referent.user,
        today=D(2025, 4, 2),
        now=at(D(2025, 4, 2)),
    )
    world.t(p, "close", D(2025, 5, 5), close_reason="moved_away")
    assert beneficiary_anonymise(p.beneficiary_id, now=at(D(2026, 6, 1)), months=12)
    assert set(ActivityDuration.objects.values_list("reason", flat=True)) == {"", "[anonymisé]"}
    assert set(ActivityDuration.audit.values_list("reason", flat=True)) == {"", "[anonymisé]"}
    assert ActivityDuration.objects.get(kind=K.REDUCED).weekly_hours == 10  # the figures stay
