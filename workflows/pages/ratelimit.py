"""A fixed-window counter in the shared cache (`CACHES["ratelimit"]`, Redis when there is one):
enough to stop guessing on an unauthenticated form. Keys are keyed hashes: the cache never holds
an allocation number or an address in clear."""

from __future__ import annotations

from django.core.cache import caches
from django.utils.crypto import salted_hmac

HOUR = 3600


def rate_exceeded(scope: str, value: str, limit: int, *, window: int = HOUR) -> bool:
    """Count one hit for `value` in `scope`; True once the window holds more than `limit`."""
    cache = caches["ratelimit"]
    key = "rl:" + scope + ":" + salted_hmac("filrouge.ratelimit", value).hexdigest()[:32]
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit
