"""States, kinds and codes of the domain. UI labels are French; codes are English."""

from django.db import models


class PathwayState(models.TextChoices):
    ORIENTATION = "orientation", "En attente d'orientation"
    DIAGNOSTIC = "diagnostic", "Diagnostic"
    SOCIAL_TRACK = "social_track", "Parcours social"
    PROFESSIONAL_TRACK = "professional_track", "Parcours professionnel"
    REORIENTATION = "reorientation", "Réorientation demandée"
    IN_WORK_FOLLOWUP = "in_work_followup", "Accompagnement dans l'emploi"
    SUSPENDED = "suspended", "Suspendu"
    CLOSED = "closed", "Clos"


S = PathwayState
TRACK_STATES = [S.SOCIAL_TRACK, S.PROFESSIONAL_TRACK]
# States in which a referent accompanies the person (or the pathway waits in a queue for one).
ACCOMPANIED_STATES = [S.DIAGNOSTIC, *TRACK_STATES, S.REORIENTATION, S.IN_WORK_FOLLOWUP]
OPEN_STATES = [S.ORIENTATION, *ACCOMPANIED_STATES, S.SUSPENDED]
SUSPENDABLE_STATES = [S.ORIENTATION, *ACCOMPANIED_STATES]


class TrackKind(models.TextChoices):
    """The dominant track; tracks themselves are data (see Track), several may share a kind."""

    SOCIAL = "social", "Social"
    PROFESSIONAL = "professional", "Professionnel"


TRACK_KIND_STATE = {TrackKind.SOCIAL: S.SOCIAL_TRACK, TrackKind.PROFESSIONAL: S.PROFESSIONAL_TRACK}


class OrganisationKind(models.TextChoices):
    DEPARTEMENT = "departement", "Département"
    FRANCE_TRAVAIL = "france_travail", "France Travail"
    MISSION_LOCALE = "mission_locale", "Mission locale"
    PLIE = "plie", "PLIE"
    CAP_EMPLOI = "cap_emploi", "Cap emploi"
    CHAMBRE_CONSULAIRE = "chambre_consulaire", "Chambre consulaire"
    CAF = "caf", "CAF"
    MSA = "msa", "MSA"
    CCAS = "ccas", "CCAS / CIAS"
    SIAE = "siae", "Structure d'insertion par l'activité économique"
    ASSOCIATION = "association", "Association"
    OTHER = "other", "Autre"


class Public(models.TextChoices):
    RSA = "rsa", "Bénéficiaire du RSA"
    YOUTH = "youth", "Jeune de moins de 26 ans"
    LONG_TERM_UNEMPLOYED = "long_term_unemployed", "Demandeur d'emploi de longue durée"
    DISABILITY = "disability", "Travailleur handicapé"


class BarrierKind(models.TextChoices):
    HEALTH_PHYSICAL = "health_physical", "Santé physique"
    HEALTH_MENTAL = "health_mental", "Santé psychique"
    MOBILITY = "mobility", "Mobilité"
    HOUSING = "housing", "Logement"
    CHILDCARE = "childcare", "Garde d'enfants"
    LANGUAGE = "language", "Maîtrise du français (FLE)"
    DIGITAL = "digital", "Numérique"
    BASIC_SKILLS = "basic_skills", "Savoirs de base / illettrisme"
    RIGHTS = "rights", "Accès aux droits"
    QUALIFICATION = "qualification", "Qualification"
    ISOLATION = "isolation", "Isolement / confiance en soi"
    FINANCES = "finances", "Finances"


class BarrierStatus(models.TextChoices):
    OPEN = "open", "À lever"
    IN_PROGRESS = "in_progress", "En cours"
    LIFTED = "lifted", "Levé"


class ContactKind(models.TextChoices):
    INTERVIEW = "interview", "Entretien"
    PHONE = "phone", "Téléphone"
    HOME_VISIT = "home_visit", "Visite à domicile"
    VIDEO = "video", "Visio"
    COLLECTIVE = "collective", "Atelier collectif"
    MESSAGE = "message", "Message écrit"


class ContactOutcome(models.TextChoices):
    HELD = "held", "Honoré"
    MISSED = "missed", "Manqué"


class ContractKind(models.TextChoices):
    CER = "cer", "Contrat d'engagement réciproque (CER)"
    PPAE = "ppae", "Projet personnalisé d'accès à l'emploi (PPAE)"
    CONTRAT_ENGAGEMENT = "contrat_engagement", "Contrat d'engagement (2025)"


class HandoverStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposé"
    ACCEPTED = "accepted", "Accepté"
    REFUSED = "refused", "Refusé"
    CANCELLED = "cancelled", "Annulé"


class CloseReason(models.TextChoices):
    SUSTAINABLE_JOB = "sustainable_job", "Emploi durable"
    TRAINING = "training", "Formation qualifiante"
    RIGHTS_ENDED = "rights_ended", "Fin de droits"
    MOVED_AWAY = "moved_away", "Déménagement"
    NO_CONTACT = "no_contact", "Perte de contact"
    DECEASED = "deceased", "Décès"
    # The payer's word, from its flux: the right ended, or the person is no longer subject to
    # rights and duties. An exit, never a rupture (the person was not lost).
    RIGHTS_CLOSED = "rights_closed", "Droit clos"
    OUT_OF_SCOPE = "out_of_scope", "Sortie du périmètre"
    OTHER = "other", "Autre"


EXIT_TO_JOB_OR_TRAINING = [CloseReason.SUSTAINABLE_JOB, CloseReason.TRAINING]
# The exits a payer's flux records: not a rupture ("perte de contact" is one).
PAYER_EXIT_REASONS = [CloseReason.RIGHTS_CLOSED, CloseReason.OUT_OF_SCOPE]


class JobKind(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD_LONG = "cdd_long", "CDD de plus de 6 mois"
    CDD_SHORT = "cdd_short", "CDD de 6 mois ou moins"
    INTERIM = "interim", "Intérim"
    TRAINING = "training", "Formation"
    SELF_EMPLOYED = "self_employed", "Création d'activité"
    IAE = "iae", "Contrat d'insertion (IAE)"


SUSTAINABLE_JOB_KINDS = [JobKind.CDI, JobKind.CDD_LONG]


class SuspensionReason(models.TextChoices):
    HEALTH = "health", "Santé"
    MATERNITY = "maternity", "Maternité / paternité"
    FAMILY = "family", "Raison familiale"
    TRAINING = "training", "Formation longue"
    OTHER = "other", "Autre"


class RuleCode(models.TextChoices):
    ORIENTATION = "orientation", "Orientation"
    REFERENT_ASSIGNMENT = "referent_assignment", "Désignation du référent"
    FIRST_APPOINTMENT = "first_appointment", "Premier rendez-vous"
    CONTRACT = "contract", "Signature du contrat"
    CONTRACT_RENEWAL = "contract_renewal", "Renouvellement du contrat"
    SOCIAL_TRACK_REVIEW = "social_track_review", "Réexamen du parcours social"
    CONTACT_GAP = "contact_gap", "Absence de contact"
    ASPIR_CADENCE = "aspir_cadence", "Rythme ASPIR"
    HANDOVER_ACCEPTANCE = "handover_acceptance", "Acceptation du passage de relais"
    IN_WORK_CHECKIN = "in_work_checkin", "Point de suivi dans l'emploi"
    PARTNER_ACK = "partner_ack", "Accusé de réception partenaire"
    SUSPENSION_END = "suspension_end", "Fin de suspension"
    PRESCRIPTION_ANSWER = "prescription_answer", "Réponse du prestataire à une prescription"
    BREACH_OBSERVATIONS = "breach_observations", "Observations sur un manquement"


class DurationUnit(models.TextChoices):
    DAYS = "days", "Jours calendaires"
    WORKING_DAYS = "working_days", "Jours ouvrés"
    MONTHS = "months", "Mois"


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "En cours"
    MET = "met", "Respectée"
    CANCELLED = "cancelled", "Annulée"
    SUSPENDED = "suspended", "Suspendue"


class AlertLevel(models.TextChoices):
    DUE_SOON = "due_soon", "Échéance proche"
    DUE = "due", "Échéance du jour"
    OVERDUE = "overdue", "En retard (escalade)"


class RecipientRole(models.TextChoices):
    REFERENT = "referent", "Référent"
    TEAM_LEAD = "team_lead", "Responsable d'équipe"
    ORIENTATION_TEAM = "orientation_team", "Équipe orientation"
    PARTNER_CONTACT = "partner_contact", "Contact partenaire"
    INCOMING_REFERENT = "incoming_referent", "Référent entrant"
    NOBODY = "", "Personne"


class IdentityReviewOutcome(models.TextChoices):
    """What an orientation officer decided about a registration that may be a known person."""

    SAME_PERSON = "same_person", "C'est la même personne"
    DIFFERENT_PERSON = "different_person", "Personne différente"


class Payer(models.TextChoices):
    """Who pays the allowance and sends the flux."""

    CNAF = "cnaf", "CAF"
    MSA = "msa", "MSA"
    PARTNER = "partner", "Partenaire (CSV)"


class FluxSource(models.TextChoices):
    """How a payer's file came in."""

    PAGE = "page", "Page d'import"
    COMMAND = "command", "Commande import_flux"
    FOLDER = "folder", "Dossier de dépôt"


class FluxImportStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"
    DUPLICATE = "duplicate", "Déjà importé"


class FluxOutcome(models.TextChoices):
    """What one line of a payer's file did (the import's counts are per outcome)."""

    ENTRY = "entry", "Entrées"
    TRANSFER = "transfer", "Entrées par transfert"
    REOPENING = "reopening", "Réouvertures (moins de 12 mois)"
    CLOSURE = "closure", "Droits clos"
    EXIT = "exit", "Sorties du périmètre"
    SUSPENSION = "suspension", "Suspensions par l'organisme payeur"
    RESUMPTION = "resumption", "Reprises du versement"
    UNCHANGED = "unchanged", "Sans changement"
    TO_VERIFY = "to_verify", "À vérifier"
    REJECTED = "rejected", "Rejetées"


class IdentityReviewOrigin(models.TextChoices):
    """Where a registration that may be a known person came from."""

    API = "api", "Demande d'entrée"
    FLUX = "flux", "Flux de l'organisme payeur"


class OfferKind(models.TextChoices):
    """What an insertion offer is (the catalogue's families)."""

    ASPIR = "aspir", "ASPIR"
    GLOBAL_SUPPORT = "global_support", "Accompagnement global"
    PLIE = "plie", "PLIE"
    IAE = "iae", "Insertion par l'activité économique (IAE)"
    TRAINING = "training", "Formation"
    MOBILITY = "mobility", "Mobilité"
    CHILDCARE = "childcare", "Garde d'enfants"
    HEALTH = "health", "Santé / soutien psychologique"
    WORKSHOP = "workshop", "Atelier"
    VOLUNTEERING = "volunteering", "Bénévolat"
    OTHER = "other", "Autre"


class PrescriptionStatus(models.TextChoices):
    """A prescription's life: sent, answered by the provider, then the person's outcome."""

    SENT = "sent", "En attente de réponse"
    ACCEPTED = "accepted", "Acceptée"
    REFUSED = "refused", "Refusée"
    ENTERED = "entered", "Entrée dans l'action"
    COMPLETED = "completed", "Action terminée"
    LEFT_EARLY = "left_early", "Sortie anticipée"


PS = PrescriptionStatus
# A prescription holds a seat of its session unless the provider refused it.
SEAT_HOLDING_STATUSES = [PS.SENT, PS.ACCEPTED, PS.ENTERED, PS.COMPLETED, PS.LEFT_EARLY]
# The outcomes, and the statuses each may follow.
PRESCRIPTION_OUTCOMES = {PS.ENTERED: [PS.ACCEPTED], PS.COMPLETED: [PS.ENTERED], PS.LEFT_EARLY: [PS.ENTERED]}
ENTERED_STATUSES = [PS.ENTERED, PS.COMPLETED, PS.LEFT_EARLY]


class BreachKind(models.TextChoices):
    """What the referent saw (CASF L262-37: the contract's commitments not met)."""

    MISSED_APPOINTMENTS = "missed_appointments", "Rendez-vous manqués sans motif"
    CONTRACT_REFUSED = "contract_refused", "Refus de signer ou de renouveler le contrat"
    ACTIVITY_NOT_DONE = "activity_not_done", "Activités prévues non réalisées"
    OTHER = "other", "Autre manquement au contrat"


class BreachState(models.TextChoices):
    """Where a breach stands: the person is heard, then a decision, then the suspension runs out."""

    OBSERVATIONS = "observations", "Observations de la personne attendues"
    NO_SANCTION = "no_sanction", "Décision : pas de sanction"
    SUSPENDED = "suspended", "Suspension en cours"
    REMOBILISED = "remobilised", "Suspension levée (remobilisation)"
    ENDED = "ended", "Suspension terminée"


DECIDED_BREACH_STATES = [BreachState.NO_SANCTION, BreachState.SUSPENDED, BreachState.REMOBILISED, BreachState.ENDED]
SUSPENSION_STATES = [BreachState.SUSPENDED, BreachState.REMOBILISED, BreachState.ENDED]


class BreachOutcome(models.TextChoices):
    NO_SANCTION = "no_sanction", "Pas de sanction"
    SUSPENSION = "suspension", "Suspension-remobilisation"


class PayerLineKind(models.TextChoices):
    """A line of the payer export: a decision to suspend (or not), or a lift after remobilisation."""

    DECISION = "decision", "Décision"
    LIFT = "lift", "Levée (remobilisation)"


class AppointmentMode(models.TextChoices):
    """How the person meets their referent (the person's space and messages say it in plain words)."""

    IN_PERSON = "in_person", "Sur place"
    PHONE = "phone", "Par téléphone"


class SpacePage(models.TextChoices):
    """The pages of the person's own space, as its access log names them."""

    HOME = "home", "Mon espace"
    CONTRACT = "contract", "Mon contrat"
    INTEREST = "interest", "Cela m'intéresse"


# --- the 2025 legal frame: contrat d'engagement, its action plan and activity hours ---------


class ActivityKind(models.TextChoices):
    """What an activity of the contrat d'engagement's action plan is (CASF L262-35, C. trav. L5411-6-1)."""

    WORKSHOP = "workshop", "Atelier"
    TRAINING = "training", "Formation"
    IMMERSION = "immersion", "Immersion en entreprise"
    JOB_SEARCH = "job_search", "Recherche d'emploi"
    HEALTH = "health", "Démarches de santé"
    HOUSING = "housing", "Démarches de logement"
    MOBILITY = "mobility", "Mobilité"
    RIGHTS = "rights", "Accès aux droits"
    OTHER = "other", "Autre"


class ActivityDurationKind(models.TextChoices):
    """The weekly activity duration of a contrat d'engagement: the rule's figure, less, or none."""

    STANDARD = "standard", "Durée de droit commun"
    REDUCED = "reduced", "Durée réduite"
    EXEMPTED = "exempted", "Dispense totale"


class ExemptionGround(models.TextChoices):
    """The situations for which the person may ask to be exempted entirely (L5411-6-1, L262-35)."""

    HEALTH = "health", "État de santé"
    DISABILITY = "disability", "Handicap"
    INVALIDITY = "invalidity", "Invalidité"
    SINGLE_PARENT = "single_parent", "Parent isolé sans solution de garde pour un enfant de moins de 12 ans"
