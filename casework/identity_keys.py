"""The NIR as a keyed hash: payers' files are matched on it, and it is never stored in clear.

HMAC-SHA256 with a key from the environment (`FILROUGE_NIR_KEY`): without the key the stored
values cannot be checked against a list of numbers (a plain hash of a 13-digit number can).
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def nir_normalise(nir: str) -> str:
    """The 13-character NIR without spaces or its 2-digit key; Corsica's 2A/2B kept as sent."""
    compact = "".join(nir.split()).upper()
    return compact[:13]


def nir_hash(nir: str) -> str:
    """The stored form of a NIR ("" for an empty one)."""
    compact = nir_normalise(nir)
    if not compact:
        return ""
    return hmac.new(settings.FILROUGE_NIR_KEY.encode(), compact.encode(), hashlib.sha256).hexdigest()
