"""Partner API v1: beneficiaries, pathways, transitions, contacts, orientation suggestions.

Views are thin: access comes from `casework.selectors`, writes go through the services.
A pathway the caller may not see answers 404 — the same answer as one that does not exist.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.db import IntegrityError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from casework.enums import PathwayState
from casework.models import Beneficiary, Pathway, TransitionLog
from casework.permissions import can_record_contact
from casework.selectors import pathways_visible_to
from casework.services.orientation import orientation_suggest
from config.api import StrictFilterSet

from .forms import TRANSITION_FORMS
from .serializers import (
    BeneficiaryCreateSerializer,
    ContactCreateSerializer,
    OrientationSuggestionSerializer,
    PathwayListSerializer,
    PathwaySerializer,
    TransitionRequestSerializer,
)
from .services.errors import TransitionError
from .services.events import contact_record, pathway_enter
from .services.transitions import pathway_transition, transition_check


def form_errors(form) -> dict:
    return {field: [str(e) for e in errors] for field, errors in form.errors.items()}


class BeneficiaryViewSet(mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = BeneficiaryCreateSerializer
    queryset = Beneficiary.objects.none()

    @extend_schema(
        responses={201: OpenApiResponse(description="{id, pathway: {id, state}}"), 400: None, 409: None},
        summary="Enregistrer l'entrée d'une personne (crée son parcours en attente d'orientation)",
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        entered_on = data.pop("entered_on")
        existing = Beneficiary.objects.filter(
            first_name__iexact=data["first_name"],
            last_name__iexact=data["last_name"],
            birth_date=data["birth_date"],
            territory=data["territory"],
            pathways__state__in=[s for s in PathwayState.values if s != PathwayState.CLOSED],
        ).exists()
        if existing:
            return Response(
                {"detail": "Cette personne a déjà un parcours ouvert sur ce territoire."},
                status=status.HTTP_409_CONFLICT,
            )
        try:
            pathway = pathway_enter(beneficiary_data=data, entered_on=entered_on, by=request.user, now=timezone.now())
        except IntegrityError:
            return Response({"detail": "Cette personne a déjà un parcours ouvert."}, status=status.HTTP_409_CONFLICT)
        return Response(
            {"id": pathway.beneficiary_id, "pathway": {"id": pathway.pk, "state": pathway.state}},
            status=status.HTTP_201_CREATED,
        )


# Ids in URLs and filters are bounded integers: a huge or non-numeric id is a 404/400, never a
# database overflow (500). 18 digits stay below PostgreSQL's bigint and SQLite's INTEGER.
ID_REGEX = r"[0-9]{1,18}"
MAX_ID = 10**18 - 1


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
        responses={200: PathwaySerializer, 400: None, 403: None, 404: None, 409: None},
        summary="Appliquer une transition au parcours",
    )
    @action(detail=True, methods=["post"])
    def transitions(self, request, pk=None):
        pathway = self._visible(pk)
        name = request.data.get("transition")
        if name not in TRANSITION_FORMS:
            return Response(
                {"transition": [f"Transition inconnue. Valeurs possibles : {', '.join(sorted(TRANSITION_FORMS))}."]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        today = timezone.localdate()
        try:
            transition_check(pathway, name, request.user)
        except TransitionError as exc:
            return Response({"detail": exc.message, "state": pathway.state}, status=exc.status_code)
        data = request.data.copy() if hasattr(request.data, "copy") else dict(request.data)
        data.setdefault("occurred_on", today.isoformat())
        form = TRANSITION_FORMS[name](data=data, pathway=pathway, today=today)
        if not form.is_valid():
            return Response(form_errors(form), status=status.HTTP_400_BAD_REQUEST)
        try:
            pathway_transition(pathway.pk, name, by=request.user, now=timezone.now(), **form.transition_kwargs())
        except TransitionError as exc:
            return Response({"detail": exc.message, **exc.errors}, status=exc.status_code)
        fresh = self.get_queryset().select_related("beneficiary__territory").prefetch_related("history", "deadlines")
        return Response(PathwaySerializer(fresh.get(pk=pathway.pk)).data)

    @extend_schema(
        request=ContactCreateSerializer, responses={201: ContactCreateSerializer, 400: None, 403: None, 404: None}
    )
    @action(detail=True, methods=["post"])
    def contacts(self, request, pk=None):
        pathway = self._visible(pk)
        if not can_record_contact(pathway, request.user):
            return Response(
                {"detail": "Seuls le référent, son délégué ou le responsable d'équipe enregistrent un contact."},
                status=status.HTTP_403_FORBIDDEN,
            )
        serializer = ContactCreateSerializer(data=request.data, context={"pathway": pathway, "request": request})
        serializer.is_valid(raise_exception=True)
        contact = contact_record(pathway, by=request.user, now=timezone.now(), **serializer.validated_data)
        return Response(ContactCreateSerializer(contact).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: OrientationSuggestionSerializer})
    @action(detail=True, methods=["get"], url_path="orientation-suggestion")
    def orientation_suggestion(self, request, pk=None):
        pathway = get_object_or_404(pathways_visible_to(request.user).select_related("beneficiary"), pk=pk)
        suggestion = orientation_suggest(pathway, on=timezone.localdate())
        return Response(OrientationSuggestionSerializer(suggestion).data)
