"""The breach procedure (suspension-remobilisation): the steps, the caps, the refusals, the flow.

Worked dates (docs/legal.md): a breach on Mon 01/09/2025, recorded and the letter produced on
Wed 03/09/2025, a window of 1 month → observations until Fri 03/10/2025 inclusive → a decision
is possible from Sat 04/10/2025 (or as soon as the observations are recorded).
"""

from __future__ import annotations

import datetime as dt

import pytest
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from casework.enums import BreachKind, BreachOutcome, BreachState, DeadlineStatus, PayerLineKind, RuleCode
from casework.models import Breach, Deadline, PayerLine
from tests.factories import ProfessionalFactory
from tests.helpers import advance, at
from workflows.flows.access import breach_decider_grant
from workflows.flows.breaches import BreachFlow, breach_suspensions_end
from workflows.services.breaches import (
    breach_decide,
    breach_observations_record,
    breach_opinion_record,
    breach_record,
    breach_remobilise,
)
from workflows.services.errors import TransitionConflict, TransitionForbidden, TransitionInvalid

D = dt.date
BREACH_ON = D(2025, 9, 1)
RECORDED_ON = D(2025, 9, 3)
WINDOW_DUE = D(2025, 10, 3)
DECISION_FROM = D(2025, 10, 4)


@pytest.fixture
def decider(world):
    pro = ProfessionalFactory(organisation=world.dept, user__username="decider")
    breach_decider_grant([pro.user])
    return pro


@pytest.fixture
def pathway(world):
    p = world.enter(D(2025, 8, 1))
    return advance(world, p, "social_track", D(2025, 8, 4))


def record(world, pathway, on=RECORDED_ON, occurred_on=BREACH_ON) -> Breach:
    return breach_record(
        pathway.pk,
        by=world.referent.user,
        kind=BreachKind.MISSED_APPOINTMENTS,
        facts="Trois rendez-vous manqués sans motif (05/08, 19/08, 01/09).",
        occurred_on=occurred_on,
        now=at(on),
    )


def decide(breach, decider, on=DECISION_FROM, **kwargs) -> Breach:
    params = {"outcome": BreachOutcome.SUSPENSION, "rate": 50, "months": 2, "reason": "Pas d'observations."}
    params.update(kwargs)
    return breach_decide(breach.pk, by=decider.user, on=on, now=at(on), **params)


def open_tasks(breach) -> list[str]:
    tasks = Task.objects.filter(process__breachprocess__breach=breach, flow_task_type="HUMAN")
    return sorted(t.flow_task.name for t in tasks if t.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED))


def nothing_decided(breach) -> None:
    breach.refresh_from_db()
    assert breach.state == BreachState.OBSERVATIONS
    assert breach.decided_by_id is None and breach.rate_percent is None
    assert not PayerLine.objects.filter(breach=breach).exists()


def test_recording_a_breach_opens_the_observation_window_as_a_deadline_and_the_flow(world, pathway):
    breach = record(world, pathway)
    assert breach.informed_on == RECORDED_ON
    assert breach.observation_due_on == WINDOW_DUE
    assert breach.decision_possible_from() == DECISION_FROM
    deadline = Deadline.objects.get(pathway=pathway, rule_code=RuleCode.BREACH_OBSERVATIONS)
    assert (deadline.status, deadline.due_on, deadline.ref) == (DeadlineStatus.OPEN, WINDOW_DUE, f"breach-{breach.pk}")
    assert deadline.due_alert_on == WINDOW_DUE  # a Friday: the referent hears of it that day
    assert deadline.overdue_alert_on == D(2025, 10, 17)  # J+15 is Saturday 18/10: the Friday before
    task = Task.objects.get(process__breachprocess__breach=breach, flow_task=BreachFlow.observe)
    assert task.owner == world.referent.user
    assert open_tasks(breach) == ["observe"]


def test_a_breach_in_the_future_or_before_the_entry_is_refused(world, pathway):
    with pytest.raises(TransitionInvalid, match="dans le futur"):
        record(world, pathway, occurred_on=D(2025, 9, 4))
    with pytest.raises(TransitionInvalid, match="antérieure à l'entrée"):
        record(world, pathway, occurred_on=D(2025, 7, 1))
    assert not Breach.objects.exists()


def test_only_whoever_manages_the_pathway_records_a_breach(world, pathway):
    with pytest.raises(TransitionForbidden):
        breach_record(
            pathway.pk, by=world.outsider.user, kind=BreachKind.OTHER, facts="x", occurred_on=BREACH_ON,
            now=at(RECORDED_ON),
        )  # fmt: skip
    assert not Breach.objects.exists()


def test_a_decision_before_the_window_closes_is_refused_and_nothing_is_written(world, pathway, decider):
    breach = record(world, pathway)
    with pytest.raises(TransitionInvalid) as exc:
        decide(breach, decider, on=WINDOW_DUE)
    assert exc.value.errors["decided_on"] == [
        "La personne peut présenter ses observations jusqu'au 03/10/2025 inclus : décision possible à partir du "
        "04/10/2025, ou dès que ses observations sont enregistrées."
    ]
    nothing_decided(breach)
    assert open_tasks(breach) == ["observe"]


def test_recorded_observations_allow_the_decision_before_the_window_closes(world, pathway, decider):
    breach = record(world, pathway)
    breach_observations_record(
        breach.pk, by=world.referent.user, text="Garde d'enfant impossible.", on=D(2025, 9, 20), now=at(D(2025, 9, 20))
    )
    assert open_tasks(breach) == ["decide"]
    assert Deadline.objects.get(rule_code=RuleCode.BREACH_OBSERVATIONS).status == DeadlineStatus.MET
    breach = breach_decide(
        breach.pk, by=decider.user, outcome=BreachOutcome.NO_SANCTION, on=D(2025, 9, 22), now=at(D(2025, 9, 22))
    )
    assert breach.state == BreachState.NO_SANCTION
    line = PayerLine.objects.get(breach=breach)
    assert (line.kind, line.event_on, line.export_id) == (PayerLineKind.DECISION, D(2025, 9, 22), None)
    assert open_tasks(breach) == []


def test_a_suspension_within_the_caps_runs_for_its_months_and_writes_the_payer_line(world, pathway, decider):
    breach = record(world, pathway)
    breach_opinion_record(breach.pk, by=world.referent.user, text="Avis : sanction mesurée.", on=D(2025, 10, 2),
                          now=at(D(2025, 10, 2)))  # fmt: skip
    breach = decide(breach, decider, starts_on=D(2025, 10, 15))
    assert breach.state == BreachState.SUSPENDED
    assert (breach.rate_percent, breach.duration_months) == (50, 2)
    assert (breach.suspension_starts_on, breach.suspension_ends_on) == (D(2025, 10, 15), D(2025, 12, 14))
    assert breach.is_repeat is False and breach.cap_rule.valid_from == D(2025, 6, 1)
    assert breach.team_opinion == "Avis : sanction mesurée."
    deadline = Deadline.objects.get(rule_code=RuleCode.BREACH_OBSERVATIONS)
    assert (deadline.status, deadline.closed_on) == (DeadlineStatus.MET, DECISION_FROM)
    assert PayerLine.objects.get(breach=breach).kind == PayerLineKind.DECISION
    decided = Task.objects.get(process__breachprocess__breach=breach, flow_task=BreachFlow.decide)
    assert (decided.status, decided.owner) == (STATUS.DONE, decider.user)
    assert open_tasks(breach) == ["follow"]


@pytest.mark.parametrize(
    ("household", "single_parent", "rate", "months", "field", "message"),
    [
        (1, False, 20, 1, "rate_percent", "Le taux doit être compris entre 30 % et 100 %"),
        (1, False, 101, 1, "rate_percent", "Le taux doit être compris entre 30 % et 100 %"),
        (2, False, 60, 1, "rate_percent", "Le taux ne peut dépasser 50 % (foyer de 2 personnes, R262-68-6)"),
        (1, True, 60, 1, "rate_percent", "Le taux ne peut dépasser 50 % (majoration pour isolement, R262-68-6)"),
        (1, False, 100, 3, "duration_months", "Pour un premier manquement, la durée est de 1 à 2 mois"),
        (1, False, 100, 0, "duration_months", "Pour un premier manquement, la durée est de 1 à 2 mois"),
    ],
)
def test_a_rate_or_a_duration_outside_the_caps_is_refused(
    world, pathway, decider, household, single_parent, rate, months, field, message
):
    pathway.beneficiary.household_size = household
    pathway.beneficiary.save(update_fields=["household_size"])
    breach = record(world, pathway)
    with pytest.raises(TransitionInvalid) as exc:
        decide(breach, decider, rate=rate, months=months, single_parent_increase=single_parent)
    assert exc.value.errors[field][0].startswith(message)
    nothing_decided(breach)


def test_the_caps_at_their_bounds_are_accepted(world, pathway, decider):
    pathway.beneficiary.household_size = 3
    pathway.beneficiary.save(update_fields=["household_size"])
    breach = decide(record(world, pathway), decider, rate=50, months=1)
    assert (breach.rate_percent, breach.household_size, breach.suspension_ends_on) == (50, 3, D(2025, 11, 3))


def test_a_repeated_breach_may_be_suspended_up_to_four_months(world, pathway, decider):
    first = decide(record(world, pathway), decider, rate=30, months=1)
    breach_suspensions_end(today=D(2025, 11, 20))
    second = record(world, pathway, on=D(2025, 12, 3), occurred_on=D(2025, 12, 1))
    with pytest.raises(TransitionInvalid) as exc:
        decide(second, decider, on=D(2026, 1, 5), rate=100, months=5)
    assert exc.value.errors["duration_months"][0].startswith("Pour un manquement réitéré, la durée est de 1 à 4 mois")
    second = decide(second, decider, on=D(2026, 1, 5), rate=100, months=4)
    assert second.is_repeat and first.pk != second.pk
    assert second.suspension_ends_on == D(2026, 5, 4)


def test_no_cap_is_in_force_before_june_2025(world, decider):
    p = advance(world, world.enter(D(2025, 3, 3)), "social_track", D(2025, 3, 4))
    breach = record(world, p, on=D(2025, 5, 20), occurred_on=D(2025, 5, 15))
    with pytest.raises(TransitionInvalid, match="Aucun barème de suspension-remobilisation n'est en vigueur au 15/05"):
        decide(breach, decider, on=D(2025, 6, 21))
    nothing_decided(breach)


def test_the_professional_who_recorded_the_breach_may_not_decide_it(world, pathway):
    breach_decider_grant([world.referent.user])
    breach = record(world, pathway)
    with pytest.raises(TransitionForbidden, match="Vous avez constaté ce manquement"):
        decide(breach, world.referent)
    nothing_decided(breach)


def test_a_professional_without_the_right_may_not_decide(world, pathway):
    breach = record(world, pathway)
    with pytest.raises(TransitionForbidden, match="professionnels habilités"):
        decide(breach, world.lead)
    nothing_decided(breach)


def test_a_second_decision_on_the_same_breach_is_a_conflict(world, pathway, decider):
    breach = decide(record(world, pathway), decider)
    other = ProfessionalFactory(organisation=world.dept, user__username="decider2")
    breach_decider_grant([other.user])
    with pytest.raises(TransitionConflict) as exc:
        decide(breach, other, outcome=BreachOutcome.NO_SANCTION)
    assert exc.value.status_code == 409
    assert PayerLine.objects.filter(breach=breach).count() == 1


def test_remobilisation_during_the_suspension_lifts_it_and_writes_the_lift_line(world, pathway, decider):
    breach = decide(record(world, pathway), decider, starts_on=D(2025, 10, 15))
    breach = breach_remobilise(
        breach.pk, by=world.referent.user, on=D(2025, 11, 10), note="Contrat actualisé.", now=at(D(2025, 11, 10))
    )
    assert (breach.state, breach.remobilised_on) == (BreachState.REMOBILISED, D(2025, 11, 10))
    lift = PayerLine.objects.get(breach=breach, kind=PayerLineKind.LIFT)
    assert lift.event_on == D(2025, 11, 10)
    assert open_tasks(breach) == []


def test_a_remobilisation_after_the_period_ended_is_refused(world, pathway, decider):
    breach = decide(record(world, pathway), decider, starts_on=D(2025, 10, 15))  # until 14/12/2025
    with pytest.raises(TransitionInvalid) as exc:
        breach_remobilise(breach.pk, by=world.referent.user, on=D(2025, 12, 15), note="", now=at(D(2025, 12, 16)))
    assert exc.value.errors["remobilised_on"][0].startswith("La suspension a pris fin le 14/12/2025")
    breach.refresh_from_db()
    assert breach.state == BreachState.SUSPENDED
    assert not PayerLine.objects.filter(kind=PayerLineKind.LIFT).exists()


def test_the_period_ends_and_the_suspension_closes_once(world, pathway, decider):
    breach = decide(record(world, pathway), decider, starts_on=D(2025, 10, 15))
    assert breach_suspensions_end(today=D(2025, 12, 14)) == 0
    assert breach_suspensions_end(today=D(2025, 12, 15)) == 1
    assert breach_suspensions_end(today=D(2025, 12, 15)) == 0
    breach.refresh_from_db()
    assert (breach.state, breach.ended_on) == (BreachState.ENDED, D(2025, 12, 14))
    assert open_tasks(breach) == []
    with pytest.raises(TransitionInvalid, match="La suspension a pris fin le 14/12/2025"):
        breach_remobilise(breach.pk, by=world.referent.user, on=D(2025, 12, 10), note="", now=at(D(2025, 12, 16)))
    assert not PayerLine.objects.filter(kind=PayerLineKind.LIFT).exists()


def test_the_nightly_task_closes_the_periods_that_ended(world, pathway, decider):
    from workflows.tasks import breach_suspensions_end_task

    breach = decide(record(world, pathway), decider, starts_on=D(2025, 10, 15))
    assert breach_suspensions_end_task(at(D(2025, 12, 15), hour=0).isoformat()) == 1
    breach.refresh_from_db()
    assert breach.state == BreachState.ENDED


def test_anonymisation_erases_the_breach_texts_and_keeps_the_figures(world, pathway, decider):
    from casework.services.retention import anonymise_expired

    breach = decide(record(world, pathway), decider, reason="Motifs détaillés.")
    breach_observations = Breach.objects.filter(pk=breach.pk)
    world.t(pathway, "close", D(2025, 12, 1), close_reason="moved_away")
    assert anonymise_expired(now=at(D(2028, 1, 5))) == 1
    kept = breach_observations.get()
    assert "rendez-vous" not in kept.facts and kept.decision_reason == ""
    assert (kept.rate_percent, kept.occurred_on) == (50, BREACH_ON)
