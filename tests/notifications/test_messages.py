"""What a notification says: a title for the inbox, the product's name only in e-mail subjects,
and alert texts that say what to do and when — from the day they are written (issue 13)."""

import datetime as dt

import pytest
from django.core import mail

from casework.enums import AlertLevel, PathwayState, RuleCode
from notifications.models import Notification
from notifications.services import messages
from notifications.services.digest import send_daily_digests
from notifications.services.sweep import sweep_deadlines
from tests.helpers import advance, at

D = dt.date


@pytest.mark.parametrize(
    ("today", "title"),
    [
        (D(2026, 12, 9), "Orientation à décider au plus tard le 12/12/2026 (dans 3 jours)"),
        (D(2026, 12, 11), "Orientation à décider au plus tard le 12/12/2026 (dans 1 jour)"),
        (D(2026, 12, 12), "Orientation à décider au plus tard aujourd'hui (12/12/2026)"),
        (D(2026, 12, 17), "Orientation à décider, en retard de 5 j (échéance du 12/12/2026)"),
    ],
)
def test_an_alert_says_what_to_do_and_when_from_the_day_it_is_written(today, title):
    got, body = messages.alert_message(RuleCode.ORIENTATION, AlertLevel.DUE_SOON, D(2026, 12, 12), 42, today=today)
    assert got == title
    assert body.startswith("Parcours n° 42 : orientation à décider")
    assert "arrive à échéance" not in got + body and "Fil rouge" not in got


def test_an_escalation_says_so():
    title, body = messages.alert_message(
        RuleCode.CONTACT_GAP, AlertLevel.OVERDUE, D(2026, 12, 1), 7, today=D(2026, 12, 16)
    )
    assert title == "Escalade : contact à reprendre, en retard de 15 j (échéance du 01/12/2026)"
    assert "escalade" in body


def test_every_rule_has_its_action():
    assert set(messages.RULE_ACTIONS) == set(RuleCode)
    assert set(messages.LEVEL_NOTES) == set(AlertLevel)


@pytest.mark.django_db
def test_the_inbox_title_has_no_product_name_and_the_email_subject_has(world, django_capture_on_commit_callbacks):
    p = advance(world, world.enter(D(2026, 10, 1)), PathwayState.SOCIAL_TRACK, D(2026, 10, 2))
    with django_capture_on_commit_callbacks(execute=True):
        world.t(p, "propose_handover", D(2026, 11, 2), incoming=world.referent2, note="Relais")
    note = Notification.objects.get(event="handover_proposed")
    assert note.subject == "Un passage de relais vous est proposé"
    assert [m.subject for m in mail.outbox if world.referent2.user.email in m.to] == [
        "Fil rouge — Un passage de relais vous est proposé"
    ]


@pytest.mark.django_db
def test_the_digest_counts_in_french(world):
    world.lead.wants_digest = True
    world.lead.save()
    world.enter(D(2026, 1, 5))
    sweep_deadlines(now=at(D(2026, 2, 16)))  # orientation due day: one alert for the team lead
    mail.outbox.clear()
    assert send_daily_digests(now=at(D(2026, 2, 17), 7)) == 1
    (digest,) = mail.outbox
    assert "1 élément demande votre attention" in digest.body and "(s)" not in digest.body
    assert digest.subject == "Fil rouge — Votre résumé du 17/02/2026"


@pytest.mark.django_db
def test_old_titles_lose_the_product_name(world):
    """The data migration strips what older rows copied from e-mail subjects."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("notifications.migrations.0004_notification_title_without_product_name")
    p = world.enter(D(2026, 1, 5))
    old = Notification.objects.create(
        recipient=world.lead, event="queued", pathway=p, subject="Fil rouge — un parcours a besoin de vous",
        body="b", created_at=at(D(2026, 1, 5)),
    )  # fmt: skip
    migration.strip_product_name(apps, None)
    old.refresh_from_db()
    assert old.subject == "Un parcours a besoin de vous"


@pytest.mark.parametrize("rule", list(RuleCode))
@pytest.mark.parametrize("level", list(AlertLevel))
def test_no_alert_text_says_the_deadline_falls_due_or_names_the_product(rule, level):
    for today in (D(2026, 12, 1), D(2026, 12, 12), D(2026, 12, 30)):
        title, body = messages.alert_message(rule, level, D(2026, 12, 12), 5, today=today)
        assert "arrive à échéance" not in title + body and "Fil rouge" not in title + body
        assert title.count("échéance") <= 1 and title[0].isupper() and len(title) <= 200
        assert body.startswith("Parcours n° 5 : ") and body.endswith(".")
