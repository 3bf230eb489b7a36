"""Timing, statistics and machine description shared by the measures."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    """(milliseconds, result) of one call."""
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def median_ms(fn: Callable[[], object], runs: int, *, before: Callable[[], object] | None = None) -> dict:
    """Median of `runs` calls, `before` run untimed before each; keeps every sample and the last result."""
    samples, result = [], None
    for _ in range(runs):
        if before is not None:
            before()
        ms, result = timed(fn)
        samples.append(ms)
    return {"ms": round(statistics.median(samples), 2), "samples_ms": [round(s, 2) for s in samples], "result": result}


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or not b:
        return None
    return round(a / b, 2)


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process, from /proc (Linux)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def machine(connection) -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        info["cpu"] = names[0] if names else platform.processor()
    except OSError:
        info["cpu"] = platform.processor()
    try:
        with open("/proc/meminfo") as f:
            total_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
        info["ram_gib"] = round(total_kb / 1024 / 1024, 1)
    except (OSError, StopIteration):
        info["ram_gib"] = None
    try:
        info["load_avg"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            info["postgresql"] = cur.fetchone()[0]
            cur.execute("SHOW shared_buffers")
            info["shared_buffers"] = cur.fetchone()[0]
            cur.execute("SHOW work_mem")
            info["work_mem"] = cur.fetchone()[0]
    else:
        info["database"] = connection.vendor
    return info


class jit_off:  # noqa: N801 - used as a context manager
    """`SET jit = off` for the session (PostgreSQL), restored on exit: the same reads without JIT."""

    def __init__(self, connection):
        self.connection = connection

    def __enter__(self):
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cur:
                cur.execute("SET jit = off")
        return self

    def __exit__(self, *exc):
        if self.connection.vendor == "postgresql":
            with self.connection.cursor() as cur:
                cur.execute("RESET jit")
        return False
