"""Celery tasks: thin wrappers that take ids or a time, call a service, own their retries."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from casework.services.board_summary import board_summary_refresh
from config.celery import task_now
from notifications.services import alerts, digest, outbox, person_messages, sweep

# Defined beside the outbox that enqueues it (the services do not import this module); registered
# here under its historical name by this import.
from notifications.services.outbox import send_notification_emails_task  # noqa: F401
from notifications.services.person_messages import send_person_messages_task  # noqa: F401

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def sweep_deadlines_task(now_iso: str | None = None, batch_size: int = sweep.BATCH_SIZE) -> dict:
    """Beat entry point; `now` is read here, at the edge, and passed down."""
    now = task_now(now_iso)
    # Stale alerts are checked by their own hourly task (resolve_stale_alerts_task).
    result = sweep.sweep_deadlines(now=now, batch_size=batch_size, resolve_stale=False)
    logger.info("sweep_deadlines %s", {k: v for k, v in result.items() if isinstance(v, int)})
    # The overdue board's counts, now that the day's alerts are written. Its own transaction;
    # a failure is logged and leaves the previous summary (the page shows its age, or counts
    # live when it is not today's): the sweep itself has succeeded.
    try:
        result["board_summary"] = board_summary_refresh(today=timezone.localdate(now), now=now)
    except Exception:
        logger.exception("board_summary_refresh failed after the sweep")
        result["board_summary"] = None
    return result


@shared_task(acks_late=True)
def resolve_stale_alerts_task() -> int:
    """Safety net for deadlines closed outside the services (admin, SQL): reads every open alert."""
    return alerts.alerts_resolve_stale(now=timezone.now())


@shared_task(acks_late=True)
def redispatch_pending_task() -> int:
    return outbox.redispatch_pending(now=timezone.now())


@shared_task(acks_late=True)
def send_daily_digests_task() -> int:
    return digest.send_daily_digests(now=timezone.now())


@shared_task(acks_late=True)
def appointment_reminders_task(now_iso: str | None = None) -> int:
    """Beat entry point: the reminders due today, each written once (unique rows), then sent."""
    return person_messages.appointment_reminders_queue(now=task_now(now_iso))


@shared_task(acks_late=True)
def redispatch_person_messages_task() -> int:
    return person_messages.person_messages_redispatch(now=timezone.now())
