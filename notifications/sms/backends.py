"""SMS backends: the console (development, `make run`), memory (tests) and an HTTP provider.

The HTTP backend speaks a plain JSON protocol most providers offer in some form:
POST `SMS_HTTP_URL` with `Authorization: Bearer SMS_HTTP_TOKEN` and
`{"to": "+336…", "from": SMS_SENDER, "text": "…", "reference": "filrouge-12", "status_url": …}`;
a 2xx answer carries `{"id": "<provider id>"}`. 408, 425, 429 and 5xx answers, timeouts and
connection errors are transient; any other answer is permanent. The provider later reports the
delivery to `status_url` (`notifications.sms_callback.sms_status_callback`).
"""

from __future__ import annotations

import json
import logging
import sys
import urllib.error
import urllib.request
import uuid

from django.conf import settings
from django.urls import reverse

from casework.phones import french_mobile_masked

from . import SmsPermanentError, SmsTransientError

logger = logging.getLogger(__name__)

TRANSIENT_STATUSES = frozenset({408, 425, 429})


class ConsoleBackend:
    """Writes the message to standard output (the number masked), like Django's console e-mail."""

    def send(self, to: str, text: str, *, reference: str) -> str:
        sys.stdout.write(f"--- SMS à {french_mobile_masked(to)} ({reference})\n{text}\n---\n")
        sys.stdout.flush()
        return f"console-{reference}"


class LocmemBackend:
    """Keeps the messages in `LocmemBackend.outbox` (tests read it, like `mail.outbox`)."""

    outbox: list[dict] = []

    def send(self, to: str, text: str, *, reference: str) -> str:
        message_id = f"locmem-{uuid.uuid4().hex[:12]}"
        LocmemBackend.outbox.append({"to": to, "text": text, "reference": reference, "id": message_id})
        return message_id


class HttpBackend:
    """An HTTP SMS provider configured by the environment (SMS_HTTP_URL, SMS_HTTP_TOKEN, SMS_SENDER)."""

    def __init__(self):
        if not settings.SMS_HTTP_URL:
            raise SmsPermanentError("SMS_HTTP_URL n'est pas configuré.")
        self.url = settings.SMS_HTTP_URL
        self.token = settings.SMS_HTTP_TOKEN
        self.sender = settings.SMS_SENDER
        self.timeout = settings.SMS_HTTP_TIMEOUT

    def _payload(self, to: str, text: str, reference: str) -> bytes:
        status_url = settings.SITE_URL + reverse("notifications:sms-status")
        body = {"to": to, "from": self.sender, "text": text, "reference": reference, "status_url": status_url}
        return json.dumps(body).encode()

    def send(self, to: str, text: str, *, reference: str) -> str:
        request = urllib.request.Request(
            self.url,
            data=self._payload(to, text, reference),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Accept": "application/json",
                "Authorization": f"Bearer {self.token}",
                "Idempotency-Key": reference,
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - configured URL
                answer = response.read(64 * 1024)
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code}"
            if exc.code >= 500 or exc.code in TRANSIENT_STATUSES:
                raise SmsTransientError(error) from exc
            raise SmsPermanentError(error) from exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            raise SmsTransientError(type(exc).__name__) from exc
        try:
            message_id = str(json.loads(answer or b"{}").get("id") or "")
        except (ValueError, AttributeError):
            message_id = ""
        if not message_id:
            # Accepted, but we cannot follow its delivery: sent, without a callback to match.
            logger.warning("SMS provider accepted a message without an id (%s)", reference)
        return message_id[:100]
