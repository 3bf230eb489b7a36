"""What a payer's file says, once read: the readers' output and the importer's input.

The readers (`workflows.flux.readers`) know the payers' element names and code lists and
turn each dossier into a `FluxRecord` with normalised values; the importer never sees a raw
code. A line that cannot be read becomes a `FluxLineError` naming its line, and reading
goes on with the next one (a bad line never loses the good ones).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import models

from casework.enums import Payer

__all__ = ["FluxLineError", "FluxPerson", "FluxRecord", "Payer", "RightState"]


class RightState(models.TextChoices):
    """The dossier's right as the payer states it (`ETATDOSRSA` and its MSA/CSV equivalents)."""

    PENDING = "pending", "Demande en cours d'instruction"
    OPEN = "open", "Droit ouvert et versable"
    SUSPENDED = "suspended", "Droit suspendu par l'organisme payeur"
    CLOSED = "closed", "Droit clos"


@dataclass(frozen=True)
class FluxPerson:
    """One person of the household (`Personne`)."""

    role: str  # the payer's code, e.g. "DEM" (demandeur), "CJT" (conjoint), "ENF" (enfant)
    last_name: str
    first_name: str
    birth_date: dt.date
    nir: str = ""  # 13 or 15 characters as sent; "" when absent. Never stored in clear.
    subject_to_rights_and_duties: bool = False  # TOPPERSDRODEVORSA
    birth_name: str = ""  # NOMNAI (nom de naissance; `last_name` is NOM, the name in use)


@dataclass(frozen=True)
class FluxRecord:
    """One dossier (`InfosFoyerRSA` or its equivalent) as the payer sent it."""

    line_no: int  # the file's line where the dossier starts (1-based), as reported to people
    payer: str  # a Payer value
    allocation_number: str  # MATRICULE (numéro allocataire)
    request_number: str  # NUMDEMRSA
    right_state: str  # a RightState value
    right_state_code: str  # the payer's raw code, kept for the report and the mapping doc
    request_date: dt.date | None = None  # DTDEMRSA
    right_state_on: dt.date | None = None  # the date the state applies from, when sent
    transfer_from: str = ""  # the département the dossier comes from ("" when not a transfer)
    persons: tuple[FluxPerson, ...] = field(default_factory=tuple)
    # The payer's reason code for the state, when sent (MOTISUSVERSRSA, MOTISUSDRORSA,
    # MOTICLORSA or MOTIREFURSA, e.g. "MUT": closed because the dossier moved to another payer).
    state_reason_code: str = ""
    transfer_on: dt.date | None = None  # DDARRMUT, the day the dossier arrived (transfers only)

    @property
    def household_size(self) -> int:
        return len(self.persons)


@dataclass(frozen=True)
class FluxLineError:
    """A line that could not be read: its number and the reason, in French, for people."""

    line_no: int
    message: str
    allocation_number: str = ""
