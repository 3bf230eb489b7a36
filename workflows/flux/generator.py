"""Write a realistic payer's file (CNAF XML, MSA XML or partner CSV) for tests, demo and bench.

The dossiers come from `workflows.flux.population` (one seed, one stable population, one
month at a time); the file is written as it goes, a dossier at a time, so 1 Gio costs no more
memory than 1 Mio. The element names are the ones `workflows.flux.readers` reads (see
`docs/flux.md`). `bad_lines` adds that many refused dossiers, taking the kinds of line errors
in turn, spread through the file.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter, deque
from dataclasses import dataclass, replace
from typing import TextIO
from xml.sax.saxutils import escape

from workflows.flux.population import MAX_DOSSIERS, Dossier, Person, add_months, dossier
from workflows.flux.readers.cnaf_xml import department_of_organisation
from workflows.flux.readers.partner_csv import COLUMNS

BAD_KINDS = ("unknown_code", "missing_field", "future_date", "under_16", "duplicate", "bad_date")
BAD_SLOT_BASE = 1_400_000  # bad dossiers' people get identities no good dossier has
FORMATS = ("cnaf", "msa", "csv")
DEFAULT_FIRST_MONTH = dt.date(2026, 1, 5)


@dataclass(frozen=True)
class FluxSpec:
    dossiers: int
    payer: str = "cnaf"  # one of FORMATS
    seed: int = 1
    month: int = 1
    received_on: dt.date | None = None  # default: the 5th of the month, from January 2026
    bad_lines: int = 0

    @property
    def receipt(self) -> dt.date:
        return self.received_on or add_months(DEFAULT_FIRST_MONTH, self.month - 1)

    @property
    def first_month(self) -> dt.date:
        return add_months(self.receipt, 1 - self.month)


def generate(spec: FluxSpec, out: TextIO) -> Counter[str]:
    """Write the file of `spec` to `out` (text, UTF-8); the count of dossiers per kind."""
    if not 1 <= spec.dossiers <= MAX_DOSSIERS:
        raise ValueError(f"dossiers must be between 1 and {MAX_DOSSIERS}")
    if spec.payer not in FORMATS or spec.month < 1 or spec.bad_lines < 0:
        raise ValueError("payer, month or bad_lines out of range")
    writer = _CsvWriter(out) if spec.payer == "csv" else _XmlWriter(out, spec)
    counts: Counter[str] = Counter()
    bad_at = deque((j + 1) * spec.dossiers // (spec.bad_lines + 1) for j in range(spec.bad_lines))
    writer.start()
    for slot in range(spec.dossiers):
        last = dossier(spec.seed, slot, spec.month, spec.first_month)
        writer.write(last)
        counts[last.kind] += 1
        while bad_at and bad_at[0] <= slot + 1:
            j = spec.bad_lines - len(bad_at)
            bad_at.popleft()
            kind = BAD_KINDS[j % len(BAD_KINDS)]
            writer.write(_bad(spec, j, kind, last), bad=kind)
            counts[f"bad:{kind}"] += 1
    writer.end(sum(counts.values()))
    return counts


def _bad(spec: FluxSpec, j: int, kind: str, last: Dossier) -> Dossier:
    """A dossier refused for `kind`, and for nothing else."""
    good = dossier(spec.seed, BAD_SLOT_BASE + j, 1, spec.first_month)
    good = replace(good, kind=f"bad:{kind}", transfer_org="", transfer_on=None, state_code="2", state_on=None)
    if kind == "unknown_code":
        return replace(good, state_code="9")
    if kind == "missing_field":
        return replace(good, request_number="")
    if kind == "future_date":
        return replace(good, request_date=spec.receipt + dt.timedelta(days=30))
    if kind == "under_16":
        young = replace(good.persons[0], birth_date=spec.receipt - dt.timedelta(days=10 * 365), subject=True)
        return replace(good, persons=(young,))
    if kind == "duplicate":
        return replace(good, persons=(last.persons[0],))
    return good  # bad_date: the writer spoils the first person's birth date


class _XmlWriter:
    def __init__(self, out: TextIO, spec: FluxSpec) -> None:
        self.out, self.spec = out, spec
        self.fonorg = "MSA" if spec.payer == "msa" else "CAF"

    def start(self) -> None:
        application = "AGO" if self.spec.payer == "msa" else "CRI"
        self.out.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n<Racine>\n  <IdentificationFlux>\n'
            f"    <APPLIEME>{application}</APPLIEME>\n    <NUMVERSIONAPPLIEME>0801</NUMVERSIONAPPLIEME>\n"
            "    <TYPEFLUX>M</TYPEFLUX>\n    <NATFLUX>B</NATFLUX>\n"
            f"    <DTCREAFLUX>{self.spec.receipt - dt.timedelta(days=1)}</DTCREAFLUX>\n"
            "    <HEUCREAFLUX>02:00:00</HEUCREAFLUX>\n"
            f"    <DTREF>{self.spec.receipt.replace(day=1) - dt.timedelta(days=1)}</DTREF>\n"
            "  </IdentificationFlux>\n"
        )

    def write(self, item: Dossier, bad: str = "") -> None:
        parts = [
            "  <InfosFoyerRSA>\n    <IdentificationRSA>\n      <Organisme>",
            f"<FONORG>{self.fonorg}</FONORG><NUMORG>931</NUMORG><MATRICULE>{item.allocation_number}</MATRICULE>",
            "</Organisme>\n      <Partenaire><TYPEPARTE>CG</TYPEPARTE><IDEPARTE>093</IDEPARTE></Partenaire>\n",
            f"      <DemandeRSA><DTDEMRSA>{item.request_date}</DTDEMRSA>",
            f"<NUMDEMRSA>{item.request_number}</NUMDEMRSA></DemandeRSA>\n"
            if item.request_number
            else "</DemandeRSA>\n",
        ]
        if item.transfer_org:
            parts.append(
                f"      <OrganismeCedant><FONORGCEDMUT>CAF</FONORGCEDMUT><NUMORGCEDMUT>{item.transfer_org}"
                f"</NUMORGCEDMUT><DDARRMUT>{item.transfer_on}</DDARRMUT></OrganismeCedant>\n"
            )
        parts.append("    </IdentificationRSA>\n")
        for index, person in enumerate(item.persons):
            parts.append(self._person(person, spoil=bad == "bad_date" and index == 0))
        parts.append(self._state(item))
        self.out.write("".join(parts))

    def _person(self, person: Person, spoil: bool) -> str:
        birth = f"{person.birth_date:%d/%m/%Y}" if spoil else person.birth_date.isoformat()
        pfa_role = "ENF" if person.role == "ENF" else person.role
        return (
            "    <Personne>\n      <Identification>"
            f"<NOM>{escape(person.last_name)}</NOM><NOMNAI>{escape(person.birth_name)}</NOMNAI>"
            f"<PRENOM>{escape(person.first_name)}</PRENOM><DTNAI>{birth}</DTNAI>"
            f"<NIR>{person.nir}</NIR><SEXE>{person.sex}</SEXE></Identification>\n"
            f"      <DossierCAF><TOPRESPDOS>{int(person.role == 'DEM')}</TOPRESPDOS>"
            f"<DDRATDOS>{self.spec.first_month.replace(day=1)}</DDRATDOS></DossierCAF>\n"
            f"      <Prestations><NATPREST>PFA</NATPREST><ROLEPERS>{pfa_role}</ROLEPERS>"
            "<TOPCHAPERS>1</TOPCHAPERS></Prestations>\n"
            f"      <Prestations><NATPREST>RSA</NATPREST><ROLEPERS>{person.role}</ROLEPERS>"
            "<TOPCHAPERS>1</TOPCHAPERS></Prestations>\n"
            "      <MontantCalculDroitRSAPersonne>"
            f"<TOPPERSDRODEVORSA>{int(person.subject)}</TOPPERSDRODEVORSA></MontantCalculDroitRSAPersonne>\n"
            "    </Personne>\n"
        )

    def _state(self, item: Dossier) -> str:
        detail = ""
        if item.state_code == "4":
            detail = (
                f"<SuspensionVersement><MOTISUSVERSRSA>{item.state_reason}</MOTISUSVERSRSA>"
                f"<DDSUSVERSRSA>{item.state_on}</DDSUSVERSRSA></SuspensionVersement>"
            )
        elif item.state_code == "5":
            detail = (
                f"<FinDroit><MOTICLORSA>{item.state_reason}</MOTICLORSA>"
                f"<DTCLORSA>{item.state_on}</DTCLORSA></FinDroit>"
            )
        return (
            "    <PrestationRSA>\n      <SituationDossierRSA><EtatDossierRSA>"
            f"<ETATDOSRSA>{item.state_code}</ETATDOSRSA></EtatDossierRSA>{detail}</SituationDossierRSA>\n"
            "    </PrestationRSA>\n  </InfosFoyerRSA>\n"
        )

    def end(self, total: int) -> None:
        self.out.write(
            "  <TransmissionFlux>"
            f"<NBTOTDOSRSATRANSM>{total}</NBTOTDOSRSATRANSM><NBTOTDOSRSATRANSMANO>0</NBTOTDOSRSATRANSMANO>"
            "</TransmissionFlux>\n</Racine>\n"
        )


def _fr(day: dt.date | None) -> str:
    return f"{day:%d/%m/%Y}" if day else ""


class _CsvWriter:
    def __init__(self, out: TextIO) -> None:
        self.rows = csv.writer(out, delimiter=";", lineterminator="\n")

    def start(self) -> None:
        self.rows.writerow(COLUMNS)

    def write(self, item: Dossier, bad: str = "") -> None:
        department = department_of_organisation(item.transfer_org)
        dossier_cells = [
            item.allocation_number,
            item.request_number,
            _fr(item.request_date),
            item.state_code,
            _fr(item.state_on),
            item.state_reason,
            department,
            _fr(item.transfer_on),
        ]
        for index, person in enumerate(item.persons):
            birth = person.birth_date.isoformat() if bad == "bad_date" and index == 0 else _fr(person.birth_date)
            person_cells = [
                person.role,
                person.last_name,
                person.birth_name,
                person.first_name,
                birth,
                person.nir,
                int(person.subject),
            ]
            self.rows.writerow(dossier_cells + person_cells)

    def end(self, total: int) -> None:
        return None
