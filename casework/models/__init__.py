from .beneficiaries import Barrier, Beneficiary
from .deadlines import Deadline
from .organisations import Delegation, Organisation, Professional, Team, Territory
from .partners import PartnerRequest
from .pathways import Contact, Contract, Handover, Pathway, ReferentPeriod, Track, TransitionLog
from .rules import DelayRule, OrientationRule
from .secrecy import (
    Anonymisation,
    Consent,
    DiagnosticSection,
    DiagnosticSectionKind,
    PrivateNote,
    SensitiveAccessLog,
)
from .audit import AUDITED_MODELS  # noqa: I001  (registers the audit trail once every model exists)

__all__ = [
    "AUDITED_MODELS",
    "Anonymisation",
    "Consent",
    "DiagnosticSection",
    "DiagnosticSectionKind",
    "PrivateNote",
    "SensitiveAccessLog",
    "Barrier",
    "Beneficiary",
    "Contact",
    "Contract",
    "Deadline",
    "DelayRule",
    "Delegation",
    "Handover",
    "Organisation",
    "OrientationRule",
    "PartnerRequest",
    "Pathway",
    "Professional",
    "ReferentPeriod",
    "Team",
    "Territory",
    "Track",
    "TransitionLog",
]
