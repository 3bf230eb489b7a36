"""Configuration screens (French). Files themselves are browsed in the workspace, not here.

Administrators configure; they never see a file: no model holding a person, what was written
about them (transition reasons, handover notes) or a credential is registered here
(tests/security/test_admin_reach.py walks every admin page to check it). Professional profiles
and their roles are in accounts/admin.py, with the other role grants.
"""

from django.contrib import admin

from .models import (
    BreachCapRule,
    DelayRule,
    Delegation,
    EngagementRule,
    Offer,
    OfferSession,
    Organisation,
    OrientationRule,
    Team,
    Territory,
    Track,
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


@admin.register(BreachCapRule)
class BreachCapRuleAdmin(admin.ModelAdmin):
    """The caps of a suspension-remobilisation (docs/legal.md): a version per start date."""

    list_display = ["valid_from", "min_rate", "max_rate", "first_max_months", "repeat_max_months", "is_active"]

    def has_delete_permission(self, request, obj=None):
        return False  # a decision names the version it applied


@admin.register(OrientationRule)
class OrientationRuleAdmin(admin.ModelAdmin):
    list_display = ["priority", "condition", "organisation_kind", "track_kind", "is_active"]
    list_editable = ["is_active"]


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ["referent", "delegate", "starts_on", "ends_on", "created_by"]
    exclude = ["created_by"]

    def save_model(self, request, obj, form, change):
        # A delegation opens a caseload to someone: keep who set it up.
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


class OfferSessionInline(admin.TabularInline):
    model = OfferSession
    extra = 0


@admin.register(Offer)
class OfferAdmin(admin.ModelAdmin):
    """The catalogue, for administrators (providers edit their own offers in the workspace, /offres/)."""

    list_display = ["title", "provider", "kind", "hours_per_week", "is_published"]
    list_filter = ["kind", "is_published", "territories"]
    search_fields = ["title", "provider__name"]
    filter_horizontal = ["territories"]
    inlines = [OfferSessionInline]


@admin.register(EngagementRule)
class EngagementRuleAdmin(admin.ModelAdmin):
    """The contrat d'engagement's figures (docs/legal.md): a new row from a date, never an edit of the past."""

    list_display = ["valid_from", "territory", "public", "default_contract_kind", "weekly_hours", "shortfall_weeks"]
    list_filter = ["territory", "public", "is_active"]
