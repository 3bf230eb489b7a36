"""Settings of the person's own space and of the SMS channel (issue 18), read from the
environment; `base` imports them (apart only to keep `base` under the module size limit)."""

import os

# The person's own space (issue 18): how long its signed link works, and how often one may ask
# for a new link (per client address and per allocation number, each per hour).
PERSON_SPACE_LINK_MAX_AGE_DAYS = int(os.environ.get("PERSON_SPACE_LINK_MAX_AGE_DAYS", "30"))
PERSON_SPACE_LINK_REQUESTS_PER_ADDRESS = int(os.environ.get("PERSON_SPACE_LINK_REQUESTS_PER_ADDRESS", "10"))
PERSON_SPACE_LINK_REQUESTS_PER_NUMBER = int(os.environ.get("PERSON_SPACE_LINK_REQUESTS_PER_NUMBER", "3"))
# Rate limits need one counter for every web process: Redis when there is one, else memory.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": os.environ["REDIS_URL"]}
        if os.environ.get("REDIS_URL")
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    ),
}

# The SMS channel (notifications.sms): `console` by default (make run), `http` for a provider.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "console")
SMS_HTTP_URL = os.environ.get("SMS_HTTP_URL", "")
SMS_HTTP_TOKEN = os.environ.get("SMS_HTTP_TOKEN", "")
SMS_SENDER = os.environ.get("SMS_SENDER", "FilRouge")
SMS_HTTP_TIMEOUT = float(os.environ.get("SMS_HTTP_TIMEOUT", "10"))
# The provider's delivery reports must carry `Authorization: Bearer <this>`; unset, they are refused.
SMS_CALLBACK_TOKEN = os.environ.get("SMS_CALLBACK_TOKEN", "")
