"""`manage.py generate_load --pathways N`: bulk, realistic data for benchmarks; the generator
itself, and what the data holds, are in `casework.loadgen`."""

from __future__ import annotations

import datetime as dt
import time

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone

from casework.loadgen.generator import MODELS, Generator
from casework.loadgen.tables import TABLE_ORDER, last_working_day
from casework.vendor_sql import is_postgresql


def _session_sql(postgres: bool, *, check_fks: bool) -> tuple[list[str], bool]:
    """The loading session's settings, and whether foreign-key triggers are off (superuser only)."""
    if not postgres:
        return [], False
    session_sql, replica = ["SET synchronous_commit TO off"], False
    if not check_fks:
        with connection.cursor() as cur:
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            replica = cur.fetchone()[0]
        if replica:
            session_sql.append("SET session_replication_role = replica")
    return session_sql, replica


class Command(BaseCommand):
    help = "Generate realistic bulk data (N pathways with their deadlines, history, contacts) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--pathways", type=int, required=True, help="Number of pathways to create.")
        parser.add_argument("--today", type=dt.date.fromisoformat, help="The day the data is seen from (ISO).")
        parser.add_argument("--seed", type=int, default=7)
        parser.add_argument("--due-share", type=float, default=0.01, help="Share of open deadlines due today.")
        parser.add_argument("--chunk", type=int, default=25_000, help="Pathways per COPY chunk.")
        parser.add_argument("--check-fks", action="store_true", help="Keep foreign-key triggers (slower).")

    def handle(self, *args, **opts):
        n = opts["pathways"]
        if n <= 0:
            raise CommandError("--pathways must be positive.")
        today = opts["today"] or last_working_day(timezone.localdate())
        started = time.monotonic()
        postgres = is_postgresql()
        session_sql, replica = _session_sql(postgres, check_fks=opts["check_fks"])
        self.stdout.write(
            f"Generating {n:,} pathways seen from {today} on {connection.display_name}"
            + (" (COPY, FK triggers off)" if replica else "")
        )
        with connection.cursor() as cur:
            for sql in session_sql:
                cur.execute(sql)
        try:
            gen = Generator(n=n, today=today, seed=opts["seed"], due_share=opts["due_share"], stdout=self.stdout)
            counts = gen.run(opts["chunk"], session_sql)
        finally:
            if replica:
                with connection.cursor() as cur:
                    cur.execute("SET session_replication_role = DEFAULT")
        if postgres:
            with connection.cursor() as cur:
                cur.execute("SET synchronous_commit TO DEFAULT")
        # The alerts' table is notifications' (an app above casework): named, not imported.
        models = [get_user_model(), *MODELS, apps.get_model("notifications", "Alert")]
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cur.execute(sql)
        loaded = time.monotonic() - started
        if postgres:
            # VACUUM sets the visibility map (index-only scans); it cannot run inside a transaction.
            verb = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
            with connection.cursor() as cur:
                for table in TABLE_ORDER:
                    cur.execute(f"{verb} {table}")
        total = time.monotonic() - started
        self.stdout.write("Rows: " + ", ".join(f"{t.split('_', 1)[1]}={c:,}" for t, c in counts.items() if c))
        self.stdout.write(
            f"Open deadlines {gen.stats['open']:,}, due today {gen.stats['due_today']:,} "
            f"({100 * gen.stats['due_today'] / max(gen.stats['open'], 1):.2f}%); "
            f"loaded in {loaded:,.1f} s, {total:,.1f} s with VACUUM ANALYZE."
        )
        self.result = {
            "pathways": n,
            "today": today.isoformat(),
            "rows": counts,
            "open_deadlines": gen.stats["open"],
            "due_today": gen.stats["due_today"],
            "seconds": round(total, 2),
        }
