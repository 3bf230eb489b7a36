"""Test settings: the database and broker come from the environment (PostgreSQL/Redis in CI)."""

import os

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret-" + "x" * 40
FILROUGE_NIR_KEY = "test-only-nir-key"
DEBUG = False
# The integration tests start a real Celery worker with these settings and a real broker: it
# must not run tasks eagerly, and it writes e-mails to files the test can read (the environment
# says so); everything else runs tasks inline and keeps e-mails in memory.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))  # noqa: F405
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", True)  # noqa: F405
CELERY_TASK_EAGER_PROPAGATES = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Security (issue 6): axes stays on (the browser tests log in through the form; the limit is 5).
# `client.force_login` bypasses authentication backends, so it is unaffected.
AXES_ENABLED = True
# django-simple-history records changes in tests too: audit tests rely on it.

# SMS kept in memory (notifications.sms.backends.LocmemBackend.outbox), like the e-mails.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "locmem")
SMS_CALLBACK_TOKEN = "test-sms-callback-token"
