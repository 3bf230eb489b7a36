"""Error pages that say what went wrong, in French: a 400 or 404 keeps its reason.

Django's default handlers answer in English and drop the message. Under `/api/` the answer is
JSON (`{"detail": ...}`), like every other API answer, including a path no route matches.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render

DEFAULT_MESSAGES = {400: "Requête invalide.", 404: "Page introuvable."}


def _message(exception, status: int) -> str:
    text = str(exception.args[0]) if exception is not None and exception.args else ""
    return text if text and not text.startswith("{") else DEFAULT_MESSAGES[status]


def _answer(request, exception, status: int):
    message = _message(exception, status)
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=status)
    # The page's own text says what a 400/404 is; the reason is shown only when the code gave one.
    reason = message if message != DEFAULT_MESSAGES[status] else ""
    return render(request, f"{status}.html", {"message": reason}, status=status)


def bad_request(request, exception=None):
    return _answer(request, exception, 400)


def page_not_found(request, exception=None):
    return _answer(request, exception, 404)
