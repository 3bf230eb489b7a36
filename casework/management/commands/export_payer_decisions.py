"""`manage.py export_payer_decisions --from 2025-10-01 --to 2025-10-31 --out decisions.csv`: the
file of breach decisions and lifts for the payer (`casework.services.payer_export`). Running it
again for the same period writes the same file; a later period never repeats a line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.services.payer_export import payer_export


class Command(BaseCommand):
    help = "Write the payer's file of breach decisions and lifts for a period (CSV, docs/legal.md)."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="period_from", type=dt.date.fromisoformat, required=True)
        parser.add_argument("--to", dest="period_to", type=dt.date.fromisoformat, required=True)
        parser.add_argument("--out", type=Path, required=True, help="Where to write the CSV file.")

    def handle(self, *args, period_from: dt.date, period_to: dt.date, out: Path, **options):
        if period_to < period_from:
            raise CommandError("--to précède --from.")
        export = payer_export(period_from=period_from, period_to=period_to, now=timezone.now())
        out.write_bytes(export.content.encode("utf-8"))
        self.stdout.write(f"{export} : {export.line_count} ligne(s), SHA-256 {export.digest} → {out}")
