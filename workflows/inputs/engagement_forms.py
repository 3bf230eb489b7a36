"""What the pathway page accepts for the contrat d'engagement: an action plan activity, the
weekly activity duration, a week of the ledger. Types only: the rules (dates within the
contract, 168 hours, the exemption's grounds...) are the domain's, whose messages the view
puts beside the fields (`form_errors_add`)."""

from __future__ import annotations

from django import forms

from casework.enums import ActivityDurationKind, ActivityKind, ExemptionGround
from casework.models import Organisation, Pathway

from .dashboard_forms import date_field
from .forms import choices_explicit

HOURS_ERRORS = {"invalid": "Indiquez un nombre d'heures (par exemple 7,5).", "max_digits": "Nombre d'heures invalide."}


def hours_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=5,
        decimal_places=2,
        localize=True,
        help_text=help_text,
        error_messages=HOURS_ERRORS,
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )


class ContractActivityForm(forms.Form):
    kind = forms.ChoiceField(label="Type d'activité", choices=ActivityKind.choices)
    provider = forms.ModelChoiceField(label="Organisme", queryset=Organisation.objects.none(), required=False)
    provider_name = forms.CharField(label="Ou organisme / offre (texte libre)", required=False, max_length=200)
    hours_per_week = hours_field("Heures prévues par semaine")
    starts_on = date_field("Début")
    ends_on = date_field("Fin")

    def __init__(self, *args, pathway: Pathway, **kwargs):
        kwargs.setdefault("prefix", "activity")
        super().__init__(*args, **kwargs)
        self.fields["provider"].queryset = Organisation.objects.filter(territories=pathway.territory_id).order_by(
            "name"
        )
        self.fields["provider"].empty_label = "— Aucun (texte libre) —"
        choices_explicit(self)


class ActivityDurationForm(forms.Form):
    kind = forms.ChoiceField(
        label="Durée hebdomadaire d'activité",
        choices=[
            (ActivityDurationKind.REDUCED, "Réduire la durée (situation de la personne)"),
            (ActivityDurationKind.EXEMPTED, "Dispenser totalement, à la demande de la personne"),
            (ActivityDurationKind.STANDARD, "Revenir à la durée de droit commun"),
        ],
    )
    effective_from = date_field("À partir du")
    weekly_hours = hours_field("Heures par semaine (réduction)", required=False)
    exemption_ground = forms.ChoiceField(
        label="Situation justifiant la dispense", required=False, choices=[("", "—"), *ExemptionGround.choices]
    )
    at_persons_request = forms.BooleanField(label="La personne a demandé la dispense", required=False)
    reason = forms.CharField(label="Motif", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "duration")
        super().__init__(*args, **kwargs)
        choices_explicit(self)


class ActivityWeekForm(forms.Form):
    week_start = date_field("Semaine du (lundi)")
    planned_hours = hours_field("Heures prévues")
    realised_hours = hours_field(
        "Heures réalisées", required=False, help_text="Une fois la semaine terminée ; vide sinon."
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "week")
        super().__init__(*args, **kwargs)
