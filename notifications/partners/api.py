"""Partner requests API: POST a request to a partner organisation of the pathway's territory."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from casework.idempotency import IDEMPOTENCY_PARAMETER, IDEMPOTENCY_RESPONSES, idempotent
from casework.models import Organisation, PartnerRequest
from casework.permissions import can_manage
from casework.selectors import pathways_visible_to
from casework.validation import pathway_date_check

from .services import partner_request_send


class PartnerRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    pathway = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    organisation = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    kind = serializers.ChoiceField(choices=PartnerRequest.Kind.choices)
    sent_on = serializers.DateField(required=False)
    acknowledged_on = serializers.DateField(read_only=True)

    def validate(self, data):
        request = self.context["request"]
        pathway = pathways_visible_to(request.user).filter(pk=data["pathway"]).first()
        if pathway is None:
            raise NotFound("Parcours introuvable.")
        if not (pathway.is_open and can_manage(pathway, request.user)):
            raise PermissionDenied("Seuls le référent, son délégué ou le responsable d'équipe adressent une demande.")
        organisation = Organisation.objects.filter(pk=data["organisation"], territories=pathway.territory_id).first()
        if organisation is None:
            raise serializers.ValidationError(
                {"organisation": ["Organisation inconnue ou ne couvrant pas le territoire."]}
            )
        today = timezone.localdate()
        sent_on = data.get("sent_on") or today
        if sent_on > today:
            raise serializers.ValidationError({"sent_on": ["La date d'envoi ne peut pas être dans le futur."]})
        try:
            pathway_date_check(pathway, sent_on, today=today, label="La date d'envoi de la demande", field="sent_on")
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return {**data, "pathway": pathway, "organisation": organisation, "sent_on": sent_on}


class PartnerRequestViewSet(viewsets.GenericViewSet):
    """POST a request to a partner organisation: its contact gets a signed acknowledgement link."""

    serializer_class = PartnerRequestSerializer

    def get_queryset(self):
        return PartnerRequest.objects.filter(pathway__in=pathways_visible_to(self.request.user))

    @extend_schema(
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: PartnerRequestSerializer, 400: None, 403: None, 404: None, **IDEMPOTENCY_RESPONSES},
    )
    @idempotent
    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        partner_request = partner_request_send(
            data["pathway"], data["organisation"], data["kind"], sent_on=data["sent_on"], by=request.user,
            now=timezone.now(),
        )  # fmt: skip
        body = {
            "id": partner_request.pk,
            "pathway": partner_request.pathway_id,
            "organisation": partner_request.organisation_id,
            "kind": partner_request.kind,
            "sent_on": partner_request.sent_on.isoformat(),
            "acknowledged_on": None,
        }
        return Response(body, status=status.HTTP_201_CREATED)
