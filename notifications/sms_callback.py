"""The SMS provider's delivery reports: POST /notifications/sms/statut/.

Authenticated by a shared secret (`Authorization: Bearer SMS_CALLBACK_TOKEN`, compared in
constant time; no secret configured means every report is refused). The body is JSON:
`{"id": "<the provider's message id>", "status": "delivered" | "failed" | …}`.
Answers: 204 recorded or ignored (not a final status), 401 without the secret, 400 for a body
that is not such a report, 404 for an id we never sent.
"""

from __future__ import annotations

import hmac
import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notifications.services.person_messages import sms_delivery_record

MAX_BODY = 4096


def _authorised(request) -> bool:
    secret = settings.SMS_CALLBACK_TOKEN
    given = request.headers.get("Authorization", "")
    return bool(secret) and hmac.compare_digest(given.encode(), f"Bearer {secret}".encode())


@csrf_exempt
@require_POST
def sms_status_callback(request):
    if not _authorised(request):
        return JsonResponse({"detail": "Authentification requise."}, status=401)
    if len(request.body) > MAX_BODY:
        return JsonResponse({"detail": "Corps trop long."}, status=400)
    try:
        report = json.loads(request.body)
        provider_id, status = str(report["id"])[:100], str(report["status"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"detail": 'Attendu : {"id": …, "status": …}.'}, status=400)
    recorded = sms_delivery_record(provider_id, status, now=timezone.now())
    if recorded is None:
        return JsonResponse({"detail": "Message inconnu."}, status=404)
    return HttpResponse(status=204)
