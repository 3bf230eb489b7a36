"""The person's own space: appointments set by the referent, the link generation that lets a
new link retire the older ones, and the log of every page the person opened.

Models only hold facts: appointments are set by `workflows.services.appointments` (which also
writes the invitation), links are signed by `notifications.space_links`, pages are read through
`workflows.pages.space_selectors`.
"""

from django.conf import settings
from django.db import models

from casework.enums import AppointmentMode, SpacePage
from casework.text_limits import text_validators

from .beneficiaries import Beneficiary
from .pathways import AppendOnlyQuerySet, Pathway

APPOINTMENT_PLACE_MAX_LENGTH = 200
APPOINTMENT_PURPOSE_MAX_LENGTH = 200


class Appointment(models.Model):
    """An appointment with the referent, as the person will read it in their space and messages."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="appointments")
    starts_at = models.DateTimeField("date et heure")
    mode = models.CharField("forme", max_length=20, choices=AppointmentMode.choices, default=AppointmentMode.IN_PERSON)
    place = models.CharField(
        "lieu",
        max_length=APPOINTMENT_PLACE_MAX_LENGTH,
        blank=True,
        validators=text_validators(APPOINTMENT_PLACE_MAX_LENGTH),
    )
    purpose = models.CharField(
        "objet",
        max_length=APPOINTMENT_PURPOSE_MAX_LENGTH,
        validators=text_validators(APPOINTMENT_PURPOSE_MAX_LENGTH),
    )
    # The day of the reminder (two days before, Europe/Paris); null when the appointment was set
    # on or after that day: its invitation is the reminder.
    remind_on = models.DateField("rappel le", null=True, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    set_at = models.DateTimeField("fixé le")

    class Meta:
        verbose_name = "rendez-vous"
        verbose_name_plural = "rendez-vous"
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["pathway", "starts_at"]),
            models.Index(fields=["remind_on", "starts_at"], name="appointment_reminder_due"),
        ]

    def __str__(self) -> str:
        # Never the purpose or the place: __str__ ends up in logs and admin titles.
        return f"Rendez-vous n° {self.pk} (parcours n° {self.pathway_id})"


class SpaceLinkGeneration(models.Model):
    """The person's current link generation: a link signed for an older one is refused, so
    asking for a new link retires every link sent before. No row means generation 0."""

    beneficiary = models.OneToOneField(
        Beneficiary, on_delete=models.CASCADE, primary_key=True, related_name="space_link_generation"
    )
    generation = models.PositiveIntegerField(default=0)
    renewed_at = models.DateTimeField("renouvelé le", null=True, blank=True)

    class Meta:
        verbose_name = "génération du lien de l'espace personnel"

    def __str__(self) -> str:
        return f"Lien n° {self.generation}"


class SpaceView(models.Model):
    """Append-only: the person opened this page of their space at this instant (the subject-
    access export lists these rows)."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, related_name="space_views")
    page = models.CharField("page", max_length=20, choices=SpacePage.choices)
    at = models.DateTimeField("le")

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "consultation de l'espace personnel"
        verbose_name_plural = "consultations de l'espace personnel"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["beneficiary", "at"])]

    def __str__(self) -> str:
        return f"{self.get_page_display()} consulté le {self.at:%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Le journal des consultations est en ajout seul.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal des consultations est en ajout seul.")
