"""What the breach pages accept. The rules themselves (dates, window, caps) are checked once, by
the service (`casework.breach_rules`); a refusal comes back beside its field (`form_errors_add`)."""

from __future__ import annotations

import datetime as dt

from django import forms

from casework.enums import BreachKind, BreachOutcome
from casework.text_limits import NOTE_MAX_LENGTH, REASON_MAX_LENGTH

from .forms import choices_explicit


def _date(label: str, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label, help_text=help_text, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


def _text(label: str, max_length: int, *, required: bool = True, help_text: str = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=required,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class _DatedForm(forms.Form):
    """A step's form: its date starts at today."""

    date_field = ""

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        if self.date_field:
            self.fields[self.date_field].initial = today
        choices_explicit(self)


class BreachRecordForm(_DatedForm):
    date_field = "occurred_on"
    kind = forms.ChoiceField(label="Nature du manquement", choices=BreachKind.choices)
    occurred_on = _date("Date du manquement", "Le dernier fait constaté ; pas dans le futur.")
    facts = _text(
        "Faits constatés",
        REASON_MAX_LENGTH,
        help_text="Factuel : dates des rendez-vous ou activités manqués. Ce texte figure dans le courrier.",
    )


class ObservationsForm(_DatedForm):
    date_field = "observations_on"
    observations_on = _date("Observations reçues le")
    observations = _text("Observations de la personne", NOTE_MAX_LENGTH)


class OpinionForm(_DatedForm):
    date_field = "team_opinion_on"
    team_opinion_on = _date("Avis rendu le")
    team_opinion = _text("Avis de l'équipe pluridisciplinaire", NOTE_MAX_LENGTH)


class DecisionForm(_DatedForm):
    date_field = "decided_on"
    decided_on = _date("Date de la décision")
    outcome = forms.ChoiceField(label="Décision", choices=BreachOutcome.choices, widget=forms.RadioSelect)
    rate_percent = forms.IntegerField(label="Taux de suspension (%)", required=False)
    duration_months = forms.IntegerField(label="Durée (mois)", required=False)
    suspension_starts_on = forms.DateField(
        label="Suspension à partir du",
        required=False,
        help_text="Vide : le jour de la décision.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    single_parent_increase = forms.BooleanField(
        label="La personne perçoit la majoration pour isolement (L262-9)", required=False
    )
    decision_reason = _text("Motifs de la décision", NOTE_MAX_LENGTH, required=False)

    @staticmethod
    def service_kwargs(d: dict) -> dict:
        """The cleaned data as `breach_decide`'s arguments."""
        return {
            "outcome": d["outcome"],
            "on": d["decided_on"],
            "reason": d["decision_reason"],
            "rate": d["rate_percent"],
            "months": d["duration_months"],
            "starts_on": d["suspension_starts_on"],
            "single_parent_increase": d["single_parent_increase"],
        }


class RemobilisationForm(_DatedForm):
    date_field = "remobilised_on"
    remobilised_on = _date("Remobilisation le", "Par exemple le jour où le contrat d'engagement est actualisé.")
    remobilisation_note = _text("Ce que la personne a engagé", NOTE_MAX_LENGTH)


class PayerExportForm(forms.Form):
    period_from = _date("Du")
    period_to = _date("Au (inclus)")

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_to")
        if start and end and end < start:
            self.add_error("period_to", "La fin de la période précède son début.")
        return data
