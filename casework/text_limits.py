"""Free-text limits: the lengths and the validators the models, forms, serializers and services
share. Apart from `casework.validation` (which knows pathways and people) so that the models
can import it without importing back."""

from __future__ import annotations

from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator

# Free text, in characters. A note is a paragraph or two; a diagnostic section a few pages.
NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 2000
HANDOVER_NOTE_MAX_LENGTH = 5000
JUSTIFICATION_MAX_LENGTH = 2000
DIAGNOSTIC_SECTION_MAX_LENGTH = 10000


def text_validators(max_length: int) -> list:
    """Validators of a free-text model field: no NUL byte (PostgreSQL refuses them), a bounded length."""
    return [
        ProhibitNullCharactersValidator(message="Le texte contient un caractère nul (\\x00) : retirez-le."),
        MaxLengthValidator(
            max_length,
            message=f"Le texte est trop long : {max_length} caractères au plus (%(show_value)d saisis).",
        ),
    ]
