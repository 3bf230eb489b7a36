"""The nightly purge of spent one-time form tokens (30 days) and API idempotency keys (7 days):
rows just younger than the cutoff are kept, older ones deleted, in batches, `now` passed in."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from casework.models import IdempotencyRecord
from casework.services.purge import idempotency_records_purge
from tests.factories import UserFactory
from workflows.models import FormSubmission, form_submissions_purge
from workflows.tasks import purge_spent_tokens_task

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(dt.datetime(2026, 12, 3, 3, 45))
SECOND = dt.timedelta(seconds=1)


def spent_token(user, at: dt.datetime) -> FormSubmission:
    return FormSubmission.objects.create(token=uuid.uuid4(), user=user, created_at=at, outcome_url="/")


def idempotency_key(user, at: dt.datetime) -> IdempotencyRecord:
    return IdempotencyRecord.objects.create(user=user, key=str(uuid.uuid4()), fingerprint="0" * 64, created_at=at)


def test_form_tokens_older_than_30_days_are_deleted_younger_kept():
    user = UserFactory()
    kept = [spent_token(user, NOW - dt.timedelta(days=30) + SECOND), spent_token(user, NOW - dt.timedelta(days=1))]
    spent_token(user, NOW - dt.timedelta(days=30) - SECOND)
    spent_token(user, NOW - dt.timedelta(days=400))
    assert form_submissions_purge(now=NOW) == 2
    assert set(FormSubmission.objects.values_list("pk", flat=True)) == {s.pk for s in kept}
    assert form_submissions_purge(now=NOW) == 0  # twice in a row: nothing more


def test_idempotency_keys_older_than_7_days_are_deleted_younger_kept():
    user = UserFactory()
    kept = idempotency_key(user, NOW - dt.timedelta(days=7) + SECOND)
    idempotency_key(user, NOW - dt.timedelta(days=7) - SECOND)
    assert idempotency_records_purge(now=NOW) == 1
    assert list(IdempotencyRecord.objects.values_list("pk", flat=True)) == [kept.pk]


def test_durations_come_from_the_settings(settings):
    settings.FORM_TOKEN_RETENTION_DAYS = 2
    settings.IDEMPOTENCY_KEY_RETENTION_DAYS = 1
    user = UserFactory()
    spent_token(user, NOW - dt.timedelta(days=3))
    idempotency_key(user, NOW - dt.timedelta(days=2))
    assert (form_submissions_purge(now=NOW), idempotency_records_purge(now=NOW)) == (1, 1)


def test_the_purge_goes_in_batches_and_misses_nothing():
    user = UserFactory()
    old = NOW - dt.timedelta(days=31)
    for _ in range(7):
        spent_token(user, old)
    young = spent_token(user, NOW)
    assert form_submissions_purge(now=NOW, batch_size=3) == 7
    assert list(FormSubmission.objects.values_list("pk", flat=True)) == [young.pk]


def test_the_beat_task_takes_now_and_purges_both(settings):
    user = UserFactory()
    spent_token(user, NOW - dt.timedelta(days=31))
    spent_token(user, NOW - dt.timedelta(days=29))
    idempotency_key(user, NOW - dt.timedelta(days=8))
    idempotency_key(user, NOW - dt.timedelta(days=6))
    assert purge_spent_tokens_task(NOW.isoformat()) == {"form_submissions": 1, "idempotency_records": 1}
    assert (FormSubmission.objects.count(), IdempotencyRecord.objects.count()) == (1, 1)
    entry = settings.CELERY_BEAT_SCHEDULE["purge-spent-tokens"]
    assert entry["task"] == purge_spent_tokens_task.name
