"""The two doors without a page: `manage.py import_flux` and the drop folder beat scans."""

from __future__ import annotations

import shutil
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from casework.enums import FluxImportStatus
from casework.models import FluxImport, Pathway
from tests.helpers import at
from workflows.flux.tasks import flux_drop_folder_scan_task

from .helpers import RECEIVED, D, dossier, flux_file, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(settings):
    settings.FLUX_READER = "tests.flux.jsonl.read_flux"


def run(*args, **kwargs) -> str:
    out = StringIO()
    call_command("import_flux", *args, stdout=out, **kwargs)
    return out.getvalue()


def test_the_command_imports_a_file_and_prints_its_report_and_a_second_time_changes_nothing(world, tmp_path, reader):
    path = flux_file(tmp_path, [dossier("1", person("ALPHA", "Un")), dossier("2", person("BETA", "Deux"))])
    out = run(str(path), received_on=RECEIVED, territory=world.territory.code)
    imp = FluxImport.objects.get()
    assert f"Import n° {imp.pk} : Terminé" in out and "Entrées : 2" in out
    assert imp.source == "command" and imp.by is None and imp.received_on == RECEIVED
    assert Pathway.objects.filter(entered_on=RECEIVED).count() == 2
    again = run(str(path), received_on=RECEIVED, territory=world.territory.code)
    assert "déjà été importé" in again and Pathway.objects.count() == 2


def test_the_command_refuses_a_missing_file_a_future_day_or_an_unknown_territory(world, tmp_path, reader):
    path = flux_file(tmp_path, [dossier("1", person("ALPHA", "Un"))])
    with pytest.raises(CommandError, match="Fichier introuvable"):
        run(str(tmp_path / "absent.xml"), territory=world.territory.code)
    with pytest.raises(CommandError, match="futur"):
        run(str(path), received_on=D(2099, 1, 1), territory=world.territory.code)
    with pytest.raises(CommandError, match="Territoire inconnu"):
        run(str(path), territory="nulle-part")
    assert not FluxImport.objects.exists()


def test_the_drop_folder_imports_each_new_file_once_and_sorts_it(world, tmp_path, settings, reader):
    drop = tmp_path / "depot"
    drop.mkdir()
    settings.FLUX_DROP_DIR, settings.FLUX_DROP_SETTLE_SECONDS = drop, 0
    settings.FLUX_DEFAULT_TERRITORY = world.territory.code
    good = flux_file(drop, [dossier("1", person("GAMMA", "Trois"))], name="caf-1.xml")
    flux_file(drop, [dossier("2", person("DELTA", "Quatre"))], name=".en-cours.xml")  # hidden: being written
    result = flux_drop_folder_scan_task.apply().get()  # now: the files were just written
    imp = FluxImport.objects.get()
    assert result["imported"] == [imp.pk] and imp.status == FluxImportStatus.DONE and imp.source == "folder"
    assert (drop / "traités" / "caf-1.xml").exists() and not good.exists()
    assert imp.stored_path == str(drop / "traités" / "caf-1.xml")
    assert (drop / ".en-cours.xml").exists()
    # The same file dropped again is already imported: recorded, moved aside, nothing written.
    shutil.copy(drop / "traités" / "caf-1.xml", drop / "caf-1-bis.xml")
    flux_drop_folder_scan_task.apply().get()
    assert FluxImport.objects.filter(status=FluxImportStatus.DUPLICATE).count() == 1
    assert (drop / "rejetés" / "caf-1-bis.xml").exists() and Pathway.objects.count() == 1


def test_a_file_still_being_written_waits_for_the_next_scan(world, tmp_path, settings, reader):
    drop = tmp_path / "depot"
    drop.mkdir()
    settings.FLUX_DROP_DIR, settings.FLUX_DROP_SETTLE_SECONDS = drop, 3600
    settings.FLUX_DEFAULT_TERRITORY = world.territory.code
    flux_file(drop, [dossier("1", person("GAMMA", "Trois"))], name="caf-1.xml")
    assert flux_drop_folder_scan_task.apply().get()["imported"] == []
    assert not FluxImport.objects.exists()


def test_the_scan_reruns_an_import_whose_message_was_lost(world, tmp_path, reader):
    from workflows.flux.importer import flux_import_create

    path = flux_file(tmp_path, [dossier("1", person("EPSILON", "Cinq"))])
    imp = flux_import_create(
        path, filename="f.xml", source="page", by=None, received_on=RECEIVED, territory=world.territory,
        now=at(RECEIVED),
    )  # fmt: skip
    result = flux_drop_folder_scan_task.apply(args=[at(RECEIVED, 10).isoformat()]).get()
    assert result["resumed"] == [imp.pk]  # pending for an hour: published again (eager here: it ran)
    imp.refresh_from_db()
    assert imp.status == FluxImportStatus.DONE and Pathway.objects.count() == 1
