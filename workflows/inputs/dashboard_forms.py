"""Forms of the team-lead dashboard: the indicator filters (page, CSV and API share them),
bulk reassignment and temporary delegation."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.exceptions import ValidationError

from casework import board
from casework.enums import Public, RuleCode
from casework.models import Organisation, Professional, Territory
from casework.text_limits import REASON_MAX_LENGTH
from casework.validation import delegation_dates_check

from .params import IdListField, id_field

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def date_field(label: str, *, required: bool = True) -> forms.DateField:
    """A date typed as AAAA-MM-JJ (the browser's date picker) or JJ/MM/AAAA."""
    return forms.DateField(
        label=label,
        required=required,
        input_formats=DATE_FORMATS,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Date invalide (AAAA-MM-JJ)."},
    )


class IndicatorFilterForm(forms.Form):
    """`?territory=<code>&organisation=<id>&public=<code>&entered_from=&entered_to=&as_of=`.

    Dates are ISO (AAAA-MM-JJ) or JJ/MM/AAAA. Errors are field messages, in French.
    """

    territory = forms.ModelChoiceField(
        label="Territoire",
        queryset=Territory.objects.all(),
        to_field_name="code",
        required=False,
        empty_label="Tous",
        error_messages={"invalid_choice": "Territoire inconnu."},
    )
    organisation = forms.ModelChoiceField(
        label="Organisation (désignée à l'orientation)",
        queryset=Organisation.objects.all(),
        required=False,
        empty_label="Toutes",
        error_messages={"invalid_choice": "Organisation inconnue."},
    )
    public = forms.ChoiceField(
        label="Public",
        choices=[("", "Tous"), *Public.choices],
        required=False,
        error_messages={"invalid_choice": "Public inconnu : valeurs possibles " + ", ".join(Public.values) + "."},
    )
    entered_from = date_field("Entrées du", required=False)
    entered_to = date_field("au", required=False)
    as_of = date_field("Situation au", required=False)

    def __init__(self, *args, today: dt.date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)

    def clean_as_of(self):
        day = self.cleaned_data.get("as_of")
        if day and day > self.today:
            raise forms.ValidationError("La date de calcul ne peut pas être dans le futur.")
        return day

    def clean(self):
        data = super().clean()
        start, end = data.get("entered_from"), data.get("entered_to")
        if start and end and start > end:
            self.add_error("entered_to", "La fin de la période précède son début.")
        return data

    def indicator_kwargs(self) -> dict:
        """Keyword arguments of `casework.indicators.indicators_compute` (without `pathways`)."""
        d = self.cleaned_data
        return {
            "as_of": d.get("as_of") or self.today,
            "territory_id": d["territory"].pk if d.get("territory") else None,
            "organisation_id": d["organisation"].pk if d.get("organisation") else None,
            "public": d.get("public") or None,
            "entered_from": d.get("entered_from"),
            "entered_to": d.get("entered_to"),
        }

    def errors_by_field(self) -> dict:
        return {field: [str(e) for e in errors] for field, errors in self.errors.items()}


def default_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The page's default entry period: 12 months ending 90 days ago, so that every delay
    indicator (6 weeks, then a month) can be complete."""
    end = today - dt.timedelta(days=90)
    return end - dt.timedelta(days=364), end


class DeadlineFilterForm(forms.Form):
    """The board's drill-down: `?bucket=&rule=&territory=<id>&organisation=<id>&referent=<id>|none`."""

    bucket = forms.ChoiceField(label="Échéances", choices=list(board.BUCKETS.items()), required=False)
    rule = forms.ChoiceField(label="Règle", choices=[("", "Toutes"), *RuleCode.choices], required=False)
    territory = id_field("Territoire")
    organisation = id_field("Organisation")
    referent = forms.CharField(label="Référent", required=False)

    def clean_referent(self) -> str:
        value = self.cleaned_data["referent"]
        if value in ("", board.NO_REFERENT):
            return value
        return str(id_field("Référent").clean(value))

    def deadline_filter(self) -> board.DeadlineFilter:
        d = self.cleaned_data
        return board.DeadlineFilter(
            bucket=d["bucket"] or board.OVERDUE,
            rule_code=d["rule"],
            territory_id=d["territory"],
            organisation_id=d["organisation"],
            referent=d["referent"],
        )


class OutgoingForm(forms.Form):
    """`?de=<id>`: the referent whose caseload the balancing page lists."""

    de = id_field("Référent")


class ReportForm(forms.Form):
    """`?annee=`: the year of the annual report, from 2000 to this year."""

    annee = forms.IntegerField(label="Année", required=False, min_value=2000)

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today

    def clean_annee(self) -> int | None:
        year = self.cleaned_data["annee"]
        if year and year > self.today.year:
            raise forms.ValidationError("Le rapport porte sur une année passée ou en cours.")
        return year

    def year(self) -> int:
        return self.cleaned_data.get("annee") or self.today.year - 1


class PathwayIdsForm(forms.Form):
    """The pathways ticked for a bulk reassignment, before the caller's scope is applied."""

    pathways = IdListField(label="Parcours")


class ReassignForm(forms.Form):
    pathways = forms.TypedMultipleChoiceField(label="Parcours", coerce=int, choices=())
    incoming = forms.ModelChoiceField(
        label="Nouveau référent",
        queryset=Professional.objects.none(),
        error_messages={"invalid_choice": "Référent inconnu ou hors de votre organisation."},
    )
    note = forms.CharField(
        label="Note de passage de relais",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=REASON_MAX_LENGTH,  # also the transitions' reason (casework.validation)
        initial="Rééquilibrage des files actives.",
    )

    def __init__(self, *args, referents, pathway_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["incoming"].queryset = referents.select_related("user")
        self.fields["pathways"].choices = [(pk, pk) for pk in pathway_ids]
        self.fields["pathways"].error_messages["invalid_choice"] = "Parcours inconnu ou hors de votre périmètre."


class DelegationForm(forms.Form):
    referent = forms.ModelChoiceField(label="Référent absent", queryset=Professional.objects.none())
    delegate = forms.ModelChoiceField(label="Délégué", queryset=Professional.objects.none())
    starts_on = date_field("Du")
    ends_on = date_field("Au")

    def __init__(self, *args, referents, today: dt.date, **kwargs):
        self.today = today
        super().__init__(*args, **kwargs)
        self.fields["referent"].queryset = referents.select_related("user")
        self.fields["delegate"].queryset = referents.select_related("user")

    def clean(self):
        data = super().clean()
        if data.get("referent") and data.get("delegate") and data["referent"] == data["delegate"]:
            self.add_error("delegate", "Le délégué doit être une autre personne que le référent.")
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", "La fin précède le début.")
        if data.get("ends_on") and data["ends_on"] < self.today:
            self.add_error("ends_on", "Une délégation se déclare pour une absence en cours ou à venir.")
        try:
            delegation_dates_check(data.get("starts_on"), data.get("ends_on"), today=self.today)
        except ValidationError as exc:
            self.add_error(None, exc)
        return data
