"""French mobile numbers: what a referent types ("06 12 34 56 78", "+33 7 81 …") and the one
form we store and send to (E.164, "+33612345678").

A French mobile number is 06 or 07 followed by eight digits; in the 07 block only 073 to 079
are allocated to mobile services, the rest being reserved (ARCEP, plan de numérotation,
décision 2018-0881). The overseas départements' mobiles (0690, 0694, 0696, 0697, 0639…) sit in
the 06 block and are accepted the same way.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

_SEPARATORS = re.compile(r"[\s.\-/()]")
_NATIONAL = re.compile(r"0(6\d{8}|7[3-9]\d{7})")
_STORED = re.compile(r"\+33(6\d{8}|7[3-9]\d{7})")

INVALID_MOBILE = "Indiquez un numéro de portable français : 06 ou 07 suivi de 8 chiffres (par exemple 06 12 34 56 78)."


def french_mobile_normalise(value: str) -> str:
    """The stored form of a typed French mobile number; "" stays ""; anything else is refused."""
    raw = _SEPARATORS.sub("", value or "")
    if not raw:
        return ""
    if raw.startswith("+33"):
        raw = "0" + raw[3:]
    elif raw.startswith("0033"):
        raw = "0" + raw[4:]
    if raw.startswith("00"):
        raise ValidationError(INVALID_MOBILE, code="invalid_mobile")
    match = _NATIONAL.fullmatch(raw)
    if match is None:
        raise ValidationError(INVALID_MOBILE, code="invalid_mobile")
    return "+33" + match.group(1)


def french_mobile_check(value: str) -> None:
    """The model's validator: only the stored form (or nothing) is accepted."""
    if value and not _STORED.fullmatch(value):
        raise ValidationError(INVALID_MOBILE, code="invalid_mobile")


def french_mobile_display(value: str) -> str:
    """ "+33612345678" → "06 12 34 56 78" (what the person and the referent read)."""
    if not value or not _STORED.fullmatch(value):
        return value or ""
    national = "0" + value[3:]
    return " ".join(national[i : i + 2] for i in range(0, 10, 2))


def french_mobile_masked(value: str) -> str:
    """For the console and the admin: the last two digits only ("06 •• •• •• 78")."""
    shown = french_mobile_display(value)
    return f"{shown[:2]} •• •• •• {shown[-2:]}" if len(shown) == 14 else ""
