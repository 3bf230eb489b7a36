"""Requests sent to partner organisations (orientation to France Travail, a prescription to an SIAE...)."""

from django.conf import settings
from django.db import models

from .organisations import Organisation
from .pathways import Pathway


class PartnerRequest(models.Model):
    class Kind(models.TextChoices):
        ORIENTATION = "orientation", "Orientation"
        PRESCRIPTION = "prescription", "Prescription"
        INFORMATION = "information", "Demande d'information"

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="partner_requests")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="requests_received")
    kind = models.CharField("type", max_length=20, choices=Kind.choices)
    sent_on = models.DateField("envoyée le")
    acknowledged_on = models.DateField("accusé de réception le", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = "demande à un partenaire"
        verbose_name_plural = "demandes aux partenaires"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.organisation}"
