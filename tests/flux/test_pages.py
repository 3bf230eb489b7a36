"""The import pages: who may (403/404), the upload through the task, the report, its CSV."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from casework.enums import FluxImportStatus, PathwayState
from casework.models import FluxImport, Pathway
from tests.helpers import advance, at

from .helpers import RECEIVED, D, dossier, flux_file, grant_importer, import_records, person

pytestmark = pytest.mark.django_db


@pytest.fixture
def importer(world, settings, tmp_path):
    settings.FLUX_READER = "tests.flux.jsonl.read_flux"
    settings.FLUX_UPLOAD_DIR = tmp_path / "envois"
    grant_importer(world.officer.user)
    return world.officer.user


def upload(client, path, *, received_on=RECEIVED, territory=None, name="flux.csv"):
    data = {
        "file": SimpleUploadedFile(name, path.read_bytes(), content_type="text/csv"),
        "received_on": received_on.isoformat(),
        "territory": territory,
        "payer": "cnaf",
    }
    return client.post(reverse("flux:upload"), data)


def test_people_without_the_import_right_get_403_on_the_pages_and_404_on_an_import(world, client, tmp_path):
    imp = import_records(tmp_path, world, [dossier("1", person("A", "B"))])
    for pro in (world.referent, world.lead, world.officer):  # the right is a group's, not a role's
        client.force_login(pro.user)
        assert client.get(reverse("flux:list")).status_code == 403
        assert client.post(reverse("flux:upload"), {}).status_code == 403
        assert client.get(reverse("flux:detail", args=[imp.pk])).status_code == 404
        assert client.get(reverse("flux:rejected-csv", args=[imp.pk])).status_code == 404
        assert client.get(reverse("flux:progress", args=[imp.pk])).status_code == 404
        assert "Imports des flux" not in client.get(reverse("workspace:help")).content.decode()


def test_an_importer_elsewhere_does_not_see_this_territorys_imports(world, client, tmp_path):
    imp = import_records(tmp_path, world, [dossier("1", person("A", "B"))])
    grant_importer(world.outsider.user)
    client.force_login(world.outsider.user)
    assert client.get(reverse("flux:list")).status_code == 200
    assert client.get(reverse("flux:detail", args=[imp.pk])).status_code == 404


def test_upload_runs_the_import_and_the_report_shows_counts_and_rejected_lines(
    world, client, importer, tmp_path, django_capture_on_commit_callbacks
):
    records = [
        dossier("9001", person("MARCHAND", "Inès")),
        dossier("9002", person("FANTOME", "Léo"), state="closed", on=D(2026, 10, 1)),
    ]
    path = flux_file(tmp_path, records)
    client.force_login(importer)
    page = client.get(reverse("flux:list")).content.decode()
    assert "Imports des flux" in page and 'enctype="multipart/form-data"' in page
    with django_capture_on_commit_callbacks(execute=True):  # the task runs (eagerly) after commit
        response = upload(client, path, territory=world.territory.pk)
    imp = FluxImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("flux:detail", args=[imp.pk])
    assert imp.status == FluxImportStatus.DONE and imp.by == importer and imp.source == "page"
    assert imp.counts == {"entry": 1, "rejected": 1} and imp.filename == "flux.csv"
    report = client.get(response["Location"]).content.decode()
    assert "Terminé" in report and "hx-get" not in report  # finished: no more polling
    assert 'data-outcome="entry"><th scope="row">Entrées</th><td>1</td>' in report
    assert "dossier inconnu" in report and "9002" in report
    csv = client.get(reverse("flux:rejected-csv", args=[imp.pk]))
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Ligne;Numéro d'allocataire;Motif" and lines[1].startswith("2;9002;Clôture du droit")
    # The same file again: recorded as already imported, nothing written.
    with django_capture_on_commit_callbacks(execute=True):
        again = upload(client, path, territory=world.territory.pk)
    second = FluxImport.objects.exclude(pk=imp.pk).get()
    assert second.status == FluxImportStatus.DUPLICATE and Pathway.objects.count() == 1
    assert "Déjà importé" in client.get(again["Location"]).content.decode()


def test_a_running_import_shows_a_progress_bar_that_polls(world, client, importer):
    imp = FluxImport.objects.create(
        source="page", filename="f.xml", digest="d" * 64, received_on=RECEIVED, territory=world.territory,
        status=FluxImportStatus.RUNNING, lines_total=200, position=50, created_at=at(RECEIVED), by=importer,
    )  # fmt: skip
    client.force_login(importer)
    panel = client.get(reverse("flux:progress", args=[imp.pk])).content.decode()
    assert 'hx-trigger="every 2s"' in panel and '<progress id="flux-bar" max="100" value="25">' in panel
    assert "50 sur 200" in panel


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"name": "flux.exe"}, "Format non accepté"),
        ({"received_on": D(2099, 1, 1)}, "ne peut pas être dans le futur"),
    ],
)
def test_a_bad_upload_is_refused_in_french_by_its_field_and_records_nothing(
    world, client, importer, tmp_path, kwargs, message
):
    path = flux_file(tmp_path, [dossier("1", person("A", "B"))])
    client.force_login(importer)
    response = upload(client, path, territory=world.territory.pk, **kwargs)
    assert response.status_code == 400 and message in response.content.decode()
    assert 'aria-describedby="' in response.content.decode()
    assert not FluxImport.objects.exists()


def test_a_territory_the_organisation_does_not_cover_is_refused(world, client, importer, tmp_path):
    path = flux_file(tmp_path, [dossier("1", person("A", "B"))])
    client.force_login(importer)
    elsewhere = world.outsider.organisation.territories.get()
    response = upload(client, path, territory=elsewhere.pk)
    assert response.status_code == 400 and "pas couvert par votre organisation" in response.content.decode()


def test_the_pathway_page_shows_the_payer_suspension_and_the_suggested_referent(world, client, tmp_path):
    import_records(tmp_path, world, [dossier("1006", person("FAURE", "Luc"))], received_on=D(2026, 1, 5))
    first = advance(world, Pathway.objects.get(), PathwayState.SOCIAL_TRACK, D(2026, 1, 6))
    import_records(
        tmp_path, world, [dossier("1006", person("FAURE", "Luc"), state="closed", on=D(2026, 3, 31))],
        received_on=D(2026, 4, 1),
    )  # fmt: skip
    suspended = [dossier("1006", person("FAURE", "Luc"), state="suspended", on=D(2026, 11, 2))]
    import_records(tmp_path, world, suspended)
    second = Pathway.objects.exclude(pk=first.pk).get()
    world.t(second, "orient", D(2026, 11, 3), organisation=world.dept, track=first.track)
    client.force_login(world.lead.user)
    page = client.get(reverse("workspace:pathway", args=[second.pk])).content.decode()
    assert "Versement suspendu par l'organisme payeur" in page and "02/11/2026" in page
    assert f"réouverture, parcours précédent n° {first.pk}" in page
    assert f"Suggéré : {world.referent}, dernier référent du parcours précédent" in page
    assert f'<option value="{world.referent.pk}" selected>' in page


def test_uploading_a_real_caf_xml_file_imports_it_through_the_readers(
    world, client, settings, tmp_path, django_capture_on_commit_callbacks
):
    from workflows.flux.generator import FluxSpec, generate

    settings.FLUX_UPLOAD_DIR = tmp_path / "envois"
    grant_importer(world.officer.user)
    spec = FluxSpec(dossiers=20, seed=3, bad_lines=2)
    path = tmp_path / "caf.xml"
    with open(path, "w", encoding="utf-8") as out:
        generate(spec, out)
    client.force_login(world.officer.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, path, received_on=spec.receipt, territory=world.territory.pk, name="caf.xml")
    imp = FluxImport.objects.get()
    assert response.status_code == 302 and imp.status == FluxImportStatus.DONE
    assert imp.counts["rejected"] == 2 and sum(imp.counts.values()) == 22
