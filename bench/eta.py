"""Measure 2: one Celery ETA/countdown task per deadline, beside deadlines kept as rows.

Runs on a private `redis-server` started on a free port (and stopped) when the binary is
available, else on REDIS_URL's server in database 15 (flushed). A real `celery worker`
subprocess (throwaway app `bench.eta_app`) reserves the ETA tasks; its RSS is read from /proc.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from django.db import transaction
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone

from .util import median_ms, ratio, rss_mib, timed

ROOT = Path(__file__).resolve().parent.parent
SPREAD_SECONDS = 60 * 86400


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    def __init__(self, redis_url: str | None):
        self.proc = None
        self.tmp = None
        if shutil.which("redis-server"):
            port = _free_port()
            self.tmp = tempfile.mkdtemp(prefix="bench-redis-")
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no", "--dir", self.tmp],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            self.url = f"redis://127.0.0.1:{port}/0"
            self.kind = f"private redis-server on port {port}"
        else:
            base = redis_url.rsplit("/", 1)[0] if redis_url.count("/") > 2 else redis_url.rstrip("/")
            self.url = f"{base}/15"
            self.kind = "REDIS_URL, database 15"
        import redis

        self.client = redis.Redis.from_url(self.url)
        for _ in range(50):
            try:
                self.client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.1)
        self.client.flushdb()

    def used_memory(self) -> int:
        return int(self.client.info("memory")["used_memory"])

    def close(self) -> None:
        try:
            self.client.flushdb()
        finally:
            if self.proc is not None:
                self.proc.terminate()
                self.proc.wait(timeout=10)
                shutil.rmtree(self.tmp, ignore_errors=True)


def _worker(url: str, visibility: int) -> subprocess.Popen:
    env = {**os.environ, "BENCH_ETA_BROKER": url, "BENCH_ETA_VISIBILITY": str(visibility)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bench.eta_app",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _enqueue(app_module, n: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    task = app_module.deadline_alert
    for i in range(n):
        task.apply_async(args=[i], countdown=rng.randint(3600, SPREAD_SECONDS))


def _wait_drained(broker: Broker, proc: subprocess.Popen, timeout: float) -> float:
    """Wait until the worker has reserved every message (queue empty) and its RSS is stable."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if broker.client.llen("celery") == 0:
            rss = rss_mib(proc.pid)
            if last is not None and rss == last:
                return rss
            last = rss
        time.sleep(1)
    return rss_mib(proc.pid)


def _rows_as_deadlines(n: int):
    """Our side: the same deadlines as rows, through the service an import would use.

    `deadlines_open_bulk` does the real work of opening a deadline — the rule in force for the
    pathway's territory and publics, due and alert days on the legal calendar (Alsace-Moselle
    included) — for open rows (every partial index maintained), written by COPY, rolled back.
    The timed part includes reading the pathways' facts; the Celery side only enqueues ids.
    """
    from casework.enums import RuleCode
    from casework.models import Pathway
    from casework.services.deadlines import DeadlineToOpen, deadlines_open_bulk

    today = timezone.localdate()
    # Rules whose due day an import would give explicitly (spread like the ETA countdowns).
    codes = [RuleCode.CONTACT_GAP, RuleCode.FIRST_APPOINTMENT, RuleCode.CONTRACT, RuleCode.SOCIAL_TRACK_REVIEW]

    def insert() -> int:
        rng = random.Random(1)
        with transaction.atomic():
            # The pathways' facts; `publics` read as text and parsed once per distinct value.
            rows = (
                Pathway.objects.order_by("id")
                .annotate(publics_text=Cast("beneficiary__publics", TextField()))
                .values_list("id", "territory_id", "publics_text", "territory__alsace_moselle")[:n]
            )
            parsed: dict[str, tuple] = {}
            facts = [
                (pid, tid, parsed.setdefault(text, tuple(json.loads(text or "[]"))), am) for pid, tid, text, am in rows
            ]
            items = (
                DeadlineToOpen(
                    pathway_id=pid,
                    territory_id=territory_id,
                    publics=publics,
                    alsace_moselle=am,
                    code=codes[i % len(codes)],
                    starts_on=today,
                    ref=f"bench-{i}",
                    due_on=today + dt.timedelta(days=rng.randint(1, 60)),
                )
                for i, (pid, territory_id, publics, am) in ((i, facts[i % len(facts)]) for i in range(n))
            )
            written = deadlines_open_bulk(items, now=timezone.now())
            transaction.set_rollback(True)
        return written

    return insert


def _vacuum_after_rollback() -> None:
    """Leave the deadline table as it was found (untimed).

    The rolled-back rows went into pages with free space all over the table and cleared their
    all-visible bits; until a vacuum, the board's index-only scans fetched the heap for them
    (the contact-gap count at 1M: 25 ms → 960 ms, 88,928 heap fetches, EXPLAIN ANALYZE). The
    measures after this one must not pay for the bench's own throwaway writes.
    """
    from django.db import connection

    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cur:
            cur.execute("VACUUM (ANALYZE) casework_deadline")


def measure(*, n: int, runs: int, celery_runs: int, redis_url: str | None) -> dict:
    out: dict = {"deadlines": n, "spread_days": 60}
    rows = median_ms(_rows_as_deadlines(n), runs)
    _vacuum_after_rollback()
    out["rows_insert_ms"] = rows["ms"]
    out["rows_written"] = rows["result"]
    out["rows_path"] = "deadlines_open_bulk (rule in force, legal calendar, COPY; open rows, rolled back)"
    if not redis_url and not shutil.which("redis-server"):
        out["status"] = "not available: REDIS_URL unset and no redis-server binary"
        return out
    broker = Broker(redis_url)
    out["broker"] = broker.kind
    os.environ["BENCH_ETA_BROKER"] = broker.url
    os.environ["BENCH_ETA_VISIBILITY"] = "3600"
    try:
        import importlib

        import bench.eta_app as app_module

        importlib.reload(app_module)
        # Worker memory at rest, before any task exists.
        idle = _worker(broker.url, 3600)
        time.sleep(4)
        out["worker_rss_idle_mib"] = rss_mib(idle.pid)
        _stop(idle)
        samples, mem_deltas = [], []
        for _ in range(celery_runs):
            broker.client.flushdb()
            before = broker.used_memory()
            ms, _ = timed(lambda: _enqueue(app_module, n))
            samples.append(ms)
            mem_deltas.append(broker.used_memory() - before)
        samples.sort()
        out["celery_enqueue_ms"] = round(samples[len(samples) // 2], 1)
        out["celery_runs"] = celery_runs
        out["redis_used_memory_delta_mib"] = round(sorted(mem_deltas)[len(mem_deltas) // 2] / 2**20, 1)
        worker = _worker(broker.url, 3600)
        try:
            out["worker_rss_after_prefetch_mib"] = _wait_drained(broker, worker, timeout=max(120, n / 500))
            out["redis_used_memory_after_prefetch_mib"] = round(broker.used_memory() / 2**20, 1)
        finally:
            _stop(worker)
        if out.get("worker_rss_after_prefetch_mib") and out.get("worker_rss_idle_mib"):
            grown = out["worker_rss_after_prefetch_mib"] - out["worker_rss_idle_mib"]
            out["worker_kib_per_pending_deadline"] = round(grown * 1024 / n, 2)
        out["enqueue_ratio_vs_rows"] = ratio(out["celery_enqueue_ms"], out["rows_insert_ms"])
        out["target_ratio_min"] = 10
        # Full size: 35 s countdown, 5 s visibility; tiny runs (tests) keep it short.
        short = {} if n >= 10_000 else {"visibility": 2, "countdown": 6}
        out["redelivery"] = redelivery(broker, app_module, **short)
    finally:
        broker.close()
        from config.celery import app as project_app

        project_app.set_current()  # belt and braces: the project's tasks publish to its own broker
    return out


def redelivery(broker: Broker, app_module, *, visibility: int = 5, countdown: int = 35, tasks: int = 3) -> dict:
    """Countdown longer than the visibility timeout: how many times does each task run?"""
    broker.client.flushdb()
    os.environ["BENCH_ETA_VISIBILITY"] = str(visibility)
    import importlib

    importlib.reload(app_module)
    for i in range(tasks):
        app_module.deadline_alert.apply_async(args=[i], countdown=countdown)
    worker = _worker(broker.url, visibility)
    try:
        time.sleep(countdown + 15)
    finally:
        _stop(worker)
    executions = [int(broker.client.get(f"bench:executed:{i}") or 0) for i in range(tasks)]
    os.environ["BENCH_ETA_VISIBILITY"] = "3600"
    importlib.reload(app_module)
    return {
        "visibility_timeout_s": visibility,
        "countdown_s": countdown,
        "tasks": tasks,
        "executions": executions,
        "duplicated": sum(executions) > tasks,
    }
