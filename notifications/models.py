"""Alerts (one per deadline and level) and the notification outbox.

A Notification row is both the in-app message and the outbox entry for its e-mail: it is
written in the same transaction as the alert or transition that causes it, and Celery
only ever dispatches rows that already exist. Losing the broker loses no notification.
"""

from django.db import models
from django.db.models import Q

from casework.enums import AlertLevel, RecipientRole, RuleCode
from casework.models import Appointment, Beneficiary, Deadline, Organisation, Pathway, Professional


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
        ACTIVITY_SHORTFALL = "activity_shortfall", "Heures d'activité en deçà de la durée"

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


class PersonMessage(models.Model):
    """A message to the person (their space's link, an appointment's invitation or reminder) on
    one channel: the outbox row, written in the transaction that causes it and sent by Celery
    after commit (`notifications.services.person_messages`).

    The address is read from the person at sending time (never copied here: the retention
    service erases it in one place). One invitation and one reminder per appointment and
    channel: the unique constraint makes a reminder sweep that runs twice, or races, harmless.
    """

    class Kind(models.TextChoices):
        SPACE_LINK = "space_link", "Lien vers l'espace personnel"
        INVITATION = "invitation", "Invitation à un rendez-vous"
        REMINDER = "reminder", "Rappel de rendez-vous"

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"

    class Status(models.TextChoices):
        PENDING = "pending", "À envoyer"
        SENT = "sent", "Envoyé"
        DELIVERED = "delivered", "Distribué"
        FAILED = "failed", "Échec"
        CANCELLED = "cancelled", "Annulé (plus de coordonnées, ou refus des SMS)"

    beneficiary = models.ForeignKey(Beneficiary, on_delete=models.CASCADE, related_name="+")
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    # After a transient failure, the re-dispatch leaves the row alone until then (back-off).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # The SMS provider's id of the message: its delivery callback names it.
    provider_id = models.CharField(max_length=100, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "message à la personne"
        verbose_name_plural = "messages à la personne"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "kind", "channel"],
                condition=Q(appointment__isnull=False),
                name="person_message_once_per_appointment",
            )
        ]
        indexes = [
            models.Index(fields=["created_at", "id"], condition=Q(status="pending"), name="person_message_pending"),
            models.Index(fields=["provider_id"], condition=~Q(provider_id=""), name="person_message_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_channel_display()})"
