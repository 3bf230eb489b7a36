"""Small payers' files written by hand, one element per line so a test can say which line."""

from __future__ import annotations

import datetime as dt
import io

from workflows.flux.readers import Limits, read_flux

RECEIVED = dt.date(2026, 3, 5)


def person(
    role: str = "DEM",
    nom: str = "MARTIN",
    prenom: str = "Léa",
    dtnai: str | None = "1985-04-03",
    nir: str | None = "2850475123456",
    subject: str | None = "1",
) -> str:
    lines = [
        "<Personne>",
        "<Identification>",
        f"<NOM>{nom}</NOM>",
        f"<NOMNAI>{nom}</NOMNAI>",
        f"<PRENOM>{prenom}</PRENOM>",
    ]
    if dtnai is not None:
        lines.append(f"<DTNAI>{dtnai}</DTNAI>")
    if nir is not None:
        lines.append(f"<NIR>{nir}</NIR>")
    lines += ["</Identification>", "<Prestations>", "<NATPREST>PFA</NATPREST>", "<ROLEPERS>ENF</ROLEPERS>"]
    lines += ["</Prestations>", "<Prestations>", "<NATPREST>RSA</NATPREST>", f"<ROLEPERS>{role}</ROLEPERS>"]
    lines += ["</Prestations>", "<Rattachement>", "<NOMNAI>PARENT</NOMNAI>", "<DTNAI>2030-01-01</DTNAI>"]
    lines += ["</Rattachement>"]
    if subject is not None:
        lines += ["<MontantCalculDroitRSAPersonne>", f"<TOPPERSDRODEVORSA>{subject}</TOPPERSDRODEVORSA>"]
        lines += ["</MontantCalculDroitRSAPersonne>"]
    return "\n".join([*lines, "</Personne>"])


def dossier(
    matricule: str = "123456700000000",
    state: str = "2",
    persons: tuple[str, ...] | None = None,
    request_date: str = "2025-11-02",
    numdemrsa: str | None = "00000010976",
    fonorg: str | None = "CAF",
    cedant: str = "",
    state_detail: str = "",
) -> str:
    lines = ["<InfosFoyerRSA>", "<IdentificationRSA>", "<Organisme>"]
    if fonorg is not None:
        lines.append(f"<FONORG>{fonorg}</FONORG>")
    lines += ["<NUMORG>931</NUMORG>", f"<MATRICULE>{matricule}</MATRICULE>", "</Organisme>", "<DemandeRSA>"]
    lines.append(f"<DTDEMRSA>{request_date}</DTDEMRSA>")
    if numdemrsa is not None:
        lines.append(f"<NUMDEMRSA>{numdemrsa}</NUMDEMRSA>")
    lines.append("</DemandeRSA>")
    if cedant:
        lines.append(cedant)
    lines.append("</IdentificationRSA>")
    lines += list(persons if persons is not None else (person(),))
    lines += ["<PrestationRSA>", "<SituationDossierRSA>", "<EtatDossierRSA>", f"<ETATDOSRSA>{state}</ETATDOSRSA>"]
    lines += ["</EtatDossierRSA>"]
    if state_detail:
        lines.append(state_detail)
    lines += ["</SituationDossierRSA>", "</PrestationRSA>", "</InfosFoyerRSA>"]
    return "\n".join(lines)


def flux(*dossiers: str, application: str = "CRI", root: str = "Racine", prolog: str = "") -> str:
    head = prolog or '<?xml version="1.0" encoding="UTF-8"?>'
    return "\n".join(
        [
            head,
            f"<{root}>",
            "<IdentificationFlux>",
            f"<APPLIEME>{application}</APPLIEME>",
            "</IdentificationFlux>",
            *dossiers,
            f"</{root}>",
            "",
        ]
    )


def read(data: str | bytes, *, received_on: dt.date = RECEIVED, filename: str = "", limits: Limits | None = None):
    raw = data.encode() if isinstance(data, str) else data
    return list(read_flux(io.BytesIO(raw), received_on=received_on, filename=filename, limits=limits))


def line_of(text: str, needle: str, nth: int = 0) -> int:
    """The 1-based line of the `nth` occurrence of `needle` in `text`."""
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    return text[:index].count("\n") + 1
