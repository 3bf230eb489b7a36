"""Backfill `Deadline.next_alert_on` for open deadlines from the alerts already fired."""

from django.db import migrations

BACKFILL = """
UPDATE casework_deadline SET next_alert_on = CASE
    WHEN EXISTS (SELECT 1 FROM notifications_alert a WHERE a.deadline_id = casework_deadline.id AND a.level = 'overdue')
        THEN NULL
    WHEN EXISTS (SELECT 1 FROM notifications_alert a WHERE a.deadline_id = casework_deadline.id AND a.level = 'due')
        THEN overdue_alert_on
    WHEN EXISTS (SELECT 1 FROM notifications_alert a WHERE a.deadline_id = casework_deadline.id AND a.level = 'due_soon')
        THEN due_alert_on
    ELSE COALESCE(due_soon_alert_on, due_alert_on)
END
WHERE status = 'open'
"""


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("casework", "0004_deadline_next_alert_on"),
    ]

    operations = [migrations.RunSQL(BACKFILL, migrations.RunSQL.noop)]
