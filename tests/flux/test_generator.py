"""generate_flux writes what the readers read: the kinds it claims, month after month."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command

from workflows.flux.generator import FluxSpec, generate
from workflows.flux.population import OPEN_KINDS, dossier
from workflows.flux.records import FluxLineError, FluxRecord, Payer, RightState

from .samples import read

ERRORS = {
    "bad:unknown_code": "Code d'état du droit inconnu « 9 »",
    "bad:missing_field": "Champ obligatoire manquant : NUMDEMRSA",
    "bad:future_date": "Date dans le futur : DTDEMRSA",
    "bad:under_16": "Personne soumise à droits et devoirs (rôle DEM) âgée de moins de 16 ans",
    "bad:duplicate": "La même personne figure deux fois dans le fichier (même NIR)",
    "bad:bad_date": "Date invalide",
}


def generated(spec: FluxSpec) -> tuple[Counter, str]:
    out = io.StringIO()
    counts = generate(spec, out)
    return counts, out.getvalue()


def tally(results: list) -> Counter:
    seen: Counter = Counter()
    for result in results:
        if isinstance(result, FluxLineError):
            kind = next(kind for kind, start in ERRORS.items() if result.message.startswith(start))
            seen[kind] += 1
        else:
            seen[result.right_state] += 1
            seen["transfer"] += bool(result.transfer_from)
            seen["out_of_perimeter"] += not any(p.subject_to_rights_and_duties for p in result.persons)
    return seen


@pytest.mark.parametrize(("payer", "expected"), [("cnaf", Payer.CNAF), ("msa", Payer.MSA), ("csv", Payer.PARTNER)])
def test_the_file_reads_back_as_the_kinds_the_generator_wrote(payer, expected):
    spec = FluxSpec(dossiers=400, payer=payer, month=3, bad_lines=12)
    counts, text = generated(spec)
    results = read(text, received_on=spec.receipt)
    seen = tally(results)
    assert seen[RightState.OPEN] == sum(counts[kind] for kind in (*OPEN_KINDS, "leaves_perimeter"))
    assert seen[RightState.SUSPENDED] == counts["suspension"]
    assert seen[RightState.CLOSED] == counts["closure"]
    assert seen["transfer"] == counts["transfer_in"] > 0
    assert seen["out_of_perimeter"] == counts["leaves_perimeter"] > 0
    assert counts["reopening"] > 0 and counts["entry"] > 0
    for kind in ERRORS:
        assert seen[kind] == counts[kind] == 2
    records = [r for r in results if isinstance(r, FluxRecord)]
    assert {r.payer for r in records} == {expected}
    assert len({r.allocation_number for r in records}) == len(records) == 400


def test_month_one_is_mostly_entries_of_households_subject_to_rights_and_duties():
    spec = FluxSpec(dossiers=300, month=1)
    counts, text = generated(spec)
    records = read(text, received_on=spec.receipt)
    assert counts["entry"] >= 0.85 * 300
    entries = [r for r in records if r.right_state == RightState.OPEN]
    assert all(r.persons[0].role == "DEM" and r.persons[0].subject_to_rights_and_duties for r in entries)
    assert any(p.role == "CJT" for r in entries for p in r.persons)
    assert all(not p.subject_to_rights_and_duties for r in entries for p in r.persons if p.role == "ENF")


def test_the_same_seed_writes_the_same_bytes_and_another_seed_other_people():
    spec = FluxSpec(dossiers=150, month=2, bad_lines=6)
    digest = hashlib.sha256(generated(spec)[1].encode()).hexdigest()
    assert hashlib.sha256(generated(spec)[1].encode()).hexdigest() == digest
    other = generated(FluxSpec(dossiers=150, month=2, bad_lines=6, seed=2))[1]
    assert hashlib.sha256(other.encode()).hexdigest() != digest


def states_by_allocation(month: int, dossiers: int = 300) -> dict[str, FluxRecord]:
    spec = FluxSpec(dossiers=dossiers, month=month)
    return {r.allocation_number: r for r in read(generated(spec)[1], received_on=spec.receipt)}


def test_months_follow_the_same_population():
    months = {month: states_by_allocation(month) for month in (1, 2, 3, 4)}
    assert len(months[1].keys() & months[2].keys()) >= 0.9 * 300
    first_month = FluxSpec(dossiers=300).first_month
    stories = [dossier(1, slot, 4, first_month) for slot in range(300)]
    assert {"reopening", "transfer_in", "closure", "suspension"} <= {now.kind for now in stories}
    for now in stories:
        record = months[4][now.allocation_number]
        if now.kind == "reopening":  # closed (or out of the perimeter) last month, open again
            before = months[3][now.allocation_number]
            assert before.right_state == RightState.CLOSED or not before.persons[0].subject_to_rights_and_duties
            assert record.right_state == RightState.OPEN and record.persons[0].subject_to_rights_and_duties
        elif now.kind == "transfer_in":  # a new household from another département
            assert record.transfer_from and all(now.allocation_number not in months[m] for m in (1, 2, 3))
        elif now.kind == "closure":  # from an open or a suspended right
            assert months[3][now.allocation_number].right_state in (RightState.OPEN, RightState.SUSPENDED)
        elif now.kind == "suspension":
            assert months[3][now.allocation_number].right_state == RightState.OPEN


def test_the_command_writes_the_file_and_says_what_is_in_it(tmp_path):
    out = io.StringIO()
    path = tmp_path / "flux.csv"
    call_command("generate_flux", "--dossiers", "60", "--out", str(path), "--payer", "csv", "--bad-lines", "6",
                 "--month", "2", "--received-on", "2026-06-10", stdout=out)  # fmt: skip
    assert "(reçu le 10/06/2026)" in out.getvalue() and "bad:duplicate 1" in out.getvalue()
    with path.open("rb") as handle:
        results = read(handle.read(), received_on=dt.date(2026, 6, 10))
    assert sum(isinstance(r, FluxLineError) for r in results) == 6
    with pytest.raises(CommandError, match="--dossiers doit être compris entre 1 et 1000000"):
        call_command("generate_flux", "--dossiers", "0", "--out", str(path))
