"""`manage.py draw_pathway_graph`: draw the pathway state machine from the FSM (needs Graphviz' `dot`)."""

import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from workflows.pages.graph import pathway_dot

OUTPUT = Path(settings.BASE_DIR) / "static" / "img" / "pathway-states"


class Command(BaseCommand):
    help = "Dessine la machine à états des parcours (static/img/pathway-states.{dot,svg,png})."

    def handle(self, *args, **options):
        OUTPUT.parent.mkdir(parents=True, exist_ok=True)
        dot_file = OUTPUT.with_suffix(".dot")
        dot_file.write_text(pathway_dot(), encoding="utf-8")
        dot = shutil.which("dot")
        if dot is None:
            raise CommandError("Graphviz manque : apt-get install graphviz (le fichier .dot est écrit).")
        for fmt in ("svg", "png"):
            subprocess.run([dot, f"-T{fmt}", str(dot_file), "-o", str(OUTPUT.with_suffix(f".{fmt}"))], check=True)
        self.stdout.write(f"Écrit : {dot_file.with_suffix('')}.{{dot,svg,png}}")
