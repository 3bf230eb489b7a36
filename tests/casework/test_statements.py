"""The statements built once (`casework.statements`) read and write what the ORM would."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.db.models.signals import post_save, pre_save
from django.forms.models import model_to_dict

from casework.enums import DeadlineStatus, HandoverStatus, RuleCode
from casework.models import Deadline, DelayRule, Handover, ReferentPeriod
from casework.services import deadlines as dl
from casework.statements import DEADLINES_LIVE, RowsInsert, RowsSelect, RowsUpdate, RowUpdate, deadlines_close
from notifications.models import Alert, AlertStatus, Notification
from notifications.services import alerts as alert_service
from notifications.services.sweep import sweep_deadlines
from tests.helpers import advance

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 5)
DAY = dt.date(2026, 3, 2)
NOW = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def as_dict(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_a_select_loads_nested_relations_as_select_related_does(world):
    pathway = advance(world, world.enter(START), "social_track", START, social=True)
    world.t(pathway, "propose_handover", DAY, by=world.lead, incoming=world.referent2, note="Relais")
    select = RowsSelect(Handover, related=("outgoing", "outgoing__user"), where=("pathway_id", "status"), lock=True)

    with transaction.atomic():
        (mine,) = select.all(pathway.pk, HandoverStatus.PROPOSED)
    theirs = Handover.objects.select_related("outgoing__user").get(pathway=pathway, status=HandoverStatus.PROPOSED)
    assert as_dict(mine) == as_dict(theirs)
    assert as_dict(mine.outgoing) == as_dict(theirs.outgoing)
    assert as_dict(mine.outgoing.user) == as_dict(theirs.outgoing.user)
    assert Handover._meta.get_field("outgoing").is_cached(mine)
    assert type(mine.outgoing)._meta.get_field("user").is_cached(mine.outgoing)
    assert mine._state.adding is False and mine._state.db == "default"
    assert select.all(pathway.pk, HandoverStatus.REFUSED) == []


def test_a_select_finds_none_or_one_or_says_there_are_several(world):
    select = RowsSelect(DelayRule, where=("code", "is_active"))
    rule = select.get(RuleCode.CONTRACT, True)
    assert as_dict(rule) == as_dict(DelayRule.objects.get(code=RuleCode.CONTRACT, is_active=True))
    with pytest.raises(DelayRule.DoesNotExist):
        select.get(RuleCode.CONTRACT, False)
    DelayRule.objects.create(**{**model_to_dict(rule, exclude=["id", "territory"]), "valid_from": DAY})
    with pytest.raises(DelayRule.MultipleObjectsReturned):
        select.get(RuleCode.CONTRACT, True)


def test_a_locking_select_asks_for_the_lock_on_its_own_rows_only():
    sql, _ = RowsSelect(Handover, related=("outgoing",), where=("pathway_id",), lock=True)._plan
    if connection.features.has_select_for_update_of:
        assert sql.endswith('FOR UPDATE OF "t0"')
    assert "FOR UPDATE" not in RowsSelect(Handover, where=("pathway_id",))._plan[0]


def test_an_insert_writes_the_row_bulk_create_writes(world):
    pathway = advance(world, world.enter(START), "social_track", START, social=True)
    rule = DelayRule.objects.get(code=RuleCode.IN_WORK_CHECKIN, is_active=True)  # no live one yet

    def new(**ref):  # the status default and auto_now (updated_at) left to the fields
        return Deadline(pathway=pathway, rule=rule, rule_code=rule.code, starts_on=DAY, due_on=DAY, **ref)

    (mine,) = RowsInsert(Deadline).save([new()])  # the ref default: ""
    (theirs,) = Deadline.objects.bulk_create([new(ref="other")])  # one live clock per rule and ref
    assert mine.pk and mine.pk != theirs.pk and mine._state.adding is False
    stored, expected = Deadline.objects.get(pk=mine.pk), Deadline.objects.get(pk=theirs.pk)
    skip = {"id", "updated_at", "ref"}
    assert {k: v for k, v in as_dict(stored).items() if k not in skip} == {
        k: v for k, v in as_dict(expected).items() if k not in skip
    }
    assert (stored.status, stored.ref) == (DeadlineStatus.OPEN, "") and stored.updated_at is not None


def test_an_insert_of_several_rows_gives_each_its_key(world):
    pathway = world.enter(START)
    rows = [
        Notification(
            recipient=r, event=Notification.Event.ASSIGNED, pathway=pathway, subject="s", body="b", created_at=NOW
        )
        for r in (world.referent, world.referent2)
    ]
    saved = RowsInsert(Notification).save(rows)
    assert [n.recipient_id for n in Notification.objects.filter(pk__in=[n.pk for n in saved]).order_by("pk")] == [
        world.referent.pk,
        world.referent2.pk,
    ]
    assert RowsInsert(Notification).save([]) == []


def test_an_update_writes_only_its_columns(world):
    pathway = advance(world, world.enter(START), "social_track", START, social=True)
    world.t(pathway, "propose_handover", DAY, by=world.lead, incoming=world.referent2, note="Relais")
    handover = Handover.objects.get(pathway=pathway)
    handover.status, handover.decided_on, handover.note = HandoverStatus.REFUSED, DAY, "not written"
    assert RowUpdate(Handover, ("status", "decided_on")).save(handover) == 1
    stored = Handover.objects.get(pk=handover.pk)
    assert (stored.status, stored.decided_on, stored.note) == (HandoverStatus.REFUSED, DAY, "Relais")


def test_closing_deadlines_touches_the_rows_the_orm_update_would(world):
    pathway = advance(world, world.enter(START), "social_track", START, social=True)
    dl.deadline_open(pathway, RuleCode.IN_WORK_CHECKIN, starts_on=DAY, ref="m1", due_on=DAY)
    dl.deadline_open(pathway, RuleCode.IN_WORK_CHECKIN, starts_on=DAY, ref="m3", due_on=DAY)
    live = {d.pk: d for d in Deadline.objects.filter(pathway=pathway, status__in=dl.LIVE)}
    assert len(live) >= 3  # the social track's clocks and the two check-ins

    assert dl.deadline_meet(pathway, [RuleCode.IN_WORK_CHECKIN], on=DAY, ref="m3") == 1
    assert dl.deadline_meet(pathway, [], on=DAY) == 0
    met = Deadline.objects.get(pathway=pathway, ref="m3")
    assert (met.status, met.closed_on, met.updated_at) == (DeadlineStatus.MET, DAY, live[met.pk].updated_at)
    others = [pk for pk in live if pk != met.pk]
    assert dl.deadline_cancel(pathway, None, on=DAY) == len(others)
    assert set(Deadline.objects.filter(pk__in=others).values_list("status", flat=True)) == {DeadlineStatus.CANCELLED}
    assert not Deadline.objects.filter(pathway=pathway, status__in=dl.LIVE).exists()


@pytest.mark.parametrize("model", [Handover, Deadline, Notification])
def test_the_models_written_by_statements_have_no_save_receiver_they_would_skip(model):
    """These statements send no save signal (as `bulk_create`): a receiver added to one of
    these models fails here first."""
    assert pre_save._live_receivers(model) == ([], [])
    assert post_save._live_receivers(model) == ([], [])


def rows_after(write, read):
    """What `read` returns after `write` ran, and how many rows `write` said it touched; the
    writes are rolled back, so the ORM twin then starts from the same rows."""
    with transaction.atomic():
        touched = write()
        seen = read()
        transaction.set_rollback(True)
    return touched, seen


@pytest.mark.parametrize(
    ("codes", "ref"),
    [(None, None), ([RuleCode.IN_WORK_CHECKIN], None), ([RuleCode.IN_WORK_CHECKIN], "m3"), ([], None)],
)
def test_closing_deadlines_gives_the_rows_of_the_orm_update_it_replaces(world, codes, ref):
    pathway = advance(world, world.enter(START), "social_track", START, social=True)
    dl.deadline_open(pathway, RuleCode.IN_WORK_CHECKIN, starts_on=DAY, ref="m1", due_on=DAY)
    dl.deadline_open(pathway, RuleCode.IN_WORK_CHECKIN, starts_on=DAY, ref="m3", due_on=DAY)
    other = advance(world, world.enter(START), "social_track", START, social=True)

    def read():
        return sorted(Deadline.objects.values_list("id", "status", "closed_on", "suspended_on", "updated_at"))

    def orm():
        live = Deadline.objects.filter(pathway_id=pathway.pk, status__in=DEADLINES_LIVE)
        live = live if codes is None else live.filter(rule_code__in=codes)
        live = live if ref is None else live.filter(ref=ref)
        return live.update(status=DeadlineStatus.MET, closed_on=DAY, suspended_on=None)

    mine = rows_after(lambda: deadlines_close(pathway.pk, codes, DeadlineStatus.MET, DAY, ref), read)
    theirs = rows_after(orm, read)
    assert mine == theirs and (mine[0] > 0) == (codes != [])
    assert Deadline.objects.filter(pathway=other, status__in=DEADLINES_LIVE).exists()


def test_resolving_alerts_under_closed_deadlines_gives_the_rows_of_the_orm_update(world):
    p, other = world.enter(START), world.enter(START)
    sweep_deadlines(now=NOW)  # the orientation clocks are past due: alerts on both pathways
    closed = Deadline.objects.get(pathway=p)
    again = Deadline.objects.create(
        pathway=p, rule=closed.rule, rule_code=closed.rule_code, ref="2", starts_on=START, due_on=closed.due_on
    )
    Alert.objects.create(deadline=again, pathway=p, rule_code=closed.rule_code, level="due", due_on=closed.due_on,
                         recipient_role="team_lead", created_at=NOW)  # fmt: skip
    Deadline.objects.filter(pk=closed.pk).update(status=DeadlineStatus.MET)
    Deadline.objects.filter(pathway=other).update(status=DeadlineStatus.MET)
    later = NOW + dt.timedelta(hours=1)

    def read():
        return sorted(Alert.objects.values_list("id", "status", "resolved_at"))

    def orm():
        return alert_service._resolve(Alert.objects.filter(pathway_id=p.pk, status=AlertStatus.OPEN), later)

    mine = rows_after(lambda: alert_service.alerts_resolve_for_pathway(p.pk, now=later), read)
    assert mine == rows_after(orm, read)
    assert mine[0] == 2 and {s for _, s, _ in mine[1]} == {AlertStatus.OPEN, AlertStatus.RESOLVED}


@pytest.mark.parametrize("model", [ReferentPeriod])
def test_the_models_updated_by_equality_have_no_save_receiver_they_would_skip(model):
    assert pre_save._live_receivers(model) == ([], [])
    assert post_save._live_receivers(model) == ([], [])


def test_an_update_by_equality_gives_the_rows_of_the_orm_update_it_replaces(world):
    pathway = advance(world, world.enter(START), "social_track", START, social=True)
    world.t(pathway, "propose_handover", DAY, by=world.lead, incoming=world.referent2, note="Relais")
    other = advance(world, world.enter(START), "social_track", START, social=True)
    ReferentPeriod.objects.filter(pathway=pathway).update(ended_on=None)  # two open periods, one ended below
    ReferentPeriod.objects.create(pathway=pathway, professional=world.referent, started_on=START, ended_on=START)

    def read():
        periods = ReferentPeriod.objects.values_list("id", "ended_on")
        return sorted(periods), sorted(Handover.objects.values_list("id", "status", "decided_on"))

    ends = RowsUpdate(ReferentPeriod, ["ended_on"], where=("pathway_id",), where_null=("ended_on",))
    cancels = RowsUpdate(Handover, ["status", "decided_on"], where=("pathway_id", "status"))
    for mine, theirs in [
        (
            lambda: ends.update(pathway.pk, ended_on=DAY),
            lambda: ReferentPeriod.objects.filter(pathway=pathway, ended_on__isnull=True).update(ended_on=DAY),
        ),
        (
            lambda: cancels.update(
                pathway.pk, HandoverStatus.PROPOSED, status=HandoverStatus.CANCELLED, decided_on=DAY
            ),
            lambda: Handover.objects.filter(pathway=pathway, status=HandoverStatus.PROPOSED).update(
                status=HandoverStatus.CANCELLED, decided_on=DAY
            ),
        ),
    ]:
        assert rows_after(mine, read) == rows_after(theirs, read)
        assert rows_after(mine, read)[0] >= 1
    assert ReferentPeriod.objects.filter(pathway=other, ended_on__isnull=True).exists()
