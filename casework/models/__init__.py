from .beneficiaries import Barrier, Beneficiary
from .deadlines import Deadline
from .organisations import Delegation, Organisation, Professional, Team, Territory
from .partners import PartnerRequest
from .pathways import Contact, Contract, Handover, Pathway, ReferentPeriod, Track, TransitionLog
from .rules import DelayRule, OrientationRule

__all__ = [
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
