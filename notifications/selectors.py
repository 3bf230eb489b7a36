"""What a professional's inbox shows: unread first, each part grouped by day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from itertools import groupby

from django.utils import formats, timezone

from casework.models import Professional

from .models import Notification

UNREAD_SHOWN = 200
READ_SHOWN = 50


@dataclass(frozen=True)
class InboxDay:
    day: dt.date
    label: str  # "Aujourd'hui", "Hier", "Lundi 30 novembre 2026"
    items: list[Notification] = field(default_factory=list)


@dataclass(frozen=True)
class Inbox:
    unread: list[InboxDay]
    read: list[InboxDay]
    unread_count: int  # all of them, even beyond the UNREAD_SHOWN listed

    @property
    def is_empty(self) -> bool:
        return not (self.unread or self.read)


def day_label(day: dt.date, today: dt.date) -> str:
    if day == today:
        return "Aujourd'hui"
    if day == today - dt.timedelta(days=1):
        return "Hier"
    return formats.date_format(day, "l j F Y").capitalize()


def _by_day(notifications: list[Notification], today: dt.date) -> list[InboxDay]:
    days = groupby(notifications, key=lambda n: timezone.localdate(n.created_at))
    return [InboxDay(day, day_label(day, today), list(items)) for day, items in days]


def notification_inbox(professional: Professional, *, today: dt.date) -> Inbox:
    """The professional's own notifications: every unread one (up to UNREAD_SHOWN), then the
    READ_SHOWN last read ones, newest first, grouped by the day they were written (Paris)."""
    own = Notification.objects.filter(recipient=professional).order_by("-created_at", "-id")
    unread = list(own.filter(read_at__isnull=True)[:UNREAD_SHOWN])
    read = list(own.filter(read_at__isnull=False)[:READ_SHOWN])
    unread_count = len(unread) if len(unread) < UNREAD_SHOWN else own.filter(read_at__isnull=True).count()
    return Inbox(_by_day(unread, today), _by_day(read, today), unread_count)
