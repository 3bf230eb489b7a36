"""Partner API (v1) representations. Paths and field names are fixed by the partner contract."""

from __future__ import annotations

from django.utils import timezone
from rest_framework import serializers

from casework.enums import ContactKind, ContactOutcome, Public
from casework.models import Beneficiary, Contact, Deadline, Pathway, Territory, TransitionLog
from casework.permissions import covers_territory, professional_of

from .forms import TRANSITION_FORMS


class BeneficiaryCreateSerializer(serializers.Serializer):
    first_name = serializers.CharField(max_length=100)
    last_name = serializers.CharField(max_length=100)
    birth_date = serializers.DateField()
    territory = serializers.SlugRelatedField(
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
        if data["birth_date"] >= today:
            errors["birth_date"] = ["La date de naissance doit être dans le passé."]
        if data["entered_on"] > today:
            errors["entered_on"] = ["La date d'entrée ne peut pas être dans le futur."]
        if data["entered_on"] < data["birth_date"]:
            errors["entered_on"] = ["La date d'entrée ne peut pas précéder la date de naissance."]
        if errors:
            raise serializers.ValidationError(errors)
        data["publics"] = sorted(set(data["publics"]))
        return data


class BeneficiarySerializer(serializers.ModelSerializer):
    territory = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Beneficiary
        fields = [
            "id",
            "first_name",
            "last_name",
            "birth_date",
            "territory",
            "publics",
            "registered_with_france_travail",
            "plie_enrolled",
            "self_employed",
            "disability_recognised",
        ]


class HistorySerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField()

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


class TransitionRequestSerializer(serializers.Serializer):
    """Documentation of the payload; each transition validates its own parameters."""

    transition = serializers.ChoiceField(choices=sorted(TRANSITION_FORMS))
    occurred_on = serializers.DateField(required=False, help_text="Date d'effet (défaut : aujourd'hui).")
    reason = serializers.CharField(required=False, help_text="Motif ou commentaire.")
    organisation = serializers.IntegerField(required=False, help_text="orient, decide_reorientation")
    track = serializers.CharField(required=False, help_text="Code du parcours : orient, decide_reorientation")
    referent = serializers.IntegerField(required=False, help_text="assign_referent")
    incoming = serializers.IntegerField(required=False, help_text="propose_handover")
    note = serializers.CharField(required=False, help_text="propose_handover")
    kind = serializers.CharField(required=False, help_text="sign_contract")
    starts_on = serializers.DateField(required=False, help_text="sign_contract")
    ends_on = serializers.DateField(required=False, help_text="sign_contract")
    accepted = serializers.BooleanField(required=False, help_text="decide_reorientation")
    job_kind = serializers.CharField(required=False, help_text="start_job")
    sustainable = serializers.BooleanField(required=False, help_text="end_followup")
    suspension_reason = serializers.CharField(required=False, help_text="suspend")
    expected_resume_on = serializers.DateField(required=False, help_text="suspend")
    close_reason = serializers.CharField(required=False, help_text="close")


class ContactCreateSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices, default=ContactKind.INTERVIEW)
    outcome = serializers.ChoiceField(choices=ContactOutcome.choices)

    class Meta:
        model = Contact
        fields = ["id", "occurred_on", "kind", "outcome", "aspir"]
        read_only_fields = ["id"]

    def validate_occurred_on(self, day):
        pathway = self.context["pathway"]
        if day > timezone.localdate():
            raise serializers.ValidationError("La date du contact ne peut pas être dans le futur.")
        if day < pathway.entered_on:
            raise serializers.ValidationError("La date du contact ne peut pas précéder l'entrée dans le parcours.")
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
