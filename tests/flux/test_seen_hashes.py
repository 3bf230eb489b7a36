"""The compact set of hashes the readers keep to see the same person twice."""

from __future__ import annotations

from workflows.flux.readers.checks import SeenHashes, short_hash


def test_hashes_are_found_before_and_after_they_are_merged_into_the_sorted_array(monkeypatch):
    monkeypatch.setattr(SeenHashes, "RECENT_MAX", 4)
    seen = SeenHashes()
    keys = [short_hash("nir", str(n)) for n in range(50)]
    for key in keys:
        seen.add(key)
    seen.add(keys[0])  # already there: not counted twice
    assert len(seen) == 50 and len(seen.recent) < 4
    assert list(seen.sorted) == sorted(seen.sorted)
    assert all(key in seen for key in keys)
    assert short_hash("nir", "absent") not in seen
