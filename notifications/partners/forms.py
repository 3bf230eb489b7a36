"""The partner request form of the pathway page: posted values parsed by fields, never by hand
(`organisation=abc` is a French field error, not a 500)."""

from __future__ import annotations

from django import forms

from casework.models import Organisation, PartnerRequest


class PartnerRequestForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        error_messages={
            "required": "Choisissez une organisation du territoire.",
            "invalid_choice": "Organisation inconnue ou ne couvrant pas le territoire.",
        },
    )
    kind = forms.ChoiceField(
        label="Objet de la demande",
        choices=PartnerRequest.Kind.choices,
        error_messages={"required": "Choisissez l'objet de la demande.", "invalid_choice": "Objet inconnu."},
    )

    def __init__(self, *args, territory_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(territories=territory_id)
