"""Local development (`make run`): DEBUG on, e-mails printed to the console."""

import os

from .base import *  # noqa: F403

DEBUG = env_bool("DJANGO_DEBUG", True)  # noqa: F405
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-" + "x" * 40  # noqa: F405
FILROUGE_NIR_KEY = FILROUGE_NIR_KEY or "dev-only-nir-key"  # noqa: F405
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
