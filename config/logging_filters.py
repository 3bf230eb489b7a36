"""No personal data in logs: a filter on every handler that redacts what could identify a person.

It cannot recognise an arbitrary name in free text, so it works on three levels:
- arguments: a beneficiary (or any object with `first_name`/`last_name`/`birth_date`) passed
  to a log call is replaced by a neutral reference ("personne n° 12") before formatting;
- patterns in the formatted message and in the traceback text: e-mail addresses, NIR (French
  social security numbers), phone numbers, dates (a birth date is a date), `first_name=...`
  style pairs, PostgreSQL's "Key (col)=(value)" details of integrity errors;
- SQL logging (`django.db.backends`), whose parameters are personal data, is off by default;
- URLs: query strings (name searches) and partner link tokens (credentials) are masked, here
  and in gunicorn's access log (config/gunicorn_logger.py).
Code should still never log personal data; this is the safety net, and tests check it.
"""

from __future__ import annotations

import logging
import re

REDACTED = "[masqué]"

PERSONAL_ATTRS = ("first_name", "last_name", "birth_date")

PATTERNS: list[tuple[re.Pattern, str]] = [
    # key=value or "key": "value" pairs of identity fields (also French labels).
    (
        re.compile(
            r"""(?P<key>\b(?:first_name|last_name|birth_date|prenom|prénom|nom|date_de_naissance|email|nir)\b['"]?\s*[:=]\s*)"""
            r"""(?P<q>['"]?)[^'",;}\])\n]*(?P=q)""",
            re.IGNORECASE,
        ),
        r"\g<key>" + REDACTED,
    ),
    # PostgreSQL: DETAIL:  Key (first_name, last_name)=(Jean, Dupont) already exists.
    (re.compile(r"(Key \([^)]*\)=)\([^)]*\)"), r"\1(" + REDACTED + ")"),
    (re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"), REDACTED),
    # NIR: sex (1/2/7/8), year, month, department (digits or 2A/2B), commune, order, optional key.
    (
        re.compile(r"\b[12378]\s?\d{2}\s?(?:0[1-9]|1[0-2]|[2-9]\d)\s?(?:\d{2}|2[AB])\s?\d{3}\s?\d{3}(?:\s?\d{2})?\b"),
        REDACTED,
    ),
    # Phone numbers (French formats).
    (re.compile(r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b"), REDACTED),
    # Dates: ISO, French, and Python's repr of a date.
    (re.compile(r"datetime\.date\(\d{4},\s*\d{1,2},\s*\d{1,2}\)"), REDACTED),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), REDACTED),
    (re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b"), REDACTED),
]


# Secrets and personal data travel in URLs: search terms in query strings (`?q=Moreau+Chloé`),
# the partner's signed token in its acknowledgement link's path. Logs keep neither.
_PARTNER_LINK = re.compile(r"(/partenaire/accuse/)[^/?#\s\"']+")
_SPACE_LINK = re.compile(r"(/mon-espace/e/)[^/?#\s\"']+")
_QUERY = re.compile(r"(?<=[\w/.%-])\?[^\s\"'#]+")


def redact_url(text: str) -> str:
    """`text` with every query string and partner link token replaced by a neutral mark."""
    if not text or not isinstance(text, str):
        return text
    text = _PARTNER_LINK.sub(r"\1" + REDACTED, text)
    text = _SPACE_LINK.sub(r"\1" + REDACTED, text)
    return _QUERY.sub("?" + REDACTED, text)


def redact(text: str) -> str:
    text = redact_url(text)
    for pattern, replacement in PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _neutral(value):
    """A person-like object becomes a neutral reference; containers are walked one level."""
    if any(hasattr(value, attr) for attr in PERSONAL_ATTRS) and not isinstance(value, type):
        pk = getattr(value, "pk", None)
        return f"personne n° {pk}" if pk is not None else "personne"
    if isinstance(value, dict):
        return {k: (REDACTED if k in PERSONAL_ATTRS else _neutral(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_neutral(v) for v in value)
    return value


class PersonalDataFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            if record.args:
                record.args = (
                    _neutral(record.args) if isinstance(record.args, dict) else tuple(_neutral(a) for a in record.args)
                )
            message = record.getMessage()
            record.msg = redact(message)
            record.args = None
            if record.exc_info and not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            if record.exc_text:
                record.exc_text = redact(record.exc_text)
                # Formatters re-render exc_info only when exc_text is empty: keep our text.
            if getattr(record, "stack_info", None):
                record.stack_info = redact(record.stack_info)
        except Exception:  # a logging filter must never break the caller
            record.msg = "[message masqué : filtrage impossible]"
            record.args = None
            record.exc_text = None
            record.exc_info = None
        return True


class ClientErrorWithoutTraceback(logging.Filter):
    """A refused request (403, 404, a 400 for a suspicious operation) is the client's error, not
    ours: one log line ("Forbidden (Permission denied): /tableau-de-bord/"), not the traceback of
    the PermissionDenied raised on purpose. 5xx keep their traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
