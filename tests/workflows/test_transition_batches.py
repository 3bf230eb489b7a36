"""The transition door for many pathways writes, for each, what the one-pathway door writes, and
refuses a move the one-pathway door would refuse without writing anything for it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.forms.models import model_to_dict

from casework.enums import CloseReason, PathwayState
from casework.models import Deadline, Handover, ReferentPeriod, TransitionLog
from notifications.models import Alert
from notifications.services.sweep import sweep_deadlines
from tests.helpers import advance, at, make_world
from workflows.models import TasksSyncPending
from workflows.services.errors import TransitionConflict, TransitionInvalid
from workflows.services.transition_batches import Move, pathways_transition
from workflows.services.transitions import pathway_transition

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 2)
SKIP = {"id", "pathway", "beneficiary", "created_at", "updated_at", "recorded_at", "rule", "deadline", "handover"}


def _plain(rows) -> list[dict]:
    return [{k: v for k, v in model_to_dict(x).items() if k not in SKIP} for x in rows]


def _written(pathway) -> dict:
    pathway.refresh_from_db()
    return {
        "pathway": {k: v for k, v in model_to_dict(pathway).items() if k not in SKIP},
        "audit": [(h.history_type, h.state, h.close_reason, h.history_user_id) for h in pathway.audit.all()],
        "journal": _plain(TransitionLog.objects.filter(pathway=pathway).order_by("pk")),
        # A handover's clock is keyed by its handover's id (`ref`): that the key is there is what compares.
        "clocks": sorted(
            ({**c, "ref": bool(c["ref"])} for c in _plain(Deadline.objects.filter(pathway=pathway))), key=repr
        ),
        "handovers": _plain(Handover.objects.filter(pathway=pathway)),
        "periods": _plain(ReferentPeriod.objects.filter(pathway=pathway).order_by("pk")),
        "alerts": sorted((a.level, a.status, a.resolved_at) for a in Alert.objects.filter(pathway=pathway)),
        "to_sync": TasksSyncPending.objects.filter(pathway_id=pathway.pk).exists(),
    }


def _followed(world, name: str):
    """A pathway with a referent, a proposed handover and open alerts: every effect of a closure."""
    pathway = advance(world, world.enter(D, last_name=name), "social_track", D, social=True)
    world.t(pathway, "propose_handover", D + dt.timedelta(days=5), by=world.lead, incoming=world.referent2, note="R")
    return pathway


def test_a_batch_of_closures_writes_what_each_closure_alone_writes_and_refuses_the_impossible_one():
    world = make_world("lotclos")
    by = world.officer.user
    alone = _followed(world, "SEUL")
    together = [_followed(world, f"LOT{i}") for i in range(2)]
    closed = world.enter(D, last_name="DEJA")
    params = {"close_reason": CloseReason.RIGHTS_CLOSED, "line": 3}
    pathway_transition(closed.pk, "close", by=by, occurred_on=D, now=at(D), params=params)
    later = D + dt.timedelta(days=200)
    sweep_deadlines(now=at(later))  # the contracts' clocks are past due: alerts on every pathway
    assert Alert.objects.filter(pathway=alone, status="open").exists()

    pathway_transition(alone.pk, "close", by=by, occurred_on=later, now=at(later), params=params)
    moves = [Move(p.pk, later, params) for p in together]
    moves += [Move(closed.pk, later, params), Move(together[0].pk + 10_000, later, params)]
    results = pathways_transition("close", moves, by=by, now=at(later))

    assert [r.pk for r in results[:2]] == [p.pk for p in together]
    assert isinstance(results[2], TransitionConflict) and isinstance(results[3], TransitionInvalid)
    expected = _written(alone)
    assert expected["pathway"]["state"] == PathwayState.CLOSED
    assert {c["status"] for c in expected["clocks"]} == {"cancelled"} or "met" in {
        c["status"] for c in expected["clocks"]
    }
    assert [h["status"] for h in expected["handovers"]] == ["cancelled"]
    assert all(p["ended_on"] == later for p in expected["periods"]) and expected["periods"]
    assert expected["alerts"] and {status for _, status, _ in expected["alerts"]} == {"resolved"}
    for pathway in together:
        assert _written(pathway) == expected
    assert TransitionLog.objects.filter(pathway=closed).count() == 2  # its entry and its first closure only
