"""The pathway aggregate: its state machine and the facts recorded along it.

Transition methods only guard and set the pathway's own fields. Everything else a
transition causes (log row, handover row, deadlines, notifications) is done by the one
transition service, `workflows.services.transitions.pathway_transition`.
"""

from types import SimpleNamespace

from django.conf import settings
from django.db import models
from django.db.models import Q
from django_fsm import GET_STATE, ConcurrentTransitionMixin, FSMField, transition

from casework import permissions
from casework.enums import (
    ACCOMPANIED_STATES,
    OPEN_STATES,
    SUSPENDABLE_STATES,
    TRACK_KIND_STATE,
    TRACK_STATES,
    CloseReason,
    ContactKind,
    ContactOutcome,
    ContractKind,
    HandoverStatus,
    JobKind,
    PathwayState,
    SuspensionReason,
    TrackKind,
)
from casework.text_limits import HANDOVER_NOTE_MAX_LENGTH, REASON_MAX_LENGTH, text_validators

from .beneficiaries import Beneficiary
from .organisations import Organisation, Professional, Territory

S = PathwayState


class Track(models.Model):
    """An accompaniment track. Data: a socio-professional track is a professional-kind track."""

    code = models.SlugField("code", max_length=40, unique=True)
    label = models.CharField("libellé", max_length=120)
    kind = models.CharField("dominante", max_length=20, choices=TrackKind.choices)
    social_support = models.BooleanField("accompagnement social renforcé", default=False)

    class Meta:
        verbose_name = "type de parcours"
        ordering = ["kind", "label"]

    def __str__(self) -> str:
        return self.label


def _state_after_contract(pathway: "Pathway", **kwargs) -> str:
    return TRACK_KIND_STATE[pathway.track.kind]


def _state_after_reorientation(pathway: "Pathway", *, accepted: bool, **kwargs) -> str:
    return S.DIAGNOSTIC if accepted else pathway.resume_state


def _state_after_followup(pathway: "Pathway", *, sustainable: bool, **kwargs) -> str:
    if sustainable or pathway.track_id is None:
        return S.CLOSED
    return TRACK_KIND_STATE[pathway.track.kind]


def _resume_state(pathway: "Pathway", **kwargs) -> str:
    return pathway.resume_state


class Pathway(ConcurrentTransitionMixin, models.Model):
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="pathways")
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="pathways")
    state = FSMField("état", default=S.ORIENTATION, choices=S.choices, protected=True, db_index=True)
    track = models.ForeignKey(Track, on_delete=models.PROTECT, null=True, blank=True, verbose_name="parcours")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="pathways"
    )
    referent = models.ForeignKey(
        Professional, on_delete=models.PROTECT, null=True, blank=True, related_name="caseload"
    )
    # During a handover the outgoing referent stays `referent` until the incoming one accepts.
    handover_to = models.ForeignKey(
        Professional, on_delete=models.PROTECT, null=True, blank=True, related_name="incoming_handovers"
    )
    entered_on = models.DateField("entrée le")
    oriented_on = models.DateField("orienté le", null=True, blank=True)
    resume_state = models.CharField(max_length=30, choices=S.choices, blank=True)
    suspension_reason = models.CharField(max_length=20, choices=SuspensionReason.choices, blank=True)
    suspended_on = models.DateField(null=True, blank=True)
    expected_resume_on = models.DateField(null=True, blank=True)
    job_kind = models.CharField(max_length=20, choices=JobKind.choices, blank=True)
    job_started_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField("clos le", null=True, blank=True)
    close_reason = models.CharField("motif de sortie", max_length=30, choices=CloseReason.choices, blank=True)
    previous = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    transfer_from = models.CharField("transféré depuis", max_length=3, blank=True, default="", db_default="")
    payer_suspended_on = models.DateField("versement suspendu par l'organisme payeur le", null=True, blank=True)
    suggested_referent = models.ForeignKey(Professional, models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "parcours"
        verbose_name_plural = "parcours"
        constraints = [
            models.UniqueConstraint(
                fields=["beneficiary"], condition=~Q(state="closed"), name="pathway_one_open_per_beneficiary"
            ),
            # No gap, ever: an accompanied pathway has a referent or sits in an organisation's queue.
            models.CheckConstraint(
                condition=~Q(state__in=ACCOMPANIED_STATES) | Q(referent__isnull=False) | Q(organisation__isnull=False),
                name="pathway_always_responsible",
            ),
        ]
        indexes = [
            models.Index(fields=["referent", "state"]),
            models.Index(fields=["organisation", "state"]),
            models.Index(fields=["territory", "state"]),
        ]

    def __str__(self) -> str:
        return f"Parcours n° {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state != S.CLOSED

    @property
    def in_assignment_queue(self) -> bool:
        return self.state in ACCOMPANIED_STATES and self.referent_id is None and self.organisation_id is not None

    # --- guards (pure: only this row's fields) -----------------------------------------
    def has_no_referent(self) -> bool:
        return self.referent_id is None and self.organisation_id is not None

    def has_referent(self) -> bool:
        return self.referent_id is not None

    def has_no_pending_handover(self) -> bool:
        return self.handover_to_id is None

    def has_pending_handover(self) -> bool:
        return self.handover_to_id is not None

    def has_track(self) -> bool:
        return self.track_id is not None

    # --- transitions -------------------------------------------------------------------
    @transition(field=state, source=S.ORIENTATION, target=S.DIAGNOSTIC, permission=permissions.can_orient)
    def orient(self, *, occurred_on, organisation, track, **kwargs) -> None:
        self.organisation = organisation
        self.track = track
        self.referent = None
        self.oriented_on = occurred_on

    @transition(
        field=state,
        source=ACCOMPANIED_STATES,
        target=None,
        conditions=[has_no_referent],
        permission=permissions.can_assign_referent,
    )
    def assign_referent(self, *, referent, **kwargs) -> None:
        self.referent = referent

    @transition(
        field=state,
        source=[*ACCOMPANIED_STATES, S.SUSPENDED],
        target=None,
        conditions=[has_referent, has_no_pending_handover],
        permission=permissions.can_manage,
    )
    def propose_handover(self, *, incoming, **kwargs) -> None:
        self.handover_to = incoming

    @transition(
        field=state,
        source=[*ACCOMPANIED_STATES, S.SUSPENDED],
        target=None,
        conditions=[has_pending_handover],
        permission=permissions.can_answer_handover,
    )
    def accept_handover(self, **kwargs) -> None:
        self.referent = self.handover_to
        self.organisation = self.handover_to.organisation
        self.handover_to = None

    @transition(
        field=state,
        source=[*ACCOMPANIED_STATES, S.SUSPENDED],
        target=None,
        conditions=[has_pending_handover],
        permission=permissions.can_answer_handover,
    )
    def refuse_handover(self, **kwargs) -> None:
        self.handover_to = None

    @transition(
        field=state,
        source=[S.DIAGNOSTIC, *TRACK_STATES],
        target=GET_STATE(_state_after_contract, states=TRACK_STATES),
        conditions=[has_referent, has_track],
        permission=permissions.can_manage,
    )
    def sign_contract(self, **kwargs) -> None:
        pass

    @transition(
        field=state,
        source=[S.DIAGNOSTIC, *TRACK_STATES],
        target=S.REORIENTATION,
        permission=permissions.can_manage,
    )
    def request_reorientation(self, **kwargs) -> None:
        self.resume_state = self.state

    @transition(
        field=state,
        source=S.REORIENTATION,
        target=GET_STATE(_state_after_reorientation, states=[S.DIAGNOSTIC, *TRACK_STATES]),
        permission=permissions.can_orient,
    )
    def decide_reorientation(self, *, accepted, occurred_on, organisation=None, track=None, **kwargs) -> None:
        if accepted:
            if organisation is not None and organisation.pk != self.organisation_id:
                # Another organisation: the pathway enters its assignment queue.
                self.organisation = organisation
                self.referent = None
                self.handover_to = None
            if track is not None:
                self.track = track
            self.oriented_on = occurred_on

    @transition(
        field=state,
        source=[S.DIAGNOSTIC, *TRACK_STATES],
        target=S.IN_WORK_FOLLOWUP,
        conditions=[has_referent],
        permission=permissions.can_manage,
    )
    def start_job(self, *, occurred_on, job_kind, **kwargs) -> None:
        self.job_kind = job_kind
        self.job_started_on = occurred_on

    @transition(
        field=state,
        source=S.IN_WORK_FOLLOWUP,
        target=GET_STATE(_state_after_followup, states=[S.CLOSED, *TRACK_STATES]),
        permission=permissions.can_manage,
    )
    def end_followup(self, *, occurred_on, sustainable, **kwargs) -> None:
        if sustainable or self.track_id is None:
            self.closed_on = occurred_on
            self.close_reason = CloseReason.SUSTAINABLE_JOB
            self.handover_to = None

    @transition(field=state, source=SUSPENDABLE_STATES, target=S.SUSPENDED, permission=permissions.can_manage)
    def suspend(self, *, occurred_on, suspension_reason, expected_resume_on, **kwargs) -> None:
        self.resume_state = self.state
        self.suspension_reason = suspension_reason
        self.suspended_on = occurred_on
        self.expected_resume_on = expected_resume_on

    @transition(
        field=state,
        source=S.SUSPENDED,
        target=GET_STATE(_resume_state, states=SUSPENDABLE_STATES),
        permission=permissions.can_manage,
    )
    def resume(self, **kwargs) -> None:
        # `resume_state` is read by GET_STATE after this body runs: it must stay set here.
        self.suspension_reason = ""
        self.suspended_on = None
        self.expected_resume_on = None

    @transition(field=state, source=OPEN_STATES, target=S.CLOSED, permission=permissions.can_close)
    def close(self, *, occurred_on, close_reason, **kwargs) -> None:
        self.closed_on = occurred_on
        self.close_reason = close_reason
        self.handover_to = None

    @transition(field=state, source=S.CLOSED, target=S.ORIENTATION, permission=permissions.can_reopen)
    def reopen(self, *, occurred_on, **kwargs) -> None:
        self.entered_on = occurred_on
        self.oriented_on = None
        self.organisation = None
        self.track = None
        self.referent = None
        self.closed_on = None
        self.close_reason = ""
        self.resume_state = ""
        self.job_kind = ""
        self.job_started_on = None


# The transitions' names, read from the FSM: code that names one writes `T.orient`, so a name
# that is not a transition fails at import instead of matching nothing.
TRANSITION_NAMES: tuple[str, ...] = tuple(
    sorted({t.name for t in Pathway._meta.get_field("state").get_all_transitions(Pathway)})
)
T = SimpleNamespace(**{name: name for name in TRANSITION_NAMES})


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("Le journal est en ajout seul : aucune modification possible.")

    def delete(self):
        raise PermissionError("Le journal est en ajout seul : aucune suppression possible.")


class TransitionLog(models.Model):
    """Append-only history of transitions; PostgreSQL enforces it with a trigger as well."""

    # Keep the single-column index even beside (pathway, recorded_at): without it, at 1M pathways
    # the planner answered the indicators' per-pathway journal subqueries with a BitmapAnd on the
    # (transition, occurred_on) index, 60 times slower (docs/bench.md, "Transitions").
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, related_name="history")
    transition = models.CharField(max_length=40)
    from_state = models.CharField(max_length=30, choices=S.choices)
    to_state = models.CharField(max_length=30, choices=S.choices)
    occurred_on = models.DateField("date d'effet")
    recorded_at = models.DateTimeField("enregistré le")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    reason = models.TextField(
        "motif", blank=True, max_length=REASON_MAX_LENGTH, validators=text_validators(REASON_MAX_LENGTH)
    )
    params = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "journal des transitions"
        verbose_name_plural = "journal des transitions"
        ordering = ["recorded_at", "id"]
        indexes = [models.Index(fields=["pathway", "recorded_at"]), models.Index(fields=["transition", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.transition} ({self.from_state} → {self.to_state})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Le journal est en ajout seul : aucune modification possible.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal est en ajout seul : aucune suppression possible.")


class ReferentPeriod(models.Model):
    """Who was the responsible referent, and when: access ("are or were") and indicators."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="referent_periods")
    professional = models.ForeignKey(Professional, on_delete=models.PROTECT, related_name="referent_periods")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = "période de référence"
        indexes = [models.Index(fields=["professional", "pathway"])]

    def __str__(self) -> str:
        return f"{self.professional} depuis le {self.started_on:%d/%m/%Y}"


class Handover(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="handovers")
    outgoing = models.ForeignKey(Professional, on_delete=models.PROTECT, related_name="handovers_out")
    incoming = models.ForeignKey(Professional, on_delete=models.PROTECT, related_name="handovers_in")
    proposed_on = models.DateField("proposé le")
    note = models.TextField(
        "note de passage de relais",
        blank=True,
        max_length=HANDOVER_NOTE_MAX_LENGTH,
        validators=text_validators(HANDOVER_NOTE_MAX_LENGTH),
    )
    status = models.CharField(max_length=20, choices=HandoverStatus.choices, default=HandoverStatus.PROPOSED)
    decided_on = models.DateField(null=True, blank=True)
    refusal_reason = models.TextField(
        "motif du refus", blank=True, max_length=REASON_MAX_LENGTH, validators=text_validators(REASON_MAX_LENGTH)
    )

    class Meta:
        verbose_name = "passage de relais"
        verbose_name_plural = "passages de relais"
        constraints = [
            models.UniqueConstraint(
                fields=["pathway"], condition=Q(status="proposed"), name="handover_one_pending_per_pathway"
            )
        ]

    def __str__(self) -> str:
        return f"{self.outgoing} → {self.incoming} ({self.get_status_display()})"


# A note on the contact, not a report: the diagnostic and private notes hold the long texts.
CONTACT_COMMENT_MAX_LENGTH = 1000


class Contact(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="contacts")
    occurred_on = models.DateField("date")
    kind = models.CharField("type", max_length=20, choices=ContactKind.choices, default=ContactKind.INTERVIEW)
    outcome = models.CharField("issue", max_length=10, choices=ContactOutcome.choices)
    aspir = models.BooleanField("entretien ASPIR", default=False)
    # db_default: the set-based loaders (COPY) that list their columns need no change.
    comment = models.CharField(
        "commentaire",
        max_length=CONTACT_COMMENT_MAX_LENGTH,
        blank=True,
        default="",
        db_default="",
        validators=text_validators(CONTACT_COMMENT_MAX_LENGTH),
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        verbose_name = "contact"
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["pathway", "outcome", "occurred_on"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.occurred_on:%d/%m/%Y} ({self.get_outcome_display()})"


class Contract(models.Model):
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="contracts")
    kind = models.CharField("type", max_length=30, choices=ContractKind.choices)
    signed_on = models.DateField("signé le")
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin")
    extended_review_reason = models.CharField(
        "motif de réexamen à 12 mois",
        max_length=20,
        choices=[("health", "Santé"), ("disability", "Handicap"), ("housing", "Logement"), ("family", "Famille")],
        blank=True,
    )
    aspir = models.BooleanField("accompagnement ASPIR", default=False)

    class Meta:
        verbose_name = "contrat"
        ordering = ["-signed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} signé le {self.signed_on:%d/%m/%Y}"
