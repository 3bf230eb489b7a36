from .audit import AUDITED_MODELS  # registers the audit trail (django-simple-history)
from .beneficiaries import Barrier, Beneficiary, IdentityReview, PayerAccount
from .breaches import Breach, BreachCapRule, PayerExport, PayerLine
from .deadlines import Deadline
from .engagement import (
    ActivityDuration,
    ActivityShortfall,
    ActivityWeek,
    ContractActivity,
    EngagementRule,
)
from .facts import BoardCount, BoardSummaryState, EntryFact, IndicatorFactsState
from .flux import FluxImport, FluxLine
from .idempotency import IdempotencyRecord
from .offers import Offer, OfferInterest, OfferSession, Prescription
from .organisations import Delegation, Organisation, Professional, Team, Territory
from .partners import PartnerRequest
from .pathways import Contact, Contract, Handover, Pathway, ReferentPeriod, Track, TransitionLog
from .person_space import Appointment, SpaceLinkGeneration, SpaceView
from .rules import DelayRule, OrientationRule
from .secrecy import (
    Anonymisation,
    Consent,
    DiagnosticSection,
    DiagnosticSectionKind,
    PrivateNote,
    SensitiveAccessLog,
)

__all__ = [
    "ActivityDuration",
    "ActivityShortfall",
    "ActivityWeek",
    "ContractActivity",
    "EngagementRule",
    "AUDITED_MODELS",
    "Anonymisation",
    "Appointment",
    "SpaceLinkGeneration",
    "SpaceView",
    "Consent",
    "DiagnosticSection",
    "DiagnosticSectionKind",
    "PrivateNote",
    "SensitiveAccessLog",
    "Barrier",
    "Breach",
    "BreachCapRule",
    "Beneficiary",
    "BoardCount",
    "BoardSummaryState",
    "Contact",
    "Contract",
    "Deadline",
    "EntryFact",
    "FluxImport",
    "FluxLine",
    "IndicatorFactsState",
    "DelayRule",
    "Delegation",
    "Handover",
    "IdempotencyRecord",
    "IdentityReview",
    "Offer",
    "OfferInterest",
    "OfferSession",
    "Prescription",
    "Organisation",
    "OrientationRule",
    "PartnerRequest",
    "PayerAccount",
    "PayerExport",
    "PayerLine",
    "Pathway",
    "Professional",
    "ReferentPeriod",
    "Team",
    "Territory",
    "Track",
    "TransitionLog",
]
