"""The SMS channel (issue 18): the HTTP provider backend against a local fake provider (a real
HTTP server in a thread, no network), the outbox's retries with back-off, the delivery
callback, the opt-out; the French mobile number's validation."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from casework.phones import french_mobile_display, french_mobile_normalise
from notifications.models import PersonMessage
from notifications.services.person_messages import (
    person_message_send,
    person_messages_redispatch,
    send_person_messages_task,
    space_link_message,
)
from notifications.sms.backends import LocmemBackend
from tests.factories import BeneficiaryFactory

M = PersonMessage
NOW = timezone.make_aware(dt.datetime(2026, 12, 3, 10, 0))
CALLBACK = "/notifications/sms/statut/"


class FakeProvider:
    """A scripted SMS provider: each request pops the next (status, body); records what it got."""

    def __init__(self, script: list[tuple[int, dict]]):
        self.script = list(script)
        self.requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                provider.requests.append(
                    {"headers": dict(self.headers), "body": json.loads(self.rfile.read(length) or b"{}")}
                )
                status, body = provider.script.pop(0) if provider.script else (500, {})
                payload = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def provider_settings(settings):
    settings.SMS_BACKEND = "http"
    settings.SMS_HTTP_TOKEN = "provider-secret"
    settings.SMS_SENDER = "CD79"
    settings.SMS_HTTP_TIMEOUT = 5
    return settings


@pytest.fixture(autouse=True)
def _empty_sms_outbox():
    LocmemBackend.outbox.clear()
    yield
    LocmemBackend.outbox.clear()


@pytest.fixture
def eager_retries():
    """Eager mode runs a task's retries at once when the Retry is not propagated (a worker waits
    the countdown): the same code path, minus the wait."""
    conf = send_person_messages_task.app.conf
    before = conf.task_eager_propagates
    conf.task_eager_propagates = False
    yield
    conf.task_eager_propagates = before


def sms_row(person) -> PersonMessage:
    ids = space_link_message(person, now=NOW)
    return M.objects.get(pk__in=ids, channel=M.Channel.SMS)


@pytest.mark.django_db
def test_the_provider_gets_the_message_and_its_id_is_recorded(provider_settings):
    person = BeneficiaryFactory(mobile_phone="+33612345678")
    row = sms_row(person)
    with FakeProvider([(200, {"id": "prov-1"})]) as fake:
        provider_settings.SMS_HTTP_URL = fake.url
        assert person_message_send(row.pk, now=NOW) == (M.Status.SENT, 0)
    row.refresh_from_db()
    assert (row.status, row.provider_id, row.attempts, row.sent_at) == (M.Status.SENT, "prov-1", 1, NOW)
    [request] = fake.requests
    assert request["headers"]["Authorization"] == "Bearer provider-secret"
    assert request["headers"]["Idempotency-Key"] == f"filrouge-{row.pk}"
    body = request["body"]
    assert body["to"] == "+33612345678" and body["from"] == "CD79" and body["reference"] == f"filrouge-{row.pk}"
    assert "/mon-espace/e/" in body["text"]
    assert body["status_url"] == "https://filrouge.test" + CALLBACK


@pytest.mark.django_db
def test_a_transient_failure_is_retried_after_a_back_off_then_succeeds(provider_settings):
    person = BeneficiaryFactory(mobile_phone="+33712345678")
    row = sms_row(person)
    with FakeProvider([(503, {}), (200, {"id": "prov-2"})]) as fake:
        provider_settings.SMS_HTTP_URL = fake.url
        # The first attempt: pending, counted, its next attempt a minute later.
        assert person_message_send(row.pk, now=NOW) == (M.Status.PENDING, 60)
        row.refresh_from_db()
        assert (row.attempts, row.last_error, row.next_attempt_at) == (1, "HTTP 503", NOW + dt.timedelta(seconds=60))
        # The safety net leaves it alone during its back-off...
        assert person_messages_redispatch(now=NOW + dt.timedelta(seconds=45)) == 0
        # ...and the retry sends it, with the same reference (the provider may drop a double).
        assert person_message_send(row.pk, now=NOW + dt.timedelta(seconds=61)) == (M.Status.SENT, 0)
    row.refresh_from_db()
    assert (row.status, row.attempts, row.provider_id) == (M.Status.SENT, 2, "prov-2")
    assert [r["body"]["reference"] for r in fake.requests] == [f"filrouge-{row.pk}"] * 2


@pytest.mark.django_db
def test_the_celery_task_retries_a_transient_failure_by_itself(provider_settings, eager_retries):
    person = BeneficiaryFactory(mobile_phone="+33612345679")
    row = sms_row(person)
    with FakeProvider([(429, {}), (502, {}), (201, {"id": "prov-3"})]) as fake:
        provider_settings.SMS_HTTP_URL = fake.url
        send_person_messages_task.apply(args=[[row.pk]])  # eager: its retries run in turn
    row.refresh_from_db()
    assert (row.status, row.attempts, row.provider_id) == (M.Status.SENT, 3, "prov-3")
    assert len(fake.requests) == 3


@pytest.mark.django_db
def test_a_permanent_failure_is_not_retried(provider_settings, eager_retries):
    person = BeneficiaryFactory(mobile_phone="+33612345670")
    row = sms_row(person)
    with FakeProvider([(400, {"error": "numéro refusé"}), (200, {"id": "never"})]) as fake:
        provider_settings.SMS_HTTP_URL = fake.url
        send_person_messages_task.apply(args=[[row.pk]])
        assert person_messages_redispatch(now=NOW + dt.timedelta(days=1)) == 0
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (M.Status.FAILED, 1, "HTTP 400")
    assert len(fake.requests) == 1


@pytest.mark.django_db
def test_an_unreachable_provider_is_transient_and_fails_after_the_last_attempt(provider_settings):
    person = BeneficiaryFactory(mobile_phone="+33612345671")
    row = sms_row(person)
    with FakeProvider([]) as fake:
        provider_settings.SMS_HTTP_URL = fake.url
    # The server is gone: connection refused, each time.
    statuses = [person_message_send(row.pk, now=NOW)[0] for _ in range(6)]
    assert statuses == [M.Status.PENDING] * 5 + [M.Status.FAILED]
    row.refresh_from_db()
    assert row.attempts == 6


@pytest.mark.django_db
def test_the_delivery_callback_records_the_status_and_needs_the_secret(client, provider_settings):
    person = BeneficiaryFactory(mobile_phone="+33612345672")
    row = sms_row(person)
    with FakeProvider([(200, {"id": "prov-4"})]) as fake:
        provider_settings.SMS_HTTP_URL = fake.url
        person_message_send(row.pk, now=NOW)
    report = json.dumps({"id": "prov-4", "status": "delivered"})
    assert client.post(CALLBACK, report, content_type="application/json").status_code == 401
    wrong = {"HTTP_AUTHORIZATION": "Bearer not-the-secret"}
    assert client.post(CALLBACK, report, content_type="application/json", **wrong).status_code == 401
    row.refresh_from_db()
    assert row.status == M.Status.SENT
    auth = {"HTTP_AUTHORIZATION": "Bearer test-sms-callback-token"}
    assert client.post(CALLBACK, report, content_type="application/json", **auth).status_code == 204
    row.refresh_from_db()
    assert row.status == M.Status.DELIVERED and row.delivered_at is not None
    # A late "failed" never undoes a delivery; an unknown id is a 404; a bad body a 400.
    late = json.dumps({"id": "prov-4", "status": "failed"})
    assert client.post(CALLBACK, late, content_type="application/json", **auth).status_code == 204
    row.refresh_from_db()
    assert row.status == M.Status.DELIVERED
    unknown = json.dumps({"id": "nope", "status": "delivered"})
    assert client.post(CALLBACK, unknown, content_type="application/json", **auth).status_code == 404
    assert client.post(CALLBACK, "not json", content_type="application/json", **auth).status_code == 400
    assert client.get(CALLBACK, **auth).status_code == 405


@pytest.mark.django_db
def test_a_failed_delivery_is_recorded(client, provider_settings):
    person = BeneficiaryFactory(mobile_phone="+33612345673")
    row = sms_row(person)
    with FakeProvider([(200, {"id": "prov-5"})]) as fake:
        provider_settings.SMS_HTTP_URL = fake.url
        person_message_send(row.pk, now=NOW)
    auth = {"HTTP_AUTHORIZATION": "Bearer test-sms-callback-token"}
    report = json.dumps({"id": "prov-5", "status": "undelivered"})
    assert client.post(CALLBACK, report, content_type="application/json", **auth).status_code == 204
    row.refresh_from_db()
    assert row.status == M.Status.FAILED and "undelivered" in row.last_error


@pytest.mark.django_db
def test_opt_out_no_sms_is_written_and_one_written_before_is_cancelled(provider_settings):
    opted_out = BeneficiaryFactory(mobile_phone="+33612345674", sms_opt_out=True, email="a@exemple.fr")
    ids = space_link_message(opted_out, now=NOW)
    assert list(M.objects.filter(pk__in=ids).values_list("channel", flat=True)) == [M.Channel.EMAIL]

    changed_mind = BeneficiaryFactory(mobile_phone="+33612345675")
    row = sms_row(changed_mind)
    changed_mind.sms_opt_out = True
    changed_mind.save()
    with FakeProvider([(200, {"id": "never"})]) as fake:
        provider_settings.SMS_HTTP_URL = fake.url
        assert person_message_send(row.pk, now=NOW) == (M.Status.CANCELLED, 0)
    assert fake.requests == []


@pytest.mark.django_db
def test_the_default_backends_send_nowhere_outside(settings, capsys):
    person = BeneficiaryFactory(mobile_phone="+33612345676")
    row = sms_row(person)
    person_message_send(row.pk, now=NOW)
    assert LocmemBackend.outbox[0]["to"] == "+33612345676"
    settings.SMS_BACKEND = "console"  # make run's default
    row2 = sms_row(person)
    person_message_send(row2.pk, now=NOW)
    out = capsys.readouterr().out
    assert "06 •• •• •• 76" in out and "+33612345676" not in out


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("+33 7 81 23 45 67", "+33781234567"),
        ("0033612345678", "+33612345678"),
        ("", ""),
    ],
)
def test_a_french_mobile_number_is_stored_in_one_form(typed, stored):
    assert french_mobile_normalise(typed) == stored


@pytest.mark.parametrize(
    "typed", ["05 49 12 34 56", "0612345", "07 01 23 45 67", "+44 7911 123456", "06123456789", "abc", "0049612345678"]
)
def test_a_number_that_is_not_a_french_mobile_is_refused_in_french(typed):
    with pytest.raises(ValidationError) as exc:
        french_mobile_normalise(typed)
    assert "06 ou 07" in exc.value.messages[0]


def test_a_stored_number_reads_the_french_way():
    assert french_mobile_display("+33612345678") == "06 12 34 56 78"


@pytest.mark.django_db
def test_an_email_failure_is_retried_and_its_record_names_no_address(monkeypatch):
    import smtplib

    from notifications.services import person_messages

    person = BeneficiaryFactory(email="nadia@exemple.fr")
    [row_id] = space_link_message(person, now=NOW)

    def refuse(*args, **kwargs):
        raise smtplib.SMTPRecipientsRefused({"nadia@exemple.fr": (450, b"try later")})

    monkeypatch.setattr(person_messages, "send_mail", refuse)
    assert person_message_send(row_id, now=NOW) == (M.Status.PENDING, 60)
    row = M.objects.get(pk=row_id)
    assert row.last_error == "SMTPRecipientsRefused" and row.attempts == 1
