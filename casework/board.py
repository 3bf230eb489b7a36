"""The team lead's overdue board: reads over deadlines, queues, handovers, contacts and caseloads.

Every function takes the caller's scope (`pathways_visible_to(user)`) and `today`: nothing here
reads the clock. Counts are SQL aggregates (GROUP BY); the lists behind each count are
querysets the views paginate.

- Overdue: an open deadline whose due day is before `today` (a legal due date expires at the
  end of its day). Due soon: due from `today` to `today + soon_days` included.
- Suspended deadlines (clock stopped) are neither.

The count tables (`board_counts`) read the summary `BoardCount` when one exists for `today`
(rebuilt by every deadline sweep, `casework.services.board_summary`), else count live; the
result says which (`source`) and as of when (`figures_as_of`). Both are restricted to the
*board scope* (`board_scope`): the team lead's organisation, the territories an orientation
officer's organisation covers — keys the summary carries. The lists behind each count are
always live.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Case,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from casework.enums import (
    ACCOMPANIED_STATES,
    ContactOutcome,
    DeadlineStatus,
    HandoverStatus,
    PathwayState,
    RuleCode,
)
from casework.models import (
    BoardCount,
    BoardSummaryState,
    Contact,
    Deadline,
    Handover,
    Organisation,
    Pathway,
    Professional,
    Territory,
)
from casework.names import user_name
from casework.vendor_sql import DaysBetween

SOON_DAYS = 7
OVERDUE = "overdue"
DUE_SOON = "due_soon"
BUCKETS = {OVERDUE: "En retard", DUE_SOON: "Échéance proche"}
NO_REFERENT = "none"
LIVE = "live"  # counted now from the open deadlines
SUMMARY = "summary"  # read from BoardCount, as of its last refresh
AUTO = "auto"  # the summary when it is for `today`, else live


def _bucket_q(bucket: str, today: dt.date, soon_days: int, prefix: str = "") -> Q:
    if bucket == OVERDUE:
        return Q(**{f"{prefix}due_on__lt": today})
    return Q(**{f"{prefix}due_on__gte": today, f"{prefix}due_on__lte": today + dt.timedelta(days=soon_days)})


# --- overdue and due-soon counts --------------------------------------------------------------
# Read from the pathway side (the scope filters apply to the pathway rows directly, no IN
# (SELECT …) over the scope) joined to its open deadlines due by `today + soon_days`, which
# the partial covering index `deadline_open_due_cover` (due_on) INCLUDE (rule_code,
# pathway_id) WHERE status = 'open' serves with an index-only scan. Grouped by ids only: the
# labels (a few hundred rows) are read afterwards by primary key.
def open_due_by(pathways: QuerySet[Pathway], today: dt.date, soon_days: int, *keys: str) -> QuerySet:
    # One filter() call: one join to the deadlines (two calls would join them twice).
    return (
        pathways.filter(
            deadlines__status=DeadlineStatus.OPEN, deadlines__due_on__lte=today + dt.timedelta(days=soon_days)
        )
        .order_by()
        .values(*keys)
        .annotate(
            overdue=Count("deadlines__id", filter=_bucket_q(OVERDUE, today, soon_days, "deadlines__")),
            due_soon=Count("deadlines__id", filter=_bucket_q(DUE_SOON, today, soon_days, "deadlines__")),
        )
    )


def _referent_name(pro: Professional | None) -> str:
    if pro is None:
        return ""
    return user_name(pro.user)


def deadline_counts(pathways: QuerySet[Pathway], *, today: dt.date, soon_days: int = SOON_DAYS) -> list[dict]:
    """Overdue and due-soon open deadlines by rule × territory × organisation × referent."""
    rows = list(
        open_due_by(
            pathways, today, soon_days, "deadlines__rule_code", "territory_id", "organisation_id", "referent_id"
        )
    )
    for r in rows:
        r["rule_code"] = r.pop("deadlines__rule_code")
    return _labelled(rows)


def _labelled(rows: list[dict]) -> list[dict]:
    """Count rows (rule_code, territory_id, organisation_id, referent_id, overdue, due_soon) with
    their labels, in the page's order."""
    territories = dict(Territory.objects.filter(pk__in={r["territory_id"] for r in rows}).values_list("pk", "name"))
    organisations = dict(
        Organisation.objects.filter(pk__in={r["organisation_id"] for r in rows} - {None}).values_list("pk", "name")
    )
    referents = Professional.objects.select_related("user").in_bulk({r["referent_id"] for r in rows} - {None})
    labels = dict(RuleCode.choices)
    out = [
        {
            "rule_code": r["rule_code"],
            "rule": labels.get(r["rule_code"], r["rule_code"]),
            "territory_id": r["territory_id"],
            "territory": territories.get(r["territory_id"], ""),
            "organisation_id": r["organisation_id"],
            "organisation": organisations.get(r["organisation_id"], ""),
            "referent_id": r["referent_id"],
            "referent": _referent_name(referents.get(r["referent_id"])),
            "referent_last_name": referents[r["referent_id"]].user.last_name if r["referent_id"] in referents else "",
            "overdue": r["overdue"],
            "due_soon": r["due_soon"],
        }
        for r in rows
    ]
    # The order the page has always shown (NULLs last, as PostgreSQL sorts them ascending).
    out.sort(
        key=lambda r: (
            r["rule_code"],
            r["territory"],
            r["organisation_id"] is None,
            r["organisation"],
            r["referent_id"] is None,
            r["referent_last_name"],
            # Ties (homonyms, same-named places) by id: the same order whatever the source.
            r["territory_id"],
            r["organisation_id"] or 0,
            r["referent_id"] or 0,
        )
    )
    return out


def deadline_totals(pathways: QuerySet[Pathway], *, today: dt.date, soon_days: int = SOON_DAYS) -> list[dict]:
    """Totals by rule (the board's summary line and its chart)."""
    labels = dict(RuleCode.choices)
    rows = open_due_by(pathways, today, soon_days, "deadlines__rule_code").order_by("deadlines__rule_code")
    return [
        {
            "rule_code": r["deadlines__rule_code"],
            "overdue": r["overdue"],
            "due_soon": r["due_soon"],
            "rule": labels.get(r["deadlines__rule_code"], r["deadlines__rule_code"]),
        }
        for r in rows
    ]


def _totals(counts: list[dict]) -> list[dict]:
    """Totals by rule from the count rows (the same open deadlines, summed), ordered by rule."""
    labels = dict(RuleCode.choices)
    by_rule: dict[str, dict] = {}
    for r in counts:
        t = by_rule.setdefault(r["rule_code"], {"rule_code": r["rule_code"], "overdue": 0, "due_soon": 0})
        t["overdue"] += r["overdue"]
        t["due_soon"] += r["due_soon"]
    return [{**by_rule[code], "rule": labels.get(code, code)} for code in sorted(by_rule)]


# --- the board scope and the summary ------------------------------------------------------------
def board_scope(pro: Professional) -> Q:
    """What the count tables cover, as a filter on `territory_id` / `organisation_id` (fields of both
    `Pathway` and `BoardCount`): a team lead's organisation; for an orientation officer, every
    pathway of the territories their organisation covers. Always within `pathways_visible_to`
    (which adds a professional's own caseload, handovers, past and delegated pathways: those are
    in their queue, not on the board)."""
    scope = Q(pk__in=[])
    if pro.is_team_lead:
        scope |= Q(organisation_id=pro.organisation_id)
    if pro.is_orientation_officer:
        # The territory ids as literals (one tiny query): with a sub-select, an organisation OR
        # territories filter is a per-row test over the whole table; with literals PostgreSQL
        # combines the two indexes (BitmapOr). Measured at 1M pathways: 214 ms -> see docs/bench.md.
        territories = list(Territory.objects.filter(organisations=pro.organisation_id).values_list("id", flat=True))
        scope |= Q(territory_id__in=territories)
    return scope


def summary_state(*, today: dt.date, soon_days: int = SOON_DAYS) -> BoardSummaryState | None:
    """The summary's state if it holds the counts of `today` (same `soon_days`), else None."""
    state = BoardSummaryState.objects.filter(pk=1, computed_for=today, soon_days=soon_days).first()
    return state if state is not None and state.computed_at is not None else None


@dataclass(frozen=True)
class BoardCounts:
    counts: list[dict]  # by rule × territory × organisation × referent, labelled, in the page's order
    totals: list[dict]  # by rule
    source: str  # LIVE or SUMMARY
    figures_as_of: dt.datetime | None  # the summary's refresh time; None when counted live

    @property
    def freshness(self) -> dict:
        return {"source": self.source, "figures_as_of": self.figures_as_of}


def board_counts(
    pathways: QuerySet[Pathway],
    *,
    today: dt.date,
    scope: Q | None = None,
    source: str = AUTO,
    soon_days: int = SOON_DAYS,
) -> BoardCounts:
    """The board's count tables over `scope` (see `board_scope`; None: everything in `pathways`).

    AUTO reads the summary when it was computed for `today`, else counts live over `pathways`
    filtered by `scope`; SUMMARY insists on the summary (LookupError if there is none for today).
    """
    state = summary_state(today=today, soon_days=soon_days) if source != LIVE else None
    if source == SUMMARY and state is None:
        raise LookupError(f"No board summary for {today}.")
    if state is not None:
        rows = BoardCount.objects.filter(computed_for=today)
        if scope is not None:
            rows = rows.filter(scope)
        keys = ("rule_code", "territory_id", "organisation_id", "referent_id", "overdue", "due_soon")
        counts = _labelled(list(rows.values(*keys)))
        return BoardCounts(counts, _totals(counts), SUMMARY, state.computed_at)
    live = pathways if scope is None else pathways.filter(scope)
    counts = deadline_counts(live, today=today, soon_days=soon_days)
    return BoardCounts(counts, _totals(counts), LIVE, None)


@dataclass(frozen=True)
class DeadlineFilter:
    """The cell of the board a list comes from; empty fields mean "any"."""

    bucket: str = OVERDUE
    rule_code: str = ""
    territory_id: int | None = None
    organisation_id: int | None = None
    referent: str = ""  # a professional id, NO_REFERENT, or "" for any


def deadline_pathways(
    pathways: QuerySet[Pathway], f: DeadlineFilter, *, today: dt.date, soon_days: int = SOON_DAYS
) -> QuerySet[Pathway]:
    """The pathways behind one count of the board, the earliest due first."""
    deadlines = Deadline.objects.filter(status=DeadlineStatus.OPEN).filter(_bucket_q(f.bucket, today, soon_days))
    if f.rule_code:
        deadlines = deadlines.filter(rule_code=f.rule_code)
    qs = pathways
    if f.territory_id:
        qs = qs.filter(territory_id=f.territory_id)
    if f.organisation_id:
        qs = qs.filter(organisation_id=f.organisation_id)
    if f.referent == NO_REFERENT:
        qs = qs.filter(referent__isnull=True)
    elif f.referent:
        qs = qs.filter(referent_id=int(f.referent))
    first = deadlines.filter(pathway_id=OuterRef("pk")).order_by("due_on", "id")
    return (
        qs.filter(pk__in=deadlines.values("pathway_id"))
        .annotate(
            board_due_on=Subquery(first.values("due_on")[:1]),
            board_rule=Subquery(first.values("rule_code")[:1]),
        )
        .annotate(board_days_late=DaysBetween(Value(today), F("board_due_on")))
        .select_related("beneficiary", "territory", "organisation", "referent__user", "handover_to__user")
        .order_by("board_due_on", "id")
    )


# --- queues, handovers, contact gaps ---------------------------------------------------------
def assignment_queue(pathways: QuerySet[Pathway], *, today: dt.date) -> QuerySet[Pathway]:
    """Accompanied pathways without a referent, waiting in an organisation's queue, oldest first.

    Waiting since: the start of the open referent-assignment clock (orientation or reorientation
    decision), else the orientation date.
    """
    clock = Deadline.objects.filter(
        pathway_id=OuterRef("pk"), rule_code=RuleCode.REFERENT_ASSIGNMENT, status__in=["open", "suspended"]
    ).order_by("-starts_on")
    return (
        pathways.filter(state__in=ACCOMPANIED_STATES, referent__isnull=True, organisation__isnull=False)
        .annotate(waiting_since=Coalesce(Subquery(clock.values("starts_on")[:1]), F("oriented_on"), F("entered_on")))
        .annotate(waiting_days=DaysBetween(Value(today), F("waiting_since")))
        .select_related("beneficiary", "territory", "organisation")
        .order_by("waiting_since", "id")
    )


def orientation_queue(pathways: QuerySet[Pathway], *, today: dt.date) -> QuerySet[Pathway]:
    """Pathways waiting for an orientation decision (no referent yet by definition), oldest first."""
    return (
        pathways.filter(state=PathwayState.ORIENTATION)
        .annotate(waiting_since=F("entered_on"), waiting_days=DaysBetween(Value(today), F("entered_on")))
        .select_related("beneficiary", "territory")
        .order_by("entered_on", "id")
    )


def queue_summary(qs: QuerySet[Pathway]) -> dict:
    """How many wait, and the longest wait (days)."""
    return qs.aggregate(count=Count("id"), longest=Max("waiting_days"))


def pending_handovers(pathways: QuerySet[Pathway], *, today: dt.date) -> QuerySet[Handover]:
    due = Deadline.objects.filter(
        pathway_id=OuterRef("pathway_id"), rule_code=RuleCode.HANDOVER_ACCEPTANCE, status=DeadlineStatus.OPEN
    ).order_by("due_on")
    return (
        Handover.objects.filter(status=HandoverStatus.PROPOSED, pathway__in=pathways)
        .annotate(due_on=Subquery(due.values("due_on")[:1]))
        .annotate(waiting_days=DaysBetween(Value(today), F("proposed_on")))
        .select_related("pathway__beneficiary", "pathway__territory", "outgoing__user", "incoming__user")
        .order_by("proposed_on", "id")
    )


def _expired_gap_clocks(today: dt.date) -> QuerySet[Deadline]:
    """Open `contact_gap` deadlines due before `today`: the one definition of a contact gap."""
    return Deadline.objects.filter(rule_code=RuleCode.CONTACT_GAP, status=DeadlineStatus.OPEN, due_on__lt=today)


def contact_gaps(pathways: QuerySet[Pathway], *, today: dt.date) -> QuerySet[Pathway]:
    """Open pathways whose contact-gap clock has expired (no held contact within the rule's delay).

    Found through the open `contact_gap` deadlines due before `today` (a semi-join served by the
    partial index `deadline_open_rule_due`), not by probing every open pathway.
    """
    expired = _expired_gap_clocks(today)
    gap = expired.filter(pathway_id=OuterRef("pk")).order_by("due_on")
    last = Contact.objects.filter(pathway_id=OuterRef("pk"), outcome=ContactOutcome.HELD).order_by("-occurred_on")
    return (
        pathways.exclude(state=PathwayState.CLOSED)
        .filter(pk__in=expired.values("pathway_id"))
        .annotate(gap_due_on=Subquery(gap.values("due_on")[:1]))
        .annotate(last_contact_on=Subquery(last.values("occurred_on")[:1]))
        .annotate(gap_days=DaysBetween(Value(today), Coalesce(F("last_contact_on"), F("gap_due_on"))))
        .select_related("beneficiary", "territory", "referent__user")
        .order_by("gap_due_on", "id")
    )


def expired_contact_gaps(pathways: QuerySet[Pathway], *, today: dt.date) -> QuerySet[Deadline]:
    """The expired `contact_gap` clocks of `pathways`, earliest first (one live clock per pathway).

    Read from the deadline side: the partial index `deadline_open_rule_due` (rule_code, due_on)
    walks them in due order, so the board's first rows and its count do not annotate every
    pathway of the scope first (at 1M pathways, a territory's preview: 80 ms -> see docs/bench.md).
    """
    return (
        _expired_gap_clocks(today)
        .filter(pathway__in=pathways.exclude(state=PathwayState.CLOSED).values("pk"))
        .order_by("due_on", "id")
    )


def contact_gaps_first(pathways: QuerySet[Pathway], *, today: dt.date, limit: int) -> list[Pathway]:
    """The first `limit` rows of `contact_gaps` (same rows, same order, same annotations)."""
    ids = list(expired_contact_gaps(pathways, today=today).values_list("pathway_id", flat=True)[:limit])
    return list(contact_gaps(Pathway.objects.filter(pk__in=ids), today=today))


# --- caseload --------------------------------------------------------------------------------
def referents_in_scope(pro: Professional) -> QuerySet[Professional]:
    """Whose caseload a team lead balances: the referents of their organisation."""
    return Professional.objects.filter(organisation_id=pro.organisation_id, is_referent=True)


def caseload_by_referent(referents: QuerySet[Professional]) -> QuerySet[Professional]:
    """Open pathways per referent against their organisation's target; over-capacity flagged."""
    open_count = (
        Pathway.objects.filter(referent_id=OuterRef("pk"))
        .exclude(state=PathwayState.CLOSED)
        .order_by()
        .values("referent_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    incoming = (
        Pathway.objects.filter(handover_to_id=OuterRef("pk"))
        .order_by()
        .values("handover_to_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return (
        referents.annotate(
            open_count=Coalesce(Subquery(open_count, output_field=IntegerField()), 0),
            incoming_count=Coalesce(Subquery(incoming, output_field=IntegerField()), 0),
            target=F("organisation__caseload_target"),
        )
        .annotate(
            over_capacity=Case(
                When(open_count__gt=F("target"), then=Value(True)), default=Value(False), output_field=BooleanField()
            )
        )
        .select_related("user", "organisation")
        .order_by("-open_count", "user__last_name", "id")
    )
