"""Celery tasks of the payers' flux: thin, ids in, the clock read at the edge.

Registered through `CELERY_IMPORTS` (autodiscovery only finds `<app>.tasks`).
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.utils import timezone

from casework.enums import FluxImportStatus
from casework.models import FluxImport
from config.celery import task_now
from notifications.services import outbox
from workflows.flux.drop_folder import drop_folder_scan
from workflows.flux.importer import flux_import_run

logger = logging.getLogger(__name__)

# An import still pending this long after its creation lost its message (broker down at upload);
# one running with no heartbeat for this long was interrupted (worker killed): both are re-run.
PENDING_GRACE = dt.timedelta(minutes=2)
STALLED_AFTER = dt.timedelta(minutes=10)


@shared_task(acks_late=True)
def flux_import_task(import_id: int, now_iso: str | None = None) -> dict:
    """Run (or resume) one import; applying a line twice is impossible (its unique key)."""
    imp = flux_import_run(import_id, now=task_now(now_iso), clock=timezone.now)
    logger.info("flux import %s: %s %s", imp.pk, imp.status, imp.counts)
    return {"status": imp.status, "counts": imp.counts}


def flux_import_publish(import_id: int) -> bool:
    """Enqueue the import (after commit); False when the broker refused (the scan re-publishes)."""
    return outbox.publish(flux_import_task, (import_id,), what=f"flux import {import_id}")


def flux_imports_unfinished(now: dt.datetime) -> list[int]:
    """Imports whose message was lost or whose worker died: the safety net re-runs them."""
    pending = FluxImport.objects.filter(status=FluxImportStatus.PENDING, created_at__lt=now - PENDING_GRACE)
    stalled = FluxImport.objects.filter(status=FluxImportStatus.RUNNING, heartbeat_at__lt=now - STALLED_AFTER)
    return sorted({*pending.values_list("pk", flat=True), *stalled.values_list("pk", flat=True)})


@shared_task(acks_late=True)
def flux_drop_folder_scan_task(now_iso: str | None = None) -> dict:
    """Beat: import the drop folder's new files, and re-publish the imports left unfinished."""
    now = task_now(now_iso)
    imported = drop_folder_scan(now=now, clock=timezone.now)
    resumed = [pk for pk in flux_imports_unfinished(now) if flux_import_publish(pk)]
    logger.info("flux drop folder: imports %s, re-run %s", imported, resumed)
    return {"imported": imported, "resumed": resumed}
