"""Deleting short-lived technical rows once they have served: spent one-time form tokens, API
idempotency keys. Neither holds anything about a person beyond a user id and an outcome; kept
forever, they only grow.

`rows_purge` deletes in keyset batches (`pk > last`, `LIMIT batch_size`), each batch its own short
transaction, so a large backlog never holds one long lock nor one huge DELETE. An aged row never
becomes young again, so a batch needs no re-check beyond the same cutoff; running twice, or beside
itself, deletes nothing twice. The cutoff comes from `now`, passed in (the task reads the clock).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models, transaction

from casework.models import IdempotencyRecord

BATCH_SIZE = 1000


def rows_purge(
    queryset: models.QuerySet, *, before: dt.datetime, field: str = "created_at", batch_size: int = BATCH_SIZE
) -> int:
    """Delete the rows of `queryset` whose `field` is strictly before `before`; the number deleted."""
    aged = queryset.filter(**{f"{field}__lt": before})
    total, last = 0, None
    while True:
        batch = aged if last is None else aged.filter(pk__gt=last)
        ids = list(batch.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return total
        with transaction.atomic():
            deleted, _ = aged.filter(pk__in=ids).delete()
        total += deleted
        last = ids[-1]
        if len(ids) < batch_size:
            return total


def idempotency_records_purge(*, now: dt.datetime, days: int | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Forget `Idempotency-Key`s older than `IDEMPOTENCY_KEY_RETENTION_DAYS` (7): a client retries
    within minutes or hours; after that the same key is a new request."""
    days = settings.IDEMPOTENCY_KEY_RETENTION_DAYS if days is None else days
    return rows_purge(IdempotencyRecord.objects.all(), before=now - dt.timedelta(days=days), batch_size=batch_size)
