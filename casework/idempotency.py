"""`Idempotency-Key` on the API's POSTs: a retried request gets the first answer, nothing is written twice.

- same user + same key + same request (method, path, body) → the first answer, replayed
  (header `Idempotent-Replayed: true`);
- same user + same key + another request → 422 with a French message;
- the key is scoped per user: two users may use the same key.

The record is inserted *first*, in the same transaction as the view's writes: of two concurrent
requests with the same key, the second waits on the unique index (user, key) until the first
commits, then replays its answer; if the first fails (an exception, a 5xx), its record rolls back
with its writes and a retry runs afresh. Answers under 500 are kept (a 400 replays as a 400).

Both APIs (workflows, notifications) use it, hence its place in casework, their common layer.
"""

from __future__ import annotations

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import status
from rest_framework.response import Response

from casework.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

# For `extend_schema(parameters=[IDEMPOTENCY_PARAMETER], responses={..., **IDEMPOTENCY_RESPONSES})`.
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    name=HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description=(
        "Clé choisie par le client (255 caractères au plus), propre à chaque utilisateur. "
        "La même clé avec la même requête renvoie la première réponse sans rien réenregistrer ; "
        "la même clé avec une autre requête est refusée (422)."
    ),
)
IDEMPOTENCY_RESPONSES = {
    422: OpenApiResponse(description="Clé d'idempotence déjà utilisée pour une autre requête."),
}


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    raw = f"{request.method} {request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        return Response(
            {"detail": "Cette clé d'idempotence a déjà servi pour une autre requête : utilisez une nouvelle clé."},
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return Response(record.body, status=record.status_code, headers={"Idempotent-Replayed": "true"})


def idempotent(view_method):
    """Decorate a DRF view method answering a POST: honour the `Idempotency-Key` header."""

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.user.is_authenticated:
            return view_method(self, request, *args, **kwargs)
        if not key or len(key) > MAX_KEY_LENGTH or "\x00" in key:
            return Response(
                {HEADER: [f"Clé d'idempotence vide ou trop longue ({MAX_KEY_LENGTH} caractères au plus)."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=request.user, key=key, fingerprint=fingerprint, created_at=timezone.now()
                    )
            except IntegrityError:
                record = None
            if record is not None:
                response = view_method(self, request, *args, **kwargs)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                    return response
                record.status_code, record.body = response.status_code, response.data
                record.save(update_fields=["status_code", "body"])
                return response
        # The key was used: the first request has committed (the insert waited for it).
        return _replay(IdempotencyRecord.objects.get(user=request.user, key=key), fingerprint)

    return wrapper
