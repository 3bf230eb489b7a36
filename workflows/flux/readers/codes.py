"""The payers' code lists, as public code that reads these files spells them.

Sources (repository, path), also in `docs/flux.md`:
- ETATDOSRSA: HadoDokis/WebRSA `app/Model/Option.php` (`etatdosrsa()`), the same list in
  atolcd/webrsa `project/app/Config/sql/patches/4.x/patch-4.8.0.sql` and in
  gip-inclusion/carnet-de-bord `backend/cdb/caf_msa/parse_infos_foyer_rsa.py`
  (`transform_right_rsa`).
- ROLEPERS: HadoDokis/WebRSA `app/Model/Option.php` (`rolepers()`).
- TOPPERSDRODEVORSA: HadoDokis/WebRSA `app/Model/Option.php` (`toppersdrodevorsa()`: 1 oui,
  0 non); an `xsd:boolean` in gip-inclusion/carnet-de-bord `backend/cdb/caf_msa/vrsb0801.xsd`.
- FONORG (and FONORGCEDMUT): HadoDokis/WebRSA `app/Model/Option.php` (`fonorgcedmut()`:
  CAF, MSA, OPF); APPLIEME "AGO" = Agora Ccmsa, "CRI" = Cristal Cnaf (`applieme()`).
"""

from __future__ import annotations

from workflows.flux.records import Payer, RightState

# ETATDOSRSA → our state. "Z" (non défini) is WebRSA's own placeholder, not a payer's code:
# it is refused like any unknown code.
RIGHT_STATES: dict[str, str] = {
    "0": RightState.PENDING,  # Nouvelle demande en attente de décision CG pour ouverture du droit
    "1": RightState.CLOSED,  # Droit refusé
    "2": RightState.OPEN,  # Droit ouvert et versable
    "3": RightState.SUSPENDED,  # Droit ouvert et suspendu
    "4": RightState.SUSPENDED,  # Droit ouvert mais versement suspendu
    "5": RightState.CLOSED,  # Droit clos
    "6": RightState.CLOSED,  # Droit clos sur mois antérieur (régularisation)
}

# The SituationDossierRSA block that carries the state's date and reason, per ETATDOSRSA
# (vrsb0801.xsd: Refus "ETATDOSRSA=1", SuspensionDroit "=3", SuspensionVersement "=4",
# FinDroit "=5", FinDroitMoisAnterieur "=6").
STATE_BLOCKS: dict[str, tuple[str, ...]] = {
    "1": ("Refus",),
    "3": ("SuspensionDroit",),
    "4": ("SuspensionVersement",),
    "5": ("FinDroit",),
    "6": ("FinDroitMoisAnterieur", "FinDroit"),
}

ROLES: dict[str, str] = {
    "DEM": "Demandeur du RSA",
    "CJT": "Conjoint du demandeur",
    "ENF": "Enfant",
    "AUT": "Autre personne",
    "RDO": "Responsable du dossier",
}
ADULT_ROLES = frozenset({"DEM", "CJT"})

BOOLEANS: dict[str, bool] = {"1": True, "0": False, "true": True, "false": False}

PAYERS: dict[str, str] = {"CAF": Payer.CNAF, "MSA": Payer.MSA}
MSA_APPLICATIONS = frozenset({"AGO"})  # APPLIEME of a file sent by the MSA (Agora Ccmsa)
