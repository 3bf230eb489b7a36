"""The sweep: alerts at the right day for the right people, idempotent, self-resolving."""

import datetime as dt
import io
import json
import threading

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from casework.enums import PathwayState, RuleCode
from casework.models import Deadline
from notifications.models import Alert, EmailStatus, Notification
from notifications.services.outbox import redispatch_pending
from notifications.services.sweep import sweep_deadlines
from tests.factories import track
from tests.helpers import advance, at, make_world
from workflows.services.events import contact_record

pytestmark = pytest.mark.django_db
D = dt.date


def alerts(pathway, **kw):
    return Alert.objects.filter(pathway=pathway, **kw)


def test_orientation_alerts_orientation_team_then_lead_then_escalates(world):
    p = world.enter(D(2027, 4, 12))  # due Mon 24 May 2027
    assert sweep_deadlines(now=at(D(2027, 5, 13)))["due_soon"] == 0
    result = sweep_deadlines(now=at(D(2027, 5, 14)))  # J-7 is Whit Monday → Friday 14
    assert result["due_soon"] == 1
    soon = alerts(p, level="due_soon").get()
    assert soon.recipient_role == "orientation_team" and soon.recipient == world.officer
    assert sweep_deadlines(now=at(D(2027, 5, 24)))["due"] == 1
    due = alerts(p, level="due").get()
    assert due.recipient_role == "team_lead" and due.recipient == world.lead
    assert sweep_deadlines(now=at(D(2027, 6, 8)))["overdue"] == 1
    assert alerts(p).count() == 3


def test_sweeping_twice_creates_nothing_twice(world):
    world.enter(D(2026, 1, 5))
    first = sweep_deadlines(now=at(D(2026, 3, 10)))
    second = sweep_deadlines(now=at(D(2026, 3, 10), 10))
    assert (first["due_soon"], first["due"], first["overdue"]) == (1, 1, 1)
    assert (second["due_soon"], second["due"], second["overdue"]) == (0, 0, 0)
    assert Alert.objects.count() == 3
    assert Notification.objects.filter(alert__isnull=False).count() == 2  # the officer; the team lead once


def back_dated_first_appointment(world):
    """A pathway typed in on 2 March with its events dated January: the first appointment was due
    22 Jan (J-3: 19 Jan to the referent, due day to the referent, J+7: 29 Jan to the team lead)."""
    p = world.enter(D(2026, 1, 5))
    world.t(p, "orient", D(2026, 1, 6), organisation=world.dept, track=track("social"))
    world.t(p, "assign_referent", D(2026, 1, 7), referent=world.referent)
    return p, Deadline.objects.get(pathway=p, rule_code=RuleCode.FIRST_APPOINTMENT)


def test_a_clock_found_past_its_escalation_alerts_every_skipped_level_once(world):
    """The referent hears about his own late case, not only the team lead (issue 13, point 5)."""
    p, deadline = back_dated_first_appointment(world)
    assert (deadline.due_soon_alert_on, deadline.due_on, deadline.overdue_alert_on) == (
        D(2026, 1, 19), D(2026, 1, 22), D(2026, 1, 29)
    )  # fmt: skip
    first = sweep_deadlines(now=at(D(2026, 3, 2)))
    fired = {a.level: a for a in alerts(p, deadline=deadline)}
    assert set(fired) == {"due_soon", "due", "overdue"}
    told = {(n.alert.level, n.recipient) for n in Notification.objects.filter(alert__deadline=deadline)}
    # The referent, named by the due-soon and the due levels, reads one message (on the highest).
    assert told == {("due", world.referent), ("overdue", world.lead)}
    deadline.refresh_from_db()
    assert deadline.next_alert_on is None  # every level has fired
    count = (Alert.objects.count(), Notification.objects.count())
    second = sweep_deadlines(now=at(D(2026, 3, 2), 10))
    assert (second["due_soon"], second["due"], second["overdue"], second["notifications"]) == (0, 0, 0, 0)
    assert (Alert.objects.count(), Notification.objects.count()) == count
    assert first["due_soon"] >= 1 and first["due"] >= 1 and first["overdue"] >= 1


def test_a_skipped_due_soon_alert_says_the_deadline_is_overdue(world):
    p = world.enter(D(2026, 1, 5))  # orientation due 16 Feb: J-7 to the officer, due and J+15 to the lead
    sweep_deadlines(now=at(D(2026, 3, 10)))
    soon = Notification.objects.get(alert__pathway=p, alert__level="due_soon")
    assert soon.recipient == world.officer
    text = f"{soon.subject} {soon.body}"
    assert "arrive à échéance" not in text and "dans " not in text and "au plus tard" not in text
    assert soon.subject == "Orientation à décider, en retard de 22 j (échéance du 16/02/2026)"
    (lead,) = Notification.objects.filter(alert__pathway=p, recipient=world.lead)
    assert lead.alert.level == "overdue" and lead.subject.startswith("Escalade : orientation à décider")


def test_a_clock_already_alerted_does_not_get_its_earlier_levels_again(world):
    """Only the levels from `next_alert_on` on fire: a level an older sweep passed stays passed."""
    p, deadline = back_dated_first_appointment(world)
    Deadline.objects.filter(pk=deadline.pk).update(next_alert_on=deadline.overdue_alert_on)
    sweep_deadlines(now=at(D(2026, 3, 2)))
    assert list(alerts(p, deadline=deadline).values_list("level", flat=True)) == ["overdue"]


def test_alerts_resolve_when_the_deadline_is_met(world):
    p = advance(world, world.enter(D(2026, 9, 1)), PathwayState.SOCIAL_TRACK, D(2026, 9, 2))
    contact_record(p, occurred_on=D(2026, 9, 5), kind="interview", outcome="held", by=None, now=at(D(2026, 9, 5)))
    sweep_deadlines(now=at(D(2026, 11, 4)))  # 60 days after 5 Sep
    gap_alert = alerts(p, rule_code=RuleCode.CONTACT_GAP).get()
    assert gap_alert.status == "open" and gap_alert.recipient == world.referent
    contact_record(p, occurred_on=D(2026, 11, 4), kind="phone", outcome="held", by=None, now=at(D(2026, 11, 4), 11))
    gap_alert.refresh_from_db()
    assert gap_alert.status == "resolved"


def test_resolving_a_pathway_touches_only_the_alerts_of_its_closed_deadlines(world):
    from notifications.services.alerts import alerts_resolve_for_pathway

    p, other = world.enter(D(2026, 1, 5)), world.enter(D(2026, 1, 5))
    sweep_deadlines(now=at(D(2026, 3, 1)))  # the orientation clock of each is past due: 2 alerts each
    closed = Deadline.objects.get(pathway=p)
    reopened = Deadline.objects.create(
        pathway=p,
        rule=closed.rule,
        rule_code=closed.rule_code,
        ref="2",
        starts_on=closed.starts_on,
        due_on=closed.due_on,
    )
    Alert.objects.create(
        deadline=reopened,
        pathway=p,
        rule_code=closed.rule_code,
        level="due",
        due_on=closed.due_on,
        recipient_role="team_lead",
        created_at=at(D(2026, 3, 1)),
    )
    Deadline.objects.filter(pk=closed.pk).update(status="met")
    Deadline.objects.filter(pathway=other).update(status="met")

    assert alerts_resolve_for_pathway(p.pk, now=at(D(2026, 3, 2), 10)) == 2
    assert set(alerts(p, deadline=closed).values_list("status", "resolved_at")) == {
        ("resolved", at(D(2026, 3, 2), 10))
    }
    assert alerts(p).get(deadline=reopened).status == "open"  # its clock still runs
    assert set(alerts(other).values_list("status", flat=True)) == {"open"}  # another pathway: the safety net


def test_sweep_resolves_alerts_closed_outside_the_services(world):
    p = world.enter(D(2026, 1, 5))
    sweep_deadlines(now=at(D(2026, 3, 1)))
    Deadline.objects.filter(pathway=p).update(status="cancelled")
    assert sweep_deadlines(now=at(D(2026, 3, 2)))["resolved"] == 2  # due soon and due
    assert set(alerts(p).values_list("status", flat=True)) == {"resolved"}


def test_handover_stall_alerts_incoming_then_team_lead(world):
    p = advance(world, world.enter(D(2026, 10, 1)), PathwayState.SOCIAL_TRACK, D(2026, 10, 2))
    world.t(p, "propose_handover", D(2026, 12, 23), incoming=world.referent2, note="Relais")
    # The incoming referent is told at once (outbox row written with the transition).
    assert Notification.objects.filter(recipient=world.referent2, event="handover_proposed").exists()
    sweep_deadlines(now=at(D(2026, 12, 31)))
    assert alerts(p, rule_code="handover_acceptance", level="due").get().recipient == world.referent2
    sweep_deadlines(now=at(D(2027, 1, 4)))  # due + 2 days = Sat 2 Jan → Friday 1 is a holiday → Thu 31... at least J+1
    esc = alerts(p, rule_code="handover_acceptance", level="overdue").get()
    assert esc.recipient == world.lead


def test_notifications_carry_no_personal_data(world, django_capture_on_commit_callbacks):
    p = world.enter(D(2026, 1, 5), first_name="Gwendoline", last_name="Trouvé")
    with django_capture_on_commit_callbacks(execute=True):
        sweep_deadlines(now=at(D(2026, 3, 1)))
    n = Notification.objects.get(alert__pathway=p, alert__level="due")
    for text in (n.subject, n.body, n.link):
        assert "Gwendoline" not in text and "Trouvé" not in text and "1985" not in text
    assert f"n° {p.pk}" in n.body and n.link.endswith(f"/parcours/{p.pk}/")
    assert n.email_status == EmailStatus.SENT  # eager Celery in unit tests: dispatched after commit
    assert "Gwendoline" not in mail.outbox[-1].body


def test_outbox_row_stays_pending_when_the_broker_is_down_and_is_redispatched(world, monkeypatch):
    from notifications import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis down")

    monkeypatch.setattr(tasks.send_notification_emails_task, "delay", broker_down)
    p = advance(world, world.enter(D(2026, 10, 1)), PathwayState.SOCIAL_TRACK, D(2026, 10, 2))
    world.t(p, "propose_handover", D(2026, 11, 2), incoming=world.referent2, note="Relais")
    n = Notification.objects.get(event="handover_proposed")
    assert n.email_status == EmailStatus.PENDING
    monkeypatch.undo()
    assert redispatch_pending(now=at(D(2026, 11, 3))) >= 1
    n.refresh_from_db()
    assert n.email_status == EmailStatus.SENT


def test_digest_users_get_one_email(world):
    from notifications.services.digest import send_daily_digests

    world.lead.wants_digest = True
    world.lead.save()
    for i in range(3):
        world.enter(D(2026, 1, 5), last_name=f"P{i}")
    mail.outbox.clear()
    sweep_deadlines(now=at(D(2026, 2, 16)))  # due date: the team lead is alerted for all three
    assert not [m for m in mail.outbox if world.lead.user.email in m.to]
    assert send_daily_digests(now=at(D(2026, 2, 17), 7)) == 1
    digests = [m for m in mail.outbox if world.lead.user.email in m.to]
    assert len(digests) == 1 and "3 éléments demandent votre attention" in digests[0].body
    assert send_daily_digests(now=at(D(2026, 2, 18), 7)) == 0


def test_command_prints_one_json_line_and_replays_any_day(world):
    world.enter(D(2026, 1, 5))
    out = io.StringIO()
    call_command("sweep_deadlines", "--now", "2026-02-16T08:00", stdout=out)
    result = json.loads(out.getvalue().strip())
    assert result["due"] == 1 and result["today"] == "2026-02-16"
    assert set(result) >= {"due_soon", "due", "overdue", "resolved", "notifications"}


def test_partner_request_link_acknowledges_once_and_cannot_be_forged(world, client):
    from notifications.partners.services import partner_request_send

    p = advance(world, world.enter(D(2026, 10, 1)), PathwayState.SOCIAL_TRACK, D(2026, 10, 2))
    # The link is dated by `now` and checked against the clock: made now, it is valid.
    request = partner_request_send(
        p, world.partner_org, "orientation", sent_on=D(2026, 11, 2), by=world.referent.user, now=timezone.now()
    )
    n = Notification.objects.get(event="partner_request")
    assert n.to_email == world.partner_org.contact_email
    path = n.link.replace("https://filrouge.test", "")
    assert client.get(path).status_code == 200
    assert client.get(path[:-3] + "xyz/").status_code == 400  # tampered signature
    assert client.post(path).status_code == 200
    request.refresh_from_db()
    assert request.acknowledged_on is not None
    deadline = Deadline.objects.get(pathway=p, rule_code="partner_ack")
    assert deadline.status == "met"
    assert "déjà" in client.post(path).content.decode()  # replay changes nothing


def test_partner_reminder_then_escalation_to_referent(world):
    from notifications.partners.services import partner_request_send

    p = advance(world, world.enter(D(2026, 10, 1)), PathwayState.SOCIAL_TRACK, D(2026, 10, 2))
    partner_request_send(p, world.partner_org, "prescription", sent_on=D(2026, 11, 2), by=None, now=at(D(2026, 11, 2)))
    sweep_deadlines(now=at(D(2026, 11, 9)))
    reminder = Notification.objects.get(event="partner_reminder")
    assert reminder.to_email == world.partner_org.contact_email
    sweep_deadlines(now=at(D(2026, 11, 16)))
    assert alerts(p, rule_code="partner_ack", level="overdue").get().recipient == world.referent


def test_partner_link_expires(world, client, settings):
    from django.core import signing

    from notifications.links import SALT

    settings.PARTNER_LINK_MAX_AGE_DAYS = 30
    p = world.enter(D(2026, 10, 1))
    from casework.models import PartnerRequest

    r = PartnerRequest.objects.create(
        pathway=p, organisation=world.partner_org, kind="orientation", sent_on=D(2026, 10, 1)
    )

    class OldSigner(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(__import__("time").time()) - 31 * 86400)

    token = OldSigner(salt=SALT).sign(str(r.pk))
    response = client.get(f"/partenaire/accuse/{token}/")
    assert response.status_code == 400 and "expiré" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_sweeps_never_duplicate(needs_postgres):
    w = make_world("concurrence")
    for i in range(60):
        p = w.enter(D(2026, 1, 5), last_name=f"P{i}")
        if i % 2:
            w.t(p, "orient", D(2026, 1, 6), organisation=w.dept, track=track("social"))
        if i % 4 == 1:
            w.t(p, "assign_referent", D(2026, 1, 7), referent=w.referent)
    now = at(D(2026, 6, 1))
    results = []

    def sweep():
        try:
            results.append(sweep_deadlines(now=now, batch_size=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 2
    # Every clock was back-dated past its escalation: each of its levels fires, once.
    for level in ("due_soon", "due", "overdue"):
        expected = Deadline.objects.filter(status="open", **{f"{level}_alert_on__lte": D(2026, 6, 1)}).count()
        assert expected > 0
        assert Alert.objects.filter(level=level).count() == expected
        assert sum(r[level] for r in results) == expected
    assert Alert.objects.values("deadline", "level").distinct().count() == Alert.objects.count()
    assert sum(r["notifications"] for r in results) == Notification.objects.filter(alert__isnull=False).count()
    assert Notification.objects.filter(alert__isnull=False).values("alert", "recipient").distinct().count() == (
        Notification.objects.filter(alert__isnull=False).count()
    )


def test_partner_request_through_the_api(world):
    from rest_framework.test import APIClient

    from casework.models import PartnerRequest

    p = advance(world, world.enter(D(2026, 10, 1)), PathwayState.SOCIAL_TRACK, D(2026, 10, 2))
    client = APIClient()
    client.force_authenticate(world.referent.user)
    body = {"pathway": p.pk, "organisation": world.partner_org.pk, "kind": "orientation", "sent_on": "2026-11-02"}
    response = client.post("/api/v1/partner-requests/", body, format="json")
    assert response.status_code == 201, response.content
    request = PartnerRequest.objects.get(pk=response.json()["id"])
    assert Deadline.objects.get(pathway=p, rule_code="partner_ack", ref=str(request.pk)).due_on == D(2026, 11, 9)
    assert Notification.objects.get(event="partner_request").to_email == world.partner_org.contact_email
    assert client.post("/api/v1/partner-requests/", {**body, "organisation": world.outsider.organisation_id},
                       format="json").status_code == 400  # fmt: skip
    client.force_authenticate(world.outsider.user)
    assert client.post("/api/v1/partner-requests/", body, format="json").status_code == 404
    client.force_authenticate(world.referent2.user)  # sees the pathway, is not its referent
    assert client.post("/api/v1/partner-requests/", body, format="json").status_code == 403
