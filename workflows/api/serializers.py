"""Partner API (v1) representations. Paths and field names are fixed by the partner contract."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from casework.enums import ContactKind, ContactOutcome, PathwayState, Public
from casework.models import Beneficiary, Contact, Deadline, Pathway, Territory, TransitionLog
from casework.models.beneficiaries import PERSON_FIELDS
from casework.permissions import covers_territory, professional_of
from casework.validation import birth_date_check, date_window_check, pathway_date_check
from workflows.inputs.forms import TRANSITION_FORMS

# Ids are bounded integers (18 digits: below PostgreSQL's bigint).
MAX_ID = 10**18 - 1


class CodeRelatedField(serializers.SlugRelatedField):
    """A row named by its code; a code PostgreSQL cannot even compare (a NUL byte) is unknown, not a 500."""

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", ""))
        return super().to_internal_value(data)


class BeneficiaryCreateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    birth_date = serializers.DateField()
    territory = CodeRelatedField(
        slug_field="code",
        queryset=Territory.objects.all(),
        error_messages={"does_not_exist": "Territoire inconnu : « {value} »."},
    )
    publics = serializers.ListField(
        child=serializers.ChoiceField(choices=Public.choices), required=False, default=list
    )
    entered_on = serializers.DateField()
    registered_with_france_travail = serializers.BooleanField(required=False, default=False)
    plie_enrolled = serializers.BooleanField(required=False, default=False)
    self_employed = serializers.BooleanField(required=False, default=False)
    disability_recognised = serializers.BooleanField(required=False, default=False)

    def validate_territory(self, territory: Territory) -> Territory:
        pro = professional_of(self.context["request"].user)
        if pro is None or not covers_territory(pro, territory.pk):
            raise serializers.ValidationError("Ce territoire n'est pas couvert par votre organisation.")
        return territory

    def validate(self, data):
        today = timezone.localdate()
        errors = {}
        try:
            birth_date_check(data["birth_date"], on=min(data["entered_on"], today))
        except DjangoValidationError as exc:
            errors.update(exc.message_dict)
        if data["entered_on"] > today:
            errors["entered_on"] = ["La date d'entrée ne peut pas être dans le futur."]
        elif "birth_date" not in errors:
            try:
                date_window_check(
                    data["entered_on"],
                    today=today,
                    label="La date d'entrée",
                    field="entered_on",
                    birth_date=data["birth_date"],
                )
            except DjangoValidationError as exc:
                errors.update(exc.message_dict)
        if errors:
            raise serializers.ValidationError(errors)
        data["publics"] = sorted(set(data["publics"]))
        return data


class BeneficiarySerializer(serializers.ModelSerializer):
    territory = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Beneficiary
        fields = ["id", *PERSON_FIELDS]


class StateOrNullField(serializers.ChoiceField):
    """A pathway state, or null where there is none (the entry row of the history has no
    previous state: stored as "", which is outside the state enum)."""

    def to_representation(self, value):
        return value or None


class HistorySerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()
    from_state = StateOrNullField(choices=PathwayState.choices, allow_null=True, read_only=True)

    class Meta:
        model = TransitionLog
        fields = ["transition", "from_state", "to_state", "occurred_on", "recorded_at", "by", "reason"]

    def get_by(self, log: TransitionLog) -> str | None:
        return log.by.get_username() if log.by_id else None


class DeadlineSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule_code")
    met_on = serializers.DateField(read_only=True, allow_null=True, help_text="Jour où l'échéance a été respectée.")
    days_late = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        min_value=0,
        help_text="Jours de retard à la date où l'échéance a été respectée (0 : à temps ; null : pas respectée).",
    )

    class Meta:
        model = Deadline
        fields = ["rule", "starts_on", "due_on", "status", "met_on", "days_late"]


class PathwayListSerializer(serializers.ModelSerializer):
    beneficiary = serializers.IntegerField(source="beneficiary_id")
    track = serializers.SlugRelatedField(slug_field="code", read_only=True)
    territory = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Pathway
        fields = [
            "id",
            "beneficiary",
            "state",
            "track",
            "territory",
            "organisation",
            "referent",
            "handover_to",
            "entered_on",
        ]


class PathwaySerializer(PathwayListSerializer):
    beneficiary = BeneficiarySerializer(read_only=True)
    history = HistorySerializer(many=True, read_only=True)
    deadlines = DeadlineSerializer(many=True, read_only=True)

    class Meta(PathwayListSerializer.Meta):
        fields = [
            *PathwayListSerializer.Meta.fields,
            "oriented_on",
            "closed_on",
            "close_reason",
            "history",
            "deadlines",
        ]


def _request_field(name: str, field: forms.Field) -> serializers.Field:
    """The API type of one transition form field: what the schema declares is what the API takes."""
    common = {"required": field.required and name != "occurred_on", "help_text": str(field.label or "")}
    if name == "occurred_on":
        common["help_text"] = "Date d'effet (défaut : aujourd'hui)."
    if isinstance(field, forms.ModelChoiceField):
        if field.to_field_name:  # a code (track)
            return serializers.CharField(max_length=100, **common)
        return serializers.IntegerField(min_value=1, max_value=MAX_ID, **common)
    if isinstance(field, forms.TypedChoiceField) and {str(v) for v, _ in field.choices} - {""} == {"true", "false"}:
        return serializers.BooleanField(**common)
    if isinstance(field, forms.ChoiceField):
        choices = [(v, label) for v, label in field.choices if v != ""]
        return serializers.ChoiceField(choices=choices, allow_blank=not field.required, **common)
    if isinstance(field, forms.BooleanField):
        return serializers.BooleanField(**common)
    if isinstance(field, forms.DateField):
        return serializers.DateField(**common)
    if isinstance(field, forms.CharField):
        return serializers.CharField(max_length=field.max_length, allow_blank=not field.required, **common)
    raise TypeError(f"Type de champ non prévu pour l'API : {name} ({type(field).__name__}).")


def _transition_request_serializer(name: str, form_class) -> type[serializers.Serializer]:
    """The request body of transition `name`, derived from its form (the one validation)."""
    # A form bound to an unsaved pathway: its fields as a request sees them (no query is run).
    form = form_class(pathway=Pathway(), today=timezone.localdate())
    fields = {"transition": serializers.ChoiceField(choices=[name])}
    fields.update({fname: _request_field(fname, f) for fname, f in form.fields.items()})
    component = "".join(part.title() for part in name.split("_")) + "Request"
    return type(component, (serializers.Serializer,), {**fields, "__doc__": f"Transition « {name} »."})


TRANSITION_REQUEST_SERIALIZERS: dict[str, type[serializers.Serializer]] = {
    name: _transition_request_serializer(name, form_class) for name, form_class in TRANSITION_FORMS.items()
}

# The body of POST /pathways/{id}/transitions/: one of the above, chosen by `transition`.
TransitionRequestSerializer = PolymorphicProxySerializer(
    component_name="TransitionRequest",
    serializers=TRANSITION_REQUEST_SERIALIZERS,
    resource_type_field_name="transition",
)


class TransitionOutcomeSerializer(serializers.Serializer):
    """A transition done by a caller who no longer sees the pathway (e.g. a refused handover)."""

    id = serializers.IntegerField(help_text="Le parcours.")
    transition = serializers.CharField()
    detail = serializers.CharField()


class ContactCreateSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices, default=ContactKind.INTERVIEW)
    outcome = serializers.ChoiceField(choices=ContactOutcome.choices)

    class Meta:
        model = Contact
        fields = ["id", "occurred_on", "kind", "outcome", "aspir"]
        read_only_fields = ["id"]

    def validate_occurred_on(self, day):
        pathway = self.context["pathway"]
        today = timezone.localdate()
        if day > today:
            raise serializers.ValidationError("La date du contact ne peut pas être dans le futur.")
        try:
            pathway_date_check(pathway, day, today=today, label="La date du contact", field="occurred_on")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict["occurred_on"]) from exc
        return day


class OrientationSuggestionSerializer(serializers.Serializer):
    organisation = serializers.SerializerMethodField()
    track = serializers.SerializerMethodField()
    reason = serializers.CharField()

    def get_organisation(self, s) -> dict | None:
        o = s.organisation
        return {"id": o.pk, "name": o.name, "kind": o.kind} if o else None

    def get_track(self, s) -> str | None:
        return s.track.code if s.track else None
