"""The payers' flux imports: one row per file received, one row per line applied.

A `FluxImport` is the record people read (who, when, which file, its digest, its counts and
progress). A `FluxLine` is written in the same transaction as the line's effects, under a unique
key (the file's digest and the line number): a line whose key exists was applied, so importing
the same file again, or re-running an import a crash interrupted, applies every line exactly once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from casework.enums import FluxImportStatus, FluxOutcome, FluxSource, Payer

from .beneficiaries import IdentityReview
from .organisations import Territory
from .pathways import Pathway


class FluxImport(models.Model):
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="lancé par",
    )
    source = models.CharField("origine", max_length=10, choices=FluxSource.choices)
    filename = models.CharField("fichier", max_length=255)
    digest = models.CharField("empreinte SHA-256", max_length=64)
    size = models.BigIntegerField("taille (octets)", default=0)
    received_on = models.DateField("reçu le")
    payer = models.CharField("organisme payeur", max_length=10, choices=Payer.choices, blank=True)
    # Where new people are registered (the payers' files carry no territory of ours).
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="territoire"
    )
    stored_path = models.CharField("fichier conservé", max_length=500, blank=True)
    status = models.CharField(
        "statut", max_length=10, choices=FluxImportStatus.choices, default=FluxImportStatus.PENDING
    )
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="déjà importé par"
    )
    counts = models.JSONField("lignes par issue", default=dict, blank=True)
    lines_total = models.PositiveIntegerField("lignes du fichier", default=0)
    position = models.PositiveIntegerField("dernière ligne traitée", default=0)
    records_done = models.PositiveIntegerField("dossiers traités", default=0)
    error = models.TextField("erreur", blank=True)
    created_at = models.DateTimeField("créé le")
    started_at = models.DateTimeField("commencé le", null=True, blank=True)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    # Written with each batch of lines: an import "running" whose heartbeat stopped was interrupted.
    heartbeat_at = models.DateTimeField("dernier signe de vie", null=True, blank=True)

    class Meta:
        verbose_name = "import de flux"
        verbose_name_plural = "imports de flux"
        ordering = ["-created_at", "-id"]
        permissions = [("run_flux_import", "Peut importer les flux des organismes payeurs")]
        constraints = [
            # One import per file: a second one of the same digest is recorded as "déjà importé".
            models.UniqueConstraint(
                fields=["digest"], condition=~Q(status=FluxImportStatus.DUPLICATE), name="flux_import_one_per_file"
            )
        ]

    def __str__(self) -> str:
        return f"Import de flux n° {self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in (FluxImportStatus.DONE, FluxImportStatus.FAILED, FluxImportStatus.DUPLICATE)

    @property
    def percent(self) -> int:
        if self.is_finished:
            return 100
        if not self.lines_total:
            return 0
        return min(99, self.position * 100 // self.lines_total)


class FluxLine(models.Model):
    flux_import = models.ForeignKey(FluxImport, on_delete=models.CASCADE, related_name="lines")
    line_no = models.PositiveIntegerField("ligne")
    # "<digest>:<line>": the exactly-once guard, written with the line's effects.
    key = models.CharField(max_length=80, unique=True)
    outcome = models.CharField("issue", max_length=12, choices=FluxOutcome.choices)
    reason = models.TextField("motif", blank=True)
    allocation_number = models.CharField("numéro d'allocataire", max_length=20, blank=True)
    pathway = models.ForeignKey(Pathway, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    review = models.ForeignKey(IdentityReview, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = "ligne de flux"
        verbose_name_plural = "lignes de flux"
        ordering = ["line_no"]
        indexes = [models.Index(fields=["flux_import", "outcome", "line_no"])]

    def __str__(self) -> str:
        return f"Ligne {self.line_no} ({self.get_outcome_display()})"
