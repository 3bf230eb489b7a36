"""The SMS channel, behind one small interface: `sms_send(to, text, reference=...)`.

The backend is chosen by `settings.SMS_BACKEND` (the environment's `SMS_BACKEND`: `console`,
the default, `http`, or a dotted path); see `notifications.sms.backends`. A backend returns the
provider's id of the message, or raises:
- `SmsTransientError`: worth trying again later (the provider is down, overloaded, slow);
- `SmsPermanentError`: trying again would fail the same way (a refused number, a bad request).
Retries, back-off and the delivery status live with the outbox row
(`notifications.services.person_messages`), not here.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

BACKEND_ALIASES = {
    "console": "notifications.sms.backends.ConsoleBackend",
    "http": "notifications.sms.backends.HttpBackend",
    "locmem": "notifications.sms.backends.LocmemBackend",
}


class SmsError(Exception):
    pass


class SmsTransientError(SmsError):
    pass


class SmsPermanentError(SmsError):
    pass


def sms_backend():
    name = settings.SMS_BACKEND
    return import_string(BACKEND_ALIASES.get(name, name))()


def sms_send(to: str, text: str, *, reference: str) -> str:
    """Send `text` to `to` (E.164); `reference` (ours, stable across retries) lets a provider that
    supports it drop a duplicate. Returns the provider's message id."""
    return sms_backend().send(to, text, reference=reference)
