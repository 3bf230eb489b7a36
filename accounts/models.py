"""Who may enter, and with what: the label of each API token, and the journal of role grants.

The API token itself is django-rest-knox's `AuthToken` (a SHA-512 digest of the key, never the
key, and an expiry); knox has no label, so `ApiTokenLabel` names each token for its owner's
list. `RoleGrant` is the append-only journal of every role given or taken away (professional
profile, its roles, the administration flags): who, when, what.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from knox.models import AuthToken


class ApiTokenLabel(models.Model):
    token = models.OneToOneField(AuthToken, on_delete=models.CASCADE, related_name="label")
    label = models.CharField("libellé", max_length=100)

    class Meta:
        verbose_name = "libellé de jeton d'API"

    def __str__(self) -> str:
        return self.label


class RoleGrant(models.Model):
    """One change of someone's roles. Never updated nor deleted (the model refuses it)."""

    at = models.DateTimeField("le")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="par",
    )
    by_username = models.CharField("par (identifiant)", max_length=150, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="role_grants",
        verbose_name="compte",
    )
    username = models.CharField("compte (identifiant)", max_length=150)
    what = models.CharField("changement", max_length=500)

    class Meta:
        verbose_name = "attribution de rôle"
        verbose_name_plural = "attributions de rôles"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["user", "at"])]

    def __str__(self) -> str:
        return f"{self.username} : {self.what}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Le journal des attributions de rôles ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Le journal des attributions de rôles ne se supprime pas.")
