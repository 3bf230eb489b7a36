"""Celery tasks of the workflows app: thin, they read the clock at the edge and call a service."""

from __future__ import annotations

import logging

from celery import shared_task

from casework.services.retention import anonymise_expired
from config.celery import task_now

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
def tasks_sync_task(log_ids: list[int]) -> int:
    """After a transition committed: bring the viewflow tasks of its pathway in step."""
    from workflows.flows import tasks_sync_for_logs

    return tasks_sync_for_logs(log_ids)


@shared_task(acks_late=True)
def tasks_sync_catch_up_task(now_iso: str | None = None) -> dict:
    """Beat safety net for sync messages lost with the broker or a worker."""
    from workflows.flows import tasks_sync_catch_up

    now = task_now(now_iso)
    result = tasks_sync_catch_up(now=now)
    logger.info("tasks_sync_catch_up %s", result)
    return result
