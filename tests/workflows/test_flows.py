"""Viewflow human tasks follow the FSM: orientation, assignment, handover, reorientation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from viewflow.workflow import STATUS, lock
from viewflow.workflow.models import Task

from casework.enums import PathwayState
from tests.factories import ProfessionalFactory, UserFactory, track
from tests.helpers import advance, open_tasks
from workflows.flows import (
    FLOWS,
    AssignmentFlow,
    HandoverFlow,
    OrientationFlow,
    ReorientationFlow,
    task_pathway,
    user_may_answer,
)
from workflows.flows.sync import pathway_tasks_sync
from workflows.models import PathwayProcess, TasksSyncPending
from workflows.pages.task_selectors import task_colleagues, tasks_inbox, tasks_queue

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 2)
S = PathwayState


def test_every_flow_locks_the_process_row_for_update():
    for flow_class in FLOWS:
        assert flow_class.lock_impl is lock.select_for_update_lock


def test_entry_opens_an_orientation_task_in_the_territory_officers_queue(world):
    p = world.enter(D)
    [task] = open_tasks(p)
    assert task.flow_task == OrientationFlow.decide
    assert task.status == STATUS.NEW and task.owner is None
    assert task_pathway(task) == p
    assert [t.pk for t in tasks_queue(world.officer.user)] == [task.pk]
    # Another territory's officer, a referent, a team lead: not their queue.
    for pro in (world.outsider, world.referent, world.lead):
        assert list(tasks_queue(pro.user)) == []


def test_the_officer_claims_then_decides_and_the_designated_team_leads_get_the_assignment(world):
    p = world.enter(D)
    [task] = open_tasks(p)
    assert not user_may_answer(task, world.outsider.user)
    with task.activation() as activation:
        activation.assign(world.officer.user)
    assert [t.pk for t in tasks_inbox(world.officer.user)] == [task.pk]
    assert list(tasks_queue(world.officer.user)) == []

    world.t(p, "orient", D, by=world.officer, organisation=world.partner_org, track=track("professional"))

    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner == world.officer.user
    assert PathwayProcess.objects.get(pk=task.process_id).status == "DONE"
    [assign] = open_tasks(p)
    assert assign.flow_task == AssignmentFlow.assign
    assert [t.pk for t in tasks_queue(world.partner_lead.user)] == [assign.pk]
    assert list(tasks_queue(world.lead.user)) == []  # the Département's lead: not designated

    world.t(p, "assign_referent", D, by=world.partner_lead, referent=world.partner_referent)
    assign.refresh_from_db()
    assert assign.status == STATUS.DONE and assign.owner == world.partner_lead.user
    assert open_tasks(p) == []


def test_a_decision_taken_elsewhere_completes_the_task_in_its_authors_name(world):
    """The API or the pathway page call the same service: the unclaimed task is done, not left behind."""
    p = world.enter(D)
    [task] = open_tasks(p)
    world.t(p, "orient", D, by=world.officer, organisation=world.dept, track=track("social"))
    task.refresh_from_db()
    assert task.status == STATUS.DONE and task.owner == world.officer.user


def test_handover_lands_in_the_incoming_referents_inbox_and_the_referent_changes_only_on_acceptance(world):
    p = advance(world, world.enter(D), S.DIAGNOSTIC, D)
    world.t(p, "propose_handover", D, incoming=world.referent2, note="Déménagement dans le secteur nord.")
    [task] = open_tasks(p)
    assert task.flow_task == HandoverFlow.answer
    assert task.status == STATUS.ASSIGNED and task.owner == world.referent2.user
    assert [t.pk for t in tasks_inbox(world.referent2.user)] == [task.pk]
    p.refresh_from_db()
    assert p.referent == world.referent  # the outgoing referent stays responsible

    world.t(p, "accept_handover", D, by=world.referent2)
    p.refresh_from_db()
    task.refresh_from_db()
    assert p.referent == world.referent2 and p.handover_to is None
    assert task.status == STATUS.DONE and task.owner == world.referent2.user


def test_a_refused_handover_closes_the_task_and_keeps_the_referent(world):
    p = advance(world, world.enter(D), S.DIAGNOSTIC, D)
    world.t(p, "propose_handover", D, incoming=world.referent2, note="Relais")
    world.t(p, "refuse_handover", D, by=world.referent2, reason="Secteur complet")
    p.refresh_from_db()
    assert p.referent == world.referent
    assert open_tasks(p) == []


def test_reorientation_request_goes_to_the_officers_and_another_organisation_gets_an_assignment_task(world):
    p = advance(world, world.enter(D), S.SOCIAL_TRACK, D)
    world.t(p, "request_reorientation", D, reason="Projet professionnel mûri")
    [task] = open_tasks(p)
    assert task.flow_task == ReorientationFlow.decide
    assert [t.pk for t in tasks_queue(world.officer.user)] == [task.pk]

    world.t(p, "decide_reorientation", D, accepted=True, organisation=world.partner_org, track=track("professional"))
    task.refresh_from_db()
    assert task.status == STATUS.DONE
    [assign] = open_tasks(p)
    assert assign.flow_task == AssignmentFlow.assign
    assert [t.pk for t in tasks_queue(world.partner_lead.user)] == [assign.pk]


def test_closing_cancels_the_open_tasks(world):
    p = world.enter(D)
    world.t(p, "close", D, by=world.officer, close_reason="moved_away")
    assert open_tasks(p) == []
    assert PathwayProcess.objects.get(pathway=p).status == "CANCELED"
    world.t(p, "reopen", D + dt.timedelta(days=3), by=world.officer)
    assert [t.flow_task for t in open_tasks(p)] == [OrientationFlow.decide]


def test_a_task_can_be_assigned_to_a_colleague_who_may_answer_it(world):
    p = world.enter(D)
    [task] = open_tasks(p)
    colleagues = task_colleagues(task, p)
    assert world.officer in colleagues and world.outsider not in colleagues
    other_officer = ProfessionalFactory(organisation=world.dept, orientation_officer=True)
    with task.activation() as activation:
        activation.assign(other_officer.user)
    assert [t.pk for t in tasks_inbox(other_officer.user)] == [task.pk]


def test_inbox_needs_viewflows_view_permission_which_every_professional_gets(world):
    p = advance(world, world.enter(D), S.DIAGNOSTIC, D)
    world.t(p, "propose_handover", D, incoming=world.referent2, note="Relais")
    user = world.referent2.user
    assert user.has_perm("workflows.view_pathwayprocess")
    assert Task.objects.inbox(FLOWS, user).count() == 1
    stranger = UserFactory()  # no professional profile, no permission
    assert Task.objects.inbox(FLOWS, stranger).count() == 0


def test_sync_is_idempotent_and_the_command_reconciles_every_pathway(world):
    p = world.enter(D)
    advance(world, world.enter(D, last_name="Autre"), S.DIAGNOSTIC, D)
    Task.objects.filter(process__in=PathwayProcess.objects.filter(pathway=p)).delete()
    PathwayProcess.objects.filter(pathway=p).delete()  # tasks lost (a database restored, an edit by hand)
    assert open_tasks(p) == []
    call_command("sync_workflow_tasks", stdout=open("/dev/null", "w"))
    call_command("sync_workflow_tasks", stdout=open("/dev/null", "w"))
    assert len(open_tasks(p)) == 1
    pathway_tasks_sync(p)
    assert len(open_tasks(p)) == 1
    assert PathwayProcess.objects.filter(pathway=p).count() == 1
    assert not TasksSyncPending.objects.exists()
