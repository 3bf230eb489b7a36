"""The person's own space (issue 18): appointments set from the pathway page and their
invitations and reminders, the signed link and its refusals, asking for a new link, what the
space shows and never shows, the access log in the subject-access export."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid

import pytest
from django.core import mail
from django.core.cache import caches
from django.db import connection
from django.utils import timezone

from casework.enums import PathwayState, SpacePage
from casework.models import Appointment, DiagnosticSection, PrivateNote, SpaceView
from casework.services.subject_access import subject_data
from config.logging_filters import redact_url
from notifications.models import PersonMessage
from notifications.services.person_messages import appointment_reminders_queue
from notifications.sms.backends import LocmemBackend
from notifications.space_links import REPLACED, space_link, space_token
from tests.factories import PayerAccountFactory
from tests.helpers import advance, make_world
from workflows.pages.ratelimit import rate_exceeded
from workflows.pages.space_selectors import STATE_WORDS
from workflows.services.person_space import appointment_set, space_link_request

M = PersonMessage
TOKEN = re.compile(r'name="form_token" value="([0-9a-f-]{36})"')
LINK = re.compile(r"https://filrouge\.test(/mon-espace/e/[^/\s]+/)")
SECRET = "Dettes importantes et suivi psychiatrique"


LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit-tests"}


@pytest.fixture(autouse=True)
def _clean_outboxes(settings):
    """Empty outboxes, and rate limits counted in memory: clearing the Redis cache would flush
    the database the broker shares (the Redis counter has its own test below)."""
    settings.CACHES = {**settings.CACHES, "ratelimit": LOCMEM}
    LocmemBackend.outbox.clear()
    caches["ratelimit"].clear()
    yield
    LocmemBackend.outbox.clear()
    caches["ratelimit"].clear()


@pytest.fixture
def case(db):
    """A person in a social track with their referent, reachable by e-mail and SMS."""
    world = make_world("espace")
    world.dept.public_phone = "05 49 00 00 00"
    world.dept.public_email = "accueil@departement.test"
    world.dept.save()
    start = timezone.localdate() - dt.timedelta(days=20)
    pathway = world.enter(start, first_name="Nadia")
    pathway = advance(world, pathway, PathwayState.SOCIAL_TRACK, start)
    person = pathway.beneficiary
    person.email, person.mobile_phone = "nadia@exemple.fr", "+33612345678"
    person.save()
    world.pathway, world.person = pathway, person
    return world


def post_form(client, url: str, page_url: str, data: dict):
    token = TOKEN.search(client.get(page_url).content.decode()).group(1)
    return client.post(url, {**data, "form_token": token})


def in_days(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


# --- appointments and their messages ------------------------------------------------------------


def test_the_referent_sets_an_appointment_and_the_person_is_invited_by_email_and_sms(
    case, client, django_capture_on_commit_callbacks
):
    client.force_login(case.referent.user)
    page = f"/parcours/{case.pathway.pk}/"
    day = timezone.localdate() + dt.timedelta(days=6)
    data = {"day": day.isoformat(), "time": "14:30", "mode": "in_person", "place": "12 rue Ricard, Niort"}
    data["purpose"] = "Faire le point"
    with django_capture_on_commit_callbacks(execute=True):
        response = post_form(client, f"/parcours/{case.pathway.pk}/rendez-vous/", page, data)
    assert response.status_code == 302
    appointment = Appointment.objects.get(pathway=case.pathway)
    assert timezone.localtime(appointment.starts_at).hour == 14
    assert appointment.remind_on == day - dt.timedelta(days=2)
    assert set(M.objects.filter(appointment=appointment).values_list("kind", "channel", "status")) == {
        (M.Kind.INVITATION, M.Channel.EMAIL, M.Status.SENT),
        (M.Kind.INVITATION, M.Channel.SMS, M.Status.SENT),
    }
    [email] = mail.outbox
    assert email.to == ["nadia@exemple.fr"] and "14 h 30" in email.subject
    assert "12 rue Ricard" in email.body and "05 49 00 00 00" in email.body and "Faire le point" not in email.body
    [sms] = LocmemBackend.outbox
    assert sms["to"] == "+33612345678" and "14 h 30" in sms["text"] and LINK.search(sms["text"])
    # The link in the message opens the space, which shows the appointment.
    space = client.get(LINK.search(email.body).group(1))
    assert space.status_code == 200 and "12 rue Ricard" in space.content.decode()


def test_a_double_submit_sets_one_appointment(case, client):
    client.force_login(case.referent.user)
    page = f"/parcours/{case.pathway.pk}/"
    token = TOKEN.search(client.get(page).content.decode()).group(1)
    day = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    data = {"day": day, "time": "09:00", "mode": "phone", "purpose": "Point", "form_token": token}
    client.post(f"/parcours/{case.pathway.pk}/rendez-vous/", data)
    client.post(f"/parcours/{case.pathway.pk}/rendez-vous/", data)
    assert Appointment.objects.filter(pathway=case.pathway).count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2020-01-06", "time": "10:00", "mode": "phone", "purpose": "x"}, "dans le futur"),
        ({"day": "2099-01-06", "time": "10:00", "mode": "phone", "purpose": "x"}, "dans l&#x27;année qui vient"),
        ({"day": "+3", "time": "10:00", "mode": "in_person", "purpose": "x"}, "Indiquez l&#x27;adresse"),
        ({"day": "demain", "time": "10:00", "mode": "phone", "purpose": "x"}, "Saisissez une date valide"),
        ({"day": "+3", "time": "10:00", "mode": "phone", "purpose": ""}, "Ce champ est obligatoire"),
    ],
)
def test_a_bad_appointment_is_refused_beside_its_field_and_nothing_is_written(case, client, data, message):
    client.force_login(case.referent.user)
    if data["day"] == "+3":
        data = {**data, "day": (timezone.localdate() + dt.timedelta(days=3)).isoformat()}
    page = f"/parcours/{case.pathway.pk}/"
    response = post_form(client, f"/parcours/{case.pathway.pk}/rendez-vous/", page, data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Appointment.objects.exists() and not M.objects.exists()


def test_only_those_who_manage_the_pathway_set_an_appointment(case, client):
    data = {"day": (timezone.localdate() + dt.timedelta(days=3)).isoformat(), "time": "10:00", "mode": "phone"}
    data["purpose"] = "Point"
    client.force_login(case.outsider.user)
    assert client.post(f"/parcours/{case.pathway.pk}/rendez-vous/", data).status_code == 404
    client.force_login(case.referent2.user)  # sees the pathway (same organisation), does not manage it
    assert client.post(f"/parcours/{case.pathway.pk}/rendez-vous/", data).status_code == 302
    assert not Appointment.objects.exists()


def test_the_reminder_leaves_two_days_before_once_even_when_the_sweep_runs_twice(case):
    set_at = in_days(0, hour=9)
    appointment = appointment_set(
        case.pathway, starts_at=in_days(5), mode="phone", place="", purpose="Point", by=case.referent.user, now=set_at
    )
    assert appointment_reminders_queue(now=in_days(2, hour=9)) == 0  # not yet
    remind_day = in_days(3, hour=8)
    assert appointment_reminders_queue(now=remind_day) == 2  # e-mail and SMS
    assert appointment_reminders_queue(now=remind_day + dt.timedelta(hours=1)) == 0
    reminders = M.objects.filter(appointment=appointment, kind=M.Kind.REMINDER)
    assert sorted(reminders.values_list("channel", flat=True)) == [M.Channel.EMAIL, M.Channel.SMS]
    assert "Rappel" in reminders.get(channel=M.Channel.SMS).body


def test_an_appointment_set_less_than_two_days_ahead_gets_its_invitation_only(case):
    appointment_set(
        case.pathway, starts_at=in_days(1), mode="phone", place="", purpose="Point", by=None, now=in_days(0, hour=9)
    )
    assert Appointment.objects.get().remind_on is None
    assert appointment_reminders_queue(now=in_days(0, hour=18)) == 0


@pytest.mark.django_db(transaction=True)
def test_two_reminder_sweeps_racing_write_each_reminder_once(needs_postgres):
    world = make_world("course")
    start = timezone.localdate() - dt.timedelta(days=10)
    pathway = advance(world, world.enter(start), PathwayState.SOCIAL_TRACK, start)
    person = pathway.beneficiary
    person.email, person.mobile_phone = "x@exemple.fr", "+33612345600"
    person.save()
    appointment = appointment_set(
        pathway, starts_at=in_days(5), mode="phone", place="", purpose="Point", by=None, now=in_days(0, hour=9)
    )
    barrier = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            barrier.wait(5)
            appointment_reminders_queue(now=in_days(3, hour=8))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert M.objects.filter(appointment=appointment, kind=M.Kind.REMINDER).count() == 2  # one per channel


# --- the link ------------------------------------------------------------------------------------


def test_the_space_shows_the_pathway_in_plain_words_the_appointment_and_the_referent_only(case, client):
    DiagnosticSection.objects.create(
        pathway=case.pathway, kind="health", content=SECRET, created_at=timezone.now(), updated_at=timezone.now()
    )
    PrivateNote.objects.create(pathway=case.pathway, author=case.referent, content=SECRET, created_at=timezone.now())
    appointment_set(
        case.pathway,
        starts_at=in_days(4),
        mode="in_person",
        place="3 place de la Brèche",
        purpose="Bilan",
        by=case.referent.user,
        now=timezone.now(),
    )
    response = client.get(space_link(case.person.pk, now=timezone.now()).removeprefix("https://filrouge.test"))
    html = response.content.decode()
    assert response.status_code == 200
    assert STATE_WORDS[PathwayState.SOCIAL_TRACK][0].replace("'", "&#x27;") in html
    assert "3 place de la Brèche" in html and "Bilan" in html
    assert case.referent.display_name in html and "05 49 00 00 00" in html and "accueil@departement.test" in html
    assert SECRET not in html
    for other in (case.lead, case.officer, case.referent2):
        assert other.display_name not in html
    assert response["Cache-Control"].startswith("no-store") and response["Referrer-Policy"] == "no-referrer"
    assert list(SpaceView.objects.values_list("beneficiary_id", "page")) == [(case.person.pk, SpacePage.HOME)]


def test_the_contract_page_shows_its_dates_and_is_logged(case, client):
    link = space_link(case.person.pk, now=timezone.now()).removeprefix("https://filrouge.test")
    response = client.get(link + "contrat/")
    assert response.status_code == 200 and "Signé le" in response.content.decode()
    assert SpaceView.objects.get().page == SpacePage.CONTRACT


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: "9999" + t,  # another person
        lambda t: "n-importe-quoi",
    ],
)
def test_a_forged_link_shows_a_french_page_and_nothing_else(case, client, tamper):
    token = space_token(case.person.pk, 0, now=timezone.now())
    response = client.get(f"/mon-espace/e/{tamper(token)}/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Ce lien n&#x27;est pas valide" in html and "Nadia" not in html
    assert not SpaceView.objects.exists()


def test_a_partner_link_does_not_open_a_space(case, client):
    from notifications.links import partner_ack_token

    response = client.get(f"/mon-espace/e/{partner_ack_token(case.person.pk, now=timezone.now())}/")
    assert response.status_code == 400


def test_an_expired_link_shows_a_french_page(case, client, settings):
    old = timezone.now() - dt.timedelta(days=settings.PERSON_SPACE_LINK_MAX_AGE_DAYS + 1)
    response = client.get(f"/mon-espace/e/{space_token(case.person.pk, 0, now=old)}/")
    assert response.status_code == 410
    assert "trop ancien" in response.content.decode() and "Nadia" not in response.content.decode()


def test_asking_for_a_new_link_retires_the_older_ones(case, client, django_capture_on_commit_callbacks):
    PayerAccountFactory(beneficiary=case.person, allocation_number="7654321")
    old = space_link(case.person.pk, now=timezone.now()).removeprefix("https://filrouge.test")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/mon-espace/nouveau-lien/", {"allocation_number": "765 4321", "birth_date": "1985-06-15"}
        )
    assert response.status_code == 200 and "Si nous vous connaissons" in response.content.decode()
    replaced = client.get(old)
    assert replaced.status_code == 410
    assert REPLACED.replace("'", "&#x27;") in replaced.content.decode() and "Nadia" not in replaced.content.decode()
    [sms] = LocmemBackend.outbox
    assert client.get(LINK.search(sms["text"]).group(1)).status_code == 200
    [email] = mail.outbox
    assert LINK.search(email.body).group(1) == LINK.search(sms["text"]).group(1)


def test_an_unknown_allocation_number_or_birth_date_gets_the_same_answer(case, client):
    PayerAccountFactory(beneficiary=case.person, allocation_number="7654321")
    known = client.post("/mon-espace/nouveau-lien/", {"allocation_number": "7654321", "birth_date": "1985-06-15"})
    caches["ratelimit"].clear()
    wrong_date = client.post("/mon-espace/nouveau-lien/", {"allocation_number": "7654321", "birth_date": "1990-01-01"})
    unknown = client.post("/mon-espace/nouveau-lien/", {"allocation_number": "1111111", "birth_date": "1985-06-15"})
    assert known.status_code == wrong_date.status_code == unknown.status_code == 200
    assert known.content == wrong_date.content == unknown.content
    assert M.objects.filter(kind=M.Kind.SPACE_LINK).count() == 2  # the known person's two channels only
    assert space_link_request("1111111", dt.date(1985, 6, 15), now=timezone.now()) == 0


def test_link_requests_are_rate_limited_per_allocation_number_and_per_address(case, client, settings):
    settings.PERSON_SPACE_LINK_REQUESTS_PER_NUMBER = 2
    settings.PERSON_SPACE_LINK_REQUESTS_PER_ADDRESS = 4
    data = {"allocation_number": "5550001", "birth_date": "1985-06-15"}
    statuses = [client.post("/mon-espace/nouveau-lien/", data).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    too_many = client.post("/mon-espace/nouveau-lien/", {**data, "allocation_number": "5550002"})
    assert too_many.status_code == 200  # 4th from this address, another number
    blocked = client.post("/mon-espace/nouveau-lien/", {**data, "allocation_number": "5550003"})
    assert blocked.status_code == 429 and "trop de demandes" in blocked.content.decode()
    other_address = client.post(
        "/mon-espace/nouveau-lien/", {**data, "allocation_number": "5550003"}, REMOTE_ADDR="10.1.2.3"
    )
    assert other_address.status_code == 200


def test_a_link_request_with_bad_input_is_answered_in_french(client):
    response = client.post("/mon-espace/nouveau-lien/", {"allocation_number": "12-AB?", "birth_date": "hier"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "seulement les chiffres" in html and "Écrivez votre date de naissance" in html


# --- contact details, plain words, the export, the logs --------------------------------------------


def test_contact_details_are_validated_normalised_and_audited(case, client):
    client.force_login(case.referent.user)
    page = f"/parcours/{case.pathway.pk}/"
    url = f"/parcours/{case.pathway.pk}/coordonnees/"
    bad = post_form(client, url, page, {"email": "pas-une-adresse", "mobile_phone": "05 49 12 34 56"})
    assert bad.status_code == 400
    assert "06 ou 07" in bad.content.decode() and "adresse e-mail valide" in bad.content.decode()
    case.person.refresh_from_db()
    assert case.person.mobile_phone == "+33612345678"
    good = post_form(
        client, url, page, {"email": "n@exemple.fr", "mobile_phone": "07 81 23 45 67", "sms_opt_out": "on"}
    )
    assert good.status_code == 302
    case.person.refresh_from_db()
    assert (case.person.email, case.person.mobile_phone, case.person.sms_opt_out) == (
        "n@exemple.fr",
        "+33781234567",
        True,
    )
    last = case.person.audit.order_by("-history_date").first()
    assert (last.mobile_phone, last.history_user_id) == ("+33781234567", case.referent.user.pk)


def test_every_state_has_plain_words():
    assert set(STATE_WORDS) == set(PathwayState.values)


def test_the_subject_access_export_lists_the_space_views_and_the_appointments(case, client):
    appointment_set(
        case.pathway, starts_at=in_days(4), mode="phone", place="", purpose="Point", by=None, now=timezone.now()
    )
    client.get(space_link(case.person.pk, now=timezone.now()).removeprefix("https://filrouge.test"))
    doc = subject_data(case.person, [case.pathway], case.referent.user, now=timezone.now())
    assert [v["page"] for v in doc["space_views"]] == ["Mon espace"]
    assert doc["pathways"][0]["appointments"][0]["purpose"] == "Point"
    assert doc["person"]["mobile_phone"] == "+33612345678"
    client.force_login(case.referent.user)
    page = client.get(f"/personnes/{case.person.pk}/donnees/")
    assert page.status_code == 200
    assert "Mon espace" in page.content.decode() and "Point" in page.content.decode()


def test_the_space_link_is_masked_in_logs():
    assert redact_url("GET /mon-espace/e/12.0:abc:def/contrat/ 200") == "GET /mon-espace/e/[masqué]/contrat/ 200"


def test_the_rate_limit_counts_in_redis_across_processes(redis_url, settings):
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url},
    }
    value = uuid.uuid4().hex  # a fresh key: nothing to clear afterwards (it expires within the hour)
    assert [rate_exceeded("test", value, 2) for _ in range(4)] == [False, False, True, True]
    assert caches["ratelimit"].__class__.__name__ == "RedisCache"


def test_the_beat_tasks_send_the_reminders_and_what_was_left_pending(case):
    from notifications.tasks import appointment_reminders_task, redispatch_person_messages_task

    set_at = timezone.now() - dt.timedelta(hours=1)  # the re-dispatch leaves rows younger than 30 s
    appointment = appointment_set(
        case.pathway, starts_at=in_days(5), mode="phone", place="", purpose="Point", by=None, now=set_at
    )
    # No commit in this test: the invitations stay pending, as when the broker was down.
    assert M.objects.filter(kind=M.Kind.INVITATION, status=M.Status.PENDING).count() == 2
    assert redispatch_person_messages_task.apply().get() == 2
    assert M.objects.filter(kind=M.Kind.INVITATION, status=M.Status.SENT).count() == 2
    assert appointment_reminders_task.apply(kwargs={"now_iso": in_days(3, hour=8).isoformat()}).get() == 2
    assert appointment_reminders_task.apply(kwargs={"now_iso": in_days(3, hour=9).isoformat()}).get() == 0
    assert M.objects.filter(appointment=appointment, kind=M.Kind.REMINDER).count() == 2


def test_the_space_access_log_is_append_only_in_the_database_too(case, needs_postgres):
    from django.db import DatabaseError, models, transaction

    from casework.services.person_space import space_view_log

    view = space_view_log(case.person.pk, SpacePage.HOME, now=timezone.now())
    with pytest.raises(PermissionError):
        SpaceView.objects.filter(pk=view.pk).update(page=SpacePage.CONTRACT)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        models.QuerySet(SpaceView).filter(pk=view.pk).update(page=SpacePage.CONTRACT)


def test_anonymisation_erases_the_contact_details_and_the_appointments_texts(db, needs_postgres, client):
    from casework.services.retention import beneficiary_anonymise

    world = make_world("oubli")
    start = timezone.localdate() - dt.timedelta(days=30)
    pathway = advance(world, world.enter(start), PathwayState.DIAGNOSTIC, start)
    person = pathway.beneficiary
    person.email, person.mobile_phone = "oubli@exemple.fr", "+33612340000"
    person.save()
    appointment_set(
        pathway, starts_at=in_days(3), mode="in_person", place="1 rue X", purpose="Point", by=None, now=timezone.now()
    )
    old_link = space_link(person.pk, now=timezone.now()).removeprefix("https://filrouge.test")
    world.t(pathway, "close", timezone.localdate(), close_reason="moved_away")
    assert beneficiary_anonymise(person.pk, now=timezone.now() + dt.timedelta(days=1), months=0)
    person.refresh_from_db()
    assert (person.email, person.mobile_phone) == ("", "")
    assert not person.audit.exclude(email="").exists() and not person.audit.exclude(mobile_phone="").exists()
    assert list(Appointment.objects.values_list("place", "purpose")) == [("", "[anonymisé]")]
    # An anonymised person's old links open nothing.
    assert client.get(old_link).status_code == 400
