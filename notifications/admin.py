from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Delivery supervision: status and attempts only; the outbox is not edited by hand.

    Only delivery facts are shown: never the subject, body or link (a partner's acknowledgement
    link is a credential), the recipient address, the pathway or the last error text.
    """

    fields = ["id", "event", "recipient", "email_status", "email_attempts", "created_at", "email_sent_at", "read_at"]
    list_display = ["id", "event", "recipient", "email_status", "email_attempts", "created_at", "email_sent_at"]
    list_filter = ["event", "email_status"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
