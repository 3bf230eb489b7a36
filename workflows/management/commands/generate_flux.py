"""`manage.py generate_flux --dossiers N --out FILE`: a made-up payer's file, written as it goes.

Options (also in docs/flux.md):
  --dossiers N        dossiers of the population (the file holds N, plus the bad lines)
  --out FILE          where to write (overwritten)
  --payer P           cnaf (CNAF XML, default), msa (the same XML sent by the MSA) or csv
  --seed S            the population (default 1): same seed, same people and numbers
  --month K           the month of the population's story (default 1: mostly entries; from 2
                      on: closures, suspensions, reopenings, transfers in, new entries)
  --received-on D     the day the file is received (default: the 5th of month K from January 2026)
  --bad-lines K       add K refused dossiers, each kind of line error in turn
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser

from workflows.flux.generator import FORMATS, FluxSpec, generate
from workflows.flux.population import MAX_DOSSIERS


class Command(BaseCommand):
    help = "Écrit un fichier de flux réaliste (CNAF, MSA ou CSV partenaire) pour les tests, la démo et le banc."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dossiers", type=int, required=True)
        parser.add_argument("--out", required=True)
        parser.add_argument("--payer", choices=FORMATS, default="cnaf")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--month", type=int, default=1)
        parser.add_argument("--received-on", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--bad-lines", type=int, default=0)

    def handle(self, *args, **options) -> None:
        if not 1 <= options["dossiers"] <= MAX_DOSSIERS:
            raise CommandError(f"--dossiers doit être compris entre 1 et {MAX_DOSSIERS}.")
        if options["month"] < 1 or options["bad_lines"] < 0:
            raise CommandError("--month doit valoir au moins 1 et --bad-lines ne peut être négatif.")
        spec = FluxSpec(
            dossiers=options["dossiers"],
            payer=options["payer"],
            seed=options["seed"],
            month=options["month"],
            received_on=options["received_on"],
            bad_lines=options["bad_lines"],
        )
        with open(options["out"], "w", encoding="utf-8", newline="", buffering=1024 * 1024) as out:
            counts = generate(spec, out)
        summary = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
        self.stdout.write(f"{options['out']} (reçu le {spec.receipt:%d/%m/%Y}) : {summary}")
