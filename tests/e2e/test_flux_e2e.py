"""Browser scenario of issue 16: a person who runs imports uploads a CAF file with bad lines on
« Imports des flux », follows the import to its report (counts, rejected lines with their number
and reason) and sees a running import's progress bar. axe-core finds no WCAG 2.1 A/AA violation
on any of these pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casework.enums import FluxImportStatus
from casework.models import FluxImport, Pathway
from tests.e2e.conftest import check_accessible, login
from tests.flux.helpers import grant_importer
from tests.helpers import at, make_world
from workflows.flux.generator import FluxSpec, generate

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_an_importer_uploads_a_caf_file_and_reads_its_report(browser, live_server, settings, tmp_path):
    settings.FLUX_UPLOAD_DIR = tmp_path / "envois"
    today = timezone.localdate()
    received = today - dt.timedelta(days=1)
    world = make_world("flux-e2e")
    grant_importer(world.officer.user)
    path = tmp_path / "caf-decembre.xml"
    with open(path, "w", encoding="utf-8") as out:
        generate(FluxSpec(dossiers=12, seed=3, received_on=received, bad_lines=2), out)

    page = login(browser, live_server, world.officer.user.username)
    page.goto(f"{live_server.url}/imports-flux/")
    page.get_by_role("heading", name="Imports des flux des organismes payeurs").wait_for()
    check_accessible(page)
    page.get_by_label("Fichier du flux").set_input_files(str(path))
    page.get_by_label("Reçu le").fill(received.isoformat())
    page.get_by_role("button", name="Importer").click()
    page.get_by_role("heading", name="Rapport").wait_for()
    check_accessible(page)

    imp = FluxImport.objects.get()
    assert imp.status == FluxImportStatus.DONE and imp.by_id == world.officer.user_id
    assert imp.counts.get("rejected") == 2 and Pathway.objects.filter(territory=world.territory).exists()
    assert page.get_by_text("Entrées", exact=True).first.is_visible()
    rejected = imp.lines.filter(outcome="rejected").order_by("line_no")
    for line in rejected:
        assert page.get_by_role("cell", name=str(line.line_no), exact=True).first.is_visible()
    # A running import: its report page polls a progress bar, as accessible as the rest.
    running = FluxImport.objects.create(
        source="page", filename="caf-janvier.xml", digest="e" * 64, received_on=received,
        territory=world.territory, status=FluxImportStatus.RUNNING, lines_total=400, position=100,
        created_at=at(today), by=world.officer.user,
    )  # fmt: skip
    page.goto(f"{live_server.url}/imports-flux/{running.pk}/")
    page.get_by_role("heading", name="Progression").wait_for()
    check_accessible(page)
    page.goto(f"{live_server.url}/imports-flux/")
    assert page.get_by_test_id("flux-imports").get_by_role("link", name=str(imp.pk), exact=True).is_visible()
    check_accessible(page)
