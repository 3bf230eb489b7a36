"""Partner API v1: beneficiaries, pathways, transitions, contacts, orientation suggestions.

Views are thin: access comes from `casework.selectors`, writes go through the services.
A pathway the caller may not see answers 404 — the same answer as one that does not exist.
"""

from __future__ import annotations

import datetime as dt
import json

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.urls import reverse as django_reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.reverse import reverse

from casework.enums import PathwayState
from casework.idempotency import IDEMPOTENCY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from casework.models import Beneficiary, IdentityReview, Pathway, TransitionLog
from casework.permissions import can_record_contact, can_register_beneficiary
from casework.selectors import pathways_visible_to
from casework.services.orientation import orientation_suggest
from config.api import StrictFilterSet
from workflows.inputs.forms import TRANSITION_FORMS
from workflows.services.errors import TransitionError
from workflows.services.events import contact_record, pathway_enter
from workflows.services.transitions import pathway_transition, transition_check

from .serializers import (
    MAX_ID,
    TRANSITION_REQUEST_SERIALIZERS,
    BeneficiaryCreateSerializer,
    ContactCreateSerializer,
    OrientationSuggestionSerializer,
    PathwayListSerializer,
    PathwaySerializer,
    TransitionOutcomeSerializer,
    TransitionRequestSerializer,
)


def _form_data(validated: dict, today) -> dict:
    """Typed API values in the form's own encoding (the forms read what a page posts)."""
    data = {"occurred_on": today.isoformat()}
    for key, value in validated.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, dt.date):
            value = value.isoformat()
        data[key] = value
    return data


def _valid_fields(serializer, raw: dict, errors: dict) -> dict:
    """The fields of an invalid request that are valid on their own (their form errors join the
    serializer's, so that one answer lists every wrong field)."""
    values = {}
    for name, field in serializer.fields.items():
        if name in raw and name not in errors:
            try:
                values[name] = field.run_validation(raw[name])
            except serializers.ValidationError:
                pass
    return values


def form_errors(form) -> dict:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


def validation_errors(exc: DjangoValidationError) -> dict:
    """A domain rule's `ValidationError` (field-keyed, French) as the body of a 400."""
    return exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}


class BeneficiaryViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = BeneficiaryCreateSerializer
    queryset = Beneficiary.objects.none()

    @extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: OpenApiResponse(description="{id, pathway: {id, state}}"),
            202: OpenApiResponse(description="Personne peut-être déjà suivie : demande à vérifier par l'orientation."),
            400: None,
            403: None,
            409: OpenApiResponse(description="Déjà un parcours ouvert, visible par l'appelant : {detail, pathway}."),
            **IDEMPOTENCY_RESPONSES,
        },
        summary="Enregistrer l'entrée d'une personne (crée son parcours en attente d'orientation)",
    )
    @idempotent
    def create(self, request, *args, **kwargs):
        if not can_register_beneficiary(request.user):
            return Response(
                {"detail": "Seuls les chargés d'orientation enregistrent l'entrée d'une personne."},
                status=status.HTTP_403_FORBIDDEN,
            )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        entered_on = data.pop("entered_on")
        now = timezone.now()
        duplicate = self._duplicate(request, data, now=now)
        if duplicate is not None:
            return duplicate
        try:
            pathway = pathway_enter(beneficiary_data=data, entered_on=entered_on, by=request.user, now=now)
        except DjangoValidationError as exc:
            return Response(validation_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        except IntegrityError:
            return Response({"detail": "Cette personne a déjà un parcours ouvert."}, status=status.HTTP_409_CONFLICT)
        return Response(
            {"id": pathway.beneficiary_id, "pathway": {"id": pathway.pk, "state": pathway.state}},
            status=status.HTTP_201_CREATED,
        )

    def _duplicate(self, request, data: dict, *, now) -> Response | None:
        """Same name and birth date with an open pathway: 409 with the way to it for a caller who
        sees it; otherwise no word of its existence — the request waits for the officers (202)."""
        open_pathways = Pathway.objects.filter(
            beneficiary__first_name__iexact=data["first_name"],
            beneficiary__last_name__iexact=data["last_name"],
            beneficiary__birth_date=data["birth_date"],
        ).exclude(state=PathwayState.CLOSED)
        seen = pathways_visible_to(request.user).filter(pk__in=open_pathways.values("pk")).order_by("pk").first()
        if seen is not None:
            return Response(
                {
                    "detail": "Cette personne a déjà un parcours ouvert.",
                    "pathway": seen.pk,
                    "url": reverse("pathway-detail", args=[seen.pk], request=request),
                    "page": request.build_absolute_uri(django_reverse("workspace:pathway", args=[seen.pk])),
                },
                status=status.HTTP_409_CONFLICT,
            )
        unseen = open_pathways.order_by("pk").first()
        if unseen is None:
            return None
        IdentityReview.objects.create(
            candidate_id=unseen.beneficiary_id,
            territory=data["territory"],
            requested_by=request.user,
            requested_at=now,
            request_data=json.loads(json.dumps(request.data, default=str)),
        )
        return Response(
            {"detail": "Demande enregistrée, à vérifier par l'orientation."}, status=status.HTTP_202_ACCEPTED
        )


# Ids in URLs and filters are bounded integers: a huge or non-numeric id is a 404/400, never a
# database overflow (500). 18 digits stay below PostgreSQL's bigint and SQLite's INTEGER.
ID_REGEX = r"[0-9]{1,18}"


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_ID})
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class PathwayFilter(StrictFilterSet):
    state = django_filters.ChoiceFilter(choices=PathwayState.choices)
    territory = django_filters.CharFilter(field_name="territory__code")
    referent = IdFilter(field_name="referent_id")
    organisation = IdFilter(field_name="organisation_id")

    class Meta:
        model = Pathway
        fields = ["state", "territory", "referent", "organisation"]


class PathwayViewSet(viewsets.ReadOnlyModelViewSet):
    filterset_class = PathwayFilter
    lookup_value_regex = ID_REGEX

    def get_queryset(self):
        qs = pathways_visible_to(self.request.user).select_related("track", "territory").order_by("id")
        if self.action == "retrieve":
            qs = qs.select_related("beneficiary__territory").prefetch_related(
                Prefetch("history", queryset=TransitionLog.objects.select_related("by").order_by("recorded_at", "id")),
                "deadlines",
            )
        return qs

    def get_serializer_class(self):
        return PathwaySerializer if self.action != "list" else PathwayListSerializer

    def _visible(self, pk) -> Pathway:
        return get_object_or_404(pathways_visible_to(self.request.user), pk=pk)

    @extend_schema(
        request=TransitionRequestSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: PolymorphicProxySerializer(
                component_name="TransitionResult",
                serializers=[PathwaySerializer, TransitionOutcomeSerializer],
                resource_type_field_name=None,
            ),
            400: None,
            403: None,
            404: None,
            409: None,
            **IDEMPOTENCY_RESPONSES,
        },
        summary="Appliquer une transition au parcours",
        description=(
            "Le corps dépend de la transition (`transition`). La réponse est le parcours à jour, ou, "
            "si l'appelant ne le voit plus (un relais refusé par exemple), le résultat de la transition seul."
        ),
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def transitions(self, request, pk=None):
        pathway = self._visible(pk)
        name = request.data.get("transition") if isinstance(request.data, dict) else None
        if name not in TRANSITION_REQUEST_SERIALIZERS:
            names = ", ".join(sorted(TRANSITION_REQUEST_SERIALIZERS))
            return Response(
                {"transition": [f"Transition inconnue. Valeurs possibles : {names}."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        today = timezone.localdate()
        try:
            transition_check(pathway, name, request.user)
        except TransitionError as exc:
            return Response({"detail": exc.message, "state": pathway.state}, status=exc.status_code)
        # Types first, as the schema declares them; then the form's rules (choices in scope, dates).
        typed = TRANSITION_REQUEST_SERIALIZERS[name](data=request.data)
        errors = {} if typed.is_valid() else dict(typed.errors)
        values = typed.validated_data if not errors else _valid_fields(typed, request.data, errors)
        form = TRANSITION_FORMS[name](data=_form_data(values, today), pathway=pathway, today=today)
        if not form.is_valid():
            for field, messages in form_errors(form).items():
                errors.setdefault(field, messages)
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        try:
            pathway_transition(pathway.pk, name, by=request.user, now=timezone.now(), **form.transition_kwargs())
        except TransitionError as exc:
            return Response({"detail": exc.message, **exc.errors}, status=exc.status_code)
        except DjangoValidationError as exc:
            return Response(validation_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        # Re-read through the visibility rule: the transition may have taken the pathway out of
        # the caller's sight (a refused handover, a reorientation elsewhere). The write is done:
        # answer what happened, without the pathway's detail.
        fresh = (
            self.get_queryset()
            .select_related("beneficiary__territory")
            .prefetch_related("history", "deadlines")
            .filter(pk=pathway.pk)
            .first()
        )
        if fresh is None:
            outcome = {
                "id": pathway.pk,
                "transition": name,
                "detail": "Transition enregistrée. Ce parcours ne vous est plus accessible.",
            }
            return Response(TransitionOutcomeSerializer(outcome).data)
        return Response(PathwaySerializer(fresh).data)

    @extend_schema(
        request=ContactCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: ContactCreateSerializer, 400: None, 403: None, 404: None, **IDEMPOTENCY_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    @idempotent
    def contacts(self, request, pk=None):
        pathway = self._visible(pk)
        if not can_record_contact(pathway, request.user):
            return Response(
                {"detail": "Seuls le référent, son délégué ou le responsable d'équipe enregistrent un contact."},
                status=status.HTTP_403_FORBIDDEN,
            )
        serializer = ContactCreateSerializer(data=request.data, context={"pathway": pathway, "request": request})
        serializer.is_valid(raise_exception=True)
        try:
            contact = contact_record(pathway, by=request.user, now=timezone.now(), **serializer.validated_data)
        except DjangoValidationError as exc:
            return Response(validation_errors(exc), status=status.HTTP_400_BAD_REQUEST)
        return Response(ContactCreateSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OrientationSuggestionSerializer})
    @action(detail=True, methods=["get"], url_path="orientation-suggestion")
    def orientation_suggestion(self, request, pk=None):
        pathway = get_object_or_404(pathways_visible_to(request.user).select_related("beneficiary"), pk=pk)
        suggestion = orientation_suggest(pathway, on=timezone.localdate())
        return Response(OrientationSuggestionSerializer(suggestion).data)
