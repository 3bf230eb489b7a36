"""The deadline sweep's set-based writes: one `INSERT … SELECT FROM unnest(…)` per batch on
PostgreSQL, each beside the ORM twin that writes the same rows elsewhere (SQLite under
`make run`); `tests/notifications/test_sweep_sql.py` runs both on PostgreSQL and compares them.

Columns travel as parallel lists (one list per column, in `ALERT_COLUMNS` / `NOTIFICATION_COLUMNS`
order): a batch of 500 deadlines is one statement with a dozen array parameters, not 500 rows of
parameters.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection
from django.db.models import Case, DateField, Value, When
from django.db.models.functions import Cast

from casework.models import Deadline
from casework.vendor_sql import is_postgresql
from notifications.models import Alert, Notification

# --- alerts ------------------------------------------------------------------------------------

ALERT_COLUMNS = ("deadline_id", "pathway_id", "rule_code", "level", "due_on", "recipient_role", "recipient_id",
                 "recipient_organisation_id")  # fmt: skip
_ALERT_INSERT = """
INSERT INTO notifications_alert (deadline_id, pathway_id, rule_code, level, due_on, recipient_role,
                                 recipient_id, recipient_organisation_id, status, created_at)
SELECT t.d, t.p, t.r, t.lvl, t.due, t.role, t.rc, t.org, 'open', %s
FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::varchar[], %s::date[], %s::varchar[], %s::bigint[],
            %s::bigint[]) AS t(d, p, r, lvl, due, role, rc, org)
ON CONFLICT (deadline_id, level) DO NOTHING
RETURNING id, deadline_id, level
"""


def alerts_insert(columns: list[list], now: dt.datetime) -> list[tuple[int, int, str]]:
    """Insert alerts, skipping (deadline, level) pairs that exist; return (alert id, deadline id, level) created."""
    return (_alerts_insert_sql if is_postgresql() else _alerts_insert_orm)(columns, now)


def _alerts_insert_sql(columns: list[list], now: dt.datetime) -> list[tuple[int, int, str]]:
    with connection.cursor() as cur:
        cur.execute(_ALERT_INSERT, [now, *columns])
        return cur.fetchall()


def _alerts_insert_orm(columns: list[list], now: dt.datetime) -> list[tuple[int, int, str]]:
    rows = [dict(zip(ALERT_COLUMNS, values, strict=True)) for values in zip(*columns, strict=True)]
    Alert.objects.bulk_create([Alert(created_at=now, **row) for row in rows], ignore_conflicts=True)
    return list(
        Alert.objects.filter(deadline_id__in=columns[0], created_at=now).values_list("id", "deadline_id", "level")
    )


# --- their notifications -----------------------------------------------------------------------

NOTIFICATION_COLUMNS = ("recipient_id", "to_email", "event", "alert_id", "pathway_id", "subject", "body", "link",
                        "email_status")  # fmt: skip
_NOTIFICATION_INSERT = """
INSERT INTO notifications_notification (recipient_id, to_email, event, alert_id, pathway_id, subject, body, link,
                                        created_at, email_status, email_attempts, last_error)
SELECT t.rc, t.email, t.event, t.a, t.p, t.subject, t.body, t.link, %s, t.status, 0, ''
FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::bigint[], %s::bigint[], %s::varchar[], %s::text[],
            %s::varchar[], %s::varchar[]) AS t(rc, email, event, a, p, subject, body, link, status)
ON CONFLICT DO NOTHING
RETURNING id
"""


def notifications_insert(columns: list[list], now: dt.datetime) -> list[int]:
    """Insert notifications, skipping those that exist (one per alert and recipient); return the new ids."""
    if not columns[0]:
        return []
    return (_notifications_insert_sql if is_postgresql() else _notifications_insert_orm)(columns, now)


def _notifications_insert_sql(columns: list[list], now: dt.datetime) -> list[int]:
    with connection.cursor() as cur:
        cur.execute(_NOTIFICATION_INSERT, [now, *columns])
        return [i for (i,) in cur.fetchall()]


def _notifications_insert_orm(columns: list[list], now: dt.datetime) -> list[int]:
    rows = [dict(zip(NOTIFICATION_COLUMNS, values, strict=True)) for values in zip(*columns, strict=True)]
    Notification.objects.bulk_create([Notification(created_at=now, **row) for row in rows], ignore_conflicts=True)
    return list(Notification.objects.filter(alert_id__in=columns[3], created_at=now).values_list("id", flat=True))


# --- the deadlines' next alert day -------------------------------------------------------------

_ADVANCE_UPDATE = """
UPDATE casework_deadline d SET next_alert_on = t.n
FROM unnest(%s::bigint[], %s::date[]) AS t(id, n)
WHERE d.id = t.id
"""


def deadlines_advance(fired: dict[int, dt.date | None]) -> None:
    """Move each fired deadline's `next_alert_on` to its next level's day (or clear it)."""
    if fired:
        (_deadlines_advance_sql if is_postgresql() else _deadlines_advance_orm)(fired)


def _deadlines_advance_sql(fired: dict[int, dt.date | None]) -> None:
    with connection.cursor() as cur:
        cur.execute(_ADVANCE_UPDATE, [list(fired), list(fired.values())])


def _deadlines_advance_orm(fired: dict[int, dt.date | None]) -> None:
    by_day: dict[dt.date | None, list[int]] = defaultdict(list)
    for pk, day in fired.items():
        by_day[day].append(pk)
    whens = [When(pk__in=pks, then=Cast(Value(day), output_field=DateField())) for day, pks in by_day.items()]
    Deadline.objects.filter(pk__in=list(fired)).update(next_alert_on=Case(*whens, output_field=DateField()))
