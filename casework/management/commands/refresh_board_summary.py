"""`manage.py refresh_board_summary [--now ISO]`: rebuild the overdue board's summary.

The deadline sweep refreshes it after each run (`notifications.tasks.sweep_deadlines_task`);
the command replays that by hand (after a bulk fix, or to warm a fresh database). The counts
are for the local day of `--now`.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import ngettext

from casework.services.board_summary import board_summary_refresh


class Command(BaseCommand):
    help = "Recalcule le résumé du tableau de bord (retards et échéances proches) pour le jour de --now."

    def add_arguments(self, parser):
        parser.add_argument("--now", type=dt.datetime.fromisoformat, help="the refresh time (default: now)")

    def handle(self, *args, now=None, **options):
        if now is not None and timezone.is_naive(now):
            now = timezone.make_aware(now)
        now = now or timezone.now()
        result = board_summary_refresh(today=timezone.localdate(now), now=now)
        rows = ngettext("%(n)d ligne", "%(n)d lignes", result["rows"]) % {"n": result["rows"]}
        self.stdout.write(f"{rows} pour le {result['today']} in {result['ms']} ms")
