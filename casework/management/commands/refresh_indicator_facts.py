"""`manage.py refresh_indicator_facts [--now ISO] [--full]`: bring the indicator facts up to date.

Beat runs the same service every few minutes (`workflows.tasks.refresh_indicator_facts_task`);
the command replays it by hand, or rebuilds every entry with `--full` (first run, nightly).
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import ngettext

from casework.services.facts import facts_refresh


class Command(BaseCommand):
    help = "Rafraîchit les faits par entrée des indicateurs (incrémental ; --full pour tout recalculer)."

    def add_arguments(self, parser):
        parser.add_argument("--now", type=dt.datetime.fromisoformat, help="the refresh time (default: now)")
        parser.add_argument("--full", action="store_true", help="recompute every entry")

    def handle(self, *args, now=None, full=False, **options):
        if now is not None and timezone.is_naive(now):
            now = timezone.make_aware(now)
        result = facts_refresh(now=now or timezone.now(), full=full)
        self.stdout.write(
            f"{result['mode']}: "
            + ngettext("%(n)d entrée", "%(n)d entrées", result["entries"]) % {"n": result["entries"]}
            + " "
            f"({'all' if result['pathways'] is None else result['pathways']} parcours) in {result['ms']} ms"
        )
