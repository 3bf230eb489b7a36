"""Settings shared by every environment; everything that differs comes from the environment."""

import datetime as dt
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
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
    # The payers' drop folder (FLUX_DROP_DIR), every 5 minutes: each new file is imported once
    # (its digest), then moved to `traités/` or `rejetés/`. A file still being written waits.
    "flux-drop-folder": {
        "task": "workflows.flux.tasks.flux_drop_folder_scan_task",
        "schedule": 5 * 60,
    },
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
}

# The payers' flux (docs/flux.md): the reader of the files, the lines applied per transaction,
# the drop folder beat watches (the payer's file transfer writes there; each file is imported
# once, then moved to `traités/` or `rejetés/`), where uploaded files wait for their import,
# where the command and the folder register new people (a territory's code; empty: the only
# territory). The largest file accepted is FLUX_MAX_BYTES (below, the readers').
FLUX_READER = os.environ.get("FLUX_READER", "workflows.flux.readers.read_flux")
FLUX_BATCH_LINES = int(os.environ.get("FLUX_BATCH_LINES", "100"))
FLUX_DROP_DIR = Path(os.environ.get("FLUX_DROP_DIR", VAR_DIR / "flux" / "depot"))
FLUX_UPLOAD_DIR = Path(os.environ.get("FLUX_UPLOAD_DIR", VAR_DIR / "flux" / "envois"))
FLUX_DEFAULT_TERRITORY = os.environ.get("FLUX_DEFAULT_TERRITORY", "")
FLUX_DROP_SETTLE_SECONDS = int(os.environ.get("FLUX_DROP_SETTLE_SECONDS", "60"))
# The flux's tasks live beside the importer (workflows/flux/tasks.py), out of autodiscovery's reach.
CELERY_IMPORTS = ("workflows.flux.tasks",)

# How long a spent one-time form token (a double click, a second tab) and an API Idempotency-Key
# (a client's retry) are remembered before the nightly purge.
FORM_TOKEN_RETENTION_DAYS = int(os.environ.get("FORM_TOKEN_RETENTION_DAYS", "30"))
IDEMPOTENCY_KEY_RETENTION_DAYS = int(os.environ.get("IDEMPOTENCY_KEY_RETENTION_DAYS", "7"))

PARTNER_LINK_MAX_AGE_DAYS = int(os.environ.get("PARTNER_LINK_MAX_AGE_DAYS", "30"))

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
