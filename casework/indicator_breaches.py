"""The breach procedure's figures for a cohort (`casework.indicators`): one aggregate query.

A breach counts for the cohort when it belongs to the pathway of one of the cohort's entries and
is dated on or after that entry and on or before `as_of`. Every step is read from its effective
date (decided on, remobilised on, the suspension's last day), so a past day replays exactly:
a decision typed after `as_of` is not decided as of `as_of`.

The cohort rule, as for the other delays: the mean delay from breach to decision waits until
every breach of the cohort is decided; the share remobilised during the suspension waits until
every suspension of the cohort has been lifted or has run its full period.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum

from casework.enums import BreachOutcome
from casework.models import Breach
from casework.vendor_sql import DaysBetween


def cohort_breaches(entries: QuerySet, as_of: dt.date) -> QuerySet[Breach]:
    """The breaches of the cohort's entries (`entries` carries `pathway_id` and `entry_on`)."""
    member = entries.filter(pathway_id=OuterRef("pathway_id"), entry_on__lte=OuterRef("occurred_on"))
    return Breach.objects.filter(occurred_on__lte=as_of).filter(Exists(member.values("pk")))


def breach_aggregate(entries: QuerySet, as_of: dt.date) -> dict:
    """The counts the breach indicators read (`casework.indicator_table`)."""
    decided = Q(decided_on__lte=as_of)
    suspension = decided & Q(outcome=BreachOutcome.SUSPENSION)
    lifted = Q(remobilised_on__lte=as_of)
    not_lifted = Q(remobilised_on__isnull=True) | Q(remobilised_on__gt=as_of)
    running = suspension & Q(suspension_ends_on__gte=as_of) & not_lifted
    return cohort_breaches(entries, as_of).aggregate(
        breaches=Count("id"),
        breach_decided=Count("id", filter=decided),
        breach_pending=Count("id", filter=Q(decided_on__isnull=True) | Q(decided_on__gt=as_of)),
        breach_no_sanction=Count("id", filter=decided & Q(outcome=BreachOutcome.NO_SANCTION)),
        breach_suspended=Count("id", filter=suspension),
        breach_remobilised=Count("id", filter=suspension & lifted),
        breach_running=Count("id", filter=running),
        breach_running_last_end=Max("suspension_ends_on", filter=running),
        breach_days_sum=Sum(DaysBetween(F("decided_on"), F("occurred_on")), filter=decided),
    )
