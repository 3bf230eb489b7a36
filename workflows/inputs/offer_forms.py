"""What the offers' pages accept: the search, an offer, a session, a prescription, the
provider's answer and an outcome. Messages are French; the domain's own refusals (a seat,
a territory, a past session) come from `workflows.services.prescriptions` onto these fields."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import ngettext

from casework.enums import PRESCRIPTION_OUTCOMES, BarrierKind, OfferKind, Public
from casework.models import Offer, OfferSession, Organisation, Territory
from casework.text_limits import NOTE_MAX_LENGTH, REASON_MAX_LENGTH

from .dashboard_forms import date_field
from .forms import CHOOSE


def _seats(n: int) -> str:
    return ngettext("%(n)d place restante", "%(n)d places restantes", n) % {"n": n}


class OfferSearchForm(forms.Form):
    """`?q=&territory=<id>&barrier=<code>&barrier=…&kind=<code>` (every field optional)."""

    q = forms.CharField(label="Mots-clés", required=False, max_length=200)
    territory = forms.ModelChoiceField(
        label="Territoire", queryset=Territory.objects.order_by("name"), required=False, empty_label="Tous"
    )
    barrier = forms.MultipleChoiceField(
        label="Freins travaillés", choices=BarrierKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(label="Type d'offre", choices=[("", "Tous"), *OfferKind.choices], required=False)

    def search_kwargs(self) -> dict:
        data = self.cleaned_data
        territory = data.get("territory")
        return {
            "text": data.get("q") or "",
            "territory_id": territory.pk if territory else None,
            "barriers": data.get("barrier") or [],
            "kind": data.get("kind") or "",
        }


class OfferForm(forms.ModelForm):
    """An offer, as its provider's staff (or an administrator, who also picks the provider) edit it."""

    barriers = forms.MultipleChoiceField(
        label="Freins travaillés", choices=BarrierKind.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    publics = forms.MultipleChoiceField(
        label="Publics", choices=Public.choices, required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Offer
        fields = [
            "title", "provider", "kind", "description", "barriers", "publics", "territories", "address",
            "eligibility", "contact", "contact_email", "hours_per_week", "is_published",
        ]  # fmt: skip
        widgets = {"territories": forms.CheckboxSelectMultiple}

    def __init__(self, *args, provider: Organisation | None, **kwargs):
        """`provider` None: an administrator chooses it; otherwise the offer is that organisation's."""
        super().__init__(*args, **kwargs)
        self.fixed_provider = provider
        if provider is not None:
            del self.fields["provider"]
        else:
            self.fields["provider"].empty_label = CHOOSE
        self.fields["territories"].queryset = Territory.objects.order_by("name")
        self.fields["kind"].choices = [("", CHOOSE), *OfferKind.choices]

    def clean_title(self) -> str:
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Donnez un intitulé à l'offre.")
        return title

    def save(self, commit: bool = True) -> Offer:
        if self.fixed_provider is not None:
            self.instance.provider = self.fixed_provider
        return super().save(commit=commit)


class SessionForm(forms.ModelForm):
    starts_on = date_field("Début")
    ends_on = date_field("Fin", required=False)

    class Meta:
        model = OfferSession
        fields = ["starts_on", "ends_on", "seats", "place"]

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["seats"].min_value = 1
        self.fields["seats"].widget.attrs["min"] = 1

    def clean_starts_on(self) -> dt.date:
        day = self.cleaned_data["starts_on"]
        if day < self.today:
            raise forms.ValidationError("Une nouvelle session ne peut pas commencer dans le passé.")
        return day

    def clean_seats(self) -> int:
        seats = self.cleaned_data["seats"]
        if seats < 1:
            raise forms.ValidationError("Une session offre au moins une place.")
        return seats

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", "La fin ne peut précéder le début.")
        return data


class PrescriptionForm(forms.Form):
    session = forms.ModelChoiceField(label="Session", queryset=OfferSession.objects.none(), required=False)
    barrier = forms.ChoiceField(label="Frein visé", required=False)
    note = forms.CharField(
        label="Message au prestataire",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sans information de santé ni de diagnostic : le prestataire le lit.",
    )

    def __init__(self, *args, offer: Offer, sessions, barriers: list[str], **kwargs):
        """`sessions`: the offer's sessions to offer (any of the offer's is accepted, the service
        says why a past or full one cannot be chosen); `barriers`: the person's, pre-selected."""
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = OfferSession.objects.filter(offer=offer).order_by("starts_on", "id")
        self.fields["session"].choices = [("", CHOOSE)] + [
            (s.pk, f"du {s.starts_on:%d/%m/%Y}{f', {s.place}' if s.place else ''} — {_seats(s.seats_left)}")
            for s in sessions
        ]
        self.fields["barrier"].choices = [("", "Aucun en particulier")] + [
            (code, BarrierKind(code).label) for code in offer.barriers if code in BarrierKind.values
        ]
        matching = [code for code in barriers if code in offer.barriers]
        if matching:
            self.fields["barrier"].initial = matching[0]


class AnswerForm(forms.Form):
    decision = forms.ChoiceField(
        label="Votre réponse",
        choices=[("accept", "J'accepte la personne"), ("refuse", "Je refuse")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choisissez : accepter ou refuser."},
    )
    start_on = date_field("Date de début prévue (si vous acceptez)", required=False)
    reason = forms.CharField(
        label="Motif (si vous refusez)",
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "accept" and not data.get("start_on"):
            self.add_error("start_on", "Indiquez la date de début prévue.")
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", "Indiquez le motif du refus.")
        return data

    def answer_kwargs(self) -> dict:
        data = self.cleaned_data
        accepted = data["decision"] == "accept"
        return {
            "accepted": accepted,
            "start_on": data.get("start_on") if accepted else None,
            "reason": data.get("reason") or "",
        }


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label="Suite", choices=[(s.value, s.label) for s in PRESCRIPTION_OUTCOMES])
    occurred_on = date_field("Date")

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["occurred_on"].initial = today
