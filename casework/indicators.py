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

from dateutil.relativedelta import relativedelta
from django.db.models import (
    Avg,
    Case,
    Count,
    DateField,
    F,
    Func,
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
from django.utils.translation import ngettext

from casework.enums import EXIT_TO_JOB_OR_TRAINING, ContactOutcome, PathwayState, TrackKind
from casework.models import Contact, Contract, EntryFact, IndicatorFactsState, Pathway, Track, TransitionLog
from casework.vendor_sql import json_list_contains

ENTRY_TRANSITIONS = ("enter", "reopen")
ORIENTATION_DAYS = 42  # 6 weeks (law, CASF D262-65-2)
ASSIGNMENT_DAYS = 7
FIRST_APPOINTMENT_DAYS = 15
CONTRACT_MONTHS = 1  # law, décret 2024-1244

OK = "ok"
NA = "n/a"

LIVE = "live"  # from the journal, contacts and contracts (exact to the second, slow at scale)
FACTS = "facts"  # from EntryFact, as of its last refresh (same definitions, fast)
AUTO = "auto"  # facts once they have been refreshed, else live


# --- portable date arithmetic (PostgreSQL and SQLite) ------------------------------------
class DaysBetween(Func):
    """Whole days from `start` to `end` (end - start), as an integer."""

    output_field = IntegerField()

    def __init__(self, end, start):
        super().__init__(end, start)

    def as_sql(self, compiler, conn, **extra):  # PostgreSQL: date - date is an integer
        return self.as_sql_template(compiler, conn, "(%(expressions)s)", " - ")

    def as_sqlite(self, compiler, conn, **extra):
        return self.as_sql_template(compiler, conn, "CAST(julianday(%(expressions)s) AS INTEGER)", ") - julianday(")

    def as_sql_template(self, compiler, conn, template, arg_joiner):
        return super().as_sql(compiler, conn, template=template, arg_joiner=arg_joiner)


class AddMonths(Func):
    """`date` plus `months` calendar months, clamped to the end of the month (31/01 + 1 = 28/02)."""

    output_field = DateField()

    def __init__(self, expression, months: int):
        self.months = int(months)
        super().__init__(expression)

    def as_sql(self, compiler, conn, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(({sql} + INTERVAL '{self.months} months') AS date)", params

    def as_sqlite(self, compiler, conn, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        m = self.months
        return (
            f"MIN(date({sql}, '+{m} months'), date({sql}, 'start of month', '+{m + 1} months', '-1 day'))",
            params * 2,
        )


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
    as_of = f.as_of
    after = as_of + dt.timedelta(days=1)
    entries = _cohort_filter(
        TransitionLog.objects.filter(transition__in=ENTRY_TRANSITIONS),
        f,
        pathways,
        entered_on="occurred_on",
        territory_id="pathway__territory_id",
    )

    logs = TransitionLog.objects.all()
    next_entry = logs.filter(
        Q(occurred_on__gt=OuterRef("occurred_on")) | Q(occurred_on=OuterRef("occurred_on"), id__gt=OuterRef("id")),
        pathway_id=OuterRef("pathway_id"),
        transition__in=ENTRY_TRANSITIONS,
        occurred_on__lte=as_of,
    )
    # Each entry owns its pathway's events until the next entry. Reopenings are rare: when the
    # cohort has none, the bound is the constant `as_of + 1` and the per-row lookup is skipped.
    reopened = logs.filter(transition="reopen", occurred_on__lte=as_of, pathway_id__in=entries.values("pathway_id"))
    if reopened.exists():
        end_on = Coalesce(_first(next_entry, "occurred_on"), Value(after), output_field=DateField())
    else:
        end_on = Value(after, output_field=DateField())
    entries = entries.annotate(entry_on=F("occurred_on"), end_on=end_on)
    orient = _window(logs.filter(transition="orient"), "occurred_on")
    entries = entries.annotate(
        oriented_on=_first(orient, "occurred_on"),
        orient_track=_first(
            orient.annotate(t=Cast(KeyTextTransform("track", "params"), IntegerField())), "occurred_on", "t"
        ),
        orient_org=_first(
            orient.annotate(o=Cast(KeyTextTransform("organisation", "params"), IntegerField())), "occurred_on", "o"
        ),
    )
    if f.organisation_id:
        entries = entries.filter(orient_org=f.organisation_id)
    assign = _window(logs.filter(transition="assign_referent"), "occurred_on")
    request = _window(logs.filter(transition="request_reorientation"), "occurred_on")
    entries = entries.annotate(
        assigned_on=_first(assign, "occurred_on"),
        contract_on=_first(_window(Contract.objects.all(), "signed_on"), "signed_on"),
        reorientation_requested_on=_first(request, "occurred_on"),
        exited_on=_first(_window(logs.filter(to_state=PathwayState.CLOSED), "occurred_on"), "occurred_on"),
        exit_to_job_on=_first(
            _window(
                logs.filter(
                    Q(transition="end_followup", to_state=PathwayState.CLOSED)
                    | Q(transition="close", params__close_reason__in=list(EXIT_TO_JOB_OR_TRAINING))
                ),
                "occurred_on",
            ),
            "occurred_on",
        ),
        reoriented_on=_first(
            _window(logs.filter(transition="decide_reorientation", params__accepted=True), "occurred_on"),
            "occurred_on",
        ),
    )
    entries = entries.annotate(
        orientation_days=DaysBetween(F("oriented_on"), F("entry_on")),
        orientation_1_month_on=AddMonths(F("oriented_on"), CONTRACT_MONTHS),
        first_held_on=_first(
            _window(Contact.objects.filter(outcome=ContactOutcome.HELD), "occurred_on", start_ref="assigned_on"),
            "occurred_on",
        ),
        reorientation_decided_on=_first(
            _window(logs.filter(transition="decide_reorientation"), "occurred_on", "reorientation_requested_on"),
            "occurred_on",
        ),
    )
    return entries.annotate(
        first_appointment_days=DaysBetween(F("first_held_on"), F("assigned_on")),
        reorientation_days=DaysBetween(F("reorientation_decided_on"), F("reorientation_requested_on")),
    )


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


def _median(entries: QuerySet, field: str, count: int) -> float | None:
    """The median of an integer annotation, read as the one or two middle rows of an ORDER BY."""
    if not count:
        return None
    middle = (count - 1) // 2
    values = list(
        entries.filter(**{f"{field}__isnull": False})
        .order_by(field)
        .values_list(field, flat=True)[middle : middle + 2]
    )
    if count % 2 == 1:
        return float(values[0])
    return (values[0] + values[1]) / 2


# --- results ---------------------------------------------------------------------------------
def _d(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _rate(num: int, den: int) -> float | None:
    return round(100 * num / den, 1) if den else None


def _result(value, numerator, denominator, status=OK, reason="") -> dict:
    if status == OK and denominator == 0:
        status, reason, value = NA, "Aucune personne concernée dans la cohorte.", None
    if status == NA:
        value = None
    return {"value": value, "numerator": numerator, "denominator": denominator, "status": status, "reason": reason}


def _completeness(as_of: dt.date, steps: list[tuple[dt.date | None, dt.date | None, str]]) -> str:
    """The reason the cohort has not had every delay yet, or "" when it has.

    Each step is (last start date in the cohort, the end of its full delay, label).
    """
    for last_start, full_on, label in steps:
        if last_start is not None and full_on is not None and full_on > as_of:
            return (
                f"Délai non écoulé pour toute la cohorte : {label} le {_d(last_start)} n'aura eu "
                f"son délai complet que le {_d(full_on)} (calcul au {_d(as_of)})."
            )
    return ""


def _plus_days(day: dt.date | None, n: int) -> dt.date | None:
    return day + dt.timedelta(days=n) if day else None


def _plus_months(day: dt.date | None, n: int) -> dt.date | None:
    return day + relativedelta(months=n) if day else None


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
    a = _aggregate(entries, social_ids)
    n = a["members"]

    orientation_steps = [(a["last_entry"], _plus_days(a["last_entry"], ORIENTATION_DAYS), "la dernière entrée")]
    orientation_wait = _completeness(as_of, orientation_steps)
    contract_wait = _completeness(
        as_of,
        [
            *orientation_steps,
            (a["last_oriented"], _plus_months(a["last_oriented"], CONTRACT_MONTHS), "la dernière orientation"),
        ],
    )
    appointment_wait = _completeness(
        as_of,
        [
            *orientation_steps,
            (a["last_oriented"], _plus_days(a["last_oriented"], ASSIGNMENT_DAYS), "la dernière orientation"),
            (a["last_assigned"], _plus_days(a["last_assigned"], FIRST_APPOINTMENT_DAYS), "la dernière désignation"),
        ],
    )
    by_org = (
        "Non calculable par organisation : les personnes non orientées n'appartiennent à aucune organisation."
        if organisation_id
        else ""
    )

    def delay(value, num, den, wait):
        return _result(value, num, den, NA if wait else OK, wait)

    out: dict[str, dict] = {}
    out["cohort_size"] = _result(n, n, n)
    if by_org:
        out["orientation_rate"] = _result(None, a["oriented"], n, NA, by_org)
        out["oriented_within_6_weeks"] = _result(None, a["oriented_6w"], n, NA, by_org)
    else:
        out["orientation_rate"] = _result(_rate(a["oriented"], n), a["oriented"], n)
        out["oriented_within_6_weeks"] = delay(_rate(a["oriented_6w"], n), a["oriented_6w"], n, orientation_wait)
    avg = a["orientation_days_avg"]
    out["days_to_orientation_mean"] = delay(
        round(float(avg), 1) if avg is not None else None,
        a["orientation_days_sum"] or 0,
        a["oriented"],
        orientation_wait,
    )
    median_wait = orientation_wait
    median = None if median_wait or not a["oriented"] else _median(entries, "orientation_days", a["oriented"])
    out["days_to_orientation_median"] = delay(median, None, a["oriented"], median_wait)
    out["social_track_share"] = _result(_rate(a["social"], a["oriented"]), a["social"], a["oriented"])
    out["contract_rate"] = _result(_rate(a["contracted"], n), a["contracted"], n)
    out["contract_within_1_month"] = delay(_rate(a["contracted_1m"], n), a["contracted_1m"], n, contract_wait)
    out["reorientation_rate"] = _result(_rate(a["reoriented"], a["oriented"]), a["reoriented"], a["oriented"])
    reorientation_wait = (
        ngettext(
            "%(n)d demande de réorientation sans décision au %(day)s : ",
            "%(n)d demandes de réorientation sans décision au %(day)s : ",
            a["reorientation_pending"],
        )
        % {"n": a["reorientation_pending"], "day": _d(as_of)}
        + "la durée moyenne ne sera connue qu'une fois toutes décidées."
        if a["reorientation_pending"]
        else ""
    )
    decided = a["reorientation_decided"]
    out["reorientation_decision_days_mean"] = delay(
        round(a["reorientation_days_sum"] / decided, 1) if decided else None,
        a["reorientation_days_sum"] or 0,
        decided,
        reorientation_wait,
    )
    out["first_appointment_within_15_days"] = delay(_rate(a["first_15d"], n), a["first_15d"], n, appointment_wait)
    held = a["first_held"]
    out["days_to_first_appointment_mean"] = delay(
        round(a["first_days_sum"] / held, 1) if held else None, a["first_days_sum"] or 0, held, appointment_wait
    )
    out["exits_to_job_or_training"] = _result(_rate(a["exited_to_job"], a["exited"]), a["exited_to_job"], a["exited"])
    for code, result in out.items():
        result.update(DEFINITIONS[code].meta())
        result.update(freshness)
    return out


# --- written definitions (help page, CSV header, API) ---------------------------------------
@dataclass(frozen=True)
class Definition:
    label: str
    unit: str  # "%", "jours", "personnes"
    numerator: str
    denominator: str
    delay: str = ""  # the cohort rule, for delay indicators
    reference: float | None = None  # seed (Deux-Sèvres)
    reference_label: str = ""
    national: float | None = None

    def meta(self) -> dict:
        return {
            "label": self.label,
            "unit": self.unit,
            "reference": self.reference,
            "reference_label": self.reference_label,
            "national": self.national,
        }


SEED = "PTI Deux-Sèvres (bilan 2014-2020)"
COHORT = "les entrées de la période (ouverture de droits ou réouverture) effectives au plus tard à la date de calcul"

DEFINITIONS: dict[str, Definition] = {
    "cohort_size": Definition(
        "Entrées dans la cohorte",
        "personnes",
        "Nombre d'entrées (une personne entrée deux fois compte deux fois).",
        f"Idem : {COHORT}.",
    ),
    "orientation_rate": Definition(
        "Taux d'orientation",
        "%",
        "Entrées ayant reçu une décision d'orientation effective au plus tard à la date de calcul.",
        f"Toutes {COHORT}, y compris les personnes jamais orientées.",
        reference=91,
        reference_label=SEED,
        national=82,
    ),
    "oriented_within_6_weeks": Definition(
        "Orientés dans les 6 semaines",
        "%",
        "Entrées orientées au plus tard 42 jours calendaires après l'entrée.",
        f"Toutes {COHORT}, y compris les personnes jamais orientées.",
        delay="n.d. tant que la dernière entrée de la cohorte n'a pas 42 jours.",
    ),
    "days_to_orientation_mean": Definition(
        "Délai moyen entrée → orientation",
        "jours",
        "Somme des jours calendaires entre l'entrée et la première décision d'orientation.",
        "Entrées orientées (la valeur est la moyenne ; les personnes non orientées n'ont pas de délai).",
        delay="n.d. tant que la dernière entrée de la cohorte n'a pas 42 jours.",
        reference=81,
        reference_label=SEED,
        national=95,
    ),
    "days_to_orientation_median": Definition(
        "Délai médian entrée → orientation",
        "jours",
        "Médiane des jours entre l'entrée et la première décision d'orientation (moyenne des deux valeurs du "
        "milieu pour un effectif pair).",
        "Entrées orientées.",
        delay="n.d. tant que la dernière entrée de la cohorte n'a pas 42 jours.",
    ),
    "social_track_share": Definition(
        "Part des orientations vers un parcours social",
        "%",
        "Entrées dont la première décision d'orientation désigne un parcours de dominante sociale.",
        "Entrées orientées (répartition des décisions d'orientation).",
        reference=71,
        reference_label=SEED,
        national=53,
    ),
    "contract_rate": Definition(
        "Taux de contractualisation",
        "%",
        "Entrées ayant au moins un contrat (CER, PPAE, contrat d'engagement) signé au plus tard à la date de calcul.",
        f"Toutes {COHORT}, y compris les personnes jamais orientées. (Le PTI rapporte 59 % des personnes "
        "orientées vers un autre organisme que Pôle emploi : filtrez par organisation pour comparer.)",
        reference=59,
        reference_label=SEED,
        national=50,
    ),
    "contract_within_1_month": Definition(
        "Contrat signé dans le mois suivant l'orientation",
        "%",
        "Entrées orientées dont le premier contrat est signé au plus tard un mois calendaire après la première "
        "décision d'orientation (31 janvier + 1 mois = 28 ou 29 février).",
        f"Toutes {COHORT}, y compris les personnes jamais orientées.",
        delay="n.d. tant que la dernière entrée n'a pas 42 jours et que la dernière orientation n'a pas un mois.",
    ),
    "reorientation_rate": Definition(
        "Taux de réorientation",
        "%",
        "Entrées orientées ayant eu une réorientation acceptée au plus tard à la date de calcul.",
        "Entrées orientées.",
        reference=6,
        reference_label=SEED,
    ),
    "reorientation_decision_days_mean": Definition(
        "Délai moyen demande de réorientation → décision",
        "jours",
        "Somme des jours entre la première demande de réorientation de l'entrée et la décision qui la suit.",
        "Demandes décidées (la valeur est la moyenne).",
        delay="n.d. tant qu'une demande de réorientation de la cohorte attend sa décision.",
    ),
    "first_appointment_within_15_days": Definition(
        "Premier rendez-vous dans les 15 jours",
        "%",
        "Entrées dont le premier contact honoré a eu lieu au plus tard 15 jours après la désignation du référent.",
        f"Toutes {COHORT}, y compris les personnes jamais orientées.",
        delay="n.d. tant que la dernière entrée n'a pas 42 jours, la dernière orientation 7 jours et la "
        "dernière désignation 15 jours.",
    ),
    "days_to_first_appointment_mean": Definition(
        "Délai moyen désignation → premier rendez-vous",
        "jours",
        "Somme des jours entre la désignation du référent et le premier contact honoré qui la suit.",
        "Entrées ayant eu ce premier rendez-vous (la valeur est la moyenne).",
        delay="Même règle que le premier rendez-vous dans les 15 jours.",
    ),
    "exits_to_job_or_training": Definition(
        "Sorties vers l'emploi ou la formation",
        "%",
        "Sorties (parcours clos) pour emploi durable ou formation qualifiante, y compris la fin d'un "
        "accompagnement dans l'emploi jugé durable.",
        "Entrées dont le parcours est clos au plus tard à la date de calcul (accompagnements terminés).",
        reference=53,
        reference_label="ASPIR 2020 (PTI Deux-Sèvres)",
    ),
}

INDICATOR_CODES = list(DEFINITIONS)
