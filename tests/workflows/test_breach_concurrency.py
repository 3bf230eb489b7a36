"""Two deciders on one breach at once, on two real PostgreSQL connections: one decision, one 409."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django_fsm import pre_transition

from casework.enums import BreachKind, BreachOutcome, BreachState
from casework.models import Breach, PayerLine
from tests.factories import ProfessionalFactory
from tests.helpers import advance, at, make_world
from workflows.flows.access import breach_decider_grant
from workflows.services.breaches import breach_decide, breach_record
from workflows.services.errors import TransitionConflict

D = dt.date


@pytest.mark.django_db(transaction=True)
def test_two_deciders_at_once_exactly_one_decides(needs_postgres):
    world = make_world()
    pathway = advance(world, world.enter(D(2025, 8, 1)), "social_track", D(2025, 8, 4))
    breach = breach_record(
        pathway.pk, by=world.referent.user, kind=BreachKind.MISSED_APPOINTMENTS, facts="Rendez-vous manqués.",
        occurred_on=D(2025, 9, 1), now=at(D(2025, 9, 3)),
    )  # fmt: skip
    deciders = [ProfessionalFactory(organisation=world.dept, user__username=f"decider{i}") for i in (1, 2)]
    breach_decider_grant([d.user for d in deciders])
    first_inside = threading.Event()

    def slow_first(sender, instance, name, **kwargs):
        # The first decider holds the breach's row lock a while, so the second really waits on it.
        if isinstance(instance, Breach) and not first_inside.is_set():
            first_inside.set()
            threading.Event().wait(0.5)

    pre_transition.connect(slow_first)
    results = {}

    def run(label, pro, outcome, rate):
        try:
            on = D(2025, 10, 6)
            breach_decide(breach.pk, by=pro.user, outcome=outcome, rate=rate, months=1, on=on, now=at(on))
            results[label] = "ok"
        except TransitionConflict as exc:
            results[label] = exc
        finally:
            connection.close()

    a = threading.Thread(target=run, args=("first", deciders[0], BreachOutcome.SUSPENSION, 40))
    b = threading.Thread(target=run, args=("second", deciders[1], BreachOutcome.NO_SANCTION, None))
    try:
        a.start()
        assert first_inside.wait(10)
        b.start()
        a.join(20)
        b.join(20)
    finally:
        pre_transition.disconnect(slow_first)
    assert results["first"] == "ok"
    assert isinstance(results["second"], TransitionConflict) and results["second"].status_code == 409
    breach.refresh_from_db()
    assert (breach.state, breach.rate_percent, breach.decided_by) == (BreachState.SUSPENDED, 40, deciders[0].user)
    assert PayerLine.objects.filter(breach=breach).count() == 1
