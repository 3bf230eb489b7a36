"""Configuration screens (French). Files themselves are browsed in the workspace, not here."""

from django.contrib import admin

from .models import (
    DelayRule,
    Delegation,
    Organisation,
    OrientationRule,
    Professional,
    Team,
    Territory,
    Track,
    TransitionLog,
)


@admin.register(Territory)
class TerritoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "alsace_moselle"]
    search_fields = ["name", "code"]


class TeamInline(admin.TabularInline):
    model = Team
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "caseload_target"]
    list_filter = ["kind", "territories"]
    search_fields = ["name"]
    filter_horizontal = ["territories"]
    inlines = [TeamInline]


@admin.register(Professional)
class ProfessionalAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "organisation",
        "team",
        "is_referent",
        "is_team_lead",
        "is_orientation_officer",
        "is_partner",
    ]
    list_filter = ["organisation", "is_referent", "is_team_lead", "is_orientation_officer", "is_partner"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["user"]


@admin.register(Track)
class TrackAdmin(admin.ModelAdmin):
    list_display = ["label", "code", "kind", "social_support"]


@admin.register(DelayRule)
class DelayRuleAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "territory",
        "public",
        "valid_from",
        "duration_value",
        "duration_unit",
        "due_soon_days",
        "escalation_days",
        "is_active",
    ]
    list_filter = ["code", "territory", "public", "is_active"]
    fieldsets = [
        ("Règle", {"fields": ["code", "source", "is_active"]}),
        ("Portée et version", {"fields": ["territory", "public", "valid_from"]}),
        ("Durée", {"fields": ["duration_value", "duration_unit", "extended_duration_value", "pauses_when_suspended"]}),
        (
            "Alertes",
            {
                "fields": [
                    "due_soon_days",
                    "due_soon_recipient",
                    "due_recipient",
                    "escalation_days",
                    "overdue_recipient",
                ]
            },
        ),
    ]

    def has_delete_permission(self, request, obj=None):
        # Versions are history: deactivate or add a newer version instead of deleting.
        return False


@admin.register(OrientationRule)
class OrientationRuleAdmin(admin.ModelAdmin):
    list_display = ["priority", "condition", "organisation_kind", "track_kind", "is_active"]
    list_editable = ["is_active"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["referent", "delegate", "starts_on", "ends_on"]


@admin.register(TransitionLog)
class TransitionLogAdmin(admin.ModelAdmin):
    """Read-only: the journal is append-only."""

    list_display = ["pathway_id", "transition", "from_state", "to_state", "occurred_on", "recorded_at", "by"]
    list_filter = ["transition"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
