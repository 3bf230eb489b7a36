"""Refresh of the per-entry indicator facts (`EntryFact`), set-based and incremental.

The facts are the live cohort query of `casework.indicators.cohort_entries` evaluated once
with an unbounded `as_of` (each entry's first event dates over its whole window), written
with one `INSERT … SELECT … ON CONFLICT (entry_log_id) DO UPDATE` per chunk of pathways:
the definitions live in one place, and the facts cannot drift from the live computation.

Incremental: only the pathways touched since the last refresh are recomputed — a journal,
contact or contract row above the previous watermark (ids, with an overlap for transactions
that committed out of order), or a pathway whose `updated_at` moved (territory, …).
Idempotent: a re-run with nothing new rewrites nothing; re-running over the same pathways
writes the same rows. The refresh runs in one transaction holding the state row, so two
refreshes never interleave; the facts then hold everything committed before `refreshed_at`.
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction
from django.db.models import F, Max

from casework.indicators import Filters, cohort_entries
from casework.models import Contact, Contract, EntryFact, IndicatorFactsState, Pathway, TransitionLog

UNBOUNDED = dt.date(9999, 12, 30)  # `as_of` for the facts: every event of the entry's window
ID_OVERLAP = 1_000  # ids allocated by transactions still in flight at the last refresh
TIME_OVERLAP = dt.timedelta(minutes=5)
CHUNK = 5_000  # pathways per INSERT … SELECT

# EntryFact column <- cohort_entries annotation
COLUMNS = {
    "entry_log_id": F("id"),
    "pathway_id": F("pathway_id"),
    "territory_id": F("pathway__territory_id"),
    "entered_on": F("entry_on"),
    "first_oriented_on": F("oriented_on"),
    "first_orient_track_id": F("orient_track"),
    "first_orient_organisation_id": F("orient_org"),
    "first_assigned_on": F("assigned_on"),
    "first_held_contact_on": F("first_held_on"),
    "first_contract_on": F("contract_on"),
    "first_reorientation_request_on": F("reorientation_requested_on"),
    "first_reorientation_decision_on": F("reorientation_decided_on"),
    "first_reoriented_on": F("reoriented_on"),
    "first_exit_on": F("exited_on"),
    "first_exit_to_job_on": F("exit_to_job_on"),
}


def _upsert(pathway_ids: list[int] | None, now: dt.datetime) -> int:
    """Write the facts of these pathways' entries (None: every pathway); returns rows written."""
    scope = None if pathway_ids is None else Pathway.objects.filter(pk__in=pathway_ids)
    entries = cohort_entries(Filters(as_of=UNBOUNDED), scope)
    aliases = {f"fact_{col}": expr for col, expr in COLUMNS.items()}
    select_sql, params = entries.annotate(**aliases).values(*aliases).order_by().query.sql_with_params()
    table = EntryFact._meta.db_table
    cols = [*COLUMNS, "refreshed_at"]
    q = connection.ops.quote_name
    sql = (
        f"INSERT INTO {table} ({', '.join(q(c) for c in cols)}) "
        f"SELECT {', '.join(q(a) for a in aliases)}, %s FROM ({select_sql}) src WHERE true "
        f"ON CONFLICT ({q('entry_log_id')}) DO UPDATE SET "
        + ", ".join(f"{q(c)} = excluded.{q(c)}" for c in cols if c != "entry_log_id")
    )
    with connection.cursor() as cur:
        cur.execute(sql, [now, *params])
        return cur.rowcount


def _max_id(model) -> int:
    return model.objects.aggregate(m=Max("id"))["m"] or 0


def _touched_pathways(state: IndicatorFactsState) -> set[int]:
    ids: set[int] = set()
    for model, watermark in (
        (TransitionLog, state.log_watermark),
        (Contact, state.contact_watermark),
        (Contract, state.contract_watermark),
    ):
        ids.update(model.objects.filter(id__gt=watermark - ID_OVERLAP).values_list("pathway_id", flat=True))
    ids.update(Pathway.objects.filter(updated_at__gte=state.refreshed_at - TIME_OVERLAP).values_list("pk", flat=True))
    return ids


def facts_refresh(*, now: dt.datetime, full: bool = False) -> dict:
    """Bring `EntryFact` up to date; `full` (or a first run) recomputes every entry."""
    started = time.perf_counter()
    with transaction.atomic():
        IndicatorFactsState.objects.get_or_create(pk=1)
        state = IndicatorFactsState.objects.select_for_update().get(pk=1)
        marks = (_max_id(TransitionLog), _max_id(Contact), _max_id(Contract))
        if full or state.refreshed_at is None:
            mode, pathways = "full", None
            written = _upsert(None, now)
        else:
            mode = "incremental"
            pathways = sorted(_touched_pathways(state))
            written = sum(_upsert(pathways[i : i + CHUNK], now) for i in range(0, len(pathways), CHUNK))
        state.refreshed_at = now
        state.log_watermark, state.contact_watermark, state.contract_watermark = marks
        state.entries_refreshed = written
        state.duration_ms = round((time.perf_counter() - started) * 1000, 1)
        state.save()
    return {
        "mode": mode,
        "pathways": None if pathways is None else len(pathways),
        "entries": written,
        "ms": state.duration_ms,
    }
