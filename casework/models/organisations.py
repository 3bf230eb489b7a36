"""Who works on pathways: territories, organisations, teams and professionals."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from casework.enums import OrganisationKind
from casework.names import user_name


class Territory(models.Model):
    """An EPCI-based territory of the département. Data, not code."""

    code = models.SlugField("code", max_length=40, unique=True)
    name = models.CharField("nom", max_length=120)
    alsace_moselle = models.BooleanField(
        "calendrier d'Alsace-Moselle",
        default=False,
        help_text="Jours fériés locaux (Vendredi saint, Saint-Étienne) pour les jours ouvrés.",
    )

    class Meta:
        verbose_name = "territoire"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    name = models.CharField("nom", max_length=200)
    kind = models.CharField("type", max_length=30, choices=OrganisationKind.choices)
    territories = models.ManyToManyField(Territory, related_name="organisations", verbose_name="territoires couverts")
    contact_email = models.EmailField("e-mail du contact partenaire", blank=True)
    # How the people it accompanies reach it: shown in the person's own space.
    public_phone = models.CharField("téléphone d'accueil", max_length=20, blank=True, default="", db_default="")
    public_email = models.EmailField("e-mail d'accueil", blank=True, default="", db_default="")
    caseload_target = models.PositiveIntegerField("file active cible par référent", default=80)

    class Meta:
        verbose_name = "organisation"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField("nom", max_length=120)

    class Meta:
        verbose_name = "équipe"
        ordering = ["organisation__name", "name"]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.name}"


class Professional(models.Model):
    """A user's professional profile; roles are flags because one person often holds several."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="professional")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="professionals", verbose_name="organisation"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members", verbose_name="équipe"
    )
    is_referent = models.BooleanField("référent unique", default=False)
    is_team_lead = models.BooleanField("responsable d'équipe", default=False)
    is_orientation_officer = models.BooleanField("chargé d'orientation", default=False)
    is_partner = models.BooleanField("partenaire", default=False)
    is_administrator = models.BooleanField("administrateur", default=False)
    wants_digest = models.BooleanField(
        "résumé quotidien", default=False, help_text="Un seul e-mail par jour au lieu d'un e-mail par alerte."
    )

    class Meta:
        verbose_name = "professionnel"
        indexes = [models.Index(fields=["organisation", "is_team_lead"])]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return user_name(self.user)


class DelegationQuerySet(models.QuerySet):
    def active_for_delegate(self, delegate: Professional, on=None):
        day = on or timezone.localdate()
        return self.filter(delegate=delegate, starts_on__lte=day, ends_on__gte=day)


class Delegation(models.Model):
    """A temporary stand-in during an absence: the delegate sees and acts, the referent of record stays."""

    referent = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="delegations_given")
    delegate = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="delegations_received")
    starts_on = models.DateField("du")
    ends_on = models.DateField("au")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = "délégation"
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gte=models.F("starts_on")), name="delegation_dates"),
            models.CheckConstraint(condition=~models.Q(referent=models.F("delegate")), name="delegation_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.delegate} pour {self.referent} du {self.starts_on:%d/%m/%Y} au {self.ends_on:%d/%m/%Y}"
