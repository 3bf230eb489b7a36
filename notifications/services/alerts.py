"""Alerts resolve by themselves once their deadline is no longer open."""

from __future__ import annotations

import datetime as dt

from casework.enums import DeadlineStatus
from notifications.models import Alert, AlertStatus


def alerts_resolve_for_pathway(pathway_id: int, *, now: dt.datetime) -> int:
    return (
        Alert.objects.filter(pathway_id=pathway_id, status=AlertStatus.OPEN)
        .exclude(deadline__status=DeadlineStatus.OPEN)
        .update(status=AlertStatus.RESOLVED, resolved_at=now)
    )


def alerts_resolve_stale(*, now: dt.datetime) -> int:
    """Set-based safety net run by each sweep (covers rows closed outside the services)."""
    return (
        Alert.objects.filter(status=AlertStatus.OPEN)
        .exclude(deadline__status=DeadlineStatus.OPEN)
        .update(status=AlertStatus.RESOLVED, resolved_at=now)
    )
