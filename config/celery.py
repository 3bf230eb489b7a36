"""Celery application: one app for the web, the worker and beat."""

import datetime as dt
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("filrouge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def task_now(now_iso: str | None) -> dt.datetime:
    """The clock, read at the task's edge: the instant a replay passes (ISO), else now."""
    from django.utils import timezone

    return dt.datetime.fromisoformat(now_iso) if now_iso else timezone.now()


def routes_reload() -> None:
    """Celery builds its router from `task_routes` at the first publish and keeps it: a change
    made afterwards (the bench's own queue, a test's) needs the router rebuilt."""
    app.amqp.flush_routes()
    app.amqp.__dict__.pop("router", None)
