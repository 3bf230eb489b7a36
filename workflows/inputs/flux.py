"""What the flux upload page accepts: a payer's file, the day it was received, where to register."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError

from casework.enums import Payer
from casework.models import Territory
from casework.validation import date_window_check

FILE_SUFFIXES = (".xml", ".csv")


class FluxUploadForm(forms.Form):
    file = forms.FileField(
        label="Fichier du flux",
        help_text="Fichier XML de la CAF ou de la MSA, ou CSV d'un partenaire (format décrit dans l'aide).",
        error_messages={"required": "Choisissez le fichier à importer.", "empty": "Le fichier est vide."},
    )
    received_on = forms.DateField(
        label="Reçu le",
        help_text="Le jour où le Département a reçu le fichier : le délai d'orientation court à partir de ce jour.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Indiquez le jour de réception.", "invalid": "Date invalide (jj/mm/aaaa)."},
    )
    territory = forms.ModelChoiceField(
        label="Territoire des nouvelles entrées",
        queryset=Territory.objects.none(),
        empty_label=None,
        error_messages={"invalid_choice": "Ce territoire n'est pas couvert par votre organisation."},
    )
    payer = forms.ChoiceField(
        label="Organisme payeur", choices=[("", "Indiqué par le fichier"), *Payer.choices], required=False
    )

    def __init__(self, *args, territories, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["territory"].queryset = territories
        self.fields["received_on"].initial = today

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if Path(upload.name).suffix.lower() not in FILE_SUFFIXES:
            raise ValidationError("Format non accepté : un fichier .xml (CAF, MSA) ou .csv (partenaire) est attendu.")
        if upload.size > settings.FLUX_MAX_BYTES:
            limit = settings.FLUX_MAX_BYTES // 1024**2
            raise ValidationError(f"Le fichier dépasse la taille maximale acceptée ({limit} Mio).")
        return upload

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        if day > self.today:
            raise ValidationError("Le jour de réception ne peut pas être dans le futur.")
        try:
            date_window_check(day, today=self.today, label="Le jour de réception", field="received_on")
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["received_on"]) from exc
        return day
