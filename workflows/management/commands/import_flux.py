"""`manage.py import_flux FILE [--received-on D] [--payer cnaf|msa|partner] [--territory CODE]`.

Imports a payer's file in this process (the same importer as the page and the drop folder) and
prints the report. The same file a second time is recorded as « déjà importé » and changes
nothing; an interrupted import of the same file resumes where it stopped.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from casework.enums import FluxImportStatus, FluxOutcome, FluxSource, Payer
from casework.models import Territory
from workflows.flux.importer import default_territory, flux_import_create, flux_import_run


class Command(BaseCommand):
    help = "Importe un fichier de flux d'un organisme payeur (CAF, MSA, CSV partenaire) et affiche le rapport."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--received-on", type=dt.date.fromisoformat, help="jour de réception (AAAA-MM-JJ)")
        parser.add_argument("--payer", choices=Payer.values, default="")
        parser.add_argument("--territory", default="", help="code du territoire des nouvelles entrées")

    def handle(self, *args, **options):
        path: Path = options["file"].resolve()
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        now = timezone.now()
        received_on = options["received_on"] or timezone.localdate(now)
        if received_on > timezone.localdate(now):
            raise CommandError("Le jour de réception ne peut pas être dans le futur.")
        code = options["territory"]
        territory = Territory.objects.filter(code=code).first() if code else default_territory()
        if territory is None:
            raise CommandError("Territoire inconnu : précisez --territory CODE (ou FLUX_DEFAULT_TERRITORY).")
        imp = flux_import_create(
            path, filename=path.name, source=FluxSource.COMMAND, by=None, received_on=received_on,
            territory=territory, now=now, payer=options["payer"],
        )  # fmt: skip
        if imp.status != FluxImportStatus.DUPLICATE:
            imp = flux_import_run(imp.pk, now=now, clock=timezone.now)
        self.stdout.write(f"Import n° {imp.pk} : {imp.get_status_display()}")
        if imp.status == FluxImportStatus.DUPLICATE:
            self.stdout.write(f"Ce fichier a déjà été importé (import n° {imp.duplicate_of_id}) : rien n'a changé.")
        if imp.error:
            self.stdout.write(imp.error)
        for outcome in FluxOutcome:
            if imp.counts.get(outcome.value):
                self.stdout.write(f"  {outcome.label} : {imp.counts[outcome.value]}")
        if imp.status == FluxImportStatus.FAILED:
            raise CommandError("Import interrompu.")
