"""A batch of lines writes what the same lines applied one at a time write (PostgreSQL).

The same generated files (entries, transfers, closures, exits, payer suspensions and their
lifting, reopenings, bad lines) are imported twice from the same database state, in a savepoint
rolled back between the two: once in batches (`workflows.flux.batch`), once line by line (the
path a batch takes when it meets a database error). People, pathways, audit rows, journal,
clocks, accounts, reviews, tasks to sync and the lines' own rows must be the same.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict

from casework.models import (
    Beneficiary,
    Deadline,
    FluxImport,
    FluxLine,
    IdentityReview,
    Pathway,
    PayerAccount,
    TransitionLog,
)
from workflows.flux.batch import batches
from workflows.flux.generator import FluxSpec, generate
from workflows.flux.population import add_months
from workflows.models import TasksSyncPending

from .helpers import RECEIVED, dossier, import_file, import_records, person

pytestmark = pytest.mark.django_db
IDS = {"id", "pathway", "beneficiary", "previous", "rule", "created_at", "updated_at", "recorded_at"}


def _who(b: Beneficiary | None) -> tuple | None:
    return (b.last_name, b.first_name, b.birth_date) if b is not None else None


def _plain(obj, skip=()) -> str:
    return json.dumps({k: v for k, v in model_to_dict(obj).items() if k not in IDS | set(skip)}, default=str)


def _snapshot(imp: FluxImport) -> dict:
    """Everything the import wrote, by person rather than by id (ids differ between the runs)."""
    lines = (
        FluxLine.objects.filter(flux_import=imp).select_related("pathway__beneficiary", "review").order_by("line_no")
    )
    pathways = Pathway.objects.select_related("beneficiary", "previous__beneficiary")
    journal = TransitionLog.objects.select_related("pathway__beneficiary")
    clocks = Deadline.objects.select_related("pathway__beneficiary")
    return {
        "lines": [
            (x.line_no, x.outcome, x.reason, x.allocation_number, _who(x.pathway and x.pathway.beneficiary))
            for x in lines
        ],
        "pathways": sorted(
            (_who(p.beneficiary), _plain(p), _who(p.previous and p.previous.beneficiary), p.audit.count())
            for p in pathways
        ),
        "people": sorted((_who(b), _plain(b), b.audit.count()) for b in Beneficiary.objects.all()),
        "journal": sorted(
            (_who(x.pathway.beneficiary), _plain(x, {"params"}), {**x.params, "flux_import": 0}.items().__repr__())
            for x in journal
        ),
        "clocks": sorted((_who(d.pathway.beneficiary), _plain(d)) for d in clocks),
        "accounts": sorted(
            (_who(a.beneficiary), a.payer, a.allocation_number)
            for a in PayerAccount.objects.select_related("beneficiary")
        ),
        "reviews": sorted(
            (r.reason, _who(r.candidate), json.dumps({**r.request_data, "flux_import": 0}, sort_keys=True))
            for r in IdentityReview.objects.select_related("candidate")
        ),
        "to_sync": sorted(
            _who(t.pathway.beneficiary) for t in TasksSyncPending.objects.select_related("pathway__beneficiary")
        ),
    }


def _line_by_line(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise IntegrityError("the batch path refused, for the test")

    monkeypatch.setattr("workflows.flux.importer.batch_apply", refuse)


def _both_ways(run, monkeypatch) -> tuple[dict, dict]:
    """The snapshot of `run()` in batches, then of the same run line by line (kept)."""
    point = transaction.savepoint()
    batched = _snapshot(run())
    transaction.savepoint_rollback(point)
    with monkeypatch.context() as patch:
        _line_by_line(patch)
        one_by_one = _snapshot(run())
    return batched, one_by_one


def _file(folder: Path, month: int, received_on: dt.date, bad_lines: int = 0) -> Path:
    path = folder / f"caf-{month}.xml"
    spec = FluxSpec(dossiers=120, seed=5, month=month, received_on=received_on, bad_lines=bad_lines)
    with open(path, "w", encoding="utf-8") as out:
        generate(spec, out)
    return path


def _import(path: Path, world, received_on: dt.date) -> FluxImport:
    return import_file(path, world, received_on=received_on, reader=None)


def test_batches_write_what_the_lines_one_at_a_time_write(world, tmp_path, monkeypatch, settings):
    settings.FLUX_BATCH_LINES = 25
    days = {m: add_months(RECEIVED, m - 3) for m in (1, 2, 3)}
    files = {m: _file(tmp_path, m, days[m], bad_lines=6 if m == 3 else 0) for m in (1, 2, 3)}

    batched, one_by_one = _both_ways(lambda: _import(files[1], world, days[1]), monkeypatch)
    assert batched == one_by_one
    _import(files[2], world, days[2])
    batched, one_by_one = _both_ways(lambda: _import(files[3], world, days[3]), monkeypatch)

    assert batched == one_by_one
    kinds = {outcome for _, outcome, *_ in batched["lines"]}
    assert {"entry", "transfer", "reopening", "closure", "exit", "suspension", "resumption", "unchanged"} <= kinds
    assert "rejected" in kinds and len(batched["lines"]) == 126


def test_a_doubtful_match_and_a_refused_entry_are_the_same_in_batches(world, tmp_path, monkeypatch):
    marie = person("DUPONT", "Marie", dt.date(1990, 1, 1), nir="2 90 01 75 123 456 78")
    import_records(tmp_path, world, [dossier("4001", marie)], received_on=RECEIVED - dt.timedelta(days=30))
    records = [  # the same identity under another NIR and another number: to verify, never merged
        dossier("5001", person("DUPONT", "Marie", dt.date(1990, 1, 1), nir="2 90 01 75 123 999 78")),
        dossier("5002", person("JEUNE", "Léo", dt.date(2015, 3, 3))),  # under 16: the line is refused
        dossier("5003", person("NOUVEAU", "Théo"), person("NOUVELLE", "Zoé", subject=False)),
    ]
    batched, one_by_one = _both_ways(lambda: import_records(tmp_path, world, records), monkeypatch)

    assert batched == one_by_one
    assert [outcome for _, outcome, *_ in batched["lines"]] == ["to_verify", "rejected", "entry"]


def test_a_line_touching_what_an_earlier_line_of_the_batch_touches_starts_the_next_batch():
    first = dossier("6001", person("ROUX", "Ana"))
    other_household = dossier("6002", person("BLANC", "Eva"))
    same_person = dossier("6003", person("ROUX", "Ana"))  # another number, the same identity
    same_household = dossier("6001", person("ROUX", "Paul"))
    nir = dossier("6004", person("NOIR", "Léa", nir="2 90 01 75 123 456 78"))
    same_nir_written_otherwise = dossier("6005", person("NOIRE", "Léa", nir="290017512345678"))

    lines = [first, other_household, same_person, same_household, nir, same_nir_written_otherwise]
    cut = [[r.allocation_number for r in b] for b in batches(lines, 10)]

    assert cut == [["6001", "6002"], ["6003", "6001", "6004"], ["6005"]]


def test_a_refused_closure_refuses_its_whole_line_and_nothing_of_it_is_written(world, tmp_path, monkeypatch):
    """A household of two closes; the door refuses one of the two closures: the line is refused,
    the other closure of that line undone, another line's closure kept."""
    from workflows.flux import batch
    from workflows.services.errors import TransitionConflict

    couple = [person("HAUT", "Ana", dt.date(1980, 1, 1)), person("HAUT", "Bob", dt.date(1981, 1, 1))]
    alone = person("BAS", "Eve", dt.date(1982, 1, 1))
    opened = RECEIVED - dt.timedelta(days=40)
    import_records(tmp_path, world, [dossier("7001", *couple), dossier("7002", alone)], received_on=opened)
    refused_for = Pathway.objects.get(beneficiary__first_name="Bob").pk
    door = batch.pathways_transition

    def refusing(name, moves, **kw):
        kept = [m for m in moves if m.pathway_id != refused_for]
        results = iter(door(name, kept, **kw))
        return [TransitionConflict("Refusée.") if m.pathway_id == refused_for else next(results) for m in moves]

    monkeypatch.setattr(batch, "pathways_transition", refusing)
    imp = import_records(
        tmp_path, world, [dossier("7001", *couple, state="closed"), dossier("7002", alone, state="closed")]
    )

    outcomes = dict(FluxLine.objects.filter(flux_import=imp).values_list("allocation_number", "outcome"))
    assert outcomes == {"7001": "rejected", "7002": "closure"}
    states = dict(Pathway.objects.values_list("beneficiary__first_name", "state"))
    assert states == {"Ana": "orientation", "Bob": "orientation", "Eve": "closed"}
    assert not TransitionLog.objects.filter(pathway__beneficiary__last_name="HAUT", transition="close").exists()
