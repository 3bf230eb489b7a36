"""Task inboxes follow each transition through one mechanism, a transactional outbox: a
`TasksSyncPending` row written in the transition's transaction, one follow-up message after
commit, and the beat's drain for whatever a lost message left.

Celery runs eagerly here (unit tests); `tests/notifications/test_worker.py` does it through a
real broker and worker.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from casework.enums import PathwayState
from casework.models import Pathway
from tests.helpers import advance, at, broker_used, free_port, open_tasks
from workflows.flows import AssignmentFlow, HandoverFlow, OrientationFlow
from workflows.flows.sync import DRAIN_GRACE, pathways_tasks_sync, tasks_sync_drain
from workflows.models import TasksSyncPending
from workflows.services.events import pathway_enter
from workflows.services.transitions import pathway_transition

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 2)
S = PathwayState


def transition(world, pathway, name: str, by, **params) -> None:
    """The service alone (the world's helper also syncs, as a worker would)."""
    pathway_transition(pathway.pk, name, by=by.user, occurred_on=D, now=at(D), params=params)


def test_the_transition_leaves_its_pathway_pending_and_its_message_syncs_it_after_commit(
    world, django_capture_on_commit_callbacks
):
    p = advance(world, world.enter(D), S.DIAGNOSTIC, D)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transition(world, p, "propose_handover", world.referent, incoming=world.referent2, note="Relais")
    # Committed with no task yet, but the need is written with the state change.
    assert open_tasks(p, HandoverFlow) == []
    assert TasksSyncPending.objects.filter(pathway=p, since=at(D)).exists()
    assert len(callbacks) == 1  # one message for the transaction: task sync and e-mails together
    callbacks[0]()  # the publish; Celery is eager here, so the worker's task runs now
    [task] = open_tasks(p, HandoverFlow)
    assert task.status == STATUS.ASSIGNED and task.owner == world.referent2.user
    assert not TasksSyncPending.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        transition(world, p, "refuse_handover", world.referent2)
    task.refresh_from_db()
    # Completed in the name of the referent who answered (the pathway's latest journal row).
    assert task.status == STATUS.DONE and task.owner == world.referent2.user
    assert open_tasks(p, HandoverFlow) == [] and not TasksSyncPending.objects.exists()


def test_an_entry_leaves_its_pathway_pending_too(world):
    data = {"first_name": "Ana", "last_name": "Lopes", "birth_date": dt.date(1990, 1, 1), "territory": world.territory}
    p = pathway_enter(beneficiary_data=data, entered_on=D, by=world.officer.user, now=at(D))
    assert open_tasks(p) == [] and TasksSyncPending.objects.filter(pathway=p).exists()
    assert pathways_tasks_sync([p.pk]) == 1
    assert [t.flow_task for t in open_tasks(p)] == [OrientationFlow.decide]
    assert pathways_tasks_sync([p.pk]) == 0  # nothing pending: nothing done


@pytest.fixture
def dead_broker():
    """A broker URL where nothing listens (not a mock: kombu really fails to connect)."""
    with broker_used(f"redis://127.0.0.1:{free_port()}/0"):
        yield


def test_a_message_refused_by_the_broker_at_commit_is_synced_by_the_drain(
    world, dead_broker, django_capture_on_commit_callbacks, caplog
):
    p = advance(world, world.enter(D), S.DIAGNOSTIC, D)
    with django_capture_on_commit_callbacks(execute=True):
        transition(world, p, "propose_handover", world.referent, incoming=world.referent2, note="Relais")
    assert "Broker unavailable" in caplog.text  # refused and logged, the transition stands
    assert open_tasks(p, HandoverFlow) == []
    assert Pathway.objects.get(pk=p.pk).handover_to_id == world.referent2.pk

    # Younger than the grace: left to its message.
    assert tasks_sync_drain(now=at(D) + DRAIN_GRACE / 2) == 0
    assert TasksSyncPending.objects.filter(pathway=p).exists()
    assert tasks_sync_drain(now=at(D) + DRAIN_GRACE, batch=1) == 1  # batch by batch
    [task] = open_tasks(p, HandoverFlow)
    assert task.owner == world.referent2.user
    assert tasks_sync_drain(now=at(D) + DRAIN_GRACE * 2) == 0  # idempotent
    assert [t.pk for t in open_tasks(p, HandoverFlow)] == [task.pk]


def test_a_sync_that_fails_keeps_its_pathway_pending_for_the_drain(world, monkeypatch):
    p = advance(world, world.enter(D), S.DIAGNOSTIC, D)
    transition(world, p, "propose_handover", world.referent, incoming=world.referent2, note="Relais")

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr("workflows.flows.sync.pathway_tasks_sync", crash)
    assert pathways_tasks_sync([p.pk]) == 0  # logged, not raised
    assert TasksSyncPending.objects.filter(pathway=p).exists() and open_tasks(p, HandoverFlow) == []
    monkeypatch.undo()
    assert tasks_sync_drain(now=at(D) + DRAIN_GRACE) == 1
    assert len(open_tasks(p, HandoverFlow)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_drains_at_once_sync_each_pathway_once(needs_postgres, monkeypatch):
    from tests.helpers import make_world

    world = make_world("deuxdrains")
    # Committed for real (another connection must see the rows); their messages are lost.
    monkeypatch.setattr("workflows.tasks.followups_publish", lambda *args: False)
    data = {"first_name": "Ana", "birth_date": dt.date(1990, 1, 1), "territory": world.territory}
    pathways = [
        pathway_enter(beneficiary_data={**data, "last_name": f"N{i}"}, entered_on=D, by=world.officer.user, now=at(D))
        for i in range(12)
    ]
    barrier, results, errors = threading.Barrier(2), [], []

    def drain():
        try:
            barrier.wait()
            results.append(tasks_sync_drain(now=at(D) + DRAIN_GRACE, batch=5))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(results) == len(pathways)  # each pathway synced by exactly one of them
    for p in pathways:
        assert [t.flow_task for t in open_tasks(p)] == [OrientationFlow.decide]
    assert not TasksSyncPending.objects.exists()


def test_the_page_author_sees_the_task_gone_on_their_next_page(world, client, django_capture_on_commit_callbacks):
    p = world.enter(D)
    [task] = open_tasks(p, OrientationFlow)
    client.force_login(world.officer.user)
    with django_capture_on_commit_callbacks(execute=False):  # no worker: only what the request did
        response = client.post(
            reverse("workspace:task-execute", args=[task.pk, "orient"]),
            {
                "orient-occurred_on": timezone.localdate().isoformat(),
                "orient-organisation": world.partner_org.pk,
                "orient-track": "social",
            },
            follow=True,
        )
    assert response.redirect_chain == [(reverse("workspace:tasks"), 302)]
    listed = [t.pk for t in [*response.context["inbox"], *response.context["queue"]]]
    assert task.pk not in listed  # their next page: the decision is no longer waiting for them
    assert Task.objects.get(pk=task.pk).status == STATUS.DONE
    assert len(open_tasks(p, AssignmentFlow)) == 1  # the designated team leads' queue, already
    assert not TasksSyncPending.objects.exists()
