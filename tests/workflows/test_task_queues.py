"""The orientation and assignment queues and "Mes tâches" follow the legal clock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from casework.enums import RuleCode
from casework.models import Deadline
from tests.factories import track
from workflows.flows.access import workflow_access_grant
from workflows.pages.task_selectors import tasks_inbox, tasks_queue

pytestmark = pytest.mark.django_db


@pytest.fixture
def today():
    return timezone.localdate()


def _due(pathway, rule) -> dt.date:
    return Deadline.objects.get(pathway=pathway, rule_code=rule, status="open").due_on


def test_orientation_queue_puts_the_most_overdue_entry_first_not_the_oldest_task(world, today, client):
    workflow_access_grant([world.officer.user])
    recent = world.enter(today - dt.timedelta(days=2), last_name="Recente")  # its task is created first
    old = world.enter(today - dt.timedelta(days=80), last_name="Ancienne")  # back-dated: overdue
    middle = world.enter(today - dt.timedelta(days=20), last_name="Milieu")
    queue = list(tasks_queue(world.officer.user, today=today))
    assert [t.process.pathwayprocess.pathway.pk for t in queue] == [old.pk, middle.pk, recent.pk]
    assert queue[0].due_on == _due(old, RuleCode.ORIENTATION)

    client.force_login(world.officer.user)
    html = client.get(reverse("workspace:tasks")).content.decode()
    late = (today - _due(old, RuleCode.ORIENTATION)).days
    assert late > 0
    assert f"en retard de {late} j" in html
    assert f"entrée le {old.entered_on:%d/%m/%Y}" in html
    assert f"échéance le {_due(old, RuleCode.ORIENTATION):%d/%m/%Y}" in html
    soon = (_due(recent, RuleCode.ORIENTATION) - today).days
    assert f"échéance le {_due(recent, RuleCode.ORIENTATION):%d/%m/%Y} — dans {soon} j" in html
    assert "créée le" not in html
    assert html.index("ANCIENNE") < html.index("MILIEU") < html.index("RECENTE")


def test_assignment_queue_and_my_inbox_follow_the_referent_designation_deadline(world, today):
    workflow_access_grant([world.lead.user])
    pathways = []
    for name, entered_days_ago, oriented_days_ago in (("Tard", 5, 1), ("Tot", 60, 40)):
        p = world.enter(today - dt.timedelta(days=entered_days_ago), last_name=name)
        world.t(
            p, "orient", today - dt.timedelta(days=oriented_days_ago), organisation=world.dept, track=track("social")
        )
        pathways.append(p)
    queue = list(tasks_queue(world.lead.user, today=today))
    assert [t.process.pathwayprocess.pathway.pk for t in queue] == [
        pathways[1].pk,
        pathways[0].pk,
    ]
    assert queue[0].due_on == _due(pathways[1], RuleCode.REFERENT_ASSIGNMENT)
    for task in queue:
        with task.activation() as activation:
            activation.assign(world.lead.user)
    inbox = list(tasks_inbox(world.lead.user, today=today))
    assert [t.process.pathwayprocess.pathway.pk for t in inbox] == [pathways[1].pk, pathways[0].pk]


def test_the_tasks_page_runs_a_constant_number_of_queries(world, today, client):
    workflow_access_grant([world.officer.user])
    client.force_login(world.officer.user)
    world.enter(today - dt.timedelta(days=3), last_name="Un")
    client.get(reverse("workspace:tasks"))  # warm caches (content types, sessions)
    with CaptureQueriesContext(connection) as one:
        assert client.get(reverse("workspace:tasks")).status_code == 200
    for i in range(5):
        world.enter(today - dt.timedelta(days=10 + i), last_name=f"Autre{i}")
    with CaptureQueriesContext(connection) as six:
        response = client.get(reverse("workspace:tasks"))
    assert len(response.context["queue"]) == 6
    assert len(six.captured_queries) == len(one.captured_queries)
