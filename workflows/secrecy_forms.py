"""Forms of the diagnostic page: every posted value is parsed by a field (a NUL byte, an
impossible date or a non-numeric organisation is a French field error, never a 500). The
rules about who may write what stay in `casework.services.secrecy`."""

from __future__ import annotations

import datetime as dt

from django import forms

from casework.models import Organisation

from .dashboard_forms import date_field

MAX_TEXT = 20000


class BreakGlassForm(forms.Form):
    justification = forms.CharField(label="Justification", required=False, max_length=2000)


class DiagnosticSectionForm(forms.Form):
    kind = forms.CharField(label="Rubrique", required=False, max_length=40)
    content = forms.CharField(label="Contenu", required=False, max_length=MAX_TEXT)


class PrivateNoteForm(forms.Form):
    content = forms.CharField(label="Note", required=False, max_length=MAX_TEXT)


class ConsentForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.all(),
        error_messages={"invalid_choice": "Organisation inconnue.", "required": "Choisissez l'organisation."},
    )
    given_on = date_field("Recueilli le")

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_given_on(self) -> dt.date:
        day = self.cleaned_data["given_on"]
        if day > self.today:
            raise forms.ValidationError("Un consentement ne peut pas être daté dans le futur.")
        return day
