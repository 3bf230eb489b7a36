"""The entry door takes a batch (the payers' flux enters thousands of people at once): a batch
writes exactly the rows that the same entries written one at a time write — people, pathways,
audit rows, journal, orientation clocks, tasks to sync — and refuses as a whole."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict

from casework.enums import PathwayState
from casework.models import Beneficiary, Deadline, Pathway, TransitionLog
from tests.helpers import at, make_world
from workflows.models import TasksSyncPending
from workflows.services.events import Entry, pathway_enter, pathways_enter
from workflows.services.transitions import pathway_transition

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 2)
SKIP = {"id", "pathway", "beneficiary", "previous", "created_at", "updated_at", "recorded_at", "history_date"}


def _entries(world, prefix: str, known: Beneficiary) -> list[Entry]:
    def new(i: int, **pathway_data) -> Entry:
        data = {
            "first_name": "Ana",
            "last_name": f"{prefix}{i}",
            "birth_date": dt.date(1980 + i, 1, 1),
            "territory": world.territory,
            "publics": ["rsa"],
            "household_size": i + 1,
        }
        return Entry(D - dt.timedelta(days=i), beneficiary_data=data, pathway_data=pathway_data, log_params={"i": i})

    return [new(0), new(1, transfer_from="751"), Entry(D, beneficiary=known, log_params={"again": True}), new(2)]


def _rows(pathways: list[Pathway]) -> list[dict]:
    """What each entry wrote, without ids, clocks or names (the two runs differ there)."""
    out = []
    for p in sorted(pathways, key=lambda p: p.entered_on):
        b = p.beneficiary
        out.append(
            {
                "beneficiary": {k: v for k, v in model_to_dict(b).items() if k not in SKIP | {"last_name"}},
                "beneficiary_audit": [h.history_type for h in b.audit.all()],
                "pathway": {k: v for k, v in model_to_dict(p).items() if k not in SKIP},
                "pathway_audit": [(h.history_type, h.state, h.history_user_id) for h in p.audit.all()],
                "journal": [
                    {k: v for k, v in model_to_dict(log).items() if k not in SKIP}
                    for log in TransitionLog.objects.filter(pathway=p)
                ],
                "clocks": [
                    {k: v for k, v in model_to_dict(d).items() if k not in SKIP}
                    for d in Deadline.objects.filter(pathway=p).order_by("rule_code")
                ],
                "to_sync": TasksSyncPending.objects.filter(pathway_id=p.pk).values_list("since", flat=True)[:1].get(),
            }
        )
    return out


def _closed_person(world, name: str) -> Beneficiary:
    data = {"first_name": "Lou", "last_name": name, "birth_date": dt.date(1990, 5, 5), "territory": world.territory}
    first = pathway_enter(beneficiary_data=data, entered_on=D - dt.timedelta(days=60), by=None, now=at(D))
    pathway_transition(
        first.pk,
        "close",
        by=world.officer.user,
        occurred_on=D - dt.timedelta(days=30),
        now=at(D),
        params={"close_reason": "rights_closed"},
    )
    return first.beneficiary


def test_a_batch_writes_the_rows_of_its_entries_one_at_a_time():
    world = make_world("lots")
    by = world.officer.user
    one_by_one = [
        pathway_enter(
            beneficiary_data=e.beneficiary_data,
            beneficiary=e.beneficiary,
            entered_on=e.entered_on,
            by=by,
            now=at(D),
            pathway_data=e.pathway_data,
            log_params=e.log_params,
        )
        for e in _entries(world, "UN", _closed_person(world, "AVANT1"))
    ]
    batch = pathways_enter(_entries(world, "LOT", _closed_person(world, "AVANT2")), by=by, now=at(D))

    assert len(batch) == 4
    assert all(p.state == PathwayState.ORIENTATION for p in batch)
    expected, got = _rows(one_by_one), _rows(batch)
    assert got == expected
    assert got[0]["clocks"] and got[0]["journal"][0]["by"] == by.pk
    assert [p.beneficiary.last_name for p in sorted(batch, key=lambda p: p.entered_on)] == [
        "LOT2",
        "LOT1",
        "LOT0",
        "AVANT2",
    ]


def test_one_refused_entry_refuses_the_batch_and_writes_nothing():
    world = make_world("refus")
    good = Entry(D, beneficiary_data={"first_name": "A", "last_name": "B", "birth_date": dt.date(1980, 1, 1),
                                      "territory": world.territory})  # fmt: skip
    too_young = Entry(D, beneficiary_data={**good.beneficiary_data, "birth_date": dt.date(2015, 1, 1)})
    before = (Beneficiary.objects.count(), Pathway.objects.count(), TransitionLog.objects.count())

    with pytest.raises(ValidationError) as refused:
        pathways_enter([good, too_young], by=world.officer.user, now=at(D))

    assert "birth_date" in refused.value.message_dict
    assert (Beneficiary.objects.count(), Pathway.objects.count(), TransitionLog.objects.count()) == before
