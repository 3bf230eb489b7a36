"""What the person's pages and the pathway page's "Rendez-vous et coordonnées" block accept."""

from __future__ import annotations

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework.enums import AppointmentMode
from casework.models.person_space import APPOINTMENT_PLACE_MAX_LENGTH, APPOINTMENT_PURPOSE_MAX_LENGTH
from casework.phones import french_mobile_display, french_mobile_normalise

# An appointment is set for the coming year at most (a typo in the year is caught here).
APPOINTMENT_HORIZON_DAYS = 366
DATE_WIDGET = {"type": "date"}


class ContactDetailsForm(forms.Form):
    """The person's e-mail and mobile number, and whether they accept SMS."""

    email = forms.EmailField(
        label="E-mail de la personne",
        required=False,
        max_length=254,
        error_messages={"invalid": "Indiquez une adresse e-mail valide (par exemple nom@exemple.fr)."},
    )
    mobile_phone = forms.CharField(
        label="Téléphone portable",
        required=False,
        max_length=25,
        help_text="Un numéro français : 06 ou 07 suivi de 8 chiffres.",
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    sms_opt_out = forms.BooleanField(label="La personne ne veut pas recevoir de SMS", required=False)

    def __init__(self, *args, person=None, **kwargs):
        if person is not None and not args and "data" not in kwargs:
            kwargs["initial"] = {
                "email": person.email,
                "mobile_phone": french_mobile_display(person.mobile_phone),
                "sms_opt_out": person.sms_opt_out,
            }
        kwargs.setdefault("auto_id", "coord-%s")
        super().__init__(*args, **kwargs)

    def clean_mobile_phone(self) -> str:
        try:
            return french_mobile_normalise(self.cleaned_data["mobile_phone"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages[0]) from exc


class AppointmentForm(forms.Form):
    """An appointment with the referent: the person is invited the day it is set, and reminded
    two days before."""

    day = forms.DateField(label="Date", widget=forms.DateInput(attrs=DATE_WIDGET, format="%Y-%m-%d"))
    time = forms.TimeField(label="Heure", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    mode = forms.ChoiceField(label="Forme", choices=AppointmentMode.choices, initial=AppointmentMode.IN_PERSON)
    place = forms.CharField(
        label="Adresse (sur place)",
        required=False,
        max_length=APPOINTMENT_PLACE_MAX_LENGTH,
        help_text="La personne la lit dans son message et son espace.",
    )
    purpose = forms.CharField(
        label="Objet",
        max_length=APPOINTMENT_PURPOSE_MAX_LENGTH,
        help_text="Visible par la personne dans son espace : des mots simples, rien du diagnostic.",
    )

    def __init__(self, *args, now: dt.datetime, **kwargs):
        kwargs.setdefault("auto_id", "rdv-%s")
        super().__init__(*args, **kwargs)
        self.now = now
        self.fields["day"].widget.attrs["min"] = timezone.localdate(now).isoformat()

    def clean(self):
        data = super().clean()
        if data.get("mode") == AppointmentMode.IN_PERSON and not (data.get("place") or "").strip():
            self.add_error("place", "Indiquez l'adresse du rendez-vous sur place.")
        if data.get("day") and data.get("time"):
            starts_at = timezone.make_aware(dt.datetime.combine(data["day"], data["time"]))
            if starts_at <= self.now:
                self.add_error("day", "Le rendez-vous doit être dans le futur.")
            elif starts_at > self.now + dt.timedelta(days=APPOINTMENT_HORIZON_DAYS):
                self.add_error("day", "Le rendez-vous doit être dans l'année qui vient : vérifiez l'année.")
            data["starts_at"] = starts_at
        return data


_ALLOCATION_NUMBER = re.compile(r"[0-9A-Za-z]{1,20}")


class SpaceLinkRequestForm(forms.Form):
    """The person asks for a new link: their allocation number and their birth date."""

    allocation_number = forms.CharField(
        label="Votre numéro d'allocataire (CAF ou MSA)",
        max_length=30,
        help_text="Il est écrit sur vos courriers de la CAF ou de la MSA.",
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"required": "Écrivez votre numéro d'allocataire."},
    )
    birth_date = forms.DateField(
        label="Votre date de naissance",
        widget=forms.DateInput(attrs={**DATE_WIDGET, "autocomplete": "bday"}, format="%Y-%m-%d"),
        error_messages={
            "required": "Écrivez votre date de naissance.",
            "invalid": "Écrivez votre date de naissance, par exemple 15/06/1985.",
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "lien-%s")
        super().__init__(*args, **kwargs)

    def clean_allocation_number(self) -> str:
        number = re.sub(r"\s", "", self.cleaned_data["allocation_number"])
        if not _ALLOCATION_NUMBER.fullmatch(number):
            raise forms.ValidationError("Écrivez seulement les chiffres de votre numéro d'allocataire.")
        return number
