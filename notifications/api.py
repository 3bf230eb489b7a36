"""Alerts API: only the alerts of pathways the caller may see."""

from __future__ import annotations

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from casework.enums import AlertLevel, RuleCode
from casework.selectors import pathways_visible_to
from config.api import StrictFilterSet

from .models import Alert, AlertStatus


class AlertSerializer(serializers.ModelSerializer):
    pathway = serializers.IntegerField(source="pathway_id")
    rule = serializers.CharField(source="rule_code")
    recipient = serializers.IntegerField(source="recipient_id", allow_null=True)

    class Meta:
        model = Alert
        fields = ["id", "pathway", "rule", "level", "due_on", "recipient", "recipient_role", "status", "created_at"]


# Bounded integer ids (see workflows.api.pathways.IdFilter): an overflowing id is a 400, never a 500.
ID_REGEX = r"[0-9]{1,18}"


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 10**18 - 1})
class IdFilter(django_filters.NumberFilter):
    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 10**18 - 1)
        super().__init__(*args, **kwargs)


class AlertFilter(StrictFilterSet):
    pathway = IdFilter(field_name="pathway_id")
    rule = django_filters.ChoiceFilter(field_name="rule_code", choices=RuleCode.choices)
    level = django_filters.ChoiceFilter(choices=AlertLevel.choices)
    status = django_filters.ChoiceFilter(choices=AlertStatus.choices)
    recipient = IdFilter(method="filter_recipient")

    class Meta:
        model = Alert
        fields = ["pathway", "rule", "level", "status", "recipient"]

    def filter_recipient(self, queryset, name, value):
        """The named recipient, or a member of the group (team leads, orientation team) alerted."""
        return queryset.filter(recipient_id=value) | queryset.filter(notifications__recipient_id=value)


class AlertViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = AlertSerializer
    lookup_value_regex = ID_REGEX
    filterset_class = AlertFilter

    def get_queryset(self):
        visible = pathways_visible_to(self.request.user).values("id")
        return Alert.objects.filter(pathway_id__in=visible).order_by("-created_at", "-id").distinct()
