"""`GET /api/v1/indicators/`: the PTI's indicators as JSON, for partners, open data and our checks.

Same filters, same validation and same computation as the dashboard page and its CSV
(`IndicatorFilterForm`, `casework.indicators.indicators_compute`), scoped to what the caller
may see. Team leads and orientation officers only.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.response import Response
from rest_framework.views import APIView

from casework.indicators import indicators_compute
from casework.offer_indicators import prescription_indicators_compute
from casework.permissions import professional_of
from casework.selectors import pathways_visible_to
from workflows.inputs.dashboard_forms import IndicatorFilterForm


class IsTeamLeadOrOrientationOfficer(permissions.BasePermission):
    message = "Indicateurs réservés aux responsables d'équipe et aux chargés d'orientation."

    def has_permission(self, request, view) -> bool:
        pro = professional_of(request.user)
        return pro is not None and (pro.is_team_lead or pro.is_orientation_officer)


class IndicatorsView(APIView):
    permission_classes = [permissions.IsAuthenticated, IsTeamLeadOrOrientationOfficer]

    @extend_schema(
        summary="Indicateurs du PTI (cohorte d'entrées, situation à une date)",
        parameters=[
            OpenApiParameter("territory", OpenApiTypes.STR, description="Code du territoire"),
            OpenApiParameter("organisation", OpenApiTypes.INT, description="Organisation désignée à l'orientation"),
            OpenApiParameter("public", OpenApiTypes.STR, description="Public (rsa, youth, ...)"),
            OpenApiParameter("entered_from", OpenApiTypes.DATE, description="Entrées à partir du"),
            OpenApiParameter("entered_to", OpenApiTypes.DATE, description="Entrées jusqu'au"),
            OpenApiParameter("as_of", OpenApiTypes.DATE, description="Situation au (aujourd'hui par défaut)"),
        ],
        responses={
            200: OpenApiResponse(description='{"<code>": {"value", "numerator", "denominator", "status", "reason"}}'),
            400: OpenApiResponse(description="Messages par paramètre"),
            403: None,
        },
    )
    def get(self, request):
        today = timezone.localdate()
        form = IndicatorFilterForm(request.query_params, today=today)
        if not form.is_valid():
            return Response(form.errors_by_field(), status=status.HTTP_400_BAD_REQUEST)
        scope, kwargs = pathways_visible_to(request.user, on=today), form.indicator_kwargs()
        result = indicators_compute(pathways=scope, **kwargs)
        result.update(prescription_indicators_compute(pathways=scope, **kwargs))
        return Response(result)
