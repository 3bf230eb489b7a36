"""Task inboxes synced after commit (WORKFLOW_TASKS_SYNC="after_commit", the deployed mode).

The transition commits without viewflow's bookkeeping; a Celery message then syncs the tasks.
Here Celery runs eagerly (unit tests); `tests/notifications/test_worker.py` does it through a
real broker and worker. A lost message is caught up from the journal's watermark.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ImproperlyConfigured
from viewflow.workflow import STATUS

from casework.enums import PathwayState
from casework.models import TransitionLog
from tests.helpers import advance, at, broker_used, free_port, open_tasks
from workflows.flows import (
    CATCH_UP_SETTLE,
    HandoverFlow,
    tasks_sync_catch_up,
    tasks_sync_enqueue,
    tasks_sync_inline,
    tasks_sync_mode,
)
from workflows.models import TasksSyncState

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 2)
S = PathwayState


@pytest.fixture
def after_commit(settings):
    settings.WORKFLOW_TASKS_SYNC = "after_commit"


def test_the_task_appears_once_the_transition_has_committed(world, after_commit, django_capture_on_commit_callbacks):
    p = advance(world, world.enter(D), S.DIAGNOSTIC, D)
    with tasks_sync_inline():
        assert tasks_sync_mode() == "inline"
    with django_capture_on_commit_callbacks(execute=False) as pending:
        world.t(p, "propose_handover", D, incoming=world.referent2, note="Relais")
    # Committed (in the test's transaction) with no task yet: the sync waits for the commit.
    assert open_tasks(p, HandoverFlow) == []
    assert len(pending) >= 1
    for callback in pending:
        callback()
    [task] = open_tasks(p, HandoverFlow)
    assert task.status == STATUS.ASSIGNED and task.owner == world.referent2.user

    with django_capture_on_commit_callbacks(execute=True):
        world.t(p, "refuse_handover", D, by=world.referent2, reason="Secteur complet")
    task.refresh_from_db()
    # Completed in the name of the referent who answered, as the inline sync does.
    assert task.status == STATUS.DONE and task.owner == world.referent2.user
    assert open_tasks(p, HandoverFlow) == []


@pytest.fixture
def dead_broker():
    """A broker URL where nothing listens (not a mock: kombu really fails to connect)."""
    with broker_used(f"redis://127.0.0.1:{free_port()}/0"):
        yield


def test_a_message_lost_with_the_broker_is_caught_up_from_the_journal(
    world, after_commit, dead_broker, django_capture_on_commit_callbacks
):
    p = advance(world, world.enter(D), S.DIAGNOSTIC, D)
    TasksSyncState.objects.update_or_create(pk=1, defaults={"log_watermark": TransitionLog.objects.latest("pk").pk})
    with django_capture_on_commit_callbacks(execute=True):
        world.t(p, "propose_handover", D, incoming=world.referent2, note="Relais")  # publish fails, logged
    assert open_tasks(p, HandoverFlow) == []
    assert tasks_sync_enqueue([TransitionLog.objects.latest("pk").pk]) is False  # refused, not raised

    # The journal row is young (caught up a minute after it was recorded): synced, not yet settled.
    young = tasks_sync_catch_up(now=at(D) + dt.timedelta(minutes=1))
    [task] = open_tasks(p, HandoverFlow)
    assert task.owner == world.referent2.user
    assert young["pathways"] == 1 and young["watermark"] < TransitionLog.objects.latest("pk").pk

    # Once settled the watermark passes it; syncing again changes nothing (idempotent).
    settled = tasks_sync_catch_up(now=at(D) + CATCH_UP_SETTLE * 2, batch=1)  # chunk by chunk
    assert settled["watermark"] == TransitionLog.objects.latest("pk").pk
    assert [t.pk for t in open_tasks(p, HandoverFlow)] == [task.pk]
    assert tasks_sync_catch_up(now=at(D) + CATCH_UP_SETTLE * 3)["journal_rows"] == 0


def test_an_unknown_sync_mode_is_refused_with_a_clear_message(settings):
    settings.WORKFLOW_TASKS_SYNC = "later"
    with pytest.raises(ImproperlyConfigured, match="WORKFLOW_TASKS_SYNC"):
        tasks_sync_mode()


def test_a_decision_taken_on_the_task_page_is_in_step_when_the_page_reloads(
    world, after_commit, client, django_capture_on_commit_callbacks
):
    from django.urls import reverse
    from viewflow.workflow.models import Task

    from workflows.flows import AssignmentFlow, OrientationFlow

    with tasks_sync_inline():
        p = world.enter(D)
    [task] = open_tasks(p, OrientationFlow)
    client.force_login(world.officer.user)
    with django_capture_on_commit_callbacks(execute=False):  # no worker: only what the request did
        response = client.post(
            reverse("workspace:task-execute", args=[task.pk, "orient"]),
            {
                "orient-occurred_on": D.isoformat(),
                "orient-organisation": world.partner_org.pk,
                "orient-track": "social",
            },
        )
    assert response.status_code == 302
    assert Task.objects.get(pk=task.pk).status == STATUS.DONE
    assert len(open_tasks(p, AssignmentFlow)) == 1
