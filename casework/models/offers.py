"""The catalogue of insertion offers, their sessions, and the prescriptions referents send.

An offer belongs to its provider (an organisation), whose own staff keep it up to date
(`casework.permissions.can_edit_offer`). On PostgreSQL the table also carries `search_vector`,
a generated `tsvector` (French, unaccented) with its GIN index, created by the migration
`offers_catalogue` and read only through `casework.vendor_sql.offer_text_match`: the model does
not declare it, so SQLite (`make run`) has no such column and searches with plain `LIKE`s.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from casework.enums import BarrierKind, OfferKind, PrescriptionStatus
from casework.text_limits import NOTE_MAX_LENGTH, REASON_MAX_LENGTH, text_validators

from .organisations import Organisation, Territory
from .pathways import Pathway

DESCRIPTION_MAX_LENGTH = 5000


class Offer(models.Model):
    title = models.CharField("intitulé", max_length=200)
    provider = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="offers", verbose_name="structure qui porte l'offre"
    )
    kind = models.CharField("type d'offre", max_length=30, choices=OfferKind.choices)
    description = models.TextField("description", blank=True, validators=text_validators(DESCRIPTION_MAX_LENGTH))
    barriers = models.JSONField("freins travaillés", default=list, blank=True)
    publics = models.JSONField("publics", default=list, blank=True)
    territories = models.ManyToManyField(Territory, related_name="offers", verbose_name="territoires")
    address = models.CharField("adresse", max_length=300, blank=True)
    eligibility = models.TextField("conditions d'accès", blank=True, validators=text_validators(NOTE_MAX_LENGTH))
    contact = models.CharField("contact (téléphone, horaires)", max_length=300, blank=True)
    contact_email = models.EmailField(
        "e-mail qui reçoit les prescriptions",
        blank=True,
        help_text="Vide : l'e-mail du contact partenaire de la structure.",
    )
    hours_per_week = models.DecimalField(
        "heures par semaine", max_digits=4, decimal_places=1, default=0, help_text="Compte dans le plan d'activité."
    )
    is_published = models.BooleanField("publiée", default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "offre d'insertion"
        verbose_name_plural = "offres d'insertion"
        ordering = ["title", "id"]
        indexes = [
            models.Index(fields=["provider", "is_published"]),
            models.Index(fields=["kind", "is_published"]),
            # The search without words lists by title: walked in order, it stops at the page's 50.
            models.Index(fields=["title", "id"], condition=Q(is_published=True), name="offer_published_title"),
        ]
        constraints = [models.CheckConstraint(condition=Q(hours_per_week__gte=0), name="offer_hours_not_negative")]

    def __str__(self) -> str:
        return self.title

    @property
    def barrier_labels(self) -> list[str]:
        return [BarrierKind(code).label for code in self.barriers if code in BarrierKind.values]

    @property
    def answer_email(self) -> str:
        """Where prescriptions are sent: the offer's own address, else the provider's contact."""
        return self.contact_email or self.provider.contact_email


class OfferSession(models.Model):
    """A dated run of an offer with its seats. An offer without sessions takes people all year."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="sessions")
    starts_on = models.DateField("début")
    ends_on = models.DateField("fin", null=True, blank=True)
    seats = models.PositiveIntegerField("places")
    place = models.CharField("lieu", max_length=200, blank=True)

    class Meta:
        verbose_name = "session"
        ordering = ["starts_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")), name="offer_session_dates"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offer} — session du {self.starts_on:%d/%m/%Y}"


class Prescription(models.Model):
    """A referent sends the person to an offer; the provider answers; the outcome follows.

    Written only by `workflows.services.prescriptions`, which opens and meets the
    `prescription_answer` clock (ref = the prescription's id)."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="prescriptions")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="prescriptions", verbose_name="offre")
    session = models.ForeignKey(
        OfferSession,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prescriptions",
        verbose_name="session",
    )
    barrier = models.CharField("frein visé", max_length=30, choices=BarrierKind.choices, blank=True)
    note = models.TextField("message au prestataire", blank=True, validators=text_validators(NOTE_MAX_LENGTH))
    status = models.CharField(
        "statut", max_length=20, choices=PrescriptionStatus.choices, default=PrescriptionStatus.SENT
    )
    sent_on = models.DateField("envoyée le")
    answered_on = models.DateField("réponse le", null=True, blank=True)
    start_on = models.DateField("début prévu", null=True, blank=True)
    refusal_reason = models.TextField("motif du refus", blank=True, validators=text_validators(REASON_MAX_LENGTH))
    entered_on = models.DateField("entrée le", null=True, blank=True)
    ended_on = models.DateField("sortie le", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = "prescription"
        ordering = ["-sent_on", "-id"]
        indexes = [
            models.Index(fields=["session", "status"]),
            models.Index(fields=["offer", "status"]),
            models.Index(fields=["sent_on", "id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=PrescriptionStatus.SENT, answered_on__isnull=True)
                | (~Q(status=PrescriptionStatus.SENT) & Q(answered_on__isnull=False)),
                name="prescription_answered_unless_sent",
            )
        ]

    def __str__(self) -> str:
        # Never the person: __str__ ends up in logs and admin titles.
        return f"Prescription n° {self.pk} — {self.offer}"
