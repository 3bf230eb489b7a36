"""A transition's pathway columns, audit row and journal row: one statement on PostgreSQL,
the same rows as the ORM path writes."""

import datetime as dt

import pytest
from django_fsm import ConcurrentTransition

from casework import statements
from casework.models import Pathway, TransitionLog
from tests.helpers import advance

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 5)
DAY = dt.date(2026, 3, 2)
SKIP = {"history_id", "history_date", "id", "updated_at", "beneficiary_id", "created_at"}


def handover_proposed(world, pathway):
    world.t(pathway, "propose_handover", DAY, by=world.lead, incoming=world.referent2, note="Relais")
    last_audit = Pathway.audit.filter(id=pathway.pk).order_by("-history_id").values().first()
    log = TransitionLog.objects.filter(pathway=pathway).values().latest("id")
    return last_audit, log


def comparable(row: dict) -> dict:
    return {k: v for k, v in row.items() if k not in SKIP}


def test_one_statement_writes_the_rows_the_orm_writes(world, needs_postgres, monkeypatch):
    first = advance(world, world.enter(START), "social_track", START, social=True)
    second = advance(world, world.enter(START), "social_track", START, social=True)
    assert statements.single_statement()
    audits_before = Pathway.audit.count()
    fast_audit, fast_log = handover_proposed(world, first)
    monkeypatch.setattr(statements, "single_statement", lambda: False)
    orm_audit, orm_log = handover_proposed(world, second)

    assert Pathway.audit.count() == audits_before + 2
    assert comparable(fast_audit) == comparable(orm_audit)
    assert fast_audit["history_type"] == "~" and fast_audit["history_user_id"] == world.lead.user_id
    assert fast_audit["handover_to_id"] == world.referent2.pk
    assert comparable(fast_log) == {**comparable(orm_log), "pathway_id": first.pk}
    row = Pathway.objects.get(pk=first.pk)
    assert (row.handover_to_id, row.updated_at) == (world.referent2.pk, fast_audit["updated_at"])


def test_the_journal_row_has_no_save_receiver_the_statement_would_skip():
    """The one-statement path sends no save signal for the journal row either: nothing may
    listen to it (what follows a transition is a step of the transition service)."""
    from django.db.models.signals import post_save, pre_save

    assert pre_save._live_receivers(TransitionLog) == ([], [])
    assert post_save._live_receivers(TransitionLog) == ([], [])


def test_a_pathway_no_longer_in_the_state_read_writes_nothing(world, needs_postgres):
    pathway = advance(world, world.enter(START), "social_track", START, social=True)
    stale = Pathway.objects.get(pk=pathway.pk)
    Pathway.objects.filter(pk=pathway.pk).update(state="suspended")
    audits, logs = Pathway.audit.filter(id=pathway.pk).count(), TransitionLog.objects.filter(pathway=pathway).count()
    stale.handover_to = world.referent2
    log = TransitionLog(
        pathway=stale,
        transition="propose_handover",
        from_state="social_track",
        to_state="social_track",
        occurred_on=DAY,
        recorded_at=dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC),
    )
    with pytest.raises(ConcurrentTransition):
        statements.pathway_transition_record(stale, ["handover_to"], log)
    assert Pathway.audit.filter(id=pathway.pk).count() == audits
    assert TransitionLog.objects.filter(pathway=pathway).count() == logs
    assert Pathway.objects.get(pk=pathway.pk).handover_to_id is None


def test_the_pathway_save_signals_have_no_receiver_the_statement_would_skip():
    """The one-statement path sends no save signal for the pathway: its only receiver must be
    the audit recorder, whose row the statement writes. A new receiver fails here first."""
    from django.db.models.signals import post_save, pre_save

    from casework.models.audit import AuditRecords

    assert pre_save._live_receivers(Pathway) == ([], [])
    sync, asynchronous = post_save._live_receivers(Pathway)
    assert [type(r.__self__) for r in sync] == [AuditRecords] and asynchronous == []
