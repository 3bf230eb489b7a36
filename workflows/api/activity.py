"""`/api/v1/activity-weeks/`: the weekly activity ledger for the referent's side and partners.

A week is read and written through the pathway it belongs to: a pathway the caller may not see
answers 404 (as one that does not exist); a visible pathway the caller may not record hours on
answers 403 (`casework.permissions.can_record_activity`: the referent's side, or a partner the
referent sent a request to). The domain's rules (`casework.engagement.week_input_check`) answer
400 with French messages by field, nothing written. POST honours `Idempotency-Key`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from casework.engagement import WeekInput
from casework.idempotency import IDEMPOTENCY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from casework.models import ActivityWeek
from casework.permissions import can_record_activity
from casework.selectors import pathways_visible_to
from config.api import StrictFilterSet
from workflows.services.activity import activity_week_record

from .pathways import IdFilter
from .serializers import MAX_ID


def _hours(help_text: str, **kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=5, decimal_places=2, help_text=help_text, **kwargs)


class ActivityWeekSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    pathway = serializers.IntegerField(source="pathway_id", min_value=1, max_value=MAX_ID)
    week_start = serializers.DateField(help_text="Lundi de la semaine (AAAA-MM-JJ)")
    planned_hours = _hours("Heures prévues dans la semaine (0 à 168)")
    realised_hours = _hours(
        "Heures réalisées (0 à 168), une fois la semaine terminée", required=False, allow_null=True
    )
    target_hours = _hours("Durée hebdomadaire d'activité de la semaine (contrat d'engagement)", read_only=True)
    recorded_at = serializers.DateTimeField(read_only=True)


class ActivityWeekFilter(StrictFilterSet):
    pathway = IdFilter(field_name="pathway_id", help_text="Un seul parcours")

    class Meta:
        model = ActivityWeek
        fields = ["pathway"]


class ActivityWeekViewSet(viewsets.GenericViewSet):
    """The weeks of the pathways the caller sees (list), and one week's hours (create or replace)."""

    serializer_class = ActivityWeekSerializer

    filterset_class = ActivityWeekFilter

    def get_queryset(self):
        visible = pathways_visible_to(self.request.user)
        return ActivityWeek.objects.filter(pathway__in=visible).order_by("pathway_id", "-week_start", "id")

    @extend_schema(
        responses={200: ActivityWeekSerializer(many=True)},
        summary="Semaines d'activité des parcours visibles",
    )
    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data)

    @extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: ActivityWeekSerializer,
            200: OpenApiResponse(
                ActivityWeekSerializer, description="La semaine existait : ses heures sont remplacées"
            ),
            400: OpenApiResponse(description="Messages par champ"),
            403: None,
            404: None,
            **IDEMPOTENCY_RESPONSES,
        },
        summary="Enregistrer les heures prévues et réalisées d'une semaine",
    )
    @idempotent
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pathway = pathways_visible_to(request.user).filter(pk=data["pathway_id"]).first()
        if pathway is None:
            raise NotFound("Parcours introuvable.")
        if not can_record_activity(pathway, request.user):
            raise PermissionDenied(
                "Seuls le référent, son délégué, le responsable d'équipe ou un partenaire sollicité "
                "enregistrent les heures d'activité d'un parcours ouvert."
            )
        week_input = WeekInput(data["week_start"], data["planned_hours"], data.get("realised_hours"))
        try:
            week, created = activity_week_record(
                pathway.pk, week_input, by=request.user, today=timezone.localdate(), now=timezone.now()
            )
        except DjangoValidationError as exc:
            return Response(exc.message_dict, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            self.get_serializer(week).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
