"""Read a payer's file, whatever its format, as a stream of records and line errors.

`read_flux` is the one entry point: it looks at the first bytes to tell the CNAF/MSA XML from a
partner's CSV, then hands the stream to the reader of that format. Nothing is read whole: the
file goes through in chunks, and only the dossier being read is held (plus 8 bytes per person,
to see the same person twice).
"""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Iterator
from functools import partial
from itertools import chain
from typing import BinaryIO

from workflows.flux.readers.checks import FileProblem, ReadContext
from workflows.flux.readers.cnaf_xml import read_xml
from workflows.flux.readers.limits import Limits
from workflows.flux.readers.partner_csv import parse_date as csv_date
from workflows.flux.readers.partner_csv import read_csv
from workflows.flux.records import FluxLineError, FluxRecord

__all__ = ["Limits", "read_flux"]

CHUNK_BYTES = 64 * 1024
XML_DECLARATION = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def xml_date(text: str) -> dt.date:
    """An `xsd:date` as the payers write it, AAAA-MM-JJ (ValueError otherwise)."""
    if not ISO_DATE.match(text):
        raise ValueError(text)
    return dt.date.fromisoformat(text)


def read_flux(
    stream: BinaryIO,
    *,
    received_on: dt.date,
    filename: str = "",
    limits: Limits | None = None,
) -> Iterator[FluxRecord | FluxLineError]:
    """Every dossier of the file as a `FluxRecord`, or a `FluxLineError` naming its line.

    A bad dossier is reported and reading goes on; a problem with the file itself (malformed
    or truncated XML, wrong root, DTD or entities, wrong encoding, too big) ends the stream with
    one error naming the line, after the dossiers read before it. `received_on` is the day the
    département received the file: no date may be later, and ages are counted on that day.
    """
    limits = limits or Limits.from_settings()
    first = stream.read(CHUNK_BYTES)
    if not first:
        yield FluxLineError(1, "Le fichier est vide (ligne 1)")
        return
    chunks = chain([first], iter(partial(stream.read, CHUNK_BYTES), b""))
    if _is_csv(first, filename):
        ctx = ReadContext(received_on=received_on, parse_date=csv_date, date_format="JJ/MM/AAAA")
        yield from read_csv(chunks, ctx, limits)
        return
    try:
        encoding = _xml_encoding(first)
    except FileProblem as problem:
        yield FluxLineError(problem.line_no, problem.message)
        return
    ctx = ReadContext(received_on=received_on, parse_date=xml_date, date_format="AAAA-MM-JJ")
    yield from read_xml(chunks, ctx, limits, encoding)


def _is_csv(first: bytes, filename: str) -> bool:
    name = filename.lower()
    if name.endswith(".csv"):
        return True
    if name.endswith(".xml") or first.startswith(UTF16_BOMS):
        return False
    return not first.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<")


def _xml_encoding(first: bytes) -> str:
    """The encoding the file declares (UTF-8 when it says nothing), as a Python codec name."""
    if first.startswith(UTF16_BOMS):
        return "utf-16"
    match = XML_DECLARATION.match(first.removeprefix(codecs.BOM_UTF8))
    name = match.group(1).decode("ascii") if match else "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        raise FileProblem(1, f"Encodage « {name} » non pris en charge (ligne 1)") from None
    return name.lower()
