"""Real files: the payers' XML (and a partner's CSV) written by the generator, read by the readers,
applied by the importer — month after month, every line counted under the outcome it should have."""

from __future__ import annotations

from collections import Counter

import pytest

from casework.enums import FluxImportStatus, FluxSource
from casework.models import FluxLine, Pathway
from tests.helpers import at
from workflows.flux.generator import FluxSpec, generate
from workflows.flux.importer import flux_import_create, flux_import_run

pytestmark = pytest.mark.django_db

# What each kind of the generator's dossier becomes in the import's report.
OUTCOME_OF_KIND = {
    "entry": "entry",
    "transfer_in": "transfer",
    "pending": "unchanged",
    "unchanged": "unchanged",
    "closure": "closure",
    "leaves_perimeter": "exit",
    "suspension": "suspension",
    "suspension_lifted": "resumption",
    "reopening": "reopening",
}


def month_file(tmp_path, month: int, *, payer: str = "cnaf", bad_lines: int = 0):
    spec = FluxSpec(dossiers=80, payer=payer, seed=5, month=month, bad_lines=bad_lines)
    path = tmp_path / f"{payer}-{month}.{'csv' if payer == 'csv' else 'xml'}"
    with open(path, "w", encoding="utf-8", newline="") as out:
        kinds = generate(spec, out)
    expected = Counter()
    for kind, n in kinds.items():
        expected["rejected" if kind.startswith("bad:") else OUTCOME_OF_KIND[kind]] += n
    return path, spec.receipt, expected


def import_path(path, received_on, world):
    imp = flux_import_create(
        path, filename=path.name, source=FluxSource.COMMAND, by=None, received_on=received_on,
        territory=world.territory, now=at(received_on),
    )  # fmt: skip
    return flux_import_run(imp.pk, now=at(received_on), clock=lambda: at(received_on, 10))


@pytest.mark.parametrize("payer", ["cnaf", "csv"])
def test_three_months_of_a_payers_files_apply_each_line_as_its_kind(world, tmp_path, payer):
    for month in (1, 2, 3):
        path, received_on, expected = month_file(tmp_path, month, payer=payer, bad_lines=6 if month == 1 else 0)
        imp = import_path(path, received_on, world)
        assert imp.status == FluxImportStatus.DONE, imp.error
        assert Counter(imp.counts) == expected, f"month {month}"
    assert FluxLine.objects.filter(outcome="rejected", reason="").count() == 0  # every rejection says why
    assert (
        Pathway.objects.filter(transfer_from__gt="").exists()
        and Pathway.objects.filter(previous__isnull=False).exists()
    )


def test_the_same_real_file_twice_is_recorded_as_deja_importe(world, tmp_path):
    path, received_on, _ = month_file(tmp_path, 1, bad_lines=2)
    first = import_path(path, received_on, world)
    rows = (Pathway.objects.count(), FluxLine.objects.count())
    second = flux_import_create(
        path, filename="copie.xml", source=FluxSource.FOLDER, by=None, received_on=received_on,
        territory=world.territory, now=at(received_on),
    )  # fmt: skip
    assert second.status == FluxImportStatus.DUPLICATE and second.duplicate_of == first
    assert (Pathway.objects.count(), FluxLine.objects.count()) == rows


def test_rejected_lines_of_a_real_file_carry_the_readers_french_reason_and_line(world, tmp_path):
    path, received_on, _ = month_file(tmp_path, 1, bad_lines=6)
    imp = import_path(path, received_on, world)
    rejected = list(FluxLine.objects.filter(flux_import=imp, outcome="rejected").order_by("line_no"))
    assert len(rejected) == 6
    assert all(f"ligne {line.line_no}" in line.reason.lower() or line.reason for line in rejected)
    assert any("16 ans" in line.reason for line in rejected)
