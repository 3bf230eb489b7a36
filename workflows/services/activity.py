"""The weekly activity ledger and the contrat d'engagement's duration, with the referent's alert.

`activity_week_record` is the one door for a week's hours (the pathway page and the partners'
API): one transaction that locks the pathway row (two entries for the same pathway queue
behind each other), checks (`casework.engagement.week_input_check`), writes the week, then
applies the shortfall rule. `activity_duration_change` records a reduction or an exemption the
same way, since it changes the weeks' targets.

The shortfall rule (rule data, `EngagementRule.shortfall_weeks`, 3 by default): a run of that
many consecutive weeks whose realised hours are below their target alerts the referent — a
notification through the outbox, never a sanction. One alert per run: a run is alerted when an
`ActivityShortfall` row starts within it (unique per pathway and first week), so recording a
fourth short week, re-entering a week, or a run that grows backwards alerts no one twice.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from casework.audit import acting_as
from casework.engagement import WeekInput, shortfall_runs, shortfall_weeks_for, week_input_check
from casework.models import ActivityDuration, ActivityShortfall, ActivityWeek, Contract, Pathway
from casework.services import engagement as engagement_service
from notifications.models import Notification
from notifications.services import outbox


def _pathway_locked(pathway_id: int) -> Pathway:
    return Pathway.objects.select_for_update(of=("self",)).select_related("beneficiary").get(pk=pathway_id)


def activity_week_record(
    pathway_id: int, data: WeekInput, *, by, today: dt.date, now: dt.datetime
) -> tuple[ActivityWeek, bool]:
    """Record one week's hours (refused with field messages, nothing written); returns (week, created).

    The caller has checked that `by` may record hours on this pathway (`can_record_activity`).
    """
    with transaction.atomic(), acting_as(by):
        pathway = _pathway_locked(pathway_id)
        contract = week_input_check(pathway, data, today=today)
        week, created = engagement_service.activity_week_save(pathway, data, contract=contract, by=by, now=now)
        shortfall_alert(pathway, now=now)
    return week, created


def activity_duration_change(
    contract_id: int, *, kind: str, effective_from: dt.date, by, today: dt.date, now: dt.datetime, **data
) -> ActivityDuration:
    """Record the contract's weekly activity duration from a day; its weeks are measured anew."""
    with transaction.atomic(), acting_as(by):
        contract = Contract.objects.select_related("pathway__beneficiary").get(pk=contract_id)
        pathway = _pathway_locked(contract.pathway_id)
        duration = engagement_service.activity_duration_record(
            contract, kind=kind, effective_from=effective_from, today=today, by=by, now=now, **data
        )
        shortfall_alert(pathway, now=now)
    return duration


def shortfall_alert(pathway: Pathway, *, now: dt.datetime) -> list[int]:
    """Alert the referent (or, without one, the organisation's team leads) of each run of short
    weeks long enough under the rule and not yet alerted; returns the notifications' ids, sent
    after commit. The caller holds the pathway's lock."""
    weeks = list(ActivityWeek.objects.filter(pathway=pathway).select_related("contract"))
    by_start = {w.week_start: w for w in weeks}
    alerted = list(ActivityShortfall.objects.filter(pathway=pathway).values_list("run_start", flat=True))
    ids: list[int] = []
    for run in shortfall_runs(weeks):
        needed = shortfall_weeks_for(by_start[run.last].contract)
        if needed is None or run.weeks < needed:
            continue
        if any(run.first <= start <= run.last for start in alerted):
            continue
        alerted_week = run.first + dt.timedelta(weeks=needed - 1)
        ActivityShortfall.objects.create(
            pathway=pathway, run_start=run.first, alerted_week=alerted_week, weeks=run.weeks, alerted_at=now
        )
        alerted.append(run.first)
        ids += _notify_shortfall(pathway, now=now)
    if ids:
        outbox.dispatch_after_commit(ids)
    return ids


def _notify_shortfall(pathway: Pathway, *, now: dt.datetime) -> list[int]:
    event = Notification.Event.ACTIVITY_SHORTFALL
    if pathway.referent_id is not None:
        return outbox.notify([pathway.referent], event, pathway, now=now)
    return outbox.notify_team_leads(pathway.organisation_id, event, pathway, now=now)
