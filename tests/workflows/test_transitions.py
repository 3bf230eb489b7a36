"""Every (transition, source state) pair, the invariants, the append-only journal."""

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from casework.enums import ACCOMPANIED_STATES, PathwayState
from casework.models import Handover, Pathway, TransitionLog
from tests.factories import track
from tests.helpers import advance
from workflows.services.errors import TransitionConflict, TransitionForbidden
from workflows.services.transitions import TRANSITIONS

pytestmark = pytest.mark.django_db
S = PathwayState
D = dt.date
START = D(2026, 1, 5)
DAY = D(2026, 3, 2)
HANDOVER_STATES = [
    S.DIAGNOSTIC,
    S.SOCIAL_TRACK,
    S.PROFESSIONAL_TRACK,
    S.REORIENTATION,
    S.IN_WORK_FOLLOWUP,
    S.SUSPENDED,
]
OPEN = [s for s in S.values if s != S.CLOSED]

# The workflow table of SPEC.md: (transition, source) → target. Any pair not listed is refused.
ALLOWED = {
    ("orient", S.ORIENTATION): S.DIAGNOSTIC,
    ("assign_referent", S.DIAGNOSTIC): S.DIAGNOSTIC,  # from the organisation's queue
    **{("propose_handover", s): s for s in HANDOVER_STATES},
    **{("accept_handover", s): s for s in HANDOVER_STATES},
    **{("refuse_handover", s): s for s in HANDOVER_STATES},
    ("sign_contract", S.DIAGNOSTIC): S.SOCIAL_TRACK,
    ("sign_contract", S.SOCIAL_TRACK): S.SOCIAL_TRACK,
    ("sign_contract", S.PROFESSIONAL_TRACK): S.PROFESSIONAL_TRACK,
    ("request_reorientation", S.DIAGNOSTIC): S.REORIENTATION,
    ("request_reorientation", S.SOCIAL_TRACK): S.REORIENTATION,
    ("request_reorientation", S.PROFESSIONAL_TRACK): S.REORIENTATION,
    ("decide_reorientation", S.REORIENTATION): S.DIAGNOSTIC,
    ("start_job", S.DIAGNOSTIC): S.IN_WORK_FOLLOWUP,
    ("start_job", S.SOCIAL_TRACK): S.IN_WORK_FOLLOWUP,
    ("start_job", S.PROFESSIONAL_TRACK): S.IN_WORK_FOLLOWUP,
    ("end_followup", S.IN_WORK_FOLLOWUP): S.CLOSED,
    **{("suspend", s): S.SUSPENDED for s in OPEN if s != S.SUSPENDED},
    ("resume", S.SUSPENDED): S.DIAGNOSTIC,  # back to where it was suspended from
    **{("close", s): S.CLOSED for s in OPEN},
    ("reopen", S.CLOSED): S.ORIENTATION,
}


def params_for(world, name, day):
    return {
        "orient": {"organisation": world.dept, "track": track("social")},
        "assign_referent": {"referent": world.referent2},
        "propose_handover": {"incoming": world.referent2, "note": "Relais"},
        "sign_contract": {"kind": "cer", "starts_on": day, "ends_on": day + dt.timedelta(days=180)},
        "decide_reorientation": {"accepted": True, "track": track("professional")},
        "start_job": {"job_kind": "cdi"},
        "end_followup": {"sustainable": True},
        "suspend": {"suspension_reason": "health", "expected_resume_on": day + dt.timedelta(days=30)},
        "close": {"close_reason": "moved_away"},
    }.get(name, {})


def prepared(world, state, name):
    """A pathway in `state`, with what the transition needs when the state allows it."""
    pathway = world.enter(START)
    if name == "assign_referent" and state == S.DIAGNOSTIC:
        world.t(pathway, "orient", START, organisation=world.dept, track=track("social"))
        return Pathway.objects.get(pk=pathway.pk)
    pathway = advance(world, pathway, state, START, social=state != S.PROFESSIONAL_TRACK)
    if name in ("accept_handover", "refuse_handover") and state in HANDOVER_STATES:
        world.t(pathway, "propose_handover", DAY - dt.timedelta(days=1), incoming=world.referent2, note="Relais")
    return Pathway.objects.get(pk=pathway.pk)


@pytest.mark.parametrize("state", S.values)
@pytest.mark.parametrize("name", TRANSITIONS)
def test_every_transition_from_every_state(world, name, state):
    pathway = prepared(world, state, name)
    logs_before = TransitionLog.objects.filter(pathway=pathway).count()
    expected = ALLOWED.get((name, state))
    reason = "Motif" if name in ("refuse_handover", "request_reorientation") else ""
    if expected is None:
        with pytest.raises(TransitionConflict):
            world.t(pathway, name, DAY, by=world.lead, reason=reason, **params_for(world, name, DAY))
        assert TransitionLog.objects.filter(pathway=pathway).count() == logs_before
        return
    actor = world.default_actor(pathway, name)
    result = world.t(pathway, name, DAY, by=actor, reason=reason, **params_for(world, name, DAY))
    assert result.state == expected
    log = TransitionLog.objects.filter(pathway=pathway).latest("id")
    assert (log.transition, log.from_state, log.to_state, log.occurred_on) == (name, state, expected, DAY)
    assert log.by == actor.user
    assert TransitionLog.objects.filter(pathway=pathway).count() == logs_before + 1
    assert_responsible(Pathway.objects.get(pk=pathway.pk))


def assert_responsible(pathway):
    """An open accompanied pathway has one referent, or sits visibly in an organisation's queue."""
    if pathway.state in ACCOMPANIED_STATES:
        assert pathway.referent_id is not None or pathway.organisation_id is not None


def test_a_stranger_may_not_transition_and_nothing_is_logged(world):
    pathway = world.enter(START)
    with pytest.raises(TransitionForbidden):
        world.t(pathway, "orient", DAY, by=world.outsider, organisation=world.dept, track=track("social"))
    assert TransitionLog.objects.filter(pathway=pathway).count() == 1  # the entry only


def test_referent_may_not_decide_an_orientation(world):
    pathway = world.enter(START)
    with pytest.raises(TransitionForbidden):
        world.t(pathway, "orient", DAY, by=world.referent, organisation=world.dept, track=track("social"))


def test_outgoing_referent_stays_responsible_until_the_incoming_one_accepts(world):
    pathway = advance(world, world.enter(START), S.SOCIAL_TRACK, START)
    world.t(pathway, "propose_handover", DAY, incoming=world.referent2, note="Changement de secteur")
    pathway.refresh_from_db()
    assert pathway.referent == world.referent and pathway.handover_to == world.referent2
    with pytest.raises(TransitionForbidden):  # the outgoing referent cannot accept for the incoming one
        world.t(pathway, "accept_handover", DAY, by=world.referent)
    world.t(pathway, "accept_handover", DAY + dt.timedelta(days=2), by=world.referent2)
    pathway.refresh_from_db()
    assert pathway.referent == world.referent2 and pathway.handover_to is None
    assert Handover.objects.get(pathway=pathway).status == "accepted"
    periods = list(pathway.referent_periods.order_by("id").values_list("professional_id", "ended_on"))
    assert periods == [(world.referent.pk, DAY + dt.timedelta(days=2)), (world.referent2.pk, None)]


def test_refused_handover_keeps_the_referent(world):
    pathway = advance(world, world.enter(START), S.SOCIAL_TRACK, START)
    world.t(pathway, "propose_handover", DAY, incoming=world.referent2, note="Relais")
    world.t(pathway, "refuse_handover", DAY, by=world.referent2, reason="File active pleine")
    pathway.refresh_from_db()
    assert pathway.referent == world.referent and pathway.handover_to is None
    assert Handover.objects.get(pathway=pathway).refusal_reason == "File active pleine"


def test_database_refuses_an_accompanied_pathway_without_anyone_responsible(world):
    pathway = advance(world, world.enter(START), S.DIAGNOSTIC, START)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pathway.objects.filter(pk=pathway.pk).update(referent=None, organisation=None)


def test_one_open_pathway_per_beneficiary(world):
    pathway = world.enter(START)
    with pytest.raises(IntegrityError), transaction.atomic():
        Pathway.objects.create(beneficiary=pathway.beneficiary, territory=pathway.territory, entered_on=DAY)


def test_reopen_resumes_the_same_history(world):
    pathway = advance(world, world.enter(START), S.CLOSED, START)
    world.t(pathway, "reopen", DAY)
    transitions = list(TransitionLog.objects.filter(pathway=pathway).values_list("transition", flat=True))
    assert transitions[0] == "enter" and transitions[-2:] == ["close", "reopen"]


def test_transition_log_is_append_only(world):
    pathway = world.enter(START)
    log = TransitionLog.objects.get(pathway=pathway)
    log.reason = "réécriture"
    with pytest.raises(PermissionError):
        log.save()
    with pytest.raises(PermissionError):
        log.delete()
    with pytest.raises(PermissionError):
        TransitionLog.objects.filter(pk=log.pk).update(reason="x")
    with pytest.raises(PermissionError):
        TransitionLog.objects.filter(pk=log.pk).delete()


def test_transition_log_append_only_is_enforced_by_postgresql(world, needs_postgres):
    pathway = world.enter(START)
    for sql in (
        "UPDATE casework_transitionlog SET reason = 'x' WHERE pathway_id = %s",
        "DELETE FROM casework_transitionlog WHERE pathway_id = %s",
    ):
        with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cur:
            cur.execute(sql, [pathway.pk])


def test_the_lock_loads_the_pathway_and_its_relations_as_the_orm_does(world):
    from django.forms.models import model_to_dict

    from workflows.services.transitions import LOCKED_RELATIONS, pathway_lock

    with_track = advance(world, world.enter(START), S.SOCIAL_TRACK, START)
    world.t(with_track, "propose_handover", DAY, incoming=world.referent2, note="Relais")
    without = world.enter(START)  # no track, no pending handover: the LEFT JOINs find nothing
    for pk in (with_track.pk, without.pk):
        expected = Pathway.objects.select_related(*LOCKED_RELATIONS).get(pk=pk)
        with transaction.atomic():
            locked = pathway_lock(pk)
        assert model_to_dict(locked) == model_to_dict(expected)
        assert (locked.created_at, locked.updated_at) == (expected.created_at, expected.updated_at)
        for name in LOCKED_RELATIONS:
            mine, theirs = getattr(locked, name), getattr(expected, name)
            assert (mine and model_to_dict(mine)) == (theirs and model_to_dict(theirs)), name
            assert Pathway._meta.get_field(name).is_cached(locked), name  # no query when read
        assert isinstance(locked.beneficiary.publics, list) and locked._state.adding is False
    assert with_track.track_id and Pathway.objects.get(pk=with_track.pk).handover_to_id == world.referent2.pk
    with pytest.raises(Pathway.DoesNotExist), transaction.atomic():
        pathway_lock(10**9)
