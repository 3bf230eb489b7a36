"""Alerts (one per deadline and level) and the notification outbox.

A Notification row is both the in-app message and the outbox entry for its e-mail: it is
written in the same transaction as the alert or transition that causes it, and Celery
only ever dispatches rows that already exist. Losing the broker loses no notification.
"""

from django.db import models
from django.db.models import Q

from casework.enums import AlertLevel, RecipientRole, RuleCode
from casework.models import Deadline, Organisation, Pathway, Professional


class AlertStatus(models.TextChoices):
    OPEN = "open", "Ouverte"
    RESOLVED = "resolved", "Résolue"


class Alert(models.Model):
    deadline = models.ForeignKey(Deadline, on_delete=models.CASCADE, related_name="alerts")
    # Indexed by (pathway, status) below, as deadlines are.
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="alerts", db_index=False)
    rule_code = models.CharField("règle", max_length=30, choices=RuleCode.choices)
    level = models.CharField("niveau", max_length=20, choices=AlertLevel.choices)
    due_on = models.DateField("échéance")
    recipient_role = models.CharField("destinataire", max_length=30, choices=RecipientRole.choices)
    recipient = models.ForeignKey(
        Professional, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    recipient_organisation = models.ForeignKey(
        Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "alerte"
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["deadline", "level"], name="alert_unique_per_deadline_level")]
        indexes = [
            models.Index(fields=["pathway", "status"]),
            models.Index(fields=["recipient", "status"]),
            models.Index(fields=["deadline"], condition=Q(status="open"), name="alert_open_deadline"),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_code_display()} — {self.get_level_display()}"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "À envoyer"
    SENT = "sent", "Envoyé"
    DIGEST = "digest", "Dans le résumé quotidien"
    FAILED = "failed", "Échec"
    NONE = "none", "Pas d'e-mail"


class NotificationQuerySet(models.QuerySet):
    def unread_for(self, professional: Professional):
        return self.filter(recipient=professional, read_at__isnull=True)


class Notification(models.Model):
    class Event(models.TextChoices):
        ALERT = "alert", "Alerte d'échéance"
        HANDOVER_PROPOSED = "handover_proposed", "Passage de relais proposé"
        HANDOVER_ACCEPTED = "handover_accepted", "Passage de relais accepté"
        HANDOVER_REFUSED = "handover_refused", "Passage de relais refusé"
        ASSIGNED = "assigned", "Parcours confié"
        QUEUED = "queued", "Parcours à attribuer"
        PARTNER_REQUEST = "partner_request", "Demande partenaire"
        PARTNER_REMINDER = "partner_reminder", "Relance partenaire"
        PRESCRIPTION = "prescription", "Prescription à un prestataire"
        PRESCRIPTION_ANSWERED = "prescription_answered", "Réponse à une prescription"

    recipient = models.ForeignKey(
        Professional, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    # Partner contacts have no account: their e-mail address stands in for the recipient.
    to_email = models.EmailField(blank=True)
    event = models.CharField(max_length=30, choices=Event.choices)
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, null=True, blank=True, related_name="notifications")
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # Title and body never contain personal data: "a pathway needs you", with a link. The
    # column holds the in-app title; e-mails put the product's name before it
    # (`messages.email_subject`).
    subject = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=20, choices=EmailStatus.choices, default=EmailStatus.PENDING)
    email_attempts = models.PositiveIntegerField(default=0)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "notification"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "recipient"], condition=Q(alert__isnull=False), name="notification_once_per_alert"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            models.Index(fields=["created_at", "id"], condition=Q(email_status="pending"), name="notif_pending"),
        ]

    def __str__(self) -> str:
        return self.subject
