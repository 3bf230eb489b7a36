"""No personal data in logs, error reports or e-mails.

The log lines are captured from the configured handlers themselves (with the redaction filter
wired in LOGGING), at DEBUG level, while people are created, moved, rejected by the API and
while a view crashes (500). The test fails if a name or a birth date reaches a line.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from unittest import mock

import pytest
from django.core import mail
from django.db import IntegrityError
from rest_framework.test import APIClient

from casework.models import Beneficiary
from config.logging_filters import PersonalDataFilter, redact
from notifications.services.sweep import sweep_deadlines
from tests.helpers import advance, at

pytestmark = pytest.mark.django_db

FIRST, LAST, BIRTH = "Gwendoline", "Kerjean", dt.date(1983, 7, 14)
MARKERS = (FIRST, LAST, BIRTH.isoformat(), BIRTH.strftime("%d/%m/%Y"), "1983, 7, 14")


@pytest.fixture
def log_lines():
    """The text written by the project's configured 'console' handler, at DEBUG level."""
    handler = next(h for h in logging.getLogger().handlers if h.get_name() == "console")
    stream = io.StringIO()
    old_stream = handler.setStream(stream)
    root, django_logger = logging.getLogger(), logging.getLogger("django")
    old_levels = root.level, django_logger.level
    root.setLevel(logging.DEBUG)
    django_logger.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        handler.setStream(old_stream)
        root.setLevel(old_levels[0])
        django_logger.setLevel(old_levels[1])


def _assert_clean(text: str) -> None:
    for marker in MARKERS:
        assert marker not in text, f"personal data {marker!r} reached a log line:\n{text}"


def test_no_name_or_birth_date_in_logs_through_the_whole_life_of_a_file(world, log_lines, client):
    api = APIClient()
    api.force_authenticate(world.officer.user)
    payload = {
        "first_name": FIRST,
        "last_name": LAST,
        "birth_date": BIRTH.isoformat(),
        "territory": world.territory.code,
        "entered_on": "2026-01-05",
    }
    r = api.post("/api/v1/beneficiaries/", payload, format="json")
    assert r.status_code == 201
    pathway_id = r.json()["pathway"]["id"]
    assert api.post("/api/v1/beneficiaries/", payload, format="json").status_code == 409  # duplicate
    assert api.post("/api/v1/beneficiaries/", {**payload, "territory": "nowhere"}, format="json").status_code == 400
    from casework.models import Pathway

    pathway = Pathway.objects.get(pk=pathway_id)
    advance(world, pathway, "social_track", dt.date(2026, 1, 6))
    r = api.post(f"/api/v1/pathways/{pathway_id}/transitions/", {"transition": "nope", "first_name": FIRST})
    assert r.status_code == 400
    # Code that carelessly logs a person, or a dict of their fields, or an e-mail or a NIR.
    person = Beneficiary.objects.get(pk=pathway.beneficiary_id)
    logger = logging.getLogger("workflows.test")
    logger.info("created %s", person)
    logger.info("payload %s", payload)
    logger.warning("data %(first_name)s %(birth_date)s", {"first_name": FIRST, "birth_date": BIRTH})
    logger.info("contact gwendoline.kerjean@example.org NIR 2 83 07 79 191 123 45 tel 06 12 34 56 78")
    # A 500 whose exception carries PostgreSQL's detail with the person's values.
    error = IntegrityError(
        f"duplicate key\nDETAIL:  Key (first_name, last_name, birth_date)=({FIRST}, {LAST}, {BIRTH}) exists."
    )
    with mock.patch("workflows.api.pathways.orientation_suggest", side_effect=error):
        api.raise_request_exception = False
        r = api.get(f"/api/v1/pathways/{pathway_id}/orientation-suggestion/")
    assert r.status_code == 500
    text = log_lines.getvalue()
    assert "Internal Server Error" in text and "IntegrityError" in text  # the error is still reported
    assert "gwendoline.kerjean@example.org" not in text and "191 123" not in text and "06 12 34" not in text
    _assert_clean(text)


def test_notification_emails_carry_no_personal_data(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        p = world.enter(dt.date(2026, 1, 5), first_name=FIRST, last_name=LAST, birth_date=BIRTH)
        p = advance(world, p, "social_track", dt.date(2026, 1, 6))
        world.t(p, "propose_handover", dt.date(2026, 1, 20), incoming=world.referent2, note=f"{FIRST} va mieux")
    with django_capture_on_commit_callbacks(execute=True):
        sweep_deadlines(now=at(dt.date(2026, 6, 1)))
    assert mail.outbox, "the scenario should send e-mails"
    for message in mail.outbox:
        _assert_clean(message.subject + message.body)
        assert "parcours" in message.body.lower()


def test_redact_patterns():
    assert FIRST not in redact(f"first_name='{FIRST}', last_name: {LAST}")
    assert "1983-07-14" not in redact("born 1983-07-14")
    assert "a@b.fr" not in redact("mail a@b.fr")
    assert "283077919112345" not in redact("nir 283077919112345")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "p %s", (Beneficiary(pk=3, first_name=FIRST),), None)
    PersonalDataFilter().filter(record)
    assert record.getMessage() == "p personne n° 3"
