"""Professional secrecy ("secret professionnel partagé"): the diagnostic, consents, private notes,
and the log of every read of sensitive content.

Who may read what is decided in `casework.permissions` (`can_read_diagnostic`, ...); reads and
writes go through `casework.services.secrecy`, which logs every read. Models here only hold facts.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from casework.text_limits import (
    DIAGNOSTIC_SECTION_MAX_LENGTH,
    JUSTIFICATION_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    text_validators,
)

from .beneficiaries import Beneficiary
from .organisations import Organisation, Professional
from .pathways import AppendOnlyQuerySet, Pathway


class DiagnosticSectionKind(models.TextChoices):
    """The common template of the shared socio-professional diagnostic (seed, "Axe 2")."""

    SITUATION = "situation", "Situation personnelle et familiale"
    HEALTH = "health", "Santé"
    HOUSING = "housing", "Logement"
    MOBILITY = "mobility", "Mobilité"
    RESOURCES = "resources", "Ressources et budget"
    SKILLS = "skills", "Compétences, formation, expérience"
    PROJECT = "project", "Projet professionnel"
    OTHER = "other", "Autre"


class DiagnosticSection(models.Model):
    """One section of the shared diagnostic of a pathway. Audited (history); reads are logged."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="diagnostic_sections")
    kind = models.CharField("rubrique", max_length=30, choices=DiagnosticSectionKind.choices)
    content = models.TextField(
        "contenu",
        blank=True,
        max_length=DIAGNOSTIC_SECTION_MAX_LENGTH,
        validators=text_validators(DIAGNOSTIC_SECTION_MAX_LENGTH),
    )
    author = models.ForeignKey(
        Professional, on_delete=models.PROTECT, null=True, blank=True, related_name="diagnostic_sections"
    )
    updated_by = models.ForeignKey(Professional, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = "rubrique de diagnostic"
        verbose_name_plural = "rubriques de diagnostic"
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(fields=["pathway", "kind"], name="diagnostic_one_section_per_kind"),
        ]

    def __str__(self) -> str:
        # Never the content: __str__ ends up in logs, admin titles and audit pages.
        return f"{self.get_kind_display()} (parcours n° {self.pathway_id})"


class ConsentQuerySet(models.QuerySet):
    def active(self, on):
        """Given on or before `on` and not withdrawn on or before `on` (a date, Europe/Paris)."""
        return self.filter(given_on__lte=on).filter(Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gt=on))


class Consent(models.Model):
    """The person's recorded consent to share their diagnostic with one other organisation."""

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="consents")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="consents", verbose_name="partagé avec"
    )
    given_on = models.DateField("recueilli le")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="recueilli par"
    )
    recorded_at = models.DateTimeField("enregistré le")
    withdrawn_on = models.DateField("retiré le", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = "consentement au partage"
        verbose_name_plural = "consentements au partage"
        ordering = ["-given_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_on__isnull=True) | Q(withdrawn_on__gte=models.F("given_on")),
                name="consent_withdrawn_after_given",
            ),
            models.UniqueConstraint(
                fields=["beneficiary", "organisation"],
                condition=Q(withdrawn_on__isnull=True),
                name="consent_one_live_per_organisation",
            ),
        ]

    def __str__(self) -> str:
        return f"Consentement au partage avec {self.organisation}"


class PrivateNote(models.Model):
    """A professional's working note: readable by its author only, never shared, never exported to others."""

    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="private_notes")
    author = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="private_notes")
    content = models.TextField("note", max_length=NOTE_MAX_LENGTH, validators=text_validators(NOTE_MAX_LENGTH))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "note privée"
        verbose_name_plural = "notes privées"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["author", "pathway"])]

    def __str__(self) -> str:
        return f"Note privée (parcours n° {self.pathway_id})"


class SensitiveAccessLog(models.Model):
    """Append-only: who read which sensitive content, when, and whether it was a break-glass access."""

    class What(models.TextChoices):
        DIAGNOSTIC = "diagnostic", "Diagnostic"
        DIAGNOSTIC_HISTORY = "diagnostic_history", "Historique du diagnostic"
        SUBJECT_ACCESS = "subject_access", "Export des données de la personne"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pathway = models.ForeignKey(Pathway, on_delete=models.PROTECT, null=True, related_name="sensitive_reads")
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.PROTECT, null=True, related_name="sensitive_reads")
    what = models.CharField(max_length=30, choices=What.choices)
    section_ids = models.JSONField(default=list, blank=True)
    at = models.DateTimeField("le")
    break_glass = models.BooleanField("accès d'urgence", default=False)
    justification = models.TextField(
        "justification",
        blank=True,
        max_length=JUSTIFICATION_MAX_LENGTH,
        validators=text_validators(JUSTIFICATION_MAX_LENGTH),
    )

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "lecture de données sensibles"
        verbose_name_plural = "lectures de données sensibles"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["pathway", "at"]), models.Index(fields=["user", "at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(break_glass=False) | ~Q(justification=""), name="break_glass_needs_justification"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_what_display()} lu le {self.at:%d/%m/%Y %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Le journal des accès est en ajout seul.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Le journal des accès est en ajout seul.")


class Anonymisation(models.Model):
    """The trace that a person's identity was erased after the retention period (no identity kept)."""

    beneficiary = models.OneToOneField(Beneficiary, on_delete=models.PROTECT, related_name="anonymisation")
    done_at = models.DateTimeField()
    last_closed_on = models.DateField()

    class Meta:
        verbose_name = "anonymisation"

    def __str__(self) -> str:
        return f"Anonymisé le {self.done_at:%d/%m/%Y}"
