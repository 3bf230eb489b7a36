"""Deadline rows: open, meet, cancel, restart, pause and resume them.

Called by the transition service and by event services (contact recorded, contract
signed...), inside their transaction. Each function takes the effective date of the event
(`on`, `starts_on`): nothing here reads the clock, so any day can be replayed.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

from casework.context import bound
from casework.enums import DeadlineStatus, RuleCode
from casework.models import Deadline, DelayRule, Pathway
from casework.models.rules import rule_pick
from casework.services.calendar import add_duration, alert_day
from casework.statements import DEADLINES_LIVE, RowsInsert, RowsSelect, deadlines_close
from casework.vendor_sql import rows_copy

LIVE = list(DEADLINES_LIVE)
# ASPIR (seed): a weekly interview for the first two months, then every 15 days.
ASPIR_WEEKLY_PHASE_MONTHS = 2
ASPIR_LATER_INTERVAL_DAYS = 15
# In-work follow-up check-ins, in months after the job start (seed: 1, 3 and 6 months).
IN_WORK_CHECKPOINT_MONTHS = (1, 3, 6)
INSERT_CHUNK = 500  # deadline rows per INSERT of a batch


def _alsace_moselle(pathway: Pathway) -> bool:
    return pathway.territory.alsace_moselle


def _alert_days(rule: DelayRule, due_on: dt.date, *, alsace_moselle: bool) -> dict:
    soon = None
    if rule.due_soon_days is not None and rule.due_soon_recipient:
        soon = alert_day(due_on - dt.timedelta(days=rule.due_soon_days), alsace_moselle=alsace_moselle)
    overdue = None
    if rule.escalation_days is not None and rule.overdue_recipient:
        overdue = alert_day(due_on + dt.timedelta(days=rule.escalation_days), alsace_moselle=alsace_moselle)
        overdue = max(overdue, due_on + dt.timedelta(days=1))
    due = alert_day(due_on, alsace_moselle=alsace_moselle)
    return {
        "due_soon_alert_on": soon,
        "due_alert_on": due,
        "overdue_alert_on": overdue,
        "next_alert_on": soon or due,
    }


# --- the delay-rule table, read once per unit of work -----------------------------------------

_rules_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar("filrouge_delay_rules", default=None)


@contextlib.contextmanager
def delay_rules_cached():
    """Inside the block, the active delay rules are read once (per code) and chosen in memory.

    Opened by the services around one transaction (a transition, a contact, a bulk open), so
    the cache never outlives the unit of work: an administrator's edit is seen by the next
    one, in every process, with no invalidation to get wrong. Nested blocks share the outer one.
    """
    if _rules_scope.get() is not None:
        yield
        return
    with bound(_rules_scope, {}):
        yield


# --- which deadlines left "open" in this unit of work -----------------------------------------

_closed_rows: contextvars.ContextVar[list[int] | None] = contextvars.ContextVar("filrouge_closed_rows", default=None)


@contextlib.contextmanager
def deadlines_closed_counted():
    """Count the deadline rows that stop being open inside the block (met, cancelled, paused,
    restarted). Yields a one-item list holding the count.

    An alert only needs resolving when its deadline stopped being open, so a transition that
    closed nothing (a proposal, a request) skips the alert-resolution statement.
    """
    counter = [0]
    with bound(_closed_rows, counter):
        yield counter


def _closed_add(rows: int) -> int:
    counter = _closed_rows.get()
    if counter is not None:
        counter[0] += rows
    return rows


_ACTIVE_RULES = RowsSelect(DelayRule, where=("code", "is_active"))
_DEADLINE_INSERT = RowsInsert(Deadline)


def rule_in_force_for(code: str, on: dt.date, *, territory_id: int | None, publics) -> DelayRule | None:
    """`DelayRule.objects.in_force`, from the cached table when a `delay_rules_cached` block is open."""
    scope = _rules_scope.get()
    if scope is None:
        return DelayRule.objects.in_force(code, on=on, territory_id=territory_id, publics=publics)
    # The versions of one code, read the first time the unit of work needs that code (a
    # transition opens one or two kinds of clock; a bulk open, a handful).
    versions = scope.setdefault("rules", {}).get(code)
    if versions is None:
        versions = scope["rules"][code] = _ACTIVE_RULES.all(code, True)
    return rule_pick(versions, code, on=on, territory_id=territory_id, publics=publics)


def rule_in_force(pathway: Pathway, code: str, on: dt.date) -> DelayRule | None:
    return rule_in_force_for(code, on, territory_id=pathway.territory_id, publics=pathway.beneficiary.publics)


def compute_due_on(rule: DelayRule, starts_on: dt.date, *, alsace_moselle: bool, extended: bool = False) -> dt.date:
    value = rule.extended_duration_value if extended and rule.extended_duration_value else rule.duration_value
    return add_duration(starts_on, value, rule.duration_unit, alsace_moselle=alsace_moselle)


def deadline_open(
    pathway: Pathway,
    code: str,
    *,
    starts_on: dt.date,
    ref: str = "",
    due_on: dt.date | None = None,
    extended: bool = False,
    restart_status: str = DeadlineStatus.CANCELLED,
    restart: bool = True,
) -> Deadline | None:
    """Open the deadline, or restart the live one of the same rule and ref from `starts_on`.

    The rule version is the one in force on `starts_on` (the day the clock starts). Returns
    None when no rule applies (an administrator deactivated it for this scope).
    `restart=False` when the ref was created in this transaction (a new handover): no live
    row can carry it, so the closing UPDATE is skipped.
    """
    row = _deadline_row(pathway, code, starts_on=starts_on, ref=ref, due_on=due_on, extended=extended)
    if row is None:
        return None
    # A restart closes the live row and opens a new one: alerts are unique per (deadline,
    # level), so the new clock gets its own alerts and the old ones resolve.
    if restart:
        _close(pathway, [code], restart_status, starts_on, ref)
    (deadline,) = _DEADLINE_INSERT.save([row])
    return deadline


def deadlines_open_new(starts: Iterable[tuple[Pathway, dt.date]], code: str) -> list[Deadline]:
    """`deadline_open(pathway, code, starts_on=day, restart=False)` for many pathways created in
    this transaction (a batch of entries), in one INSERT: the same rows, one round trip."""
    rows = [row for pathway, day in starts if (row := _deadline_row(pathway, code, starts_on=day)) is not None]
    # Chunks keep one statement's parameters under SQLite's and PostgreSQL's limits.
    return [d for i in range(0, len(rows), INSERT_CHUNK) for d in _DEADLINE_INSERT.save(rows[i : i + INSERT_CHUNK])]


def _deadline_row(
    pathway: Pathway,
    code: str,
    *,
    starts_on: dt.date,
    ref: str = "",
    due_on: dt.date | None = None,
    extended: bool = False,
) -> Deadline | None:
    """The clock's row, from the rule in force on `starts_on` (None when no rule applies)."""
    rule = rule_in_force(pathway, code, starts_on)
    if rule is None:
        return None
    am = _alsace_moselle(pathway)
    if due_on is None:
        due_on = compute_due_on(rule, starts_on, alsace_moselle=am, extended=extended)
    values = {"rule": rule, "starts_on": starts_on, "due_on": due_on, **_alert_days(rule, due_on, alsace_moselle=am)}
    return Deadline(pathway=pathway, rule_code=code, ref=ref, **values)


def _close(pathway: Pathway, codes: Iterable[str] | None, status: str, on: dt.date, ref: str | None) -> int:
    """Close the pathway's live deadlines (of these codes, of this ref), counted for the alerts."""
    return _closed_add(deadlines_close(pathway.pk, codes, status, on, ref))


def deadline_meet(pathway: Pathway, codes: Iterable[str], *, on: dt.date, ref: str | None = None) -> int:
    return _close(pathway, codes, DeadlineStatus.MET, on, ref)


def deadline_cancel(
    pathway: Pathway, codes: Iterable[str] | None = None, *, on: dt.date, ref: str | None = None
) -> int:
    """Cancel live deadlines (all of them when `codes` is None: the pathway closed)."""
    return _close(pathway, codes, DeadlineStatus.CANCELLED, on, ref)


def deadlines_suspend(pathway: Pathway, *, on: dt.date) -> int:
    """Stop the clocks that depend on the person's availability."""
    return _closed_add(
        Deadline.objects.filter(pathway=pathway, status=DeadlineStatus.OPEN, rule__pauses_when_suspended=True).update(
            status=DeadlineStatus.SUSPENDED, suspended_on=on
        )
    )


def deadlines_resume(pathway: Pathway, *, on: dt.date) -> int:
    """Restart stopped clocks: each due date moves by the length of the suspension.

    The paused row is cancelled and a new one opened, so that its alerts can fire again.
    """
    am = _alsace_moselle(pathway)
    resumed = 0
    for deadline in list(
        Deadline.objects.filter(pathway=pathway, status=DeadlineStatus.SUSPENDED).select_related("rule")
    ):
        paused_days = max((on - (deadline.suspended_on or on)).days, 0)
        due_on = deadline.due_on + dt.timedelta(days=paused_days)
        _closed_add(Deadline.objects.filter(pk=deadline.pk).update(status=DeadlineStatus.CANCELLED, closed_on=on))
        Deadline.objects.create(
            pathway=pathway,
            rule=deadline.rule,
            rule_code=deadline.rule_code,
            ref=deadline.ref,
            starts_on=deadline.starts_on,
            due_on=due_on,
            **_alert_days(deadline.rule, due_on, alsace_moselle=am),
        )
        resumed += 1
    return resumed


def contact_gap_restart(pathway: Pathway, *, held_on: dt.date) -> Deadline | None:
    """A held contact restarts the gap clock — unless a later contact already did (back-dating)."""
    live = Deadline.objects.filter(pathway=pathway, rule_code=RuleCode.CONTACT_GAP, status__in=LIVE).first()
    if live is not None and live.starts_on > held_on:
        return live
    return deadline_open(pathway, RuleCode.CONTACT_GAP, starts_on=held_on, restart_status=DeadlineStatus.MET)


def aspir_next(pathway: Pathway, *, aspir_started_on: dt.date, last_interview_on: dt.date) -> Deadline | None:
    """The next ASPIR interview: weekly for two months, then every 15 days."""
    weekly_until = aspir_started_on + relativedelta(months=ASPIR_WEEKLY_PHASE_MONTHS)
    rule = rule_in_force(pathway, RuleCode.ASPIR_CADENCE, aspir_started_on)
    if rule is None:
        return None
    interval = rule.duration_value if last_interview_on < weekly_until else ASPIR_LATER_INTERVAL_DAYS
    due_on = last_interview_on + dt.timedelta(days=interval)
    return deadline_open(
        pathway, RuleCode.ASPIR_CADENCE, starts_on=last_interview_on, due_on=due_on, restart_status=DeadlineStatus.MET
    )


def in_work_checkins_open(pathway: Pathway, *, job_started_on: dt.date) -> list[Deadline]:
    opened = []
    for months in IN_WORK_CHECKPOINT_MONTHS:
        d = deadline_open(
            pathway,
            RuleCode.IN_WORK_CHECKIN,
            starts_on=job_started_on,
            ref=f"m{months}",
            due_on=job_started_on + relativedelta(months=months),
        )
        if d is not None:
            opened.append(d)
    return opened


# --- many deadlines at once ------------------------------------------------------------------


@dataclass(frozen=True)
class DeadlineToOpen:
    """One deadline for `deadlines_open_bulk`: the pathway facts the rule choice needs, the clock."""

    pathway_id: int
    territory_id: int | None
    publics: tuple[str, ...]
    alsace_moselle: bool
    code: str
    starts_on: dt.date
    ref: str = ""
    due_on: dt.date | None = None
    extended: bool = False


def deadlines_open_bulk(items: Iterable[DeadlineToOpen], *, now: dt.datetime, batch_size: int = 5000) -> int:
    """Open many new deadlines in one pass (imports, a caseload moved, the benchmark): set-based.

    Each row gets exactly what `deadline_open` would give it (the rule in force on its start
    day, its due day, its three alert days), but the rule table is read once, the calendar
    work is memoised per call (the same few hundred days recur), and rows go in by COPY on
    PostgreSQL (batched INSERTs elsewhere). Unlike `deadline_open` it restarts nothing: the
    caller opens new clocks (the partial unique constraint refuses a second live one).
    Returns the number of rows written.
    """
    rules: dict[tuple, DelayRule | None] = {}
    due_days: dict[tuple, dt.date] = {}
    alert_days: dict[tuple, dict] = {}
    rows: list[dict] = []
    with delay_rules_cached():
        for item in items:
            rule_key = (item.code, item.starts_on, item.territory_id, item.publics)
            if rule_key not in rules:
                rules[rule_key] = rule_in_force_for(
                    item.code, item.starts_on, territory_id=item.territory_id, publics=list(item.publics)
                )
            rule = rules[rule_key]
            if rule is None:
                continue
            due_on = item.due_on
            if due_on is None:
                due_key = (rule.pk, item.starts_on, item.alsace_moselle, item.extended)
                if due_key not in due_days:
                    due_days[due_key] = compute_due_on(
                        rule, item.starts_on, alsace_moselle=item.alsace_moselle, extended=item.extended
                    )
                due_on = due_days[due_key]
            alert_key = (rule.pk, due_on, item.alsace_moselle)
            if alert_key not in alert_days:
                alert_days[alert_key] = _alert_days(rule, due_on, alsace_moselle=item.alsace_moselle)
            rows.append(
                {
                    "pathway_id": item.pathway_id,
                    "rule_id": rule.pk,
                    "rule_code": item.code,
                    "ref": item.ref,
                    "starts_on": item.starts_on,
                    "due_on": due_on,
                    "status": DeadlineStatus.OPEN.value,
                    "updated_at": now,
                    **alert_days[alert_key],
                }
            )
    if not rows:
        return 0
    return rows_copy(Deadline, rows, batch_size=batch_size)
