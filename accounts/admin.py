"""Accounts in the admin: configuration of who may enter, never a way into a file.

- The account page refuses to make a professional staff (and records every change of the
  administration flags), and an administrator cannot set the password of a professional's
  account (they would then log in as that professional).
- API tokens are not in the admin at all: knox's token page (which shows a new key in clear
  to whoever creates it, for any user) is withdrawn; tokens are issued to their owner on
  their own page, or by `manage.py issue_api_token`.
- viewflow's process and task pages are withdrawn: they lead to pathways and to the data
  of their decisions. `manage.py sync_workflow_tasks` repairs the task inboxes.
- A professional profile cannot be given to an administrator account; every profile creation
  and role change goes through `professional_save` (checked and journalled).
- The role grant journal is readable, never editable.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from knox.models import AuthToken
from viewflow.workflow.models import Process, Task

from casework.models import Professional

from .models import RoleGrant
from .services import (
    PROFESSIONAL_CANNOT_BE_STAFF,
    STAFF_CANNOT_BE_PROFESSIONAL,
    professional_delete,
    professional_save,
    user_roles_save,
)

User = get_user_model()

for model in (AuthToken, Process, Task):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


class AccountForm(UserAdmin.form):
    def clean(self):
        cleaned = super().clean()
        staff = cleaned.get("is_staff") or cleaned.get("is_superuser")
        if staff and self.instance.pk and Professional.objects.filter(user_id=self.instance.pk).exists():
            self.add_error("is_staff", PROFESSIONAL_CANNOT_BE_STAFF)
        return cleaned


if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class AccountAdmin(UserAdmin):
    form = AccountForm

    def save_model(self, request, obj, form, change):
        try:
            user_roles_save(obj, by=request.user, now=timezone.now())
        except ValidationError as exc:  # a concurrent grant crossed the form's check
            messages.error(request, " ".join(exc.messages))
            raise PermissionDenied from exc

    def user_change_password(self, request, id, form_url=""):
        if Professional.objects.filter(user_id=id).exists():
            # Knowing a professional's password is reading their files: they set it themselves.
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


class ProfessionalForm(forms.ModelForm):
    class Meta:
        model = Professional
        fields = [
            "user",
            "organisation",
            "team",
            "is_referent",
            "is_team_lead",
            "is_orientation_officer",
            "is_partner",
            "is_administrator",
            "wants_digest",
        ]

    def clean_user(self):
        user = self.cleaned_data["user"]
        if user.is_staff or user.is_superuser:
            raise forms.ValidationError(STAFF_CANNOT_BE_PROFESSIONAL)
        return user


@admin.register(Professional)
class ProfessionalAdmin(admin.ModelAdmin):
    """Profiles and their roles: every save goes through `professional_save` (checked, audited)."""

    form = ProfessionalForm
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

    def save_model(self, request, obj, form, change):
        try:
            professional_save(obj, by=request.user, now=timezone.now())
        except ValidationError as exc:  # a concurrent grant crossed the form's check
            messages.error(request, " ".join(exc.messages))
            raise PermissionDenied from exc

    def delete_model(self, request, obj):
        professional_delete(obj, by=request.user, now=timezone.now())

    def delete_queryset(self, request, queryset):
        for pro in queryset:
            professional_delete(pro, by=request.user, now=timezone.now())


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    """The journal of role grants: who gave what to whom, when. Read-only."""

    list_display = ["at", "by_username", "username", "what"]
    list_filter = ["at"]
    search_fields = ["username", "by_username"]
    readonly_fields = ["at", "by", "by_username", "user", "username", "what"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
