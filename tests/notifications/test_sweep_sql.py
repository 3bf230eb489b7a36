"""The sweep's set-based statements (`notifications.services.sweep_sql`) write the rows their
ORM twins write: both run on PostgreSQL from the same rows, then the tables are compared."""

import datetime as dt

import pytest
from django.db import transaction

from casework.models import Deadline
from notifications.models import Alert, Notification
from notifications.services import sweep_sql
from tests.helpers import at

pytestmark = pytest.mark.django_db
D = dt.date
NOW = at(D(2026, 3, 2))
EARLIER = at(D(2026, 3, 1))


def twice(write_sql, write_orm, read):
    """(returned, rows read) for each path, from the same starting rows (each rolled back)."""
    seen = []
    for write in (write_sql, write_orm):
        with transaction.atomic():
            returned = write()
            seen.append((returned, read()))
            transaction.set_rollback(True)
    return seen


def alert_rows(deadlines, level="due"):
    return [(d.pk, d.pathway_id, d.rule_code, level, d.due_on, "referent", None, None) for d in deadlines]


def test_alerts_insert_skips_existing_levels_as_the_orm_does(world, needs_postgres):
    first, second = world.enter(D(2026, 1, 5)), world.enter(D(2026, 1, 5))
    deadlines = list(Deadline.objects.filter(pathway__in=[first, second]).order_by("pk"))
    sweep_sql.alerts_insert(alert_rows(deadlines[:1]), EARLIER)  # one level exists already (an earlier sweep)
    columns = alert_rows(deadlines)

    def read():
        return sorted(Alert.objects.values_list("deadline_id", "pathway_id", "rule_code", "level", "due_on",
                                                "recipient_role", "status", "created_at"))  # fmt: skip

    (sql_new, sql_rows), (orm_new, orm_rows) = twice(
        lambda: sweep_sql._alerts_insert_sql(columns, NOW), lambda: sweep_sql._alerts_insert_orm(columns, NOW), read
    )
    assert sql_rows == orm_rows and len(sql_rows) == len(deadlines)
    assert [d for _, d, _ in sql_new] == [d for _, d, _ in orm_new] == [d.pk for d in deadlines[1:]]


def test_notifications_insert_skips_twins_as_the_orm_does(world, needs_postgres):
    pathway = world.enter(D(2026, 1, 5))
    (alert_id, _, _), *_ = sweep_sql.alerts_insert(alert_rows(Deadline.objects.filter(pathway=pathway)), NOW)
    row = (world.referent.pk, "", "alert", alert_id, pathway.pk, "Échéance", "Texte", "/parcours/", "pending")
    sweep_sql.notifications_insert([row], EARLIER)
    columns = [row, (world.lead.pk, *row[1:])]  # a second recipient; the first one's twin is skipped

    def read():
        fields = ("recipient_id", "to_email", "event", "alert_id", "pathway_id", "subject", "body", "link",
                  "email_status", "created_at")  # fmt: skip
        return sorted(Notification.objects.values_list(*fields))

    (sql_new, sql_rows), (orm_new, orm_rows) = twice(
        lambda: sweep_sql._notifications_insert_sql(columns, NOW),
        lambda: sweep_sql._notifications_insert_orm(columns, NOW),
        read,
    )
    assert sql_rows == orm_rows and len(sql_rows) == 2
    assert len(sql_new) == len(orm_new) == 1


def test_advancing_next_alert_days_sets_what_the_orm_case_sets(world, needs_postgres):
    pathways = [world.enter(D(2026, 1, 5)) for _ in range(3)]
    ids = list(Deadline.objects.filter(pathway__in=pathways).order_by("pk").values_list("pk", flat=True))
    fired = {ids[0]: D(2026, 4, 1), ids[1]: None, ids[2]: D(2026, 4, 1)}

    def read():
        return sorted(Deadline.objects.values_list("pk", "next_alert_on"))

    (_, sql_rows), (_, orm_rows) = twice(
        lambda: sweep_sql._deadlines_advance_sql(fired), lambda: sweep_sql._deadlines_advance_orm(fired), read
    )
    assert sql_rows == orm_rows
    assert dict(sql_rows)[ids[1]] is None and dict(sql_rows)[ids[2]] == D(2026, 4, 1)
