"""Parameters of each transition, validated once for the API, the pages and the viewflow tasks.

Each form receives the pathway so that its choices are scoped (an incoming referent of an
organisation covering the territory, a track that exists...). Error messages are French.
"""

from __future__ import annotations

import datetime as dt

from django import forms

from casework.enums import CloseReason, ContactKind, ContactOutcome, JobKind, PathwayState, SuspensionReason
from casework.models import Organisation, Pathway, Professional, Track
from casework.models.pathways import CONTACT_COMMENT_MAX_LENGTH
from casework.validation import TRANSITION_DATE_PARAMS, pathway_date_check

from .dashboard_forms import date_field

OCCURRED_ON_HELP = "Date d'effet : aujourd'hui par défaut, peut être antérieure."
# The first option of every list a person must choose from: nothing is chosen for them.
CHOOSE = "— Choisir —"


def choices_explicit(form: forms.Form) -> None:
    """Give each required list a blank first option, so a reason is chosen, never pre-selected."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            field.empty_label = CHOOSE
        elif isinstance(field, forms.ChoiceField) and field.required and "" not in dict(field.choices):
            field.choices = [("", CHOOSE), *field.choices]


class TransitionForm(forms.Form):
    occurred_on = forms.DateField(label="Date d'effet", help_text=OCCURRED_ON_HELP)
    reason = forms.CharField(label="Motif / commentaire", required=False, max_length=2000, widget=forms.Textarea)

    def __init__(self, *args, pathway: Pathway, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.pathway = pathway
        self.today = today
        self.fields["occurred_on"].initial = today
        self.fields["occurred_on"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        choices_explicit(self)

    def clean_occurred_on(self) -> dt.date:
        day = self.cleaned_data["occurred_on"]
        if day > self.today:
            raise forms.ValidationError("La date d'effet ne peut pas être dans le futur.")
        since_entry = self.pathway.state != PathwayState.CLOSED
        return self._occurred_on_checked(day, since_entry=since_entry)

    def _occurred_on_checked(self, day: dt.date, *, since_entry: bool) -> dt.date:
        """The one date rule (`casework.validation`), its message on this field."""
        try:
            pathway_date_check(
                self.pathway,
                day,
                today=self.today,
                label="La date d'effet",
                field="occurred_on",
                since_entry=since_entry,
            )
        except forms.ValidationError as exc:
            raise forms.ValidationError(exc.message_dict["occurred_on"]) from exc
        return day

    def clean(self):
        data = super().clean()
        for field, label in TRANSITION_DATE_PARAMS.items():
            if data.get(field):
                try:
                    pathway_date_check(self.pathway, data[field], today=self.today, label=label, field=field)
                except forms.ValidationError as exc:
                    self.add_error(None, exc)
        return data

    def params(self) -> dict:
        """The transition's keyword arguments, without `occurred_on` and `reason`."""
        return {k: v for k, v in self.cleaned_data.items() if k not in ("occurred_on", "reason")}

    def transition_kwargs(self) -> dict:
        """What `pathway_transition` takes from a valid form (the API and the pages share it)."""
        return {
            "occurred_on": self.cleaned_data["occurred_on"],
            "reason": self.cleaned_data.get("reason", ""),
            "params": self.params(),
        }


def organisations_for(pathway: Pathway):
    return Organisation.objects.filter(territories=pathway.territory_id).order_by("name")


class OrientForm(TransitionForm):
    organisation = forms.ModelChoiceField(
        label="Organisation désignée",
        queryset=Organisation.objects.none(),
        error_messages={"invalid_choice": "Organisation inconnue ou ne couvrant pas le territoire."},
    )
    track = forms.ModelChoiceField(
        label="Parcours",
        queryset=Track.objects.all(),
        to_field_name="code",
        error_messages={"invalid_choice": "Parcours inconnu."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_for(self.pathway)


class AssignReferentForm(TransitionForm):
    referent = forms.ModelChoiceField(
        label="Référent unique",
        queryset=Professional.objects.none(),
        error_messages={"invalid_choice": "Ce professionnel n'est pas un référent de l'organisation désignée."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["referent"].queryset = Professional.objects.filter(
            organisation_id=self.pathway.organisation_id, is_referent=True
        ).select_related("user")
        suggested = self.pathway.suggested_referent_id
        if suggested is not None and self.fields["referent"].queryset.filter(pk=suggested).exists():
            # A right reopened within 12 months (the payers' flux): the previous pathway's referent.
            self.fields["referent"].initial = suggested
            self.fields["referent"].help_text = (
                f"Suggéré : {self.pathway.suggested_referent}, dernier référent du parcours précédent "
                f"(n° {self.pathway.previous_id})."
            )


class ProposeHandoverForm(TransitionForm):
    incoming = forms.ModelChoiceField(
        label="Référent entrant",
        queryset=Professional.objects.none(),
        error_messages={"invalid_choice": "Référent inconnu ou hors du territoire du parcours."},
    )
    note = forms.CharField(label="Note de passage de relais", widget=forms.Textarea, max_length=5000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["reason"]  # one text only: the note the incoming referent reads
        self.fields["incoming"].queryset = (
            Professional.objects.filter(is_referent=True, organisation__territories=self.pathway.territory_id)
            .exclude(pk=self.pathway.referent_id)
            .select_related("user", "organisation")
            .order_by("organisation__name", "user__last_name", "user__first_name")
            .distinct()
        )
        self.fields["incoming"].label_from_instance = lambda p: f"{p.display_name} — {p.organisation}"


class AcceptHandoverForm(TransitionForm):
    pass


class RefuseHandoverForm(TransitionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True
        self.fields["reason"].label = "Motif du refus"


class SignContractForm(TransitionForm):
    from casework.enums import ContractKind

    kind = forms.ChoiceField(
        label="Type de contrat",
        required=False,
        choices=[
            ("", "Selon la date de signature (contrat d'engagement depuis le 01/01/2025)"),
            *ContractKind.choices,
        ],
        help_text="Un contrat signé depuis le 1er janvier 2025 est un contrat d'engagement.",
    )
    starts_on = forms.DateField(label="Début du contrat", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(label="Fin du contrat", widget=forms.DateInput(attrs={"type": "date"}))
    extended_review_reason = forms.ChoiceField(
        label="Motif de réexamen à 12 mois (parcours social)",
        required=False,
        choices=[
            ("", "Aucun"),
            ("health", "Santé"),
            ("disability", "Handicap"),
            ("housing", "Logement"),
            ("family", "Famille"),
        ],
    )
    aspir = forms.BooleanField(label="Accompagnement ASPIR", required=False)

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_on"), data.get("ends_on")
        if starts and ends and ends <= starts:
            self.add_error("ends_on", "La fin du contrat doit être postérieure à son début.")
        return data


class RequestReorientationForm(TransitionForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = True
        self.fields["reason"].label = "Motif de la demande"


class DecideReorientationForm(TransitionForm):
    accepted = forms.TypedChoiceField(
        label="Décision",
        choices=[("true", "Réorientation acceptée"), ("false", "Réorientation refusée")],
        coerce=lambda v: v in (True, "true", "True", "1", 1),
    )
    organisation = forms.ModelChoiceField(
        label="Nouvelle organisation", queryset=Organisation.objects.none(), required=False
    )
    track = forms.ModelChoiceField(
        label="Nouveau parcours", queryset=Track.objects.all(), to_field_name="code", required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations_for(self.pathway)

    def clean(self):
        data = super().clean()
        if data.get("accepted") and not (data.get("organisation") or data.get("track")):
            self.add_error("track", "Une réorientation acceptée change le parcours ou l'organisation.")
        return data


class StartJobForm(TransitionForm):
    job_kind = forms.ChoiceField(label="Type d'emploi ou de formation", choices=JobKind.choices)


class EndFollowupForm(TransitionForm):
    sustainable = forms.TypedChoiceField(
        label="Issue du suivi",
        choices=[
            ("true", "Emploi durable : sortie du parcours"),
            ("false", "Fin d'emploi : reprise de l'accompagnement"),
        ],
        coerce=lambda v: v in (True, "true", "True", "1", 1),
    )


class SuspendForm(TransitionForm):
    suspension_reason = forms.ChoiceField(label="Motif de suspension", choices=SuspensionReason.choices)
    expected_resume_on = forms.DateField(label="Reprise prévue le", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, resume = data.get("occurred_on"), data.get("expected_resume_on")
        if start and resume and resume <= start:
            self.add_error("expected_resume_on", "La reprise prévue doit être postérieure à la suspension.")
        return data


class ResumeForm(TransitionForm):
    pass


class CloseForm(TransitionForm):
    close_reason = forms.ChoiceField(label="Motif de sortie", choices=CloseReason.choices)


class ReopenForm(TransitionForm):
    def clean_occurred_on(self) -> dt.date:
        day = self.cleaned_data["occurred_on"]
        if day > self.today:
            raise forms.ValidationError("La date d'effet ne peut pas être dans le futur.")
        if self.pathway.closed_on and day < self.pathway.closed_on:
            raise forms.ValidationError("La réouverture ne peut pas précéder la clôture.")
        return self._occurred_on_checked(day, since_entry=False)


TRANSITION_FORMS: dict[str, type[TransitionForm]] = {
    "orient": OrientForm,
    "assign_referent": AssignReferentForm,
    "propose_handover": ProposeHandoverForm,
    "accept_handover": AcceptHandoverForm,
    "refuse_handover": RefuseHandoverForm,
    "sign_contract": SignContractForm,
    "request_reorientation": RequestReorientationForm,
    "decide_reorientation": DecideReorientationForm,
    "start_job": StartJobForm,
    "end_followup": EndFollowupForm,
    "suspend": SuspendForm,
    "resume": ResumeForm,
    "close": CloseForm,
    "reopen": ReopenForm,
}


# --- workspace forms (pages only) ------------------------------------------------------------


class CaseloadFilterForm(forms.Form):
    """Filters of "Ma file active". Invalid values are ignored, never an error page."""

    q = forms.CharField(label="Nom ou prénom", required=False, max_length=100)
    state = forms.ChoiceField(label="État", required=False, choices=[("", "Tous")])
    territory = forms.ChoiceField(label="Territoire", required=False, choices=[("", "Tous")])
    rule = forms.ChoiceField(label="Échéance en cours", required=False, choices=[("", "Toutes")])
    barrier = forms.ChoiceField(label="Frein à lever", required=False, choices=[("", "Tous")])
    late = forms.BooleanField(label="En retard seulement", required=False)

    def __init__(self, *args, territories=(), **kwargs):
        from casework.enums import BarrierKind, RuleCode

        super().__init__(*args, **kwargs)
        open_states = [(v, label) for v, label in PathwayState.choices if v != PathwayState.CLOSED]
        self.fields["state"].choices = [("", "Tous"), *open_states]
        self.fields["territory"].choices = [("", "Tous"), *[(t.code, t.name) for t in territories]]
        self.fields["rule"].choices = [("", "Toutes"), *RuleCode.choices]
        self.fields["barrier"].choices = [("", "Tous"), *BarrierKind.choices]


class TaskAssignForm(forms.Form):
    """A team lead or officer hands a task to a colleague who may perform it."""

    professional = forms.ModelChoiceField(label="Confier à", queryset=Professional.objects.none())

    def __init__(self, *args, colleagues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["professional"].queryset = Professional.objects.filter(pk__in=[p.pk for p in colleagues])
        self.fields["professional"].label_from_instance = lambda p: f"{p.display_name} ({p.organisation})"


def form_errors_add(form: forms.Form, error) -> None:
    """Put a service's refusal beside the fields it names, the rest above the form.

    `error` is a Django `ValidationError` (a domain rule) or a `TransitionError` whose `errors`
    maps field names to messages; what the person typed stays in the bound form.
    """
    by_field = getattr(error, "error_dict", None) or getattr(error, "errors", None) or {}
    if not by_field:
        messages_ = getattr(error, "messages", None) or [getattr(error, "message", str(error))]
        form.add_error(None, messages_)
        return
    for name, field_errors in by_field.items():
        if isinstance(field_errors, str):
            field_errors = [field_errors]
        texts = [m for e in field_errors for m in getattr(e, "messages", [e])]
        form.add_error(name if name in form.fields else None, texts)


class ContactForm(forms.Form):
    """One contact from the pathway page: the date, the kind, a comment; the button says the outcome."""

    # Left out, the date is today and the kind an interview (the one-click buttons); a wrong
    # date is an error beside the field, never a silent default.
    occurred_on = forms.DateField(
        label="Date", required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    kind = forms.ChoiceField(label="Type", required=False, choices=ContactKind.choices, initial=ContactKind.INTERVIEW)
    comment = forms.CharField(
        label="Commentaire",
        required=False,
        max_length=CONTACT_COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Facultatif : ce qui a été convenu, le motif de l'absence…",
    )
    outcome = forms.ChoiceField(
        choices=ContactOutcome.choices,
        widget=forms.HiddenInput,  # carried by the button pressed, not by a field
        error_messages={"required": "Choisissez « Contact honoré » ou « Rendez-vous manqué »."},
    )

    def __init__(self, *args, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["occurred_on"].initial = today
        self.fields["occurred_on"].widget.attrs["max"] = today.isoformat()

    def clean_occurred_on(self) -> dt.date:
        day = self.cleaned_data["occurred_on"] or self.today
        if day > self.today:
            raise forms.ValidationError("La date du contact ne peut pas être dans le futur.")
        return day

    def clean_kind(self) -> str:
        return self.cleaned_data["kind"] or ContactKind.INTERVIEW


class ConsentForm(forms.Form):
    """The person's consent to share the diagnostic with another organisation."""

    organisation = forms.ModelChoiceField(
        label="Partager avec",
        queryset=Organisation.objects.none(),
        empty_label=CHOOSE,
        error_messages={"invalid_choice": "Organisation inconnue."},
    )
    given_on = date_field("Recueilli le")

    def __init__(self, *args, pathway: Pathway, today: dt.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.fields["organisation"].queryset = Organisation.objects.exclude(pk=pathway.organisation_id).order_by(
            "name"
        )
        self.fields["given_on"].initial = today
        self.fields["given_on"].widget.attrs["max"] = today.isoformat()

    def clean_given_on(self) -> dt.date:
        day = self.cleaned_data["given_on"]
        if day > self.today:
            raise forms.ValidationError("Le consentement ne peut pas être daté dans le futur.")
        return day
