"""A partner's CSV: one line per person, a dossier's lines together (layout in docs/flux.md).

The codes are the payers' own (ETATDOSRSA, ROLEPERS, TOPPERSDRODEVORSA), so a partner relaying
a CAF file needs no table of its own; dates are written JJ/MM/AAAA; the file is UTF-8, with or
without a BOM. Line numbers are the file's lines, header included.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Iterable, Iterator

from workflows.flux.readers.checks import (
    DossierDraft,
    FileProblem,
    PersonDraft,
    ReadContext,
    SeenHashes,
    dossier_finish,
    short_hash,
)
from workflows.flux.readers.limits import Limits, size_problem
from workflows.flux.records import FluxLineError, FluxRecord, Payer

DELIMITER = ";"
DOSSIER_COLUMNS = {
    "numero_allocataire": "allocation_number",
    "numero_demande": "request_number",
    "date_demande": "request_date",
    "etat_droit": "right_state_code",
    "date_etat": "right_state_on",
    "motif_etat": "state_reason_code",
    "departement_origine": "transfer_from",
    "date_arrivee": "transfer_on",
}
PERSON_COLUMNS = {
    "role": "role",
    "nom": "last_name",
    "nom_naissance": "birth_name",
    "prenom": "first_name",
    "date_naissance": "birth_date",
    "nir": "nir",
    "soumis_droits_devoirs": "subject",
}
COLUMNS = (*DOSSIER_COLUMNS, *PERSON_COLUMNS)
DATE_PATTERN = re.compile(r"^([0-9]{2})/([0-9]{2})/([0-9]{4})$")


def parse_date(text: str) -> dt.date:
    """JJ/MM/AAAA, strictly (ValueError otherwise)."""
    match = DATE_PATTERN.match(text)
    if match is None:
        raise ValueError(text)
    day, month, year = (int(part) for part in match.groups())
    return dt.date(year, month, day)


def _lines(chunks: Iterable[bytes], limits: Limits) -> Iterator[str]:
    """The file's lines as text, refusing bad UTF-8, an endless line or an oversized file."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    pending, line_no, size = b"", 1, 0
    for chunk in _with_end(chunks):
        size += len(chunk)
        if size > limits.max_bytes:
            raise size_problem(limits, line_no)
        data = pending + chunk
        start = 0
        while (end := data.find(b"\n", start)) >= 0:
            yield _decoded(decoder, data[start : end + 1], line_no)
            line_no, start = line_no + 1, end + 1
        pending = data[start:]
        if len(pending) > limits.max_line_bytes:
            raise FileProblem(line_no, f"Ligne trop longue (plus de {limits.max_line_bytes} octets) (ligne {line_no})")
        if not chunk and pending:
            yield _decoded(decoder, pending, line_no, final=True)


def _with_end(chunks: Iterable[bytes]) -> Iterator[bytes]:
    yield from (chunk for chunk in chunks if chunk)
    yield b""


def _decoded(decoder: codecs.IncrementalDecoder, line: bytes, line_no: int, final: bool = False) -> str:
    """A whole line (a newline never sits inside a UTF-8 character); the BOM is dropped."""
    try:
        return decoder.decode(line, final=final)
    except UnicodeDecodeError:
        raise FileProblem(line_no, f"Le fichier n'est pas encodé en UTF-8 (ligne {line_no})") from None


def _header_check(row: list[str]) -> None:
    names = [name.strip().lower() for name in row]
    if tuple(names) != COLUMNS:
        raise FileProblem(1, f"En-tête CSV invalide : colonnes attendues « {DELIMITER.join(COLUMNS)} » (ligne 1)")


class _Grouper:
    """Gathers consecutive lines of one dossier; a dossier read twice is refused."""

    def __init__(self, ctx: ReadContext, limits: Limits) -> None:
        self.ctx, self.limits = ctx, limits
        self.draft: DossierDraft | None = None
        self.allocation: str | None = None
        self.seen = SeenHashes()

    def add(self, row: list[str], line_no: int) -> FluxRecord | FluxLineError | None:
        cells = dict(zip(COLUMNS, (cell.strip() for cell in row), strict=False))
        allocation = cells.get("numero_allocataire", "")
        finished = None
        if self.draft is None or allocation != self.allocation:
            finished = self.finish()
            self._open(allocation, cells, line_no)
        draft = self.draft
        assert draft is not None
        if len(row) != len(COLUMNS):
            draft.fail(line_no, f"Nombre de colonnes incorrect : {len(COLUMNS)} attendues, {len(row)} trouvées")
            return finished
        if any(len(cell) > self.limits.max_field_chars for cell in row):
            draft.fail(line_no, f"Un champ dépasse {self.limits.max_field_chars} caractères")
        for column, key in DOSSIER_COLUMNS.items():
            if draft.values[key][0] != cells[column]:
                draft.fail(line_no, f"Les lignes d'un même dossier doivent porter les mêmes valeurs ({column})")
        if len(draft.persons) >= self.limits.max_persons:
            draft.fail(line_no, f"Trop de personnes dans le dossier (plus de {self.limits.max_persons})")
        else:
            draft.persons.append(PersonDraft(line_no, {key: (cells[c], line_no) for c, key in PERSON_COLUMNS.items()}))
        return finished

    def _open(self, allocation: str, cells: dict[str, str], line_no: int) -> None:
        self.allocation = allocation
        self.draft = DossierDraft(line_no=line_no, payer=Payer.PARTNER)
        self.draft.values = {key: (cells.get(column, ""), line_no) for column, key in DOSSIER_COLUMNS.items()}
        key = short_hash("allocation", allocation)
        if allocation and key in self.seen:
            self.draft.fail(
                line_no, "Les lignes d'un dossier doivent se suivre : ce numéro allocataire a déjà été lu plus haut"
            )
        self.seen.add(key)

    def finish(self) -> FluxRecord | FluxLineError | None:
        draft, self.draft = self.draft, None
        return None if draft is None else dossier_finish(draft, self.ctx)


def read_csv(chunks: Iterable[bytes], ctx: ReadContext, limits: Limits) -> Iterator[FluxRecord | FluxLineError]:
    """Every dossier of the file, in order, then the error that stopped it, if any."""
    grouper = _Grouper(ctx, limits)
    reader = csv.reader(_lines(chunks, limits), delimiter=DELIMITER, strict=True)
    last_line = 0
    try:
        for row in reader:
            line_no, last_line = last_line + 1, reader.line_num
            if line_no == 1:
                _header_check(row)
            elif any(cell.strip() for cell in row):
                finished = grouper.add(row, line_no)
                if finished is not None:
                    yield finished
    except FileProblem as problem:  # the dossier being read is incomplete: it is not applied
        yield FluxLineError(problem.line_no, problem.message)
        return
    except csv.Error:
        line = last_line + 1
        yield FluxLineError(line, f"Le fichier CSV est mal formé (guillemet non fermé ?) (ligne {line})")
        return
    yield from _last(grouper)


def _last(grouper: _Grouper) -> Iterator[FluxRecord | FluxLineError]:
    finished = grouper.finish()
    if finished is not None:
        yield finished
