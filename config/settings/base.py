"""Settings shared by every environment; everything that differs comes from the environment."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("FILROUGE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
# The key of the NIR's keyed hash (casework.identity_keys): a secret of its own, so that rotating
# the session-signing key does not orphan every stored NIR.
FILROUGE_NIR_KEY = os.environ.get("FILROUGE_NIR_KEY", "")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "django_celery_beat",
    "viewflow",
    "viewflow.workflow",
    "axes",
    "simple_history",
    "csp",
    "casework",
    "workflows",
    "notifications",
    # After knox and viewflow: its admin module withdraws their pages (see accounts/admin.py).
    "accounts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Security (issue 6): CSP header on every response (the docs page gets a relaxed policy),
    # the audit trail's "who" from the request, and axes last (login throttling).
    "config.security.ContentSecurityPolicyMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Issue 14: `Cache-Control: no-store` on every authenticated answer and partner link page.
    "config.security.NoStoreMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Searched before the apps' folders: our 400/403/404/500 pages shadow viewflow's Material
        # ones (viewflow ships templates/403.html etc., found first when ours did not exist).
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.unread_notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'filrouge.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES:
    # Short OLTP queries: PostgreSQL's JIT compiled the caseload query for 3.2 s out of
    # 3.4 s when the planner overestimated rows (bench, EXPLAIN ANALYZE). Off for our sessions.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # Prepared statements: a transition runs the same dozen statements every time, and
    # PostgreSQL spent more time planning them than executing them (pg_stat_statements: the
    # pathway lock 0.48 ms of planning for 0.06 ms of execution). With server-side binding
    # psycopg prepares a statement once it has run `prepare_threshold` times on a connection.
    # Behind PgBouncer in transaction mode (before 1.21), set DATABASE_PREPARE_THRESHOLD=off.
    _prepare = os.environ.get("DATABASE_PREPARE_THRESHOLD", "5").strip().lower()
    if _prepare not in ("off", "none", ""):
        if not _prepare.isdigit():
            raise ImproperlyConfigured(f"DATABASE_PREPARE_THRESHOLD={_prepare!r}: a whole number, or 'off'.")
        DATABASES["default"]["OPTIONS"].update({"server_side_binding": True, "prepare_threshold": int(_prepare)})
if not IS_POSTGRES:
    # SQLite is the embedded default for `make run` (web, worker and beat share one file):
    # take the write lock when a transaction starts, and wait for it, rather than fail with
    # "database is locked" when a reader tries to upgrade to a writer.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production's storages (config.settings.prod and the image build, config.settings.build):
# hashed, compressed static files (config.storage.StaticStorage).
PRODUCTION_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.storage.StaticStorage"},
}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Fil rouge <ne-pas-repondre@filrouge.local>")
# Links in e-mails. Unset, it follows the address `make run` serves on (HOST, PORT), so a
# server started on another port does not send links to :8000.
_SITE_HOST = os.environ.get("HOST", "") if os.environ.get("HOST", "") not in ("", "0.0.0.0", "::") else "127.0.0.1"
SITE_URL = (os.environ.get("SITE_URL") or f"http://{_SITE_HOST}:{os.environ.get('PORT') or '8000'}").rstrip("/")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # API tokens (issue 14): django-rest-knox stores a digest, never the key, with an expiry.
        # First, so that a missing, expired or revoked token answers 401 with WWW-Authenticate.
        "knox.auth.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "config.api.BoundedLimitOffsetPagination",  # limit/offset validated
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DATE_INPUT_FORMATS": ["iso-8601"],
    "DATE_FORMAT": "iso-8601",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Fil rouge — API partenaires",
    "DESCRIPTION": (
        "Parcours d'insertion : bénéficiaires, parcours, transitions, contacts, échéances, alertes.\n\n"
        "Authentification : en-tête `Authorization: Token <clé>`. Un jeton est créé par son titulaire "
        "(page « Jetons d'API ») ou par `manage.py issue_api_token`, porte un libellé, expire, se révoque, "
        "et n'est affiché qu'une fois (seule son empreinte est conservée)."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.openapi.document_error_responses",  # 400/401/403/404/409 on every operation
    ],
}

# --- Celery -----------------------------------------------------------------------------
# Embedded default: kombu's filesystem transport, so `make run` needs no broker server.
BROKER_DIR = VAR_DIR / "broker"
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "filesystem://localhost/"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # With no host in the URL kombu warns "No hostname was supplied" at every connection;
    # the host means nothing to this transport (the folders below do): name one.
    CELERY_BROKER_URL = "filesystem://localhost/"
    # The folders are made by the Celery app once configured (`config.celery`), not here.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.05,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when the broker is down: the outbox keeps the row and the
# periodic re-dispatch sends it later, so a web request never hangs on Redis.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# The periodic work (beat) and its intervals, in a module of their own.
from .beat import *  # noqa: E402, F403

# The payers' flux import (docs/flux.md): its settings in a module of their own.
from .flux import *  # noqa: E402, F403

# How long a spent one-time form token (a double click, a second tab) and an API Idempotency-Key
# (a client's retry) are remembered before the nightly purge.
FORM_TOKEN_RETENTION_DAYS = int(os.environ.get("FORM_TOKEN_RETENTION_DAYS", "30"))
IDEMPOTENCY_KEY_RETENTION_DAYS = int(os.environ.get("IDEMPOTENCY_KEY_RETENTION_DAYS", "7"))

PARTNER_LINK_MAX_AGE_DAYS = int(os.environ.get("PARTNER_LINK_MAX_AGE_DAYS", "30"))

# The person's own space and the SMS channel (issue 18): their own module, read from the environment.
from .person_space import *  # noqa: E402, F403

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No personal data in logs: every handler redacts names, birth dates, e-mails, NIR, phones.
    # A refused request (4xx) is one line: no traceback for a PermissionDenied raised on purpose.
    "filters": {
        "client_error_one_line": {"()": "config.logging_filters.ClientErrorWithoutTraceback"},
        "redact_personal_data": {"()": "config.logging_filters.PersonalDataFilter"},
    },
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["client_error_one_line", "redact_personal_data"],
        },
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own request/500 logger propagates to root; it must not bypass the filter.
        # No AdminEmailHandler: its error e-mails carry the request's POST data (names, dates).
        "django": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO"), "propagate": False},
        # runserver's request lines ("GET /?q=Moreau"): through the same filter, which also
        # drops query strings and partner link tokens (Django's default handler would not).
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
        # SQL statements carry their parameters (names, birth dates): never logged by default.
        "django.db.backends": {
            "handlers": ["console"],
            "level": os.environ.get("LOG_SQL_LEVEL", "WARNING"),
            "propagate": False,
        },
    },
}

if not IS_POSTGRES:
    # The delay-rule version constraint is PostgreSQL-only (NULLS NOT DISTINCT); SQLite is dev only.
    SILENCED_SYSTEM_CHECKS = ["models.W047"]


# --- Security and personal data (issue 6) -----------------------------------------------
# Authentication: django-axes first, so a locked-out username+IP is refused before the password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.25"))  # hours: 15 minutes
# Lock the (username, IP) pair: an attacker cannot lock a colleague out from elsewhere,
# and cannot try one password against every username from one address unnoticed either.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Login attempts keep their GET/POST data (admin, "Tentatives d'accès"): mask what may carry a
# person (a `next` URL holds the search that led to the login page) or a secret.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "next", "q", "csrfmiddlewaretoken"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# The client's address (issue 14): behind TRUSTED_PROXY_COUNT reverse proxies, each appending
# the address it was reached from to X-Forwarded-For (nginx's $proxy_add_x_forwarded_for), the
# client is the TRUSTED_PROXY_COUNT-th entry from the right; what a client writes to the left of
# it is ignored, and with no proxy (0) the header is not read at all. Our own function rather
# than ipware's proxy count: in django-ipware 8 that count also expects each proxy's own address
# in the header, and with one nginx the strict check then fails and axes falls back to the
# proxy's address (everyone shares one lockout), or trusts the left-most entry (spoofable).
# axes asks this callable first: django-ipware is not a dependency (tests/test_dependencies.py).
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "config.security.client_ip"

# API tokens (django-rest-knox): a digest is stored, the key shown once; each token has a label
# and an expiry (API_TOKEN_DEFAULT_DAYS on the owner's page, at most API_TOKEN_MAX_DAYS);
# `Authorization: Token <key>`, keys start with "filrouge_" (recognisable if leaked).
API_TOKEN_DEFAULT_DAYS = int(os.environ.get("API_TOKEN_DEFAULT_DAYS", "90"))
API_TOKEN_MAX_DAYS = int(os.environ.get("API_TOKEN_MAX_DAYS", "365"))
KNOX_TOKEN_MODEL = "knox.AuthToken"  # knox's own migrations read it
REST_KNOX = {
    "TOKEN_TTL": dt.timedelta(days=API_TOKEN_DEFAULT_DAYS),
    "TOKEN_PREFIX": "filrouge_",
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}

# Passwords: at least 12 characters (validators above); slow hashing (Django's PBKDF2 default).
# Sessions: expire after SESSION_COOKIE_AGE (8 h) or when the browser closes; saved on each
# request so that the 8 hours count from the last activity, not from the login.
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_USE_SESSIONS = False  # CSRF_COOKIE_HTTPONLY is set: htmx reads the token from hx-headers.
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_SSL_REDIRECT = False  # prod.py turns it on

# Content Security Policy (django-csp 4): only our own scripts, styles and images; no inline
# script anywhere (templates use hx-headers attributes, not <script> blocks). The Swagger UI
# page /api/docs/ alone gets a relaxed policy (see config/security.py).
from csp.constants import NONE, SELF  # noqa: E402

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}
CSP_RELAXED_PATHS = ("/api/docs/",)

# Personal data (RGPD): pathways closed for longer than this are anonymised by a periodic task.
RETENTION_CLOSED_MONTHS = int(os.environ.get("RETENTION_CLOSED_MONTHS", "24"))
# The audit trail is kept as long as the file, then its identity fields are erased with it.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_ENABLED = True
# One name for the pathway state enum in the OpenAPI schema (from/to/state share it): keeps
# `check --deploy` free of drf-spectacular's W001 warning.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {})["PathwayStateEnum"] = "casework.enums.PathwayState"

# The payers' flux (workflows/flux/readers, docs/flux.md): a file over this size is refused.
FLUX_MAX_BYTES = int(os.environ.get("FLUX_MAX_BYTES", str(2 * 1024**3)))
