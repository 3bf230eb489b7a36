"""Celery tasks of the workflows app: thin, they read the clock at the edge and call a service."""

from __future__ import annotations

import contextlib
import contextvars
import logging

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from casework.context import bound
from casework.services.purge import idempotency_records_purge
from casework.services.retention import anonymise_expired
from config.celery import task_now
from notifications.services import outbox
from workflows.flows.breaches import breach_suspensions_end
from workflows.flows.sync import pathways_tasks_sync, tasks_sync_drain
from workflows.models import form_submissions_purge

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def anonymise_expired_task(now_iso: str | None = None) -> int:
    """RGPD retention: anonymise people whose pathways closed more than RETENTION_CLOSED_MONTHS ago."""
    now = task_now(now_iso)
    count = anonymise_expired(now=now)
    logger.info("anonymise_expired: people anonymised: %d", count)
    return count


@shared_task(acks_late=True)
def refresh_indicator_facts_task(now_iso: str | None = None, full: bool = False) -> dict:
    """Keep the indicator facts fresh (incremental: the pathways touched since the last refresh)."""
    from casework.services.facts import facts_refresh

    now = task_now(now_iso)
    result = facts_refresh(now=now, full=full)
    logger.info("refresh_indicator_facts %s", result)
    return result


@shared_task(acks_late=True)
def transition_followup_task(pathway_ids: list[int], notification_ids: list[int]) -> dict:
    """After a transition committed: its pathway's tasks synced, its notifications' e-mails
    sent — one message per transaction. A failure leaves the rows pending for their safety
    nets (the tasks-sync drain, the outbox re-dispatch), which retry them."""
    synced = pathways_tasks_sync(pathway_ids)
    statuses, failed = outbox.emails_send(notification_ids, now=timezone.now())
    if failed is not None:
        logger.warning("E-mail left pending for the re-dispatch: %r", failed)
    return {"tasks_synced": synced, "emails": statuses}


def followups_publish(pathway_ids: list[int], notification_ids: list[int]) -> bool:
    """Publish `transition_followup_task` (called after commit), one message per
    `outbox.IDS_PER_MESSAGE` pathways (the notifications with the first); False at the first
    refusal of the broker (the drain and the re-dispatch find the rest)."""
    step = outbox.IDS_PER_MESSAGE
    for start in range(0, max(len(pathway_ids), 1), step):
        chunk, notified = pathway_ids[start : start + step], notification_ids if start == 0 else []
        if not outbox.publish(transition_followup_task, (chunk, notified), what=f"task sync of {len(chunk)} pathways"):
            return False
    return True


_gathered: contextvars.ContextVar[tuple[list[int], list[int]] | None] = contextvars.ContextVar(
    "filrouge_followups", default=None
)


@contextlib.contextmanager
def followups_gathered():
    """Inside the block (many transitions and entries in one transaction: a batch of the payers'
    flux), their follow-ups are published together after the commit — a message per hundred
    pathways instead of one per transition. Nested blocks share the outer one."""
    if _gathered.get() is not None:
        yield
        return
    gathered: tuple[list[int], list[int]] = ([], [])
    with bound(_gathered, gathered):
        yield
    if gathered[0]:
        transaction.on_commit(lambda: followups_publish(*gathered))


def followup_after_commit(pathway_ids: list[int], notification_ids: list[int]) -> None:
    """The last step of a transition or an entry: after its commit, one message asks the worker
    to sync the pathways' tasks and send the notifications' e-mails (gathered in a
    `followups_gathered` block)."""
    gathered = _gathered.get()
    if gathered is not None:
        gathered[0].extend(pathway_ids)
        gathered[1].extend(notification_ids)
        return
    transaction.on_commit(lambda: followups_publish(pathway_ids, notification_ids))


@shared_task(acks_late=True)
def tasks_sync_drain_task(now_iso: str | None = None) -> int:
    """Beat safety net: the pathways whose follow-up message never ran."""
    synced = tasks_sync_drain(now=task_now(now_iso))
    logger.info("tasks_sync_drain: pathways synced: %d", synced)
    return synced


@shared_task(acks_late=True)
def purge_spent_tokens_task(now_iso: str | None = None) -> dict:
    """Nightly: delete the one-time form tokens and the API idempotency keys past their use
    (`FORM_TOKEN_RETENTION_DAYS`, `IDEMPOTENCY_KEY_RETENTION_DAYS`), in batches; idempotent."""
    now = task_now(now_iso)
    result = {
        "form_submissions": form_submissions_purge(now=now),
        "idempotency_records": idempotency_records_purge(now=now),
    }
    logger.info("purge_spent_tokens %s", result)
    return result


@shared_task(acks_late=True)
def breach_suspensions_end_task(now_iso: str | None = None) -> int:
    """Close the suspensions whose period ended before today (the breach procedure)."""
    ended = breach_suspensions_end(today=timezone.localdate(task_now(now_iso)))
    logger.info("breach_suspensions_end: suspensions closed: %d", ended)
    return ended
