"""The offers search measure runs at a tiny N so that it cannot rot (no timed assertions)."""

from __future__ import annotations

import pytest

from bench import offers as bench_offers
from bench import run as bench_run
from casework.models import Offer


@pytest.mark.django_db
def test_the_offers_bench_writes_its_offers_once_and_measures_searches_that_find_some(needs_postgres, world):
    assert bench_offers.offers_ensure(300) == 300
    assert bench_offers.offers_ensure(300) == 0
    assert Offer.objects.filter(title__startswith=bench_offers.TITLE_PREFIX).count() == 300
    result = bench_offers.measure(runs=1, n=300)
    assert result["full_text"] and result["queries"] == bench_offers.QUERIES_PER_RUN
    assert result["mean_results"] > 0 and result["p95_ms"] >= result["p50_ms"] > 0
    assert "offers search (300 offers" in bench_run.table({"offers_search": result})
