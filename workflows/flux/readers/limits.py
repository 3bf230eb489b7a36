"""How big a file, a field, a line and a household may be, and the checks on the bytes."""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from django.conf import settings

from workflows.flux.readers.checks import FileProblem

DEFAULT_MAX_BYTES = 2 * 1024**3  # 2 Gio: a large département's monthly file is well under
DEFAULT_MAX_FIELD_CHARS = 255  # the schema's longest identity field is 32 characters
DEFAULT_MAX_PERSONS = 30
DEFAULT_MAX_LINE_BYTES = 64 * 1024  # one CSV line (one person)
DEFAULT_MAX_TOKEN_BYTES = 8 * 1024**2  # one XML tag, comment or value that expat must hold whole


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_field_chars: int = DEFAULT_MAX_FIELD_CHARS
    max_persons: int = DEFAULT_MAX_PERSONS
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES

    @classmethod
    def from_settings(cls) -> Limits:
        """`FLUX_MAX_BYTES` and `FLUX_MAX_FIELD_CHARS` when set, the defaults otherwise."""
        return cls(
            max_bytes=int(getattr(settings, "FLUX_MAX_BYTES", DEFAULT_MAX_BYTES)),
            max_field_chars=int(getattr(settings, "FLUX_MAX_FIELD_CHARS", DEFAULT_MAX_FIELD_CHARS)),
        )


def human_size(size: int) -> str:
    for unit, factor in (("Gio", 1024**3), ("Mio", 1024**2), ("Kio", 1024)):
        if size >= factor:
            return f"{size / factor:.4g} {unit}".replace(".", ",")
    return f"{size} octets"


def size_problem(limits: Limits, line: int) -> FileProblem:
    return FileProblem(
        line,
        f"Le fichier dépasse la taille maximale autorisée ({human_size(limits.max_bytes)}) : "
        f"lecture arrêtée (ligne {line})",
    )


def encoding_problem(decoder: codecs.IncrementalDecoder, chunk: bytes, lines_before: int) -> tuple[int, int]:
    """(how many bytes of the chunk are valid, the line of the first bad byte or 0).

    `lines_before` is the line the chunk starts on. An incomplete character at the end of a
    chunk waits for the next one (the decoder keeps it); `final` chunks are b"".
    """
    try:
        decoder.decode(chunk, final=not chunk)
    except UnicodeDecodeError as error:
        held = len(error.object) - len(chunk)  # bytes kept from the previous chunk
        good = max(error.start - held, 0)
        return good, lines_before + chunk[:good].count(b"\n")
    return len(chunk), 0
