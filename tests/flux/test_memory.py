"""Reading a large file costs the same memory as a small one: the file is never held whole.

A ~30 MB generated file is read under tracemalloc; what stays is the dossier being read and
16 bytes of hashes per adult (to see the same person twice), a few MiB at most.
"""

from __future__ import annotations

import tracemalloc
from collections import Counter

from workflows.flux.generator import FluxSpec, generate
from workflows.flux.readers import read_flux
from workflows.flux.records import FluxLineError

PEAK_BOUND = 8 * 1024**2


def test_reading_a_30_mb_file_stays_under_a_few_mib(tmp_path):
    spec = FluxSpec(dossiers=14_500, month=3, bad_lines=60)
    path = tmp_path / "flux.xml"
    with path.open("w", encoding="utf-8") as out:
        counts = generate(spec, out)
    size = path.stat().st_size
    assert size > 28 * 1024**2

    seen: Counter = Counter()
    tracemalloc.start()
    try:
        with path.open("rb") as stream:
            for result in read_flux(stream, received_on=spec.receipt):
                seen["error" if isinstance(result, FluxLineError) else "record"] += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert seen == {"record": 14_500, "error": 60}
    assert sum(counts.values()) == 14_560
    assert peak < PEAK_BOUND, f"peak {peak / 1024**2:.1f} MiB for a {size / 1024**2:.0f} MiB file"
