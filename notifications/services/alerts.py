"""Alerts resolve by themselves once their deadline is no longer open."""

from __future__ import annotations

import datetime as dt

from casework.enums import DeadlineStatus
from notifications.models import Alert, AlertStatus


def _resolve(alerts, now: dt.datetime) -> int:
    return alerts.exclude(deadline__status=DeadlineStatus.OPEN).update(status=AlertStatus.RESOLVED, resolved_at=now)


def alerts_resolve_for_pathway(pathway_id: int, *, now: dt.datetime) -> int:
    """Called in the transaction that met or cancelled the pathway's deadlines."""
    return _resolve(Alert.objects.filter(pathway_id=pathway_id, status=AlertStatus.OPEN), now)


def alerts_resolve_stale(*, now: dt.datetime) -> int:
    """Hourly safety net for deadlines closed outside the services (admin, SQL): reads every open alert."""
    return _resolve(Alert.objects.filter(status=AlertStatus.OPEN), now)
