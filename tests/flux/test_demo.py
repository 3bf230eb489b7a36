"""`make run`'s demo imports one small payer's file, so the import page shows a real report."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from casework.enums import FluxImportStatus
from casework.models import FluxImport

pytestmark = pytest.mark.django_db


def test_the_demo_imports_one_file_that_the_orientation_officer_reads(client, settings, tmp_path):
    settings.FLUX_UPLOAD_DIR = tmp_path
    call_command("seed_demo", beneficiaries=3, today="2026-11-30", stdout=StringIO())
    imp = FluxImport.objects.get()
    assert imp.status == FluxImportStatus.DONE and imp.by.username == "orientation"
    assert imp.counts["rejected"] == 3 and imp.counts.get("entry", 0) > 10
    client.force_login(imp.by)
    page = client.get(reverse("flux:detail", args=[imp.pk])).content.decode()
    assert "flux-caf-demo.xml" in page and "Lignes rejetées" in page
    assert "Imports des flux" in client.get(reverse("flux:list")).content.decode()
