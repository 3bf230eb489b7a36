"""The bench's flux files hold what they claim (no timing asserted)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bench.flux import files
from tests.flux.jsonl import read_flux


def test_the_timed_file_mixes_every_kind_of_line(tmp_path):
    made = files(tmp_path, 400, received_on=dt.date(2026, 12, 3))
    with open(made["timed"], "rb") as stream:
        records = list(read_flux(stream, received_on=dt.date(2026, 12, 3)))
    assert len(records) == 400
    kinds = Counter((r.right_state, r.persons[0].subject_to_rights_and_duties, bool(r.transfer_from)) for r in records)
    assert kinds[("closed", True, False)] and kinds[("suspended", True, False)] and kinds[("open", False, False)]
    assert kinds[("open", True, True)] and kinds[("open", True, False)]
    with open(made["setup"], "rb") as stream:
        assert sum(1 for _ in read_flux(stream, received_on=dt.date(2026, 12, 3))) == 80
