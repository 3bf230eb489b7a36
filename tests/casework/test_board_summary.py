"""The overdue board's summary: refreshed by the sweep, equal to the live counts, its age shown."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from casework import board
from casework.enums import DeadlineStatus, RuleCode
from casework.models import BoardCount, BoardSummaryState, Deadline, Pathway
from casework.services.board_summary import board_summary_refresh
from tests.helpers import ago, late_pathways

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(world):
    """Two Département pathways assigned 60 days ago (first appointment and contract overdue), one
    assigned 10 days ago (first appointment due soon), one France Travail, one waiting for orientation."""
    return late_pathways(
        world, (("dept1", world.referent, 60), ("dept2", world.referent2, 60), ("soon", world.referent, 10))
    )


def refresh(today=None, now=None):
    today = today or timezone.localdate()
    return board_summary_refresh(today=today, now=now or timezone.now())


def cells(result: board.BoardCounts) -> list[tuple]:
    return [
        (r["rule_code"], r["territory_id"], r["organisation_id"], r["referent_id"], r["overdue"], r["due_soon"])
        for r in result.counts
    ]


def test_refresh_is_idempotent(late):
    first = refresh()
    rows = sorted(BoardCount.objects.values_list("rule_code", "referent_id", "overdue", "due_soon"))
    second = refresh()
    assert first["rows"] == second["rows"] == BoardCount.objects.count() > 0
    assert sorted(BoardCount.objects.values_list("rule_code", "referent_id", "overdue", "due_soon")) == rows
    state = BoardSummaryState.objects.get()
    assert state.computed_for == timezone.localdate() and state.rows == second["rows"]


def test_summary_equals_the_live_counts(world, late):
    today = timezone.localdate()
    refresh(today)
    everything = Pathway.objects.all()
    summary = board.board_counts(everything, today=today, source=board.SUMMARY)
    live = board.board_counts(everything, today=today, source=board.LIVE)
    assert summary.source == board.SUMMARY and live.source == board.LIVE
    assert cells(summary) == cells(live)
    assert summary.totals == live.totals == board.deadline_totals(everything, today=today)
    # Known answers: the first appointment is 45 days late for dept1 and dept2, due soon for "soon".
    first = {
        r["referent_id"]: (r["overdue"], r["due_soon"])
        for r in summary.counts
        if r["rule_code"] == RuleCode.FIRST_APPOINTMENT and r["organisation_id"] == world.dept.pk
    }
    assert first == {world.referent.pk: (1, 1), world.referent2.pk: (1, 0)}
    # Scoped the same way on both sides.
    for pro in (world.lead, world.partner_lead, world.officer):
        scope = board.board_scope(pro)
        assert cells(board.board_counts(everything, today=today, scope=scope, source=board.SUMMARY)) == cells(
            board.board_counts(everything, today=today, scope=scope, source=board.LIVE)
        )
    lead = board.board_counts(everything, today=today, scope=board.board_scope(world.lead))
    assert {r["organisation_id"] for r in lead.counts} == {world.dept.pk}


def test_the_page_reads_the_summary_and_shows_its_age(client, world, late):
    now = timezone.now().replace(hour=8, minute=15, second=0, microsecond=0)
    refresh(now=now)
    # Met since the refresh: the count stays as of 08:15 (and says so), the list behind is live.
    Deadline.objects.filter(pathway=late["dept1"], status=DeadlineStatus.OPEN).update(status=DeadlineStatus.MET)
    client.force_login(world.lead.user)
    response = client.get(reverse("dashboard:board"))
    assert response.context["freshness"]["source"] == board.SUMMARY
    html = response.content.decode()
    assert 'data-source="summary"' in html
    assert f"Chiffres au {timezone.localtime(now):%d/%m/%Y à %H:%M}" in html
    cell = next(
        r
        for r in response.context["counts"]
        if r["rule_code"] == RuleCode.FIRST_APPOINTMENT and r["referent_id"] == world.referent.pk
    )
    assert cell["overdue"] == 1
    assert list(client.get(cell["overdue_url"]).context["page"]) == []


def test_the_page_counts_live_without_a_summary_for_today(client, world, late):
    client.force_login(world.lead.user)
    response = client.get(reverse("dashboard:board"))
    assert response.context["freshness"] == {"source": board.LIVE, "figures_as_of": None}
    assert 'data-source="live"' in response.content.decode()
    live_cells = [(r["rule_code"], r["referent_id"], r["overdue"]) for r in response.context["counts"]]
    refresh(today=ago(1))  # yesterday's summary is not today's board
    response = client.get(reverse("dashboard:board"))
    assert response.context["freshness"]["source"] == board.LIVE
    assert [(r["rule_code"], r["referent_id"], r["overdue"]) for r in response.context["counts"]] == live_cells
    with pytest.raises(LookupError):
        board.board_counts(Pathway.objects.all(), today=timezone.localdate(), source=board.SUMMARY)


def test_csv_of_the_counts_comes_from_the_same_source_as_the_page(client, world, late):
    refresh()
    client.force_login(world.lead.user)
    page = client.get(reverse("dashboard:board")).context["counts"]
    rows = client.get(reverse("dashboard:export", args=["retards"])).content.decode("utf-8-sig").splitlines()
    assert len(rows) - 1 == len(page)


def test_the_sweep_refreshes_the_summary(late):
    from notifications.tasks import sweep_deadlines_task

    now = timezone.now()
    result = sweep_deadlines_task(now.isoformat())
    assert result["board_summary"]["rows"] == BoardCount.objects.count() > 0
    assert BoardSummaryState.objects.get().computed_at == now


def test_a_failed_refresh_does_not_fail_the_sweep(late, monkeypatch, caplog):
    from notifications import tasks

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(tasks, "board_summary_refresh", broken)
    result = tasks.sweep_deadlines_task(timezone.now().isoformat())
    assert result["board_summary"] is None
    assert "board_summary_refresh failed" in caplog.text


def test_refresh_board_summary_command(late, capsys):
    call_command("refresh_board_summary", "--now", "2026-03-02T09:30:00")
    state = BoardSummaryState.objects.get()
    assert state.computed_for == dt.date(2026, 3, 2)
    assert re.search(r"^\d+ lignes? pour le 2026-03-02", capsys.readouterr().out)
