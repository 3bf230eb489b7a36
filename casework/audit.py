"""Who is acting, for the audit trail, when the change does not come from a web request.

In a request, `simple_history.middleware.HistoryRequestMiddleware` gives the audit trail its
user (for the API, DRF's authentication sets it on the same request). Services called from
Celery tasks, commands or tests name their actor explicitly: `with acting_as(user): ...`.
"""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

from simple_history.models import HistoricalRecords

_MISSING = object()


@contextlib.contextmanager
def acting_as(user):
    """Attribute the audited changes made inside the block to `user` (None: the system)."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", _MISSING)
    current_user = getattr(previous, "user", None) if previous is not _MISSING else None
    if getattr(current_user, "is_authenticated", False) or user is None or not getattr(user, "pk", None):
        # A real request already names the user (or there is nobody to name): leave it.
        yield
        return
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is _MISSING:
            del context.request
        else:
            context.request = previous
