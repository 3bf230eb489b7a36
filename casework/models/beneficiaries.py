"""The person at the centre: minimal identity, publics, the flags orientation uses, barriers."""

from django.conf import settings
from django.db import models

from casework.enums import BarrierKind, BarrierStatus, IdentityReviewOrigin, IdentityReviewOutcome, Payer
from casework.names import person_name
from casework.phones import french_mobile_check

from .organisations import Territory

# The person's own fields: the API's person, the subject-access export (machine keys) and its
# page (French labels) show these.
PERSON_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "territory",
    "publics",
    "registered_with_france_travail",
    "plie_enrolled",
    "self_employed",
    "disability_recognised",
    "email",
    "mobile_phone",
    "sms_opt_out",
)


class Beneficiary(models.Model):
    first_name = models.CharField("prénom", max_length=100)
    last_name = models.CharField("nom", max_length=100)
    birth_date = models.DateField("date de naissance")
    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="beneficiaries")
    publics = models.JSONField("publics", default=list, blank=True)
    registered_with_france_travail = models.BooleanField("inscrit à France Travail", default=False)
    plie_enrolled = models.BooleanField("inscrit dans un PLIE", default=False)
    self_employed = models.BooleanField("travailleur indépendant", default=False)
    disability_recognised = models.BooleanField("RQTH", default=False)
    # The NIR as a keyed hash (casework.identity_keys.nir_hash): matches the payers' flux without
    # ever storing the number in clear. Empty when unknown.
    nir_hash = models.CharField("NIR (empreinte)", max_length=64, blank=True, default="", db_default="", db_index=True)
    # People in the household as the payer last stated it: the breach caps depend on it.
    household_size = models.PositiveSmallIntegerField("personnes au foyer", default=1, db_default=1)
    # How the person is reached (their own space's link, appointment invitations and reminders).
    # Audited like the identity (simple-history); erased by the retention service. db_default:
    # the set-based loaders (COPY) that list their columns need no change.
    email = models.EmailField("e-mail", blank=True, default="", db_default="")
    mobile_phone = models.CharField(
        "téléphone portable", max_length=12, blank=True, default="", db_default="", validators=[french_mobile_check]
    )
    sms_opt_out = models.BooleanField("ne souhaite pas recevoir de SMS", default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "bénéficiaire"
        # birth_date: the payers' flux matches an identity on it, then compares names without accents.
        indexes = [models.Index(fields=["last_name", "first_name"]), models.Index(fields=["birth_date"])]

    def __str__(self) -> str:
        return person_name(self.first_name, self.last_name)

    def age_on(self, day) -> int:
        years = day.year - self.birth_date.year
        if (day.month, day.day) < (self.birth_date.month, self.birth_date.day):
            years -= 1
        return years


class Barrier(models.Model):
    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="barriers")
    kind = models.CharField("frein", max_length=30, choices=BarrierKind.choices)
    status = models.CharField("statut", max_length=20, choices=BarrierStatus.choices, default=BarrierStatus.OPEN)
    noted_on = models.DateField("constaté le")

    class Meta:
        verbose_name = "frein"
        constraints = [models.UniqueConstraint(fields=["beneficiary", "kind"], name="barrier_unique_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()


class IdentityReview(models.Model):
    """A registration that may be a person already followed elsewhere, for the orientation
    officers to check ("à vérifier"). The caller could not see the existing pathway, so the API
    did not say it exists (no existence oracle): the request waits here with what was sent.

    An officer decides once (`workflows.services.identity_reviews`): the outcome, who and when are
    kept as the audit of the decision; nothing is merged automatically. "Personne différente" may
    register the person from what was sent (`registered_pathway`). Open means `decided_at` is null;
    the check constraint keeps the outcome, the officer and the instant together.
    """

    candidate = models.ForeignKey(
        Beneficiary, on_delete=models.CASCADE, related_name="identity_reviews", verbose_name="personne déjà suivie"
    )
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="identity_reviews", verbose_name="territoire demandé"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name="demandé par"
    )
    requested_at = models.DateTimeField("demandé le")
    request_data = models.JSONField("données de la demande", default=dict)
    decided_at = models.DateTimeField("traité le", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="traité par",
    )
    outcome = models.CharField("décision", max_length=20, choices=IdentityReviewOutcome.choices, blank=True)
    registered_pathway = models.ForeignKey(
        "casework.Pathway",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="parcours enregistré",
    )
    # A payer's flux line is a request too: its origin, and why the match was doubtful (no NIR).
    origin = models.CharField(
        "origine", max_length=10, choices=IdentityReviewOrigin.choices, default="api", db_default="api"
    )
    reason = models.CharField("motif du doute", max_length=200, blank=True, default="", db_default="")

    class Meta:
        verbose_name = "identité à vérifier"
        verbose_name_plural = "identités à vérifier"
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["territory", "decided_at"])]
        constraints = [
            models.CheckConstraint(
                name="identity_review_decided_with_outcome_and_officer",
                condition=(
                    models.Q(decided_at__isnull=True, decided_by__isnull=True, outcome="")
                    | (models.Q(decided_at__isnull=False, decided_by__isnull=False) & ~models.Q(outcome=""))
                ),
            ),
            models.CheckConstraint(
                name="identity_review_registered_only_if_different",
                condition=models.Q(registered_pathway__isnull=True)
                | models.Q(outcome=IdentityReviewOutcome.DIFFERENT_PERSON),
            ),
        ]

    def __str__(self) -> str:
        # Never the identity: __str__ ends up in logs and admin titles.
        return f"Identité à vérifier n° {self.pk}"


class PayerAccount(models.Model):
    """A person's allocation number at a payer: how the flux and the person themselves find them.

    The number is the household's (every person of a dossier shares it), hence unique with the
    person, not alone.
    """

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="payer_accounts")
    payer = models.CharField("organisme payeur", max_length=10, choices=Payer.choices)
    allocation_number = models.CharField("numéro d'allocataire", max_length=20)

    class Meta:
        verbose_name = "numéro d'allocataire"
        constraints = [
            models.UniqueConstraint(fields=["payer", "allocation_number", "beneficiary"], name="payer_account_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_payer_display()} {self.allocation_number}"
