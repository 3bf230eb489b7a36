"""Two conflicting transitions on one pathway, on two real PostgreSQL connections."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django_fsm import pre_transition

from casework.enums import PathwayState
from casework.models import Pathway, TransitionLog
from tests.helpers import advance, make_world
from workflows.services.errors import TransitionConflict

D = dt.date


@pytest.mark.django_db(transaction=True)
def test_two_conflicting_transitions_exactly_one_wins(needs_postgres):
    world = make_world()
    pathway = advance(world, world.enter(D(2026, 1, 5)), PathwayState.SOCIAL_TRACK, D(2026, 1, 6))
    first_inside = threading.Event()

    def slow_first_transition(sender, instance, name, **kwargs):
        # The first caller holds the row lock a while, so the second really waits on it.
        if not first_inside.is_set():
            first_inside.set()
            threading.Event().wait(0.5)

    pre_transition.connect(slow_first_transition)
    results = {}

    def run(label, name, params):
        try:
            world.t(pathway, name, D(2026, 3, 2), **params)
            results[label] = "ok"
        except TransitionConflict as exc:
            results[label] = exc
        finally:
            connection.close()

    a = threading.Thread(target=run, args=("close", "close", {"close_reason": "moved_away"}))
    b = threading.Thread(
        target=run,
        args=("suspend", "suspend", {"suspension_reason": "health", "expected_resume_on": D(2026, 4, 2)}),
    )
    try:
        a.start()
        assert first_inside.wait(5)
        b.start()
        a.join(10)
        b.join(10)
    finally:
        pre_transition.disconnect(slow_first_transition)
    assert results["close"] == "ok"
    assert isinstance(results["suspend"], TransitionConflict)
    assert "Clos" in str(results["suspend"])
    assert Pathway.objects.get(pk=pathway.pk).state == PathwayState.CLOSED
    assert list(TransitionLog.objects.filter(pathway=pathway).values_list("transition", flat=True))[-1] == "close"
    assert TransitionLog.objects.filter(pathway=pathway, transition="suspend").count() == 0


@pytest.mark.django_db
def test_saving_a_stale_copy_raises_a_concurrent_transition(world):
    from django.db import transaction
    from django_fsm import ConcurrentTransition

    pathway = world.enter(D(2026, 1, 5))
    stale = Pathway.objects.get(pk=pathway.pk)
    world.t(pathway, "close", D(2026, 2, 1), close_reason="moved_away")
    with pytest.raises(ConcurrentTransition), transaction.atomic():
        stale.suspend(occurred_on=D(2026, 2, 1), suspension_reason="health", expected_resume_on=D(2026, 3, 1))
        stale.save()
