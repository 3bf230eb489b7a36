"""Measure 5: transitions through `pathway_transition` with two concurrent clients, beside a
raw SQL transaction doing the same row work (lock the pathway, update it, insert the log row,
update two deadlines, insert an outbox row); and a contention check: no lost update.

The service alternates `propose_handover` / `refuse_handover` on pathways of one
organisation, acted by its team lead (audit log, handover row, deadline opened then met,
outbox notification each time). Throughput: each client works its own half of the pool.
Contention: both clients hammer the same few pathways; every accepted call must appear
exactly once in the journal, proposals and refusals must alternate, and the final state must
match the last journal row.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import multiprocessing as mp
import time

from django.db import connection, connections, transaction
from django.utils import timezone

from casework.models import Handover, Pathway, Professional, TransitionLog
from config.celery import app
from tests.helpers import routes_reload
from workflows.flows.sync import pathways_tasks_sync
from workflows.services.errors import TransitionError
from workflows.services.transitions import pathway_transition

from .util import percentile, ratio

CLIENTS = 2


def _pool(size: int):
    """An organisation's team lead, a second referent (the incoming one) and `size` pathways."""
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT p.organisation_id, count(*) FROM casework_pathway p
            WHERE p.state IN ('social_track', 'professional_track') AND p.referent_id IS NOT NULL
              AND p.handover_to_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM casework_handover h WHERE h.pathway_id = p.id)
              AND EXISTS (SELECT 1 FROM casework_professional l WHERE l.organisation_id = p.organisation_id
                          AND l.is_team_lead)
            GROUP BY 1 ORDER BY 2 DESC LIMIT 1
            """
        )
        row = cur.fetchone()
    if row is None:
        return None
    org_id = row[0]
    lead = Professional.objects.select_related("user").filter(organisation_id=org_id, is_team_lead=True).first()
    # Pathways no earlier run has used: each run leaves a few dozen handover and deadline rows
    # on its pool, which a real pathway never accumulates (a reused database would otherwise
    # measure ever-longer pathways).
    ids = list(
        Pathway.objects.filter(
            organisation_id=org_id, state__in=["social_track", "professional_track"], handover_to__isnull=True
        )
        .exclude(referent__isnull=True)
        .exclude(handovers__isnull=False)
        .order_by("id")
        .values_list("id", "referent_id")[: size + 50]
    )
    referents = {r for _, r in ids}
    incoming = (
        Professional.objects.filter(organisation_id=org_id, is_referent=True).exclude(pk__in=referents).first()
        or Professional.objects.filter(organisation_id=org_id).exclude(pk__in=referents).exclude(pk=lead.pk).first()
    )
    if incoming is None:
        # Everyone in the organisation has pathways: take one and leave their pathways out.
        incoming = Professional.objects.get(pk=ids[-1][1])
    pathway_ids = [i for i, r in ids if r != incoming.pk][:size]
    return lead, incoming, pathway_ids


def _service_op(
    pathway_id: int, lead, incoming, on: dt.date, *, page_sync: bool = False, pending: bool | None = None
) -> str:
    """Propose a handover, or refuse the pending one. `pending=None` reads which (the
    contention check); the throughput rounds know it, so the bench adds no query of its own.
    `page_sync`: then sync the pathway's tasks at once, as a page does for its author."""
    if pending is None:
        pending = Pathway.objects.filter(pk=pathway_id).values_list("handover_to_id", flat=True).get() is not None
    name, params = ("refuse_handover", {}) if pending else ("propose_handover", {"incoming": incoming, "note": ""})
    # As deployed, the follow-up message (task sync and e-mails) is published after commit, to
    # the bench's queue (see `_production_queue`).
    pathway_transition(
        pathway_id,
        name,
        by=lead.user,
        occurred_on=on,
        now=timezone.now(),
        reason="bench" if pending else "",
        params=params,
    )
    if page_sync:
        pathways_tasks_sync([pathway_id])
    return name


class PublishFailures(logging.Handler):
    """A task-sync message that could not be published is an error of the run, not a
    silent speed-up (the transition would skip the broker round trip)."""

    def __init__(self, errors: list):
        super().__init__(logging.WARNING)
        self.errors = errors

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(f"task sync not published: {record.getMessage()}"[:200])


def _run_clients(work, warm=None) -> tuple[float, list[float], list]:
    """Run `work(client_index, latencies, errors)` in CLIENTS forked processes, each first
    warmed by `warm(client_index)` (untimed).

    Processes, not threads: a web server runs its concurrent requests in separate worker
    processes, and two threads of one interpreter would take turns on the GIL (measured: the
    service at 81/s with threads, 104/s with processes, the same code). Each child opens its
    own connection, warms up, waits at a barrier, then works; the figure spans the first start
    to the last end. Returns (seconds, latencies, errors); errors may carry `("accepted", ...)`.

    The warm-up stands for a server process that has served requests before: statements are
    prepared on a connection after their fifth run (`DATABASE_PREPARE_THRESHOLD`), the broker
    connection is opened on the first publish, and per-process caches fill on first use.
    Without it, each fresh child paid those once inside its 100 timed operations (measured
    before it: the raw twin at 1,070–1,430/s in fresh processes, 1,940–2,040/s in processes
    that had run 200 operations before; the service gained less).
    """
    ctx = mp.get_context("fork")
    barrier = ctx.Barrier(CLIENTS)
    queue = ctx.Queue()
    connections.close_all()  # each child opens its own

    errs_of_child: list = []

    def target(i: int) -> None:
        mine, errs = [], errs_of_child
        logging.getLogger("notifications.services.outbox").addHandler(PublishFailures(errs_of_child))
        try:
            with connection.cursor() as cur:
                cur.execute("SELECT 1")
            if warm is not None:
                warm(i)
            barrier.wait()
            started = time.perf_counter()
            work(i, mine, errs)
            ended = time.perf_counter()
        except Exception as exc:  # report, do not hang the parent
            started = ended = time.perf_counter()
            errs.append(f"{type(exc).__name__}: {exc}"[:200])
        finally:
            connections.close_all()
        queue.put((started, ended, mine, errs))

    procs = [ctx.Process(target=target, args=(i,)) for i in range(CLIENTS)]
    for p in procs:
        p.start()
    reports = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    latencies = [x for r in reports for x in r[2]]
    errors = [x for r in reports for x in r[3]]
    seconds = max(r[1] for r in reports) - min(r[0] for r in reports)
    return seconds, latencies, errors


WARM_PATHWAYS = 5  # per client: a proposal and its refusal on each, twice (20 untimed transitions)


def _service_round(pathway_ids, lead, incoming, ops: int, on: dt.date, *, page_sync: bool = False):
    halves = [pathway_ids[i::CLIENTS] for i in range(CLIENTS)]

    def warm(i):
        for _ in range(2):
            for pid in halves[i][:WARM_PATHWAYS]:
                _service_op(pid, lead, incoming, on, page_sync=page_sync, pending=False)
                _service_op(pid, lead, incoming, on, page_sync=page_sync, pending=True)

    def work(i, latencies, errors):
        mine = halves[i]
        pending = dict.fromkeys(mine, False)  # every round starts with no handover pending
        for k in range(ops):
            pid = mine[k % len(mine)]
            t0 = time.perf_counter()
            try:
                _service_op(pid, lead, incoming, on, page_sync=page_sync, pending=pending[pid])
                pending[pid] = not pending[pid]
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            latencies.append((time.perf_counter() - t0) * 1000)

    return _run_clients(work, warm)


RAW_OP = [
    "SELECT id, handover_to_id FROM casework_pathway WHERE id = %(p)s FOR UPDATE",
    "UPDATE casework_pathway SET handover_to_id = CASE WHEN handover_to_id IS NULL THEN %(inc)s END, "
    "updated_at = %(now)s WHERE id = %(p)s",
    "INSERT INTO casework_transitionlog (pathway_id, transition, from_state, to_state, occurred_on, recorded_at, "
    "by_id, reason, params) SELECT id, 'raw_bench', state, state, %(on)s, %(now)s, %(by)s, '', '{}' "
    "FROM casework_pathway WHERE id = %(p)s",
    "UPDATE casework_deadline SET updated_at = %(now)s WHERE id IN (SELECT id FROM casework_deadline "
    "WHERE pathway_id = %(p)s ORDER BY id LIMIT 2)",
    "INSERT INTO notifications_notification (recipient_id, to_email, event, pathway_id, subject, body, link, "
    "created_at, email_status, email_attempts, last_error) VALUES (%(inc)s, '', 'handover_proposed', %(p)s, "
    "'Fil rouge', 'bench', '', %(now)s, 'none', 0, '')",
]


def _raw_op(pathway_id: int, lead, incoming, on: dt.date) -> None:
    with transaction.atomic(), connection.cursor() as cur:
        params = {"p": pathway_id, "inc": incoming.pk, "now": timezone.now(), "on": on, "by": lead.user_id}
        for sql in RAW_OP:
            cur.execute(sql, params)


def _raw_round(pathway_ids, lead, incoming, ops: int, on: dt.date):
    halves = [pathway_ids[i::CLIENTS] for i in range(CLIENTS)]

    def warm(i):  # the same untimed count as the service's; each op toggles, pairs leave the state
        for _ in range(2):
            for pid in halves[i][:WARM_PATHWAYS]:
                _raw_op(pid, lead, incoming, on)
                _raw_op(pid, lead, incoming, on)

    def work(i, latencies, errors):
        mine = halves[i]
        for k in range(ops):
            t0 = time.perf_counter()
            try:
                _raw_op(mine[k % len(mine)], lead, incoming, on)
            except Exception as exc:
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            latencies.append((time.perf_counter() - t0) * 1000)

    return _run_clients(work, warm)


def _contention(pathway_ids, lead, incoming, ops: int, on: dt.date) -> dict:
    """Both clients on the same few pathways; then check the journal against the calls."""
    shared = pathway_ids[:3]
    start_log = TransitionLog.objects.order_by("-id").values_list("id", flat=True).first() or 0

    def work(i, latencies, errors):
        for k in range(ops):
            pid = shared[(k + i) % len(shared)]
            try:
                name = _service_op(pid, lead, incoming, on)
            except TransitionError:
                errors.append("conflict")
                continue
            errors.append(("accepted", pid, name))

    _, _, reported = _run_clients(work)
    accepted = [(r[1], r[2]) for r in reported if isinstance(r, tuple)]
    errors = [r for r in reported if not isinstance(r, tuple)]
    logs = list(
        TransitionLog.objects.filter(
            id__gt=start_log, pathway_id__in=shared, transition__in=["propose_handover", "refuse_handover"]
        )
        .order_by("id")
        .values_list("pathway_id", "transition")
    )
    alternating = True
    for pid in shared:
        seq = [t for p, t in logs if p == pid]
        if any(a == b for a, b in zip(seq, seq[1:], strict=False)):
            alternating = False
    final_ok = True
    for pid in shared:
        seq = [t for p, t in logs if p == pid]
        pending = Pathway.objects.filter(pk=pid).values_list("handover_to_id", flat=True).get()
        if seq and (seq[-1] == "propose_handover") != (pending is not None):
            final_ok = False
    return {
        "pathways": len(shared),
        "calls": CLIENTS * ops,
        "accepted": len(accepted),
        "conflicts": errors.count("conflict"),
        "other_errors": [e for e in errors if e != "conflict"][:3],
        "journal_rows": len(logs),
        "journal_matches_accepted": len(logs) == len(accepted),
        "alternating": alternating,
        "final_state_matches_journal": final_ok,
        "no_lost_update": len(logs) == len(accepted) and alternating and final_ok,
    }


SYNC_QUEUE = "filrouge_bench_after_commit"
FOLLOWUP_TASK = "workflows.tasks.transition_followup_task"


@contextlib.contextmanager
def _production_queue():
    """The service as deployed: one follow-up message per transition after commit (task sync
    and the notification's e-mail), published to a queue of the bench's own so that no worker
    of the machine takes them; `_drain` then does the worker's task sync and times it (the
    e-mails are not sent: their rows stay pending in the bench's database)."""
    saved = app.conf.task_routes
    app.conf.task_routes = {FOLLOWUP_TASK: {"queue": SYNC_QUEUE}}
    routes_reload()
    try:
        yield
    finally:
        app.conf.task_routes = saved
        routes_reload()


def _eager() -> bool:
    return bool(app.conf.task_always_eager)


def _drain() -> tuple[int, float, int, int]:
    """Consume the bench queue: run each follow-up message's task sync as the worker would.
    (messages, ms, pathways synced, notification ids carried)."""
    if _eager():
        return 0, 0.0, 0, 0  # eager (the smoke test): already run at commit
    messages, spent, rows, emails = 0, 0.0, 0, 0
    with app.connection_for_read() as conn:
        queue = conn.SimpleQueue(SYNC_QUEUE)
        try:
            while True:
                try:
                    message = queue.get(block=True, timeout=0.5)
                except queue.Empty:
                    break
                pathway_ids, notification_ids = message.decode()[0]
                t0 = time.perf_counter()
                rows += pathways_tasks_sync(pathway_ids)
                spent += (time.perf_counter() - t0) * 1000
                message.ack()
                messages += 1
                emails += len(notification_ids)
        finally:
            queue.close()
    return messages, spent, rows, emails


def measure(*, runs: int, ops: int, pool: int = 40) -> dict:
    found = _pool(pool)
    if found is None:
        return {"status": "no pathway to transition"}
    lead, incoming, pathway_ids = found
    if len(pathway_ids) < 2 * CLIENTS:
        return {"status": "too few pathways"}
    on = timezone.localdate()
    with _production_queue():
        return _measure(pathway_ids, lead, incoming, on, runs=runs, ops=ops)


EXTRA_WORK_VS_RAW = (
    "ours also writes: the audit-trail row (simple-history), the Handover row, the deadline "
    "opened with its rule and alert days (then met), alert resolution when a deadline closed, "
    "the pathway's pending task-sync row, and publishes one follow-up message per transition "
    "(task sync and the notification's e-mail; the worker then starts or finishes the "
    "viewflow HandoverFlow process: worker_task_sync_ms_per_message)"
)


def _measure(pathway_ids, lead, incoming, on: dt.date, *, runs: int, ops: int) -> dict:
    _service_round(pathway_ids, lead, incoming, 2, on)  # warm-up
    _reset_handover_state(pathway_ids, lead, incoming, on)
    _drain()
    service_tps, raw_tps, service_lat, raw_lat, service_errors, raw_errors = [], [], [], [], [], []
    page_tps, page_lat, drained, drain_ms, synced, notified = [], [], 0, 0.0, 0, 0
    for _ in range(runs):
        # As deployed: the viewflow tasks are synced after commit, by the worker.
        seconds, lat, errs = _service_round(pathway_ids, lead, incoming, ops, on)
        service_tps.append(len(lat) / seconds)
        service_lat.extend(lat)
        service_errors.extend(errs)
        _reset_handover_state(pathway_ids, lead, incoming, on)
        messages, spent, rows, emails = _drain()
        drained, drain_ms, synced, notified = drained + messages, drain_ms + spent, synced + rows, notified + emails
        # As a page does for its author: the same sync, called right after the transition.
        seconds, lat, errs = _service_round(pathway_ids, lead, incoming, ops, on, page_sync=True)
        page_tps.append(len(lat) / seconds)
        page_lat.extend(lat)
        service_errors.extend(errs)
        _reset_handover_state(pathway_ids, lead, incoming, on)
        _drain()  # their messages find nothing left to sync
        seconds, lat, errs = _raw_round(pathway_ids, lead, incoming, ops, on)
        raw_tps.append(len(lat) / seconds)
        raw_lat.extend(lat)
        raw_errors.extend(errs)
        # Leave every pathway without a pending handover for the next round (raw ops toggle too).
        _reset_handover_state(pathway_ids, lead, incoming, on)
        _drain()
    s_tps, r_tps, i_tps = (sorted(x)[len(x) // 2] for x in (service_tps, raw_tps, page_tps))
    out = {
        "clients": CLIENTS,
        "client_kind": "processes (fork), one connection each",
        "ops_per_client_per_run": ops,
        "service_per_s": round(s_tps, 1),
        "service_p50_ms": round(percentile(service_lat, 50), 2),
        "service_p95_ms": round(percentile(service_lat, 95), 2),
        "raw_sql_per_s": round(r_tps, 1),
        "raw_sql_p95_ms": round(percentile(raw_lat, 95), 2),
        "throughput_ratio": ratio(s_tps, r_tps),
        "worker_followup_messages": drained,
        "worker_task_sync_pathways": synced,
        "notification_ids_carried": notified,
        "worker_task_sync_ms_per_message": round(drain_ms / drained, 2) if drained else None,
        "service_page_sync_per_s": round(i_tps, 1),
        "service_page_sync_p95_ms": round(percentile(page_lat, 95), 2),
        "page_sync_ratio": ratio(i_tps, r_tps),
        "extra_work_vs_raw": EXTRA_WORK_VS_RAW,
        "target_ratio_min": 0.25,
        "target_p95_ms": 10,
        "service_errors": service_errors[:3],
        "raw_errors": raw_errors[:3],
    }
    out["contention"] = _contention(pathway_ids, lead, incoming, max(ops // 2, 4), on)
    _reset_handover_state(pathway_ids, lead, incoming, on)
    _drain()
    return out


def _reset_handover_state(pathway_ids, lead, incoming, on) -> None:
    """The raw twin toggles `handover_to` without a Handover row: settle every pathway back."""
    with_row = set(
        Handover.objects.filter(pathway_id__in=pathway_ids, status="proposed").values_list("pathway_id", flat=True)
    )
    for pid in Pathway.objects.filter(pk__in=pathway_ids, handover_to__isnull=False).values_list("id", flat=True):
        if pid in with_row:
            _service_op(pid, lead, incoming, on)  # a real pending handover: refuse it
        else:
            with connection.cursor() as cur:
                cur.execute("UPDATE casework_pathway SET handover_to_id = NULL WHERE id = %s", [pid])
