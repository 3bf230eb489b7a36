"""After-commit publishes, read back from a real Redis broker: one follow-up message per
transition (its task sync and its notifications' e-mails), e-mail ids in bounded chunks."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from casework.enums import PathwayState
from config.celery import app as celery_app
from notifications.models import Notification
from notifications.services import outbox
from notifications.services.outbox import IDS_PER_MESSAGE
from notifications.tasks import send_notification_emails_task
from tests.helpers import advance, at, broker_used
from workflows.services.transitions import pathway_transition
from workflows.tasks import transition_followup_task

D = dt.date(2026, 3, 2)


@pytest.fixture
def private_queue(redis_url):
    """The follow-up and e-mail messages routed to a queue of this test's own."""
    queue = f"filrouge_test_publish_{os.getpid()}"
    routes = {name: {"queue": queue} for name in (transition_followup_task.name, send_notification_emails_task.name)}
    with broker_used(redis_url, routes=routes):
        yield queue
        with celery_app.connection_for_write() as conn:
            conn.SimpleQueue(queue).clear()


def messages(queue: str, *, wait: float = 0.5) -> list:
    """(task name, arguments) of each message in the queue, consumed."""
    found = []
    with celery_app.connection_for_read() as conn:
        simple = conn.SimpleQueue(queue)
        try:
            while True:
                try:
                    message = simple.get(block=True, timeout=wait if not found else 0.2)
                except simple.Empty:
                    return found
                found.append((message.headers["task"], message.decode()[0]))
                message.ack()
        finally:
            simple.close()


def test_a_transition_publishes_one_message_with_its_pathway_and_its_notifications(
    world, private_queue, django_capture_on_commit_callbacks
):
    p = advance(world, world.enter(D), PathwayState.DIAGNOSTIC, D)
    messages(private_queue)  # what the steps above published
    with django_capture_on_commit_callbacks(execute=True):
        pathway_transition(
            p.pk,
            "propose_handover",
            by=world.referent.user,
            occurred_on=D,
            now=at(D),
            params={"incoming": world.referent2, "note": "Relais"},
        )
    note = Notification.objects.get(event="handover_proposed", pathway=p)
    assert messages(private_queue) == [(transition_followup_task.name, [[p.pk], [note.pk]])]


def test_long_lists_of_emails_are_sent_in_chunks(private_queue, db, django_capture_on_commit_callbacks):
    ids = list(range(1, IDS_PER_MESSAGE + 4))
    with django_capture_on_commit_callbacks(execute=True):
        outbox.dispatch_after_commit([*ids, None])
    name = send_notification_emails_task.name
    assert messages(private_queue) == [(name, [ids[:IDS_PER_MESSAGE]]), (name, [ids[IDS_PER_MESSAGE:]])]
