"""Each PostgreSQL path of `casework.vendor_sql` gives the rows of its portable twin (both run here)."""

import datetime as dt

import pytest
from django.db import transaction

from casework import vendor_sql
from casework.enums import DeadlineStatus, RuleCode
from casework.models import Beneficiary, Deadline, DelayRule
from tests.helpers import advance

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 5)
NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
FIELDS = ("pathway_id", "rule_id", "rule_code", "ref", "starts_on", "due_on", "status", "updated_at", "next_alert_on")


def both_paths(monkeypatch, write, read):
    """What `read` returns after `write` on PostgreSQL's path, then on the portable one."""
    seen = []
    for postgres in (True, False):
        monkeypatch.setattr(vendor_sql, "is_postgresql", lambda postgres=postgres: postgres)
        with transaction.atomic():
            seen.append((write(), read()))
            transaction.set_rollback(True)
    return seen


def test_copy_writes_the_rows_bulk_create_writes(world, needs_postgres, monkeypatch):
    pathway = advance(world, world.enter(START), "social_track", START, social=True)
    rule = DelayRule.objects.get(code=RuleCode.IN_WORK_CHECKIN, is_active=True)
    rows = [
        {"pathway_id": pathway.pk, "rule_id": rule.pk, "rule_code": rule.code, "ref": f"m{m}", "starts_on": START,
         "due_on": START + dt.timedelta(days=30 * m), "status": DeadlineStatus.OPEN.value, "updated_at": NOW,
         "next_alert_on": None}
        for m in (1, 3, 6)
    ]  # fmt: skip

    def read():
        return sorted(Deadline.objects.filter(rule_code=rule.code).values_list(*FIELDS))

    (copied, by_copy), (created, by_orm) = both_paths(monkeypatch, lambda: vendor_sql.rows_copy(Deadline, rows), read)
    assert copied == created == 3 and by_copy == by_orm and len(by_copy) == 3


def test_a_public_is_found_in_the_list_by_both_lookups(world, needs_postgres, monkeypatch):
    world.enter(START)
    youth = Beneficiary.objects.first()
    youth.publics = ["youth", "rsa_majore"]
    youth.save()

    def read():
        return sorted(Beneficiary.objects.filter(vendor_sql.json_list_contains("publics", "youth")).values_list("pk"))

    (_, containment), (_, as_text) = both_paths(monkeypatch, lambda: None, read)
    assert containment == as_text == [(youth.pk,)]
