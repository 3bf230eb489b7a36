"""`manage.py anonymise_expired [--now 2028-05-01] [--months 24] [--dry-run]`: the beat task, replayable."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from casework.services.retention import anonymise_expired, beneficiaries_due, retention_cutoff


class Command(BaseCommand):
    help = "Anonymise les personnes dont tous les parcours sont clos depuis plus que la durée de conservation."

    def add_arguments(self, parser):
        parser.add_argument("--now", help="Instant rejoué, ISO 8601 (heure de Paris si sans fuseau).")
        parser.add_argument("--months", type=int, help="Durée de conservation (défaut : RETENTION_CLOSED_MONTHS).")
        parser.add_argument("--dry-run", action="store_true", help="Compter sans rien modifier.")

    def handle(self, *args, **options):
        now = timezone.now()
        if options["now"]:
            now = parse_datetime(options["now"])
            if now is None and (day := parse_date(options["now"])) is not None:
                now = timezone.datetime.combine(day, timezone.datetime.min.time())
            if now is None:
                raise CommandError("--now attend une date ISO 8601, par exemple 2028-05-01 ou 2028-05-01T03:00.")
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        months = options["months"]
        if options["dry_run"]:
            due = beneficiaries_due(now=now, months=months).count()
            result = {"cutoff": retention_cutoff(now, months).isoformat(), "due": due, "anonymised": 0}
        else:
            result = {
                "cutoff": retention_cutoff(now, months).isoformat(),
                "anonymised": anonymise_expired(now=now, months=months),
            }
        self.stdout.write(json.dumps(result))
