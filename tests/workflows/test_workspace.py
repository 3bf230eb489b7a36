"""The referent's pages: Ma file active, the pathway page, the task pages, the help page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow import STATUS
from viewflow.workflow.models import Task

from casework.enums import BarrierKind, PathwayState, RuleCode
from casework.models import Barrier, Pathway
from notifications.models import Alert, AlertStatus
from notifications.services.sweep import sweep_deadlines
from tests.factories import track
from tests.helpers import advance, at
from workflows.pages.graph import pathway_dot, pathway_transitions
from workflows.pages.selectors import caseload_queryset

pytestmark = pytest.mark.django_db
S = PathwayState


@pytest.fixture
def today():
    return timezone.localdate()


def accompanied(world, today, *, days_ago: int, name: str, **kwargs) -> Pathway:
    start = today - dt.timedelta(days=days_ago)
    return advance(world, world.enter(start - dt.timedelta(days=5), last_name=name), S.DIAGNOSTIC, start, **kwargs)


def names(response) -> list[str]:
    return [row.beneficiary.last_name for row in response.context["rows"]]


# --- Ma file active ---------------------------------------------------------------------------


def test_caseload_is_sorted_overdue_first_then_today_then_this_week_then_later(world, today):
    # Assigned the day after `days_ago`; the first appointment is due 15 days after assignment.
    accompanied(world, today, days_ago=2, name="Later")
    accompanied(world, today, days_ago=16, name="Today")
    accompanied(world, today, days_ago=20, name="Overdue")
    accompanied(world, today, days_ago=10, name="Week")
    rows = list(caseload_queryset(world.referent.user, today=today))
    assert [r.beneficiary.last_name for r in rows] == ["Overdue", "Today", "Week", "Later"]
    assert [r.urgency for r in rows] == [0, 1, 2, 3]


def test_caseload_shows_only_my_open_pathways_and_incoming_handovers(world, today):
    mine = accompanied(world, today, days_ago=3, name="Mine")
    accompanied(world, today, days_ago=3, name="Colleague")
    other = Pathway.objects.get(beneficiary__last_name="Colleague")
    world.t(other, "propose_handover", today, by=world.referent, incoming=world.referent2, note="Relais")
    closed = accompanied(world, today, days_ago=3, name="Closed")
    world.t(closed, "close", today, close_reason="moved_away")
    assert {p.pk for p in caseload_queryset(world.referent2.user, today=today)} == {other.pk}
    assert mine.pk in {p.pk for p in caseload_queryset(world.referent.user, today=today)}
    assert closed.pk not in {p.pk for p in caseload_queryset(world.referent.user, today=today)}


def test_caseload_page_runs_a_constant_number_of_queries(world, today, client, django_assert_max_num_queries):
    client.force_login(world.referent.user)
    accompanied(world, today, days_ago=20, name="Seul")
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("workspace:home"))
    for i in range(15):
        p = accompanied(world, today, days_ago=i + 1, name=f"Personne{i}")
        Barrier.objects.create(beneficiary=p.beneficiary, kind=BarrierKind.MOBILITY, noted_on=today)
        Barrier.objects.create(beneficiary=p.beneficiary, kind=BarrierKind.HOUSING, noted_on=today)
        world.enter(today, last_name=f"Attente{i}")  # orientation tasks for the officer
    with django_assert_max_num_queries(len(small.captured_queries)) as big:
        response = client.get(reverse("workspace:home"))
    assert len(response.context["rows"]) == 16
    assert len(big.captured_queries) == len(small.captured_queries)


def test_caseload_filters_and_search(world, today, client):
    late = accompanied(world, today, days_ago=20, name="Martin")
    Barrier.objects.create(beneficiary=late.beneficiary, kind=BarrierKind.MOBILITY, noted_on=today)
    accompanied(world, today, days_ago=2, name="Bernard")
    social = advance(world, world.enter(today - dt.timedelta(days=30), last_name="Durand"), S.SOCIAL_TRACK, today)
    client.force_login(world.referent.user)
    url = reverse("workspace:home")
    assert names(client.get(url, {"late": "1"})) == ["Martin"]
    assert names(client.get(url, {"q": "bern"})) == ["Bernard"]
    assert names(client.get(url, {"barrier": BarrierKind.MOBILITY})) == ["Martin"]
    assert names(client.get(url, {"state": S.SOCIAL_TRACK})) == [social.beneficiary.last_name]
    assert set(names(client.get(url, {"rule": RuleCode.CONTRACT_RENEWAL}))) == {"Durand"}
    assert len(names(client.get(url, {"territory": world.territory.code}))) == 3
    assert names(client.get(url, {"territory": "nowhere"})) != []  # an invalid filter is ignored
    page = client.get(url, {"state": "bogus"})
    assert page.status_code == 200


def test_caseload_paginates(world, today, client, settings):
    from workflows.pages import selectors

    for i in range(selectors.PAGE_SIZE + 2):
        accompanied(world, today, days_ago=3, name=f"P{i:02d}")
    client.force_login(world.referent.user)
    first = client.get(reverse("workspace:home"))
    second = client.get(reverse("workspace:home"), {"page": 2})
    assert len(first.context["rows"]) == selectors.PAGE_SIZE and len(second.context["rows"]) == 2


def test_caseload_filter_answers_an_htmx_partial(world, today, client):
    accompanied(world, today, days_ago=3, name="Martin")
    client.force_login(world.referent.user)
    response = client.get(
        reverse("workspace:home"), {"q": "mar"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="caseload-results"
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="caseload-results"') and "<html" not in body
    assert "MARTIN" in body


def test_home_lists_my_open_tasks_beside_the_caseload(world, today, client):
    world.enter(today, last_name="Orienter")
    world.officer.is_referent = True  # an officer who is not a referent lands on the queue instead
    world.officer.save()
    client.force_login(world.officer.user)
    response = client.get(reverse("workspace:home"))
    assert response.context["queue_count"] == 1
    assert "Décider l&#x27;orientation" in response.content.decode()


# --- the pathway page -------------------------------------------------------------------------


def test_pathway_page_offers_only_the_transitions_this_user_may_perform_now(world, today, client):
    p = accompanied(world, today, days_ago=3, name="Actions")
    client.force_login(world.referent.user)
    actions = [a["name"] for a in client.get(reverse("workspace:pathway", args=[p.pk])).context["actions"]]
    assert "sign_contract" in actions and "propose_handover" in actions
    assert "orient" not in actions and "accept_handover" not in actions and "reopen" not in actions
    client.force_login(world.outsider.user)
    assert client.get(reverse("workspace:pathway", args=[p.pk])).status_code == 404


def test_a_transition_form_defaults_to_today_accepts_an_earlier_date_and_refuses_the_future(world, today, client):
    p = accompanied(world, today, days_ago=3, name="Contrat")
    client.force_login(world.referent.user)
    page = client.get(reverse("workspace:pathway", args=[p.pk]))
    suspend = next(a for a in page.context["actions"] if a["name"] == "suspend")
    assert suspend["form"]["occurred_on"].initial == today
    url = reverse("workspace:transition", args=[p.pk, "suspend"])
    future = {
        "suspend-occurred_on": (today + dt.timedelta(days=1)).isoformat(),
        "suspend-suspension_reason": "health",
        "suspend-expected_resume_on": (today + dt.timedelta(days=30)).isoformat(),
    }
    assert client.post(url, future).status_code == 400
    earlier = {**future, "suspend-occurred_on": (today - dt.timedelta(days=1)).isoformat()}
    response = client.post(url, {**earlier, "confirm": "1"})
    assert response.status_code == 302
    p.refresh_from_db()
    assert p.state == S.SUSPENDED and p.history.last().occurred_on == today - dt.timedelta(days=1)


def test_a_forbidden_transition_is_refused_with_a_message(world, today, client):
    p = world.enter(today)
    client.force_login(world.referent.user)  # may see? no: not their organisation's pathway yet
    response = client.post(
        reverse("workspace:transition", args=[p.pk, "orient"]),
        {"orient-occurred_on": today.isoformat(), "orient-organisation": world.dept.pk, "orient-track": "social"},
    )
    assert response.status_code in (403, 404)
    p.refresh_from_db()
    assert p.state == S.ORIENTATION


def test_recording_a_contact_takes_one_click_and_resolves_the_contact_gap_alert_at_once(world, today, client):
    p = accompanied(world, today, days_ago=70, name="Rupture")
    sweep_deadlines(now=at(today))
    gap = Alert.objects.filter(pathway=p, rule_code=RuleCode.CONTACT_GAP, status=AlertStatus.OPEN)
    assert gap.exists()
    client.force_login(world.referent.user)
    response = client.post(
        reverse("workspace:contact", args=[p.pk]),
        {"outcome": "held", "occurred_on": today.isoformat()},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="pathway-live",
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="pathway-live"') and "<html" not in body
    assert not gap.exists()
    assert 'data-rule="contact_gap"' not in body.split('id="open-alerts"')[1].split("</ul>")[0]
    assert "enregistré" in body


def test_a_missed_appointment_does_not_resolve_the_gap(world, today, client):
    p = accompanied(world, today, days_ago=70, name="Absent")
    sweep_deadlines(now=at(today))
    client.force_login(world.referent.user)
    client.post(reverse("workspace:contact", args=[p.pk]), {"outcome": "missed"})
    assert Alert.objects.filter(pathway=p, rule_code=RuleCode.CONTACT_GAP, status=AlertStatus.OPEN).exists()


def test_a_contact_in_the_future_is_refused(world, today, client):
    p = accompanied(world, today, days_ago=3, name="Futur")
    client.force_login(world.referent.user)
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    assert (
        client.post(
            reverse("workspace:contact", args=[p.pk]), {"outcome": "held", "occurred_on": tomorrow}
        ).status_code
        == 400
    )


# --- tasks ------------------------------------------------------------------------------------


def test_the_officer_takes_the_orientation_task_and_decides_it(world, today, client):
    p = world.enter(today, last_name="Oriente")
    task = Task.objects.get(process__pathwayprocess__pathway=p, flow_task_type="HUMAN")
    client.force_login(world.officer.user)
    client.post(reverse("workspace:task-claim", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == STATUS.ASSIGNED and task.owner == world.officer.user
    page = client.get(reverse("workspace:task", args=[task.pk]))
    assert [f["name"] for f in page.context["forms"]] == ["orient"]
    response = client.post(
        reverse("workspace:task-execute", args=[task.pk, "orient"]),
        {
            "orient-occurred_on": today.isoformat(),
            "orient-organisation": world.partner_org.pk,
            "orient-track": "professional",
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    p.refresh_from_db()
    assert task.status == STATUS.DONE and p.state == S.DIAGNOSTIC and p.organisation == world.partner_org
    client.force_login(world.partner_lead.user)
    assert client.get(reverse("workspace:tasks")).context["queue_page"].paginator.count == 1


def test_a_task_taken_by_a_colleague_cannot_be_answered_and_outsiders_get_404(world, today, client):
    p = world.enter(today)
    task = Task.objects.get(process__pathwayprocess__pathway=p, flow_task_type="HUMAN")
    with task.activation() as activation:
        activation.assign(world.officer.user)
    client.force_login(world.outsider.user)
    assert client.get(reverse("workspace:task", args=[task.pk])).status_code == 404
    colleague = world.officer.__class__.objects.create(
        user=world.referent.user.__class__.objects.create(username="officer2"),
        organisation=world.dept,
        is_orientation_officer=True,
    )
    client.force_login(colleague.user)
    data = {"orient-occurred_on": today.isoformat(), "orient-organisation": world.dept.pk, "orient-track": "social"}
    client.post(reverse("workspace:task-execute", args=[task.pk, "orient"]), data)
    p.refresh_from_db()
    assert p.state == S.ORIENTATION


def test_a_team_lead_hands_the_assignment_task_to_a_colleague_then_it_is_released(world, today, client):
    p = world.enter(today - dt.timedelta(days=3))
    world.t(p, "orient", today, organisation=world.dept, track=track("social"))
    task = Task.objects.get(process__pathwayprocess__pathway=p, flow_task_type="HUMAN", status=STATUS.NEW)
    other_lead = world.lead.__class__.objects.create(
        user=world.lead.user.__class__.objects.create(username="lead2"), organisation=world.dept, is_team_lead=True
    )
    client.force_login(world.lead.user)
    client.post(reverse("workspace:task-assign", args=[task.pk]), {"professional": other_lead.pk})
    task.refresh_from_db()
    assert task.owner == other_lead.user
    client.force_login(other_lead.user)
    client.post(reverse("workspace:task-release", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner is None


def test_the_incoming_referent_refuses_a_handover_with_a_reason(world, today, client):
    p = accompanied(world, today, days_ago=3, name="Relais")
    world.t(p, "propose_handover", today, incoming=world.referent2, note="Je pars")
    task = Task.objects.get(process__pathwayprocess__pathway=p, flow_task_type="HUMAN", status=STATUS.ASSIGNED)
    client.force_login(world.referent2.user)
    page = client.get(reverse("workspace:task", args=[task.pk]))
    assert [f["name"] for f in page.context["forms"]] == ["accept_handover", "refuse_handover"]
    url = reverse("workspace:task-execute", args=[task.pk, "refuse_handover"])
    assert client.post(url, {"refuse_handover-occurred_on": today.isoformat()}).status_code == 400  # reason required
    refusal = {"refuse_handover-occurred_on": today.isoformat(), "refuse_handover-reason": "Complet"}
    client.post(url, {**refusal, "confirm": "1"})
    p.refresh_from_db()
    assert p.referent == world.referent and p.handover_to is None


# --- help -------------------------------------------------------------------------------------


def test_help_page_shows_the_state_machine_picture(world, client):
    client.force_login(world.referent.user)
    body = client.get(reverse("workspace:help")).content.decode()
    assert "img/pathway-states.svg" in body


def test_the_committed_state_machine_picture_is_drawn_from_the_current_fsm():
    from django.conf import settings

    committed = (settings.BASE_DIR / "static" / "img" / "pathway-states.dot").read_text(encoding="utf-8")
    assert committed == pathway_dot(), "Run `manage.py draw_pathway_graph` and commit static/img/pathway-states.*"
    assert (settings.BASE_DIR / "static" / "img" / "pathway-states.svg").exists()
    drawn = {name for name, _, _ in pathway_transitions()}
    assert drawn == {
        "orient", "assign_referent", "propose_handover", "accept_handover", "refuse_handover", "sign_contract",
        "request_reorientation", "decide_reorientation", "start_job", "end_followup", "suspend", "resume", "close",
        "reopen",
    }  # fmt: skip
