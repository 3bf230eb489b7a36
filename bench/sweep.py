"""Measure 1: the deadline sweep beside one raw SQL statement doing the same writes.

(a) first run (creates the alerts and their notifications) vs the raw twin;
(b) idempotent re-run (nothing new) vs the read floor (the SELECT that finds the due ones);
(c) the first run again on a later day with about 10x as many due deadlines (linearity).

Between timed runs the alerts and notifications created by the previous run are deleted
(by id watermark) and the two tables vacuumed, untimed, so each run starts from the same rows.
E-mail dispatch to the broker is suppressed (`outbox.dispatch_suppressed`): the sweep's
database work is measured, not Redis round-trips.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone

from notifications.services import messages, outbox
from notifications.services.alerts import alerts_resolve_stale
from notifications.services.sweep import sweep_deadlines

from .util import median_ms, ratio

# Every level whose day lies from the deadline's `next_alert_on` to today, as the sweep fires them
# (a clock found late fires each skipped level once; the levels before `next_alert_on` have fired).
LEVEL_SQL = """
SELECT d.id, d.pathway_id, d.rule_code, d.due_on, '{level}'::varchar AS level, r.{role} AS role
FROM casework_deadline d JOIN casework_delayrule r ON r.id = d.rule_id
WHERE d.status = 'open' AND d.next_alert_on <= %(today)s AND d.{field} <= %(today)s AND d.{field} >= d.next_alert_on
  AND NOT EXISTS (SELECT 1 FROM notifications_alert a WHERE a.deadline_id = d.id AND a.level = '{level}')
"""
LEVELS = [
    ("due_soon", "due_soon_alert_on", "due_soon_recipient"),
    ("due", "due_alert_on", "due_recipient"),
    ("overdue", "overdue_alert_on", "overdue_recipient"),
]
DUE_SQL = "\nUNION ALL\n".join(LEVEL_SQL.format(level=level, field=field, role=role) for level, field, role in LEVELS)
# The read floor: the one SELECT that finds the deadlines owing an alert (the anti-join per level).
FLOOR_SQL = f"SELECT id FROM ({DUE_SQL}) due"  # noqa: S608 - constant
# The literal floor: open deadlines whose due date has come.
FLOOR_LITERAL_SQL = "SELECT id FROM casework_deadline WHERE status = 'open' AND due_on <= %(today)s"
COUNT_SQL = f"SELECT count(*) FROM ({DUE_SQL}) due"  # noqa: S608 - constant

# The raw twin: the same rows as the sweep (one alert per deadline and level, one notification
# per alert for its recipient), in one statement. Recipients are simplified (the referent, else
# the organisation's team lead, else a Département lead or officer of the territory).
RAW_TWIN_SQL = f"""
WITH due AS ({DUE_SQL}),
rcpt AS (
  SELECT due.*, p.organisation_id,
    CASE
      WHEN COALESCE(NULLIF(due.role, ''), 'referent') = 'referent' AND p.referent_id IS NOT NULL THEN p.referent_id
      WHEN due.role = 'incoming_referent' AND p.handover_to_id IS NOT NULL THEN p.handover_to_id
      ELSE COALESCE(
        (SELECT min(pr.id) FROM casework_professional pr
          WHERE pr.organisation_id = p.organisation_id AND pr.is_team_lead),
        (SELECT min(pr.id) FROM casework_professional pr
          JOIN casework_organisation o ON o.id = pr.organisation_id
          JOIN casework_organisation_territories ot ON ot.organisation_id = o.id
          WHERE ot.territory_id = p.territory_id AND o.kind = 'departement'
            AND (pr.is_team_lead OR pr.is_orientation_officer)))
    END AS recipient_id
  FROM due JOIN casework_pathway p ON p.id = due.pathway_id
),
ins AS (
  INSERT INTO notifications_alert (deadline_id, pathway_id, rule_code, level, due_on, recipient_role,
                                   recipient_id, recipient_organisation_id, status, created_at)
  SELECT id, pathway_id, rule_code, level, due_on, COALESCE(NULLIF(role, ''), 'referent'), recipient_id,
         organisation_id, 'open', %(now)s
  FROM rcpt
  ON CONFLICT (deadline_id, level) DO NOTHING
  RETURNING id, pathway_id, recipient_id
),
notes AS (
  INSERT INTO notifications_notification (recipient_id, to_email, event, alert_id, pathway_id, subject, body,
                                          link, created_at, email_status, email_attempts, last_error)
  SELECT recipient_id, '', 'alert', id, pathway_id, 'Orientation à décider au plus tard aujourd''hui',
         'Parcours n° ' || pathway_id || ' : une échéance.', '/parcours/' || pathway_id || '/',
         %(now)s, 'pending', 0, ''
  FROM ins WHERE recipient_id IS NOT NULL
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM notes)
"""


def _fetch(sql: str, params: dict) -> list:
    """Run one statement in its own transaction, JIT off as in the sweep (same server settings)."""
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET LOCAL jit = off")
        cur.execute(sql, params)
        return cur.fetchall()


def _scalar(sql: str, params: dict | None = None):
    with connection.cursor() as cur:
        cur.execute(sql, params or {})
        return cur.fetchone()[0]


class Watermark:
    """Deletes what a run created (ids above the marks), so the next run starts from the same rows."""

    def __init__(self):
        self.alert = _scalar("SELECT COALESCE(max(id), 0) FROM notifications_alert")
        self.note = _scalar("SELECT COALESCE(max(id), 0) FROM notifications_notification")
        # The sweep moves each fired deadline's `next_alert_on` on: keep the starting values.
        with connection.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_next_alert")
            cur.execute(
                "CREATE TEMP TABLE bench_next_alert AS "
                "SELECT id, next_alert_on FROM casework_deadline WHERE status = 'open'"
            )
            cur.execute("CREATE UNIQUE INDEX ON bench_next_alert (id)")

    def created(self) -> tuple[int, int]:
        return (
            _scalar("SELECT count(*) FROM notifications_alert WHERE id > %s", [self.alert]),
            _scalar("SELECT count(*) FROM notifications_notification WHERE id > %s", [self.note]),
        )

    def reset(self, vacuum: bool = True) -> None:
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(
                "DELETE FROM notifications_notification WHERE id > %s OR alert_id > %s", [self.note, self.alert]
            )
            cur.execute("DELETE FROM notifications_alert WHERE id > %s", [self.alert])
            cur.execute(
                "UPDATE casework_deadline d SET next_alert_on = b.next_alert_on FROM bench_next_alert b "
                "WHERE b.id = d.id AND d.next_alert_on IS DISTINCT FROM b.next_alert_on"
            )
        if vacuum and connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cur:
                cur.execute("VACUUM ANALYZE notifications_alert, notifications_notification, casework_deadline")


def at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(8, 0)))


def run_sweep(now: dt.datetime) -> dict:
    """The sweep as beat runs it every 15 minutes (the stale-alert check is its own hourly task)."""
    with outbox.dispatch_suppressed():
        return sweep_deadlines(now=now, resolve_stale=False)


def raw_twin(now: dt.datetime) -> tuple[int, int]:
    alerts, notes = _fetch(RAW_TWIN_SQL, {"today": timezone.localdate(now), "now": now})[0]
    return alerts, notes


def due_count(day: dt.date) -> int:
    return _scalar(COUNT_SQL, {"today": day})


def later_day_with(target: int, start: dt.date, max_days: int = 90) -> dt.date | None:
    """The first day after `start` on which at least `target` deadlines owe an alert."""
    for k in range(1, max_days + 1):
        day = start + dt.timedelta(days=k)
        if due_count(day) >= target:
            return day
    return None


def _created(result: dict) -> int:
    return sum(result.get(k, 0) for k in ("due_soon", "due", "overdue"))


def measure(today: dt.date, *, runs: int) -> dict:
    mark = Watermark()
    mark.reset()
    now = at(today)
    messages.pathway_link(1)  # a warm worker: the URL resolver is built once per process
    due_today = due_count(today)
    out: dict = {"today": today.isoformat(), "due_deadline_levels": due_today}
    out["open_deadlines"] = _scalar("SELECT count(*) FROM casework_deadline WHERE status = 'open'")

    # (a) first run vs the raw twin ---------------------------------------------------------
    first = median_ms(lambda: run_sweep(now), runs, before=mark.reset)
    sweep_alerts, sweep_notes = mark.created()
    twin = median_ms(lambda: raw_twin(now), runs, before=mark.reset)
    twin_alerts, twin_notes = twin["result"]
    out["first_run"] = {
        "sweep_ms": first["ms"],
        "raw_sql_ms": twin["ms"],
        "ratio": ratio(first["ms"], twin["ms"]),
        "target_ratio_max": 2,
        "sweep_alerts": sweep_alerts,
        "sweep_notifications": sweep_notes,
        "raw_alerts": twin_alerts,
        "raw_notifications": twin_notes,
        "alerts_match": sweep_alerts == twin_alerts,
        "sweep_result": {k: v for k, v in first["result"].items() if isinstance(v, int)},
        "samples_ms": {"sweep": first["samples_ms"], "raw": twin["samples_ms"]},
    }
    out["idempotent_rerun"] = _idempotent_rerun(mark, now, today, runs)
    out["stale_alert_check"] = _stale_alert_check(now, runs)
    out["ten_x"] = _ten_x(mark, today, due_today, first, twin, runs)
    mark.reset()
    return out


def _idempotent_rerun(mark: Watermark, now: dt.datetime, today: dt.date, runs: int) -> dict:
    """(b) idempotent re-run vs the read floor."""
    mark.reset()
    run_sweep(now)
    rerun = median_ms(lambda: run_sweep(now), runs)
    floor = median_ms(lambda: _fetch(FLOOR_SQL, {"today": today}), runs)
    literal = median_ms(lambda: _fetch(FLOOR_LITERAL_SQL, {"today": today}), runs)
    return {
        "sweep_ms": rerun["ms"],
        "read_floor_ms": floor["ms"],
        "ratio": ratio(rerun["ms"], floor["ms"]),
        "target_ratio_max": 8,
        "created_on_rerun": _created(rerun["result"]),
        "read_floor_rows": len(floor["result"]),
        "literal_floor_ms": literal["ms"],
        "literal_floor_rows": len(literal["result"]),
        "samples_ms": {"sweep": rerun["samples_ms"], "floor": floor["samples_ms"]},
    }


def _stale_alert_check(now: dt.datetime, runs: int) -> dict:
    """The hourly stale-alert safety net, measured on its own (it reads every open alert)."""
    stale = median_ms(lambda: alerts_resolve_stale(now=now), runs)
    return {
        "ms": stale["ms"],
        "open_alerts": _scalar("SELECT count(*) FROM notifications_alert WHERE status = 'open'"),
        "schedule": "hourly beat task, not part of the 15-minute sweep",
    }


def _ten_x(mark: Watermark, today: dt.date, due_today: int, first: dict, twin: dict, runs: int) -> dict:
    """(c) 10x the due deadlines."""
    mark.reset()
    day10 = later_day_with(10 * max(due_today, 1), today)
    if day10 is None:
        return {"status": "no later day with 10x the due deadlines"}
    due10 = due_count(day10)
    big = median_ms(lambda: run_sweep(at(day10)), runs, before=mark.reset)
    big_twin = median_ms(lambda: raw_twin(at(day10)), runs, before=mark.reset)
    return {
        "day": day10.isoformat(),
        "due_deadline_levels": due10,
        "due_ratio": ratio(due10, due_today),
        "sweep_ms": big["ms"],
        "time_ratio": ratio(big["ms"], first["ms"]),
        "target_time_ratio_max": 12,
        "raw_sql_ms": big_twin["ms"],
        "raw_time_ratio": ratio(big_twin["ms"], twin["ms"]),
        "sweep_vs_raw": ratio(big["ms"], big_twin["ms"]),
        "created": _created(big["result"]),
    }
