"""Refresh of the overdue board's summary (`BoardCount`), set-based, in one transaction.

The rows are the live count of `casework.board.open_due_by` over every pathway — the query
the board runs live, grouped by rule × territory × organisation × referent — written with one
`INSERT … SELECT … GROUP BY` after deleting the previous day's (or run's) rows: the definitions
("overdue" = open and due before `today`, "due soon" = due from `today` to `today + 7`) live
in one place and the summary cannot drift from them.

The deadline sweep calls it after each run (`notifications.tasks.sweep_deadlines_task`), and
`manage.py refresh_board_summary` replays it. Idempotent: a re-run rewrites the same rows.
The state row is locked for the transaction, so two refreshes never interleave; readers see
the previous summary until the new one commits (they never see a half-written one).
"""

from __future__ import annotations

import datetime as dt
import time

from django.db import connection, transaction

from casework import board
from casework.models import BoardCount, BoardSummaryState, Pathway
from casework.vendor_sql import set_local

KEYS = {  # BoardCount column <- column of `open_due_by`'s SELECT
    "rule_code": "deadlines__rule_code",
    "territory_id": "territory_id",
    "organisation_id": "organisation_id",
    "referent_id": "referent_id",
    "overdue": "overdue",
    "due_soon": "due_soon",
}


def board_summary_refresh(*, today: dt.date, now: dt.datetime, soon_days: int = board.SOON_DAYS) -> dict:
    """Rebuild the board's counts for `today`; `now` is recorded as the figures' time."""
    started = time.perf_counter()
    counts = board.open_due_by(
        Pathway.objects.all(),
        today,
        soon_days,
        "deadlines__rule_code",
        "territory_id",
        "organisation_id",
        "referent_id",
    )
    select_sql, params = counts.query.sql_with_params()
    q = connection.ops.quote_name
    table = BoardCount._meta.db_table
    insert = (
        f"INSERT INTO {table} ({q('computed_for')}, {', '.join(q(c) for c in KEYS)}) "
        f"SELECT %s, {', '.join('src.' + q(c) for c in KEYS.values())} FROM ({select_sql}) src"
    )
    with transaction.atomic():
        BoardSummaryState.objects.get_or_create(pk=1)
        state = BoardSummaryState.objects.select_for_update().get(pk=1)
        set_local("jit", "off")  # an aggregate overestimated, compiled for nothing (docs/bench.md)
        with connection.cursor() as cur:
            cur.execute(f"DELETE FROM {table}")
            cur.execute(insert, [today, *params])
            rows = cur.rowcount
        state.computed_for, state.computed_at, state.soon_days, state.rows = today, now, soon_days, rows
        state.duration_ms = round((time.perf_counter() - started) * 1000, 1)
        state.save()
    return {"today": today.isoformat(), "rows": rows, "ms": state.duration_ms}
