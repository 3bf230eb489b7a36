from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Delivery supervision: status and attempts only; the outbox is not edited by hand."""

    list_display = ["id", "event", "recipient", "email_status", "email_attempts", "created_at", "email_sent_at"]
    list_filter = ["event", "email_status"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False
