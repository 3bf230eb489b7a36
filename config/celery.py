"""Celery application: one app for the web, the worker and beat."""

import datetime as dt
import os
from pathlib import Path

from celery import Celery
from django.utils import timezone

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

app = Celery("filrouge")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The filesystem broker's folders (`make run` with no broker server): kombu makes only its
# control folder, and settings must not write to the disk when imported.
BROKER_FOLDERS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


@app.on_after_configure.connect
def broker_folders_make(sender: Celery, **kwargs) -> None:
    """Make the filesystem broker's folders once the app reads its configuration, in every
    process that publishes or consumes (web, worker, beat, a management command)."""
    if not str(sender.conf.broker_url or "").startswith("filesystem://"):
        return
    options = sender.conf.broker_transport_options or {}
    for key in BROKER_FOLDERS:
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


def task_now(now_iso: str | None) -> dt.datetime:
    """The clock, read at the task's edge: the instant a replay passes (ISO), else now."""
    return dt.datetime.fromisoformat(now_iso) if now_iso else timezone.now()
