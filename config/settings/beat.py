"""All periodic work in one place, and its intervals from the environment; `base` imports it."""

import os

from celery.schedules import crontab

SWEEP_INTERVAL_MINUTES = int(os.environ.get("SWEEP_INTERVAL_MINUTES", "15"))
OUTBOX_REDISPATCH_MINUTES = int(os.environ.get("OUTBOX_REDISPATCH_MINUTES", "5"))

# All periodic work in one place. Beat reads this table; the DatabaseScheduler mirrors it
# into django-celery-beat so the schedule can be inspected and paused from the admin.
CELERY_BEAT_SCHEDULE = {
    # The deadline engine: creates due-soon / due / overdue alerts and resolves stale ones.
    # Every 15 min by default so an alert reaches the referent the morning it is due.
    "sweep-deadlines": {
        "task": "notifications.tasks.sweep_deadlines_task",
        "schedule": SWEEP_INTERVAL_MINUTES * 60,
    },
    # Safety net for alerts whose deadline was closed outside the services (admin, SQL).
    # The services resolve alerts in the same transaction; this reads every open alert, so hourly.
    "resolve-stale-alerts": {
        "task": "notifications.tasks.resolve_stale_alerts_task",
        "schedule": 3600,
    },
    # The outbox safety net: re-dispatches notifications still pending (broker was down
    # at commit time, or a worker died before sending).
    "redispatch-outbox": {
        "task": "notifications.tasks.redispatch_pending_task",
        "schedule": OUTBOX_REDISPATCH_MINUTES * 60,
    },
    # Daily digest for professionals who chose it: one e-mail before the working day.
    "daily-digest": {
        "task": "notifications.tasks.send_daily_digests_task",
        "schedule": crontab(hour=7, minute=0),
    },
    # RGPD retention: every night at 03:30, anonymise the people whose pathways all closed
    # more than RETENTION_CLOSED_MONTHS ago. Idempotent; `manage.py anonymise_expired --now` replays it.
    "anonymise-expired": {
        "task": "workflows.tasks.anonymise_expired_task",
        "schedule": crontab(hour=3, minute=30),
    },
    # Indicator facts (one row per entry, read by the dashboard, its CSV and /api/v1/indicators/):
    # every 10 min, recompute the entries of the pathways touched since the last refresh; the
    # page shows "Chiffres au <refresh time>". `manage.py refresh_indicator_facts [--full]`.
    "refresh-indicator-facts": {
        "task": "workflows.tasks.refresh_indicator_facts_task",
        "schedule": 10 * 60,
    },
    # …and a full rebuild every night at 04:15 (catches edits no watermark sees, e.g. publics).
    "refresh-indicator-facts-full": {
        "task": "workflows.tasks.refresh_indicator_facts_task",
        "schedule": crontab(hour=4, minute=15),
        "kwargs": {"full": True},
    },
    # Viewflow task inboxes follow each transition through its follow-up message after commit;
    # every minute, this syncs the pathways still pending 30 s after their commit (message lost,
    # worker died, broker down at commit). SKIP LOCKED: safe beside the worker and itself.
    "sync-workflow-tasks": {  # the name of the entry it replaces, which beat's table keeps
        "task": "workflows.tasks.tasks_sync_drain_task",
        "schedule": 60,
    },
    # Every night at 03:45 (after the anonymisation, before the indicator rebuild): delete the
    # spent one-time form tokens older than FORM_TOKEN_RETENTION_DAYS and the API idempotency keys
    # older than IDEMPOTENCY_KEY_RETENTION_DAYS, in batches — they only guard against a double
    # submit or a retry, and would otherwise grow forever.
    "purge-spent-tokens": {
        "task": "workflows.tasks.purge_spent_tokens_task",
        "schedule": crontab(hour=3, minute=45),
    },
    # Breach procedure: every night at 00:20 (Europe/Paris), close the suspensions whose period
    # ended the day before (the suspended sums are lost; the decision's payer line carried the
    # period). Idempotent: `breach_suspensions_end` re-checks each row's state under its lock.
    "end-breach-suspensions": {
        "task": "workflows.tasks.breach_suspensions_end_task",
        "schedule": crontab(hour=0, minute=20),
    },
    # Appointment reminders to the person, two days before (issue 18): hourly from 8:00 to 19:00
    # (no SMS at night). Unique rows per (appointment, kind, channel): a re-run sends nothing twice.
    "appointment-reminders": {
        "task": "notifications.tasks.appointment_reminders_task",
        "schedule": crontab(hour="8-19", minute=5),
    },
    # The payers' drop folder (FLUX_DROP_DIR), every 5 minutes: each new file is imported once
    # (its digest), then moved to `traités/` or `rejetés/`; imports left unfinished (a lost
    # message, a dead worker) are published again.
    "flux-drop-folder": {
        "task": "workflows.flux.tasks.flux_drop_folder_scan_task",
        "schedule": 5 * 60,
    },
    # The person's messages still pending (broker down, a worker died, a back-off over).
    "redispatch-person-messages": {
        "task": "notifications.tasks.redispatch_person_messages_task",
        "schedule": OUTBOX_REDISPATCH_MINUTES * 60,
    },
}
