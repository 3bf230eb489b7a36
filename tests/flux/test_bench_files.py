"""The bench's flux files hold what they claim (no timing asserted)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bench.flux import files
from workflows.flux.readers import read_flux
from workflows.flux.records import FluxRecord


def test_the_timed_file_is_month_3_of_a_population_and_mixes_the_kinds(tmp_path, settings):
    made = files(tmp_path, 300, received_on=dt.date(2026, 12, 3))
    assert sorted(made["files"]) == [1, 2, 3] and made["received_on"][3] == dt.date(2026, 12, 3)
    with open(made["files"][3], "rb") as stream:
        records = [r for r in read_flux(stream, received_on=dt.date(2026, 12, 3)) if isinstance(r, FluxRecord)]
    assert len(records) == 300
    states = Counter(r.right_state for r in records)
    assert states["open"] and states["closed"] and states["suspended"]
    assert any(r.transfer_from for r in records)
