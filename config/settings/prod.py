"""Production: everything secret or site-specific must come from the environment."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)  # noqa: F405
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
STORAGES = PRODUCTION_STORAGES  # noqa: F405

# --- Security (issue 6) -----------------------------------------------------------------
# Secrets and site-specific values only from the environment; refuse to start without them.
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith(("dev-only", "test-only", "django-insecure")):
    raise RuntimeError("DJANGO_SECRET_KEY must be a random value of at least 50 characters in production.")
if len(FILROUGE_NIR_KEY) < 32:  # noqa: F405
    raise RuntimeError("FILROUGE_NIR_KEY must be a random value of at least 32 characters in production.")
if not os.environ.get("DATABASE_URL"):
    raise RuntimeError("DATABASE_URL must be set in production (PostgreSQL).")
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h] or ALLOWED_HOSTS  # noqa: F405
SESSION_COOKIE_NAME = "__Host-filrouge-session"  # __Host-: Secure, Path=/, no Domain
CSRF_COOKIE_NAME = "__Host-filrouge-csrftoken"
# The documented deployment has one reverse proxy (TLS) in front of gunicorn: axes must
# throttle the client, not the proxy (config.security.client_ip). Set 0 when gunicorn is
# reached directly, 2 behind a load balancer and a proxy.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "1"))
