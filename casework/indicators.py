"""The PTI's indicators (SPEC.md, "Indicators"), computed in SQL from effective-dated events.

One computation serves the dashboard page, its CSV export and `GET /api/v1/indicators/`:
`indicators_compute(as_of=..., pathways=<scope>, **filters)` returns
`{"<code>": {"value", "numerator", "denominator", "status", "reason", ...}}`.

The cohort
    A member of the cohort is one *entry* into a pathway: the `enter` event (rights opened,
    or referred) or a `reopen` event (a new entry resumes the same history), effective on or
    before `as_of`, in the entry period [`entered_from`, `entered_to`]. Each entry owns the
    events of its pathway effective from its day until the day before the next entry (or
    `as_of` included). Nothing after `as_of` is read: the figures of a past day can be
    replayed exactly, whatever was typed since (an event back-dated before `as_of` counts).

Filters: territory (of the pathway), public (of the person, today's list), organisation
(the one designated by the entry's first orientation decision — people never oriented
belong to no organisation, so an organisation filter leaves them out and the orientation
indicators are then "n/a"), entry period.

The cohort rule
    A delay indicator is "ok" only when every member of the cohort has had the full delay of
    every step leading to the measured event by `as_of` (e.g. 6 weeks after the last entry);
    otherwise it is "n/a" with the reason, never 0 % or 100 %. People never oriented count
    in the denominator of the chain rates (orientation, contract, first appointment).

Everything is aggregated by the database: one aggregate query over per-entry correlated
subqueries (index lookups by pathway), plus two small ordered reads for the median.
No per-row Python. The written definitions shown to users are in `DEFINITIONS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce

from casework.enums import EXIT_TO_JOB_OR_TRAINING, ContactOutcome, PathwayState, TrackKind
from casework.indicator_breaches import breach_aggregate
from casework.indicator_definitions import CONTRACT_MONTHS, DEFINITIONS, FIRST_APPOINTMENT_DAYS, ORIENTATION_DAYS
from casework.indicator_engagement import engagement_aggregate
from casework.indicator_table import INDICATORS, Cohort
from casework.models import Contact, Contract, EntryFact, IndicatorFactsState, Pathway, Track, TransitionLog
from casework.models.pathways import T
from casework.vendor_sql import AddMonths, DaysBetween, json_list_contains

ENTRY_TRANSITIONS = ("enter", T.reopen)  # "enter": the journal's first row, no FSM transition

LIVE = "live"  # from the journal, contacts and contracts (exact to the second, slow at scale)
FACTS = "facts"  # from EntryFact, as of its last refresh (same definitions, fast)
AUTO = "auto"  # facts once they have been refreshed, else live


def _public_q(public: str) -> Q:
    return json_list_contains("pathway__beneficiary__publics", public)


# --- the cohort ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    as_of: dt.date
    territory_id: int | None = None
    organisation_id: int | None = None
    public: str | None = None
    entered_from: dt.date | None = None
    entered_to: dt.date | None = None


def _window(model_qs: QuerySet, field: str, start_ref: str = "entry_on") -> QuerySet:
    """Rows of the entry's pathway effective in [start, end_on)."""
    return model_qs.filter(
        pathway_id=OuterRef("pathway_id"),
        **{f"{field}__gte": OuterRef(start_ref), f"{field}__lt": OuterRef("end_on")},
    )


def _first(qs: QuerySet, field: str, value: str | None = None) -> Subquery:
    return Subquery(qs.order_by(field, "id").values(value or field)[:1])


def _cohort_filter(
    entries: QuerySet, f: Filters, pathways: QuerySet[Pathway] | None, *, entered_on: str, territory_id: str
) -> QuerySet:
    """The cohort's filters, on journal entries or on their facts (which name the fields apart)."""
    entries = entries.filter(**{f"{entered_on}__lte": f.as_of})
    if f.entered_from:
        entries = entries.filter(**{f"{entered_on}__gte": f.entered_from})
    if f.entered_to:
        entries = entries.filter(**{f"{entered_on}__lte": f.entered_to})
    if f.territory_id:
        entries = entries.filter(**{territory_id: f.territory_id})
    if f.public:
        entries = entries.filter(_public_q(f.public))
    if pathways is not None:
        entries = entries.filter(pathway_id__in=pathways.values("pk"))
    return entries


def cohort_entries(f: Filters, pathways: QuerySet[Pathway] | None = None) -> QuerySet:
    """One row per entry of the cohort, annotated with the effective dates of its events."""
    entries = _cohort_filter(
        TransitionLog.objects.filter(transition__in=ENTRY_TRANSITIONS),
        f,
        pathways,
        entered_on="occurred_on",
        territory_id="pathway__territory_id",
    )
    logs = TransitionLog.objects.all()
    entries = entries.annotate(entry_on=F("occurred_on"), end_on=_entry_end(entries, logs, f.as_of))
    orient = _window(logs.filter(transition=T.orient), "occurred_on")
    entries = entries.annotate(
        oriented_on=_first(orient, "occurred_on"),
        orient_track=_first(_param(orient, "track"), "occurred_on", "param"),
        orient_org=_first(_param(orient, "organisation"), "occurred_on", "param"),
    )
    if f.organisation_id:
        entries = entries.filter(orient_org=f.organisation_id)
    entries = entries.annotate(**_first_events(logs))
    entries = entries.annotate(
        orientation_days=DaysBetween(F("oriented_on"), F("entry_on")),
        orientation_1_month_on=AddMonths(F("oriented_on"), CONTRACT_MONTHS),
        first_held_on=_first(
            _window(Contact.objects.filter(outcome=ContactOutcome.HELD), "occurred_on", start_ref="assigned_on"),
            "occurred_on",
        ),
        reorientation_decided_on=_first(
            _window(logs.filter(transition=T.decide_reorientation), "occurred_on", "reorientation_requested_on"),
            "occurred_on",
        ),
    )
    return entries.annotate(
        first_appointment_days=DaysBetween(F("first_held_on"), F("assigned_on")),
        reorientation_days=DaysBetween(F("reorientation_decided_on"), F("reorientation_requested_on")),
    )


def _entry_end(entries: QuerySet, logs: QuerySet, as_of: dt.date):
    """The day after an entry's window: each entry owns its pathway's events until the next entry.
    Reopenings are rare: when the cohort has none, the bound is the constant `as_of + 1` and the
    per-row lookup is skipped."""
    after = Value(as_of + dt.timedelta(days=1), output_field=DateField())
    reopened = logs.filter(transition=T.reopen, occurred_on__lte=as_of, pathway_id__in=entries.values("pathway_id"))
    if not reopened.exists():
        return after
    next_entry = logs.filter(
        Q(occurred_on__gt=OuterRef("occurred_on")) | Q(occurred_on=OuterRef("occurred_on"), id__gt=OuterRef("id")),
        pathway_id=OuterRef("pathway_id"),
        transition__in=ENTRY_TRANSITIONS,
        occurred_on__lte=as_of,
    )
    return Coalesce(_first(next_entry, "occurred_on"), after, output_field=DateField())


def _param(logs: QuerySet, key: str) -> QuerySet:
    """The journal rows with their integer parameter `key` (an id) as `param`."""
    return logs.annotate(param=Cast(KeyTextTransform(key, "params"), IntegerField()))


def _first_events(logs: QuerySet) -> dict:
    """The first day of each later event of the entry's window (after the orientation)."""
    exits_to_job = Q(transition=T.end_followup, to_state=PathwayState.CLOSED) | Q(
        transition=T.close, params__close_reason__in=list(EXIT_TO_JOB_OR_TRAINING)
    )
    events = {
        "assigned_on": logs.filter(transition=T.assign_referent),
        "reorientation_requested_on": logs.filter(transition=T.request_reorientation),
        "exited_on": logs.filter(to_state=PathwayState.CLOSED),
        "exit_to_job_on": logs.filter(exits_to_job),
        "reoriented_on": logs.filter(transition=T.decide_reorientation, params__accepted=True),
    }
    dates = {name: _first(_window(qs, "occurred_on"), "occurred_on") for name, qs in events.items()}
    return {**dates, "contract_on": _first(_window(Contract.objects.all(), "signed_on"), "signed_on")}


def facts_entries(f: Filters, pathways: QuerySet[Pathway] | None = None) -> QuerySet:
    """`cohort_entries` read from the refreshed facts: same rows, same annotation names.

    Each fact holds the *first* date of each event over the entry's whole window; masking the
    dates after `as_of` gives exactly what `cohort_entries` reads up to `as_of` (the first event
    on or before `as_of` is the first event, when that one is on or before `as_of`).
    """
    as_of = f.as_of
    entries = _cohort_filter(
        EntryFact.objects.all(), f, pathways, entered_on="entered_on", territory_id="territory_id"
    )
    if f.organisation_id:
        entries = entries.filter(first_orient_organisation_id=f.organisation_id, first_oriented_on__lte=as_of)

    def upto(field: str, value: str | None = None, output=None):
        return Case(When(**{f"{field}__lte": as_of}, then=F(value or field)), output_field=output or DateField())

    entries = entries.annotate(
        entry_on=F("entered_on"),
        oriented_on=upto("first_oriented_on"),
        orient_track=upto("first_oriented_on", "first_orient_track_id", IntegerField()),
        orient_org=upto("first_oriented_on", "first_orient_organisation_id", IntegerField()),
        assigned_on=upto("first_assigned_on"),
        contract_on=upto("first_contract_on"),
        reorientation_requested_on=upto("first_reorientation_request_on"),
        exited_on=upto("first_exit_on"),
        exit_to_job_on=upto("first_exit_to_job_on"),
        reoriented_on=upto("first_reoriented_on"),
        first_held_on=upto("first_held_contact_on"),
        reorientation_decided_on=upto("first_reorientation_decision_on"),
    )
    return entries.annotate(
        orientation_days=DaysBetween(F("oriented_on"), F("entry_on")),
        orientation_1_month_on=AddMonths(F("oriented_on"), CONTRACT_MONTHS),
        first_appointment_days=DaysBetween(F("first_held_on"), F("assigned_on")),
        reorientation_days=DaysBetween(F("reorientation_decided_on"), F("reorientation_requested_on")),
    )


def facts_state() -> IndicatorFactsState | None:
    """The facts' freshness, or None when they have never been refreshed."""
    return IndicatorFactsState.objects.filter(pk=1, refreshed_at__isnull=False).first()


def _aggregate(entries: QuerySet, social_track_ids: list[int]) -> dict:
    oriented = Q(oriented_on__isnull=False)
    return entries.aggregate(
        members=Count("id"),
        oriented=Count("id", filter=oriented),
        oriented_6w=Count("id", filter=Q(orientation_days__lte=ORIENTATION_DAYS)),
        orientation_days_sum=Sum("orientation_days"),
        orientation_days_avg=Avg("orientation_days"),
        social=Count("id", filter=oriented & Q(orient_track__in=social_track_ids or [0])),
        contracted=Count("id", filter=Q(contract_on__isnull=False)),
        contracted_1m=Count("id", filter=oriented & Q(contract_on__lte=F("orientation_1_month_on"))),
        reoriented=Count("id", filter=oriented & Q(reoriented_on__isnull=False)),
        reorientation_requests=Count("id", filter=Q(reorientation_requested_on__isnull=False)),
        reorientation_pending=Count(
            "id", filter=Q(reorientation_requested_on__isnull=False, reorientation_decided_on__isnull=True)
        ),
        reorientation_days_sum=Sum("reorientation_days"),
        reorientation_decided=Count("id", filter=Q(reorientation_decided_on__isnull=False)),
        assigned=Count("id", filter=Q(assigned_on__isnull=False)),
        first_15d=Count("id", filter=Q(first_appointment_days__lte=FIRST_APPOINTMENT_DAYS)),
        first_days_sum=Sum("first_appointment_days"),
        first_held=Count("id", filter=Q(first_held_on__isnull=False)),
        exited=Count("id", filter=Q(exited_on__isnull=False)),
        exited_to_job=Count("id", filter=Q(exited_on__isnull=False, exit_to_job_on__isnull=False)),
        last_entry=Max("entry_on"),
        last_oriented=Max("oriented_on"),
        last_assigned=Max("assigned_on"),
    )


def indicators_compute(
    *,
    as_of: dt.date,
    pathways: QuerySet[Pathway] | None = None,
    territory_id: int | None = None,
    organisation_id: int | None = None,
    public: str | None = None,
    entered_from: dt.date | None = None,
    entered_to: dt.date | None = None,
    source: str = AUTO,
) -> dict[str, dict]:
    """Every indicator for the cohort selected by the filters, from events effective by `as_of`.

    `pathways` is the caller's access scope (`pathways_visible_to(user)`); None = everything.
    `source`: LIVE reads the journal; FACTS the per-entry facts as of their last refresh; AUTO
    the facts once they exist. Each result carries `source` and `figures_as_of` (the facts'
    refresh time, or None for a live computation): a page must show the figures' age.
    """
    f = Filters(as_of, territory_id, organisation_id, public, entered_from, entered_to)
    state = facts_state() if source != LIVE else None
    if source == FACTS or state is not None:
        entries = facts_entries(f, pathways)
        freshness = {"source": FACTS, "figures_as_of": state.refreshed_at.isoformat() if state else None}
    else:
        entries = cohort_entries(f, pathways)
        freshness = {"source": LIVE, "figures_as_of": None}
    social_ids = list(Track.objects.filter(kind=TrackKind.SOCIAL).values_list("pk", flat=True))
    aggregate = {**_aggregate(entries, social_ids), **breach_aggregate(entries, as_of)}
    aggregate.update(engagement_aggregate(entries, as_of=as_of, facts=freshness["source"] == FACTS))
    cohort = Cohort(aggregate, entries, as_of, by_organisation=bool(organisation_id))
    return {code: {**compute(cohort), **DEFINITIONS[code].meta(), **freshness} for code, compute in INDICATORS.items()}
