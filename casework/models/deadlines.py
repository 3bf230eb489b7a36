"""Deadlines are rows, kept up to date by the transition service and by events.

The sweep never recomputes a deadline from history: it reads `next_alert_on`, the next of
the three precomputed alert days (`due_soon_alert_on`, `due_alert_on`, `overdue_alert_on`,
already moved to the preceding working day) still to fire, through a partial index on
open deadlines, and moves it on when it fires an alert.
"""

import datetime as dt

from django.db import models
from django.db.models import Q

from casework.enums import DeadlineStatus, RuleCode

from .pathways import Pathway
from .rules import DelayRule


class DeadlineQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=DeadlineStatus.OPEN)


class Deadline(models.Model):
    # No index of its own: the (pathway, status) index below serves the same lookups (and the
    # cascade), and each deadline a transition opens has one index fewer to write.
    pathway = models.ForeignKey(Pathway, on_delete=models.CASCADE, related_name="deadlines", db_index=False)
    rule = models.ForeignKey(DelayRule, on_delete=models.PROTECT, related_name="deadlines")
    rule_code = models.CharField("règle", max_length=30, choices=RuleCode.choices)
    # Distinguishes several deadlines of one rule: the handover or partner request id, the
    # in-work check-in number (1, 3, 6 months)...
    ref = models.CharField(max_length=40, blank=True, default="")
    starts_on = models.DateField("départ")
    due_on = models.DateField("échéance")
    status = models.CharField(max_length=20, choices=DeadlineStatus.choices, default=DeadlineStatus.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    suspended_on = models.DateField(null=True, blank=True)
    due_soon_alert_on = models.DateField(null=True, blank=True)
    due_alert_on = models.DateField(null=True, blank=True)
    overdue_alert_on = models.DateField(null=True, blank=True)
    # The next alert day still to fire (null once the last level has fired): the sweep reads
    # only this, so its cost follows today's work, not the backlog of already-alerted clocks.
    next_alert_on = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        verbose_name = "échéance"
        ordering = ["due_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["pathway", "rule_code", "ref"],
                condition=Q(status__in=["open", "suspended"]),
                name="deadline_one_live_per_rule",
            )
        ]
        indexes = [
            models.Index(fields=["due_on", "id"], condition=Q(status="open"), name="deadline_open_due"),
            models.Index(fields=["due_soon_alert_on", "id"], condition=Q(status="open"), name="deadline_open_soon"),
            models.Index(fields=["due_alert_on", "id"], condition=Q(status="open"), name="deadline_open_dueday"),
            models.Index(fields=["overdue_alert_on", "id"], condition=Q(status="open"), name="deadline_open_overdue"),
            models.Index(fields=["next_alert_on", "id"], condition=Q(status="open"), name="deadline_open_next_alert"),
            models.Index(fields=["pathway", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_rule_code_display()} — {self.due_on:%d/%m/%Y}"

    # A met deadline keeps its meeting day in `closed_on`. "Met" alone would hide a clock met
    # months late, which the indicators count as late: the page, the API and the subject
    # access document read these three, so they all say the same as the indicators.
    @property
    def met_on(self) -> dt.date | None:
        """The day the deadline was met (None unless it was)."""
        return self.closed_on if self.status == DeadlineStatus.MET else None

    @property
    def days_late(self) -> int | None:
        """Days between the due day and the day it was met: 0 when on time, None unless met."""
        met_on = self.met_on
        return None if met_on is None else max((met_on - self.due_on).days, 0)

    @property
    def status_label(self) -> str:
        """The status for people: "Respectée en retard (+197 j)" rather than a bare "Respectée"."""
        if self.days_late:
            return f"Respectée en retard (+{self.days_late} j)"
        return self.get_status_display()
