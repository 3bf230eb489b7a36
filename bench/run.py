"""`python -m bench.run --n N`: Fil rouge at N pathways, each measure beside its baseline.

Uses its own PostgreSQL database (`filrouge_bench` on the server of DATABASE_URL, or
`--db NAME`), never the dev data: creates it, migrates, loads N pathways with
`generate_load`, then measures (see docs/bench.md). Data is reused when the database already
holds N pathways generated for the same day (`--fresh` regenerates). Writes
bench/results.json and prints a table. `--smoke` runs on whatever database Django is
configured with (the tests' database), without creating one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

RESULTS = Path(__file__).resolve().parent / "results.json"
# The figure: 100,000 dossiers (about 2 minutes, plus months 1 and 2 before it and a 100 MiB
# file's import for the memory, about 6 minutes in all); the 1 GiB file is `--flux-sizes 100,1024`.
FLUX_N = 100_000


def bench_database_url(base_url: str, name: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _admin_url(base_url: str) -> str:
    parts = urlsplit(base_url)
    return urlunsplit((parts.scheme, parts.netloc, "/postgres", parts.query, parts.fragment))


def ensure_database(base_url: str, name: str, *, fresh: bool) -> None:
    import psycopg

    with psycopg.connect(_admin_url(base_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(base_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_admin_url(base_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _meta_get(connection) -> dict:
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (key text PRIMARY KEY, value text NOT NULL)")
        cur.execute("SELECT key, value FROM bench_meta")
        return dict(cur.fetchall())


def _meta_set(connection, **values) -> None:
    with connection.cursor() as cur:
        for key, value in values.items():
            cur.execute(
                "INSERT INTO bench_meta (key, value) VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
                [key, str(value)],
            )


def load(n: int, today: dt.date, *, fresh: bool, stdout=sys.stdout) -> dict:
    """Migrate and load N pathways seen from `today`, unless the database already holds them."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0, skip_checks=True)
    meta = _meta_get(connection) if connection.vendor == "postgresql" else {}
    if not fresh and meta.get("pathways") == str(n) and meta.get("today") == today.isoformat():
        return {"reused": True, "pathways": n, "today": today.isoformat(), "seconds": float(meta.get("seconds", 0))}
    from casework.management.commands.generate_load import Command

    cmd = Command(stdout=stdout)
    call_command(cmd, pathways=n, today=today, skip_checks=True)
    if connection.vendor == "postgresql":
        _meta_set(connection, pathways=n, today=today.isoformat(), seconds=cmd.result["seconds"])
    return {"reused": False, **cmd.result}


def run_measures(
    *,
    n: int,
    today: dt.date,
    runs: int,
    redis_url: str | None,
    celery_n: int,
    celery_runs: int,
    transition_ops: int,
    skip: set[str] = frozenset(),
    flux_n: int = 0,
    flux_sizes: tuple[int, ...] = (100, 1024),
    stdout=sys.stdout,
) -> dict:
    """Every measure on the current database (already loaded). Returns the results dict."""
    from django.conf import settings
    from django.db import connection

    from . import dashboard, eta, flux, offers, pages, sweep, transitions
    from .util import machine

    settings.DEBUG = False  # no query log growing in memory
    results: dict = {
        "n": n,
        "runs": runs,
        "today": today.isoformat(),
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(connection),
    }
    steps = [
        ("sweep", lambda: sweep.measure(today, runs=runs)),
        (
            "celery_eta",
            lambda: eta.measure(n=celery_n, runs=runs, celery_runs=celery_runs, redis_url=redis_url),
        ),
        ("caseload", lambda: pages.measure(runs=runs)),
        ("dashboard", lambda: dashboard.measure(today=today, runs=runs)),
        # The same reads with JIT off for the session: the planner overestimates these OR-heavy
        # queries, and PostgreSQL then spends seconds compiling them (see docs/bench.md).
        ("caseload_jit_off", lambda: _jit_off(lambda: pages.measure(runs=runs))),
        ("dashboard_jit_off", lambda: _jit_off(lambda: dashboard.measure(today=today, runs=runs))),
        ("transitions", lambda: transitions.measure(runs=runs, ops=transition_ops)),
        ("offers_search", lambda: offers.measure(runs=runs)),
        ("flux", lambda: flux.measure(n=flux_n, today=today, sizes_mib=flux_sizes)),
    ]
    for name, fn in steps:
        if name in skip or (name == "flux" and not flux_n):
            results[name] = {"status": "skipped"}
            continue
        stdout.write(f"… {name}\n")
        stdout.flush()
        started = time.monotonic()
        results[name] = fn()
        results[name]["measure_seconds"] = round(time.monotonic() - started, 1)
    return results


def _jit_off(fn):
    from django.db import connection

    from .util import jit_off

    if connection.vendor != "postgresql":
        return {"status": "not PostgreSQL"}
    with jit_off(connection):
        return fn()


def _fmt(value, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}{unit}" if value >= 100 else f"{value:,.2f}{unit}"
    return f"{value}{unit}"


def _sweep_rows(results: dict) -> list[tuple]:
    """The sweep: first run against raw SQL, idempotent re-run, 10x due."""
    rows = []
    s = results.get("sweep", {})
    if "first_run" in s:
        f, i = s["first_run"], s["idempotent_rerun"]
        rows.append(
            (
                f"sweep first run ({f['sweep_alerts']} alerts)",
                _fmt(f["sweep_ms"], " ms"),
                _fmt(f["raw_sql_ms"], " ms raw SQL"),
                _fmt(f["ratio"], "x"),
                "<= 2x",
            )
        )
        rows.append(
            (
                "sweep idempotent re-run",
                _fmt(i["sweep_ms"], " ms"),
                _fmt(i["read_floor_ms"], " ms read floor"),
                _fmt(i["ratio"], "x"),
                "<= 8x",
            )
        )
        st = s.get("stale_alert_check")
        if st:
            rows.append(
                (
                    f"  stale-alert check (hourly, {st['open_alerts']:,} open)",
                    _fmt(st["ms"], " ms"),
                    "—",
                    "",
                    "",
                )
            )
        t = s.get("ten_x", {})
        if "sweep_ms" in t:
            rows.append(
                (
                    f"sweep at {t['due_ratio']}x due",
                    _fmt(t["sweep_ms"], " ms"),
                    _fmt(f["sweep_ms"], " ms (1x)"),
                    _fmt(t["time_ratio"], "x"),
                    "<= 12x",
                )
            )
    return rows


def _eta_rows(results: dict) -> list[tuple]:
    """Deadlines as rows against Celery ETA tasks."""
    rows = []
    c = results.get("celery_eta", {})
    if "celery_enqueue_ms" in c:
        rows.append(
            (
                f"schedule {c['deadlines']:,} deadlines",
                _fmt(c["rows_insert_ms"], " ms rows"),
                _fmt(c["celery_enqueue_ms"], " ms Celery ETA"),
                _fmt(c["enqueue_ratio_vs_rows"], "x cheaper"),
                ">= 10x",
            )
        )
        rows.append(
            (
                "  Celery memory",
                f"Redis +{c['redis_used_memory_delta_mib']} MiB",
                f"worker {c['worker_rss_after_prefetch_mib']} MiB (idle {c['worker_rss_idle_mib']})",
                f"{c.get('worker_kib_per_pending_deadline')} KiB/deadline",
                "flat",
            )
        )
        r = c.get("redelivery", {})
        rows.append(
            (
                f"  visibility {r.get('visibility_timeout_s')} s, countdown {r.get('countdown_s')} s",
                f"executions {r.get('executions')}",
                "",
                "",
                "1 each",
            )
        )
    elif c:
        rows.append(("schedule deadlines", _fmt(c.get("rows_insert_ms"), " ms rows"), c.get("status", ""), "", ""))
    return rows


def _caseload_rows(results: dict) -> list[tuple]:
    """The caseload queue, page and API."""
    rows = []
    for section, suffix in (("caseload", ""), ("caseload_jit_off", ", JIT off")):
        q = results.get(section, {})
        for key, label, target in (("page", "queue page /", "p95 <= 50 ms"), ("api", "queue API", "p95 <= 20 ms")):
            if key in q:
                v = q[key]
                rows.append(
                    (
                        f"{label} ({q['open_caseload']} open{suffix})",
                        f"p50 {_fmt(v['p50_ms'])} / p95 {_fmt(v['p95_ms'])} ms",
                        f"{v['queries']} queries",
                        "",
                        f"{target}, <= 10 q",
                    )
                )
    return rows


def _dashboard_rows(results: dict) -> list[tuple]:
    """The team lead's board and the indicators."""
    rows = []
    for section, suffix in (("dashboard", ""), ("dashboard_jit_off", ", JIT off")):
        d = results.get(section, {})
        if "board" in d:
            b = d.get("board", {})
            for role, v in d.get("board_page", {}).items():
                if isinstance(v, dict) and "p95_ms" in v:
                    rows.append(
                        (
                            f"board page, widest {role} ({v['pathways_in_scope']:,} pathways{suffix})",
                            f"p50 {_fmt(v['p50_ms'])} / p95 {_fmt(v['p95_ms'])} ms",
                            f"{v['queries']} queries",
                            "",
                            "<= 250 ms",
                        )
                    )
            rows.append(
                (
                    f"board reads over every pathway (stress{suffix})",
                    _fmt(b.get("total_ms"), " ms") if "total_ms" in b else b.get("status", "—"),
                    _fmt(d.get("raw_overdue_by_rule_territory_ms"), " ms raw count"),
                    _fmt(b.get("vs_raw_overdue_count"), "x"),
                    "(no user's scope)",
                )
            )
            ind = d.get("indicators", {})
            rows.append(
                (
                    f"indicators ({ind.get('count', '?')} in one call{suffix})",
                    _fmt(ind.get("ms"), " ms") if "ms" in ind else ind.get("status", "—"),
                    "",
                    "",
                    "<= 1 s each",
                )
            )
    return rows


def _transition_rows(results: dict) -> list[tuple]:
    """Transitions against their raw SQL twin."""
    rows = []
    t = results.get("transitions", {})
    if "service_per_s" in t:
        rows.append(
            (
                "transitions, 2 clients",
                f"{_fmt(t['service_per_s'])}/s, p95 {_fmt(t['service_p95_ms'])} ms",
                f"{_fmt(t['raw_sql_per_s'])}/s raw SQL",
                _fmt(t["throughput_ratio"], "x"),
                ">= 0.25x, p95 <= 10 ms",
            )
        )
        rows.append(
            (
                "  with the page's sync at once",
                f"{_fmt(t['service_page_sync_per_s'])}/s, p95 {_fmt(t['service_page_sync_p95_ms'])} ms",
                "",
                _fmt(t["page_sync_ratio"], "x"),
                "(reference)",
            )
        )
        if t.get("worker_task_sync_ms_per_message") is not None:
            rows.append(
                (
                    "  worker: task sync per message",
                    f"{_fmt(t['worker_task_sync_ms_per_message'])} ms",
                    f"{t['worker_task_sync_pathways']:,} pathways in {t['worker_followup_messages']:,} messages",
                    "",
                    "",
                )
            )
        rows.append(("  contention: no lost update", str(t["contention"]["no_lost_update"]), "", "", "True"))
    return rows


def _offers_rows(results: dict) -> list[tuple]:
    """The offers catalogue's search."""
    o = results.get("offers_search", {})
    if "p95_ms" not in o:
        return []
    return [
        (
            f"offers search ({o['offers']:,} offers, {o['queries']} queries)",
            f"p50 {_fmt(o['p50_ms'])} / p95 {_fmt(o['p95_ms'])} ms",
            "French full-text + GIN" if o["full_text"] else "LIKE (not PostgreSQL)",
            "",
            f"p95 <= {o['target_p95_ms']} ms",
        )
    ]


def _flux_rows(results: dict) -> list[tuple]:
    from .flux import table_rows

    return table_rows(results.get("flux", {}), _fmt)


SECTIONS = (_sweep_rows, _eta_rows, _caseload_rows, _dashboard_rows, _transition_rows, _offers_rows, _flux_rows)


def table(results: dict) -> str:
    """A short text table: measure, ours, baseline, ratio, target (one section per measure)."""
    rows = [("measure", "ours", "baseline", "ratio", "target")]
    for section in SECTIONS:
        rows += section(results)
    widths = [max(len(str(r[i])) for r in rows) for i in range(5)]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="pathways in the database")
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (the median is kept)")
    parser.add_argument("--db", default="filrouge_bench", help="bench database name (on DATABASE_URL's server)")
    parser.add_argument("--fresh", action="store_true", help="drop and regenerate the bench database")
    parser.add_argument("--today", type=dt.date.fromisoformat, help="the day the data is seen from")
    parser.add_argument("--celery-n", type=int, default=100_000, help="deadlines for the Celery ETA comparison")
    parser.add_argument("--celery-runs", type=int, default=1, help="runs of the Celery enqueue (about 45 s each)")
    parser.add_argument("--transition-ops", type=int, default=100, help="transitions per client per run")
    parser.add_argument("--skip", default="", help="comma-separated measures to skip (sweep,celery_eta,...)")
    parser.add_argument("--smoke", action="store_true", help="tiny run on the configured database (tests)")
    parser.add_argument("--flux-n", type=int, default=FLUX_N, help="dossiers in the timed flux file")
    parser.add_argument("--flux-sizes", default="100", help="MiB of the files whose memory is measured")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    base_url = os.environ.get("DATABASE_URL", "")
    if not args.smoke:
        if not base_url.startswith(("postgres://", "postgresql://")):
            print(
                "bench: PostgreSQL required. Set DATABASE_URL=postgres://user@host:5432/any_db "
                "(the bench uses its own database on that server). --smoke runs a tiny check anywhere.",
                file=sys.stderr,
            )
            return 2
        ensure_database(base_url, args.db, fresh=args.fresh)
        os.environ["DATABASE_URL"] = bench_database_url(base_url, args.db)
    import django

    django.setup()
    from django.utils import timezone

    from casework.loadgen.tables import last_working_day

    today = args.today or last_working_day(timezone.localdate())
    started = time.monotonic()
    data = load(args.n, today, fresh=args.fresh)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    results = run_measures(
        n=args.n,
        today=today,
        runs=args.runs,
        redis_url=os.environ.get("REDIS_URL"),
        celery_n=min(args.celery_n, 2_000) if args.smoke else args.celery_n,
        celery_runs=args.celery_runs,
        transition_ops=args.transition_ops,
        skip=skip,
        flux_n=0 if args.smoke else args.flux_n,  # its import runs in a child process, on DATABASE_URL
        flux_sizes=tuple(int(x) for x in args.flux_sizes.split(",") if x.strip()),
    )
    results["data"] = data
    results["database"] = args.db if not args.smoke else "configured"
    results["command"] = "python -m bench.run " + " ".join(argv if argv is not None else sys.argv[1:])
    results["seconds"] = round(time.monotonic() - started, 1)
    args.output.write_text(json.dumps(results, indent=2, default=str))
    print(table(results))
    print(f"\n{args.output} written ({results['seconds']} s).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
