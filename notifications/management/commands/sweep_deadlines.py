"""`manage.py sweep_deadlines [--now 2026-04-13T08:00]`: the beat task's code, replayable."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from notifications.services.sweep import sweep_deadlines


class Command(BaseCommand):
    help = "Crée les alertes d'échéance dues et résout celles qui ne s'appliquent plus."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Instant rejoué, ISO 8601 (heure de Paris si sans fuseau).")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument(
            "--no-resolve-stale",
            action="store_true",
            help="Ne pas vérifier toutes les alertes ouvertes (beat le fait à part, chaque heure).",
        )

    def handle(self, *args, **options):
        now = timezone.now()
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None:
                raise CommandError("--now attend une date ISO 8601, par exemple 2026-04-13T08:00.")
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        result = sweep_deadlines(
            now=now, batch_size=options["batch_size"], resolve_stale=not options["no_resolve_stale"]
        )
        self.stdout.write(json.dumps(result))
