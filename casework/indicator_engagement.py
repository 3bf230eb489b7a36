"""The contrat d'engagement's figures for a cohort (`casework.indicators`), the same cohort rules:
each entry owns the events of its window [entry day, next entry day), nothing after `as_of`.

- `engaged`: entries with a contrat d'engagement signed in their window;
- `engaged_in_delay`: entries whose first contrat d'engagement is signed at most one calendar
  month after their first orientation decision (the contract delay, as `contract_within_1_month`);
- `hours_met` / `hours_target`: over the ledger's weeks of the window that are over by `as_of`,
  have realised hours and a target above 0 (an exempted week measures nothing), the realised
  hours counted at most up to the week's target, and the targets.

Read live from the contracts and the ledger in both sources: the facts (`EntryFact`) hold first
dates, and their window end is rebuilt from the next fact of the same pathway.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, DateField, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Least

from casework.enums import ContractKind
from casework.models import ActivityWeek, Contract, EntryFact


def _window_end(entries: QuerySet, as_of: dt.date, *, facts: bool) -> QuerySet:
    if not facts:
        return entries.annotate(engagement_end=F("end_on"))
    after = Value(as_of + dt.timedelta(days=1), output_field=DateField())
    following = EntryFact.objects.filter(
        pathway_id=OuterRef("pathway_id"), entered_on__gt=OuterRef("entered_on"), entered_on__lte=as_of
    ).order_by("entered_on")
    return entries.annotate(
        engagement_end=Coalesce(Subquery(following.values("entered_on")[:1]), after, output_field=DateField())
    )


def _per_entry_sum(weeks: QuerySet, expression) -> Subquery:
    return Subquery(weeks.values("pathway_id").annotate(total=Sum(expression)).values("total"))


def engagement_aggregate(entries: QuerySet, *, as_of: dt.date, facts: bool) -> dict:
    """The figures above for the cohort `entries` (live or facts rows, as `indicators_compute` built them)."""
    entries = _window_end(entries, as_of, facts=facts)
    in_window = {
        "pathway_id": OuterRef("pathway_id"),
        "week_start__gte": OuterRef("entry_on"),
        "week_start__lt": OuterRef("engagement_end"),
    }
    contracts = Contract.objects.filter(
        kind=ContractKind.CONTRAT_ENGAGEMENT,
        pathway_id=OuterRef("pathway_id"),
        signed_on__gte=OuterRef("entry_on"),
        signed_on__lt=OuterRef("engagement_end"),
        signed_on__lte=as_of,
    )
    weeks = ActivityWeek.objects.filter(
        **in_window,
        week_start__lte=as_of - dt.timedelta(days=6),
        realised_hours__isnull=False,
        target_hours__gt=0,
    )
    entries = entries.annotate(
        engagement_on=Subquery(contracts.order_by("signed_on", "id").values("signed_on")[:1]),
        entry_hours_met=_per_entry_sum(weeks, Least("realised_hours", "target_hours")),
        entry_hours_target=_per_entry_sum(weeks, "target_hours"),
    )
    return entries.aggregate(
        engaged=Count("id", filter=Q(engagement_on__isnull=False)),
        engaged_in_delay=Count(
            "id", filter=Q(oriented_on__isnull=False, engagement_on__lte=F("orientation_1_month_on"))
        ),
        hours_met=Sum("entry_hours_met"),
        hours_target=Sum("entry_hours_target"),
    )
