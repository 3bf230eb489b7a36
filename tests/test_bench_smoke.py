"""The benchmark code runs once at a tiny N so that it cannot rot (no timed assertions).

It checks the structure of the results and the correctness checks the benchmark makes:
the sweep creates exactly the alerts its raw SQL twin creates, a re-run creates none, and
concurrent transitions lose no update. The Celery/Redis part runs when REDIS_URL is set.
"""

from __future__ import annotations

import datetime as dt
import io
import os

import pytest
from django.core.management import call_command

from bench import run as bench_run

TODAY = dt.date(2026, 11, 27)  # a Friday: alert days on a working day


@pytest.fixture
def loaded(needs_postgres):
    from casework.management.commands.generate_load import Command

    cmd = Command(stdout=io.StringIO())
    call_command(cmd, pathways=300, today=TODAY, skip_checks=True)
    return cmd.result


@pytest.mark.django_db(transaction=True)
def test_generate_load_makes_every_state_and_due_deadlines(loaded):
    from casework.enums import PathwayState
    from casework.models import Deadline, Pathway

    assert loaded["rows"]["casework_pathway"] == 300
    states = set(Pathway.objects.values_list("state", flat=True))
    assert states == set(PathwayState.values)
    open_count = Deadline.objects.filter(status="open").count()
    closed_count = Deadline.objects.filter(status__in=["met", "cancelled"]).count()
    assert open_count > 0 and closed_count > 0
    assert loaded["due_today"] > 0


@pytest.mark.django_db(transaction=True)
def test_bench_measures_run_and_check_correctness(loaded):
    redis_url = os.environ.get("REDIS_URL")
    skip = set() if redis_url else {"celery_eta"}
    results = bench_run.run_measures(
        n=300,
        today=TODAY,
        runs=1,
        redis_url=redis_url,
        celery_n=200,
        celery_runs=1,
        transition_ops=4,
        skip=skip,
        stdout=io.StringIO(),
    )

    sweep = results["sweep"]
    assert sweep["first_run"]["sweep_alerts"] > 0
    assert sweep["first_run"]["alerts_match"], sweep["first_run"]
    assert sweep["first_run"]["sweep_alerts"] == sweep["first_run"]["raw_alerts"]
    assert sweep["idempotent_rerun"]["created_on_rerun"] == 0
    assert sweep["idempotent_rerun"]["read_floor_rows"] == 0
    assert {"sweep_ms", "raw_sql_ms", "ratio"} <= set(sweep["first_run"])

    for key in ("page", "api"):
        assert results["caseload"][key]["status"] == 200
        assert results["caseload"][key]["queries"] > 0
    assert "raw_overdue_by_rule_territory_ms" in results["dashboard"]
    assert "board" in results["dashboard"] and "indicators" in results["dashboard"]

    transitions = results["transitions"]
    assert transitions["service_errors"] == [] and transitions["raw_errors"] == []
    assert transitions["contention"]["no_lost_update"], transitions["contention"]
    from config.celery import app as project_app
    from workflows.tasks import transition_followup_task

    assert transition_followup_task.app is project_app  # the ETA comparison's throwaway app did not take over

    if redis_url:
        eta = results["celery_eta"]
        assert eta["celery_enqueue_ms"] > 0 and eta["rows_insert_ms"] > 0
        assert eta["worker_rss_after_prefetch_mib"] is not None
        assert len(eta["redelivery"]["executions"]) == eta["redelivery"]["tasks"]

    assert "sweep first run" in bench_run.table(results)


def test_bench_refuses_without_postgres(monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///nowhere.sqlite3")
    assert bench_run.main(["--n", "10"]) == 2
    assert "PostgreSQL required" in capsys.readouterr().err
