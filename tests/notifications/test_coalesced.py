"""After-commit messages gathered for a short window share one publish (real Redis broker)."""

from __future__ import annotations

import os

import pytest

from config.celery import app as celery_app
from notifications.services import outbox
from notifications.services.outbox import IDS_PER_MESSAGE, Coalesced
from notifications.tasks import send_notification_emails_task
from tests.helpers import broker_used, free_port
from workflows.tasks import tasks_sync_task


def _routed_to(queue: str) -> dict:
    return {name: {"queue": queue} for name in (tasks_sync_task.name, send_notification_emails_task.name)}


@pytest.fixture
def private_queue(redis_url):
    """The task-sync and e-mail messages routed to a queue of this test's own, read back from Redis."""
    queue = f"filrouge_test_coalesced_{os.getpid()}"
    with broker_used(redis_url, routes=_routed_to(queue)):
        yield queue
        with celery_app.connection_for_write() as conn:
            conn.SimpleQueue(queue).clear()


def messages(queue: str, *, wait: float = 0.2) -> list:
    """The arguments of each message in the queue, consumed (waits `wait` s for the first)."""
    found = []
    with celery_app.connection_for_read() as conn:
        simple = conn.SimpleQueue(queue)
        try:
            while True:
                try:
                    message = simple.get(block=True, timeout=wait if not found else 0.2)
                except simple.Empty:
                    return found
                found.append(message.decode()[0])
                message.ack()
        finally:
            simple.close()


def test_ids_added_within_the_window_leave_as_one_message(private_queue, settings):
    settings.AFTER_COMMIT_COALESCE_MS = 60_000  # the timer will not fire during the test
    coalesced = Coalesced()
    assert coalesced.add(tasks_sync_task, [1], what="rows") is True
    assert coalesced.add(tasks_sync_task, [2, 3], what="rows") is True
    assert messages(private_queue) == []  # waiting in the window

    assert coalesced.flush() == 3  # ids sent
    assert messages(private_queue) == [[[1, 2, 3]]]  # in one message
    assert coalesced.flush() == 0  # nothing left


def test_a_lone_message_leaves_when_its_window_ends(private_queue, settings):
    settings.AFTER_COMMIT_COALESCE_MS = 50
    coalesced = Coalesced()
    coalesced.add(tasks_sync_task, [7], what="rows")
    assert messages(private_queue, wait=10) == [[[7]]]  # no flush called: the timer sent it


def test_notification_emails_of_transactions_within_the_window_share_a_message(
    private_queue, settings, db, django_capture_on_commit_callbacks
):
    settings.AFTER_COMMIT_COALESCE_MS = 60_000
    with django_capture_on_commit_callbacks(execute=True):
        outbox.dispatch_after_commit([11])
    with django_capture_on_commit_callbacks(execute=True):
        outbox.dispatch_after_commit([12, None])
    assert messages(private_queue) == []
    assert outbox.coalesced.flush() == 2
    assert messages(private_queue) == [[[11, 12]]]


def test_no_window_publishes_at_once(private_queue, settings):
    settings.AFTER_COMMIT_COALESCE_MS = 0
    coalesced = Coalesced()
    assert coalesced.add(tasks_sync_task, [4], what="rows") is True
    assert coalesced.flush() == 0  # nothing was held back
    assert messages(private_queue) == [[[4]]]


def test_long_lists_are_sent_in_chunks(private_queue, settings):
    settings.AFTER_COMMIT_COALESCE_MS = 60_000
    coalesced = Coalesced()
    ids = list(range(IDS_PER_MESSAGE + 3))
    coalesced.add(tasks_sync_task, ids[:50], what="rows")
    coalesced.add(tasks_sync_task, ids[50:], what="rows")
    assert coalesced.flush() == len(ids)
    assert messages(private_queue) == [[ids[:IDS_PER_MESSAGE]], [ids[IDS_PER_MESSAGE:]]]


def test_a_broker_down_at_flush_time_is_logged_not_raised(settings, caplog):
    """The ids are then left to the safety nets (journal catch-up, re-dispatch of pending rows)."""
    settings.AFTER_COMMIT_COALESCE_MS = 60_000
    coalesced = Coalesced()
    with broker_used(f"redis://127.0.0.1:{free_port()}/0"):
        coalesced.add(tasks_sync_task, [9], what="journal rows for the task sync")
        assert coalesced.flush() == 0
    assert "Broker unavailable, left for the safety net: journal rows for the task sync: 1" in caplog.text
