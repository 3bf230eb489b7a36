"""What every reader checks once a dossier is read, whatever the file's format.

A reader collects a dossier's raw values (text as sent, with the line each came from) into a
`DossierDraft`; `dossier_finish` turns it into a `FluxRecord`, or into the `FluxLineError` of
its first problem. The checks are the same for the XML and the CSV so that a bad line gets the
same French message whichever door it came through.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import heapq
import re
from array import array
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field

from workflows.flux.readers.codes import ADULT_ROLES, BOOLEANS, RIGHT_STATES, ROLES
from workflows.flux.records import FluxLineError, FluxPerson, FluxRecord

MIN_SUBJECT_AGE = 16
NIR_PATTERN = re.compile(r"^[0-9]{5}(?:[0-9]{2}|2[AB])[0-9]{6}(?:[0-9]{2})?$")
ALLOCATION_PATTERN = re.compile(r"^[0-9A-Za-z]{1,15}$")

Raw = tuple[str, int]  # a value as sent and its line


class FileProblem(Exception):
    """A problem that stops the reading of the whole file (the line says where)."""

    def __init__(self, line_no: int, message: str) -> None:
        super().__init__(message)
        self.line_no = line_no
        self.message = message


class LineProblem(Exception):
    """A problem with one dossier: reported with its line, and reading goes on."""

    def __init__(self, line_no: int, message: str) -> None:
        super().__init__(message)
        self.line_no = line_no
        self.message = message


@dataclass
class PersonDraft:
    line_no: int
    values: dict[str, Raw] = field(default_factory=dict)


@dataclass
class DossierDraft:
    line_no: int
    payer: str = ""
    values: dict[str, Raw] = field(default_factory=dict)
    persons: list[PersonDraft] = field(default_factory=list)
    problem: LineProblem | None = None  # the first problem seen while reading, if any

    def fail(self, line_no: int, message: str) -> None:
        if self.problem is None:
            self.problem = LineProblem(line_no, message)


class SeenHashes:
    """A set of 8-byte hashes at about 8 bytes each (a Python set of ints costs ~80).

    The hashes sit in a sorted array; the newest wait in a small set and are merged into the
    array 65,536 at a time, so a file of a million adults holds ~16 Mio, not ~170.
    """

    RECENT_MAX = 1 << 16

    def __init__(self) -> None:
        self.sorted = array("Q")
        self.recent: set[int] = set()

    def __contains__(self, key: int) -> bool:
        if key in self.recent:
            return True
        index = bisect_left(self.sorted, key)
        return index < len(self.sorted) and self.sorted[index] == key

    def __len__(self) -> int:
        return len(self.sorted) + len(self.recent)

    def add(self, key: int) -> None:
        if key in self:
            return
        self.recent.add(key)
        if len(self.recent) >= self.RECENT_MAX:
            self.sorted = array("Q", heapq.merge(self.sorted, sorted(self.recent)))
            self.recent = set()


@dataclass
class ReadContext:
    """What the checks need to know about the file: its receipt day and what was seen."""

    received_on: dt.date
    parse_date: Callable[[str], dt.date]
    date_format: str  # as people write it, for the messages ("AAAA-MM-JJ")
    seen_people: SeenHashes = field(default_factory=SeenHashes)


def short_hash(*parts: str) -> int:
    """An 8-byte digest, enough to tell people apart in one file without keeping them."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def _required(values: dict[str, Raw], key: str, label: str, line_no: int) -> Raw:
    raw = values.get(key)
    if raw is None or not raw[0]:
        raise LineProblem(line_no, f"Champ obligatoire manquant : {label}")
    return raw


def _date(raw: Raw | None, label: str, ctx: ReadContext) -> dt.date | None:
    if raw is None or not raw[0]:
        return None
    text, line_no = raw
    try:
        value = ctx.parse_date(text)
    except ValueError:
        raise LineProblem(
            line_no, f"Date invalide « {text} » pour {label} (format attendu {ctx.date_format})"
        ) from None
    if value > ctx.received_on:
        raise LineProblem(
            line_no,
            f"Date dans le futur : {label} « {text} » est postérieure à la date de réception "
            f"du fichier ({ctx.received_on:%d/%m/%Y})",
        )
    return value


def _age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _person(draft: PersonDraft, ctx: ReadContext) -> FluxPerson:
    values = draft.values
    role, role_line = _required(values, "role", "ROLEPERS (rôle de la personne)", draft.line_no)
    if role not in ROLES:
        raise LineProblem(role_line, f"Code de rôle inconnu « {role} »")
    last_name = _required(values, "last_name", "NOM (nom de la personne)", draft.line_no)[0]
    first_name = _required(values, "first_name", "PRENOM (prénom)", draft.line_no)[0]
    _required(values, "birth_date", "DTNAI (date de naissance)", draft.line_no)
    birth = _date(values.get("birth_date"), "DTNAI (date de naissance)", ctx)
    nir, nir_line = values.get("nir", ("", draft.line_no))
    nir = nir.replace(" ", "").upper()
    if nir and not NIR_PATTERN.match(nir):
        raise LineProblem(nir_line, f"NIR invalide pour la personne de rôle {role} (13 ou 15 caractères attendus)")
    flag, flag_line = values.get("subject", ("0", draft.line_no))
    flag = flag or "0"  # an empty CSV cell, like an absent XML element, means "no"
    if flag.lower() not in BOOLEANS:
        raise LineProblem(flag_line, f"Valeur inconnue « {flag} » pour TOPPERSDRODEVORSA (attendu 1 ou 0)")
    subject = BOOLEANS[flag.lower()]
    assert birth is not None  # required above
    if subject and _age_on(birth, ctx.received_on) < MIN_SUBJECT_AGE:
        raise LineProblem(
            draft.line_no,
            f"Personne soumise à droits et devoirs (rôle {role}) âgée de moins de "
            f"{MIN_SUBJECT_AGE} ans à la date de réception du fichier",
        )
    return FluxPerson(
        role=role,
        last_name=last_name,
        first_name=first_name,
        birth_date=birth,
        nir=nir,
        subject_to_rights_and_duties=subject,
        birth_name=values.get("birth_name", ("", 0))[0],
    )


def _people_keys(persons: list[FluxPerson], drafts: list[PersonDraft]) -> list[tuple[int, int, str]]:
    """(hash, line, why) for every way an adult of this dossier could already be in the file.

    Only the demandeur and the conjoint count: a child may rightly be in two households
    (résidence alternée); two 8-byte hashes per adult keep the memory small on a large file.
    """
    keys = []
    for person, draft in zip(persons, drafts, strict=True):
        if person.role not in ADULT_ROLES:
            continue
        if person.nir:
            keys.append((short_hash("nir", person.nir[:13]), draft.line_no, "même NIR"))
        name = (person.birth_name or person.last_name).casefold()
        identity = short_hash("id", name, person.first_name.casefold(), person.birth_date.isoformat())
        keys.append((identity, draft.line_no, "mêmes nom, prénom et date de naissance"))
    return keys


def _duplicates_check(persons: list[FluxPerson], drafts: list[PersonDraft], ctx: ReadContext) -> None:
    keys = _people_keys(persons, drafts)
    own: set[int] = set()
    for key, line_no, why in keys:
        if key in ctx.seen_people or key in own:
            raise LineProblem(line_no, f"La même personne figure deux fois dans le fichier ({why})")
        own.add(key)
    for key in own:
        ctx.seen_people.add(key)


def dossier_finish(draft: DossierDraft, ctx: ReadContext) -> FluxRecord | FluxLineError:
    """The dossier as a record, or the error of its first problem (the file reading goes on)."""
    allocation = draft.values.get("allocation_number", ("", 0))[0]
    try:
        return _dossier_record(draft, ctx, allocation)
    except LineProblem as problem:
        return FluxLineError(problem.line_no, problem.message, allocation)


def _dossier_record(draft: DossierDraft, ctx: ReadContext, allocation: str) -> FluxRecord:
    if draft.problem is not None:
        raise draft.problem
    values = draft.values
    _required(values, "allocation_number", "MATRICULE (numéro allocataire)", draft.line_no)
    if not ALLOCATION_PATTERN.match(allocation):
        raise LineProblem(values["allocation_number"][1], f"Numéro allocataire invalide « {allocation} »")
    request_number = _required(values, "request_number", "NUMDEMRSA (numéro de demande)", draft.line_no)[0]
    code, code_line = _required(values, "right_state_code", "ETATDOSRSA (état du droit)", draft.line_no)
    if code not in RIGHT_STATES:
        raise LineProblem(code_line, f"Code d'état du droit inconnu « {code} »")
    _required(values, "request_date", "DTDEMRSA (date de la demande)", draft.line_no)
    request_date = _date(values.get("request_date"), "DTDEMRSA (date de la demande)", ctx)
    state_on = _date(values.get("right_state_on"), "la date de l'état du droit", ctx)
    transfer_on = _date(values.get("transfer_on"), "DDARRMUT (date d'arrivée)", ctx)
    if not draft.persons:
        raise LineProblem(draft.line_no, "Le dossier ne contient aucune personne")
    persons = [_person(person, ctx) for person in draft.persons]
    _duplicates_check(persons, draft.persons, ctx)
    return FluxRecord(
        line_no=draft.line_no,
        payer=draft.payer,
        allocation_number=allocation,
        request_number=request_number,
        right_state=RIGHT_STATES[code],
        right_state_code=code,
        request_date=request_date,
        right_state_on=state_on,
        transfer_from=values.get("transfer_from", ("", 0))[0],
        persons=tuple(persons),
        state_reason_code=values.get("state_reason_code", ("", 0))[0],
        transfer_on=transfer_on,
    )
