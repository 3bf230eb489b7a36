"""Fuzz the partner API from its own OpenAPI schema (schemathesis): no input may cause a 500.

In-process against the WSGI application, authenticated with an API token (knox) of a professional who
holds every role (so that transitions and contacts are actually attempted), with pathways in
several states. Examples per operation are bounded to keep the run well under a minute.
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from casework.models import PartnerRequest
from tests.helpers import advance, api_token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def fuzz_world(world):
    lead = world.lead
    lead.is_referent = True
    lead.is_orientation_officer = True
    lead.save()
    start = dt.date(2026, 1, 5)
    for i, state in enumerate(["orientation", "diagnostic", "social_track", "suspended", "closed"]):
        p = world.enter(start, last_name=f"Fuzz{i}")
        advance(world, p, state, start + dt.timedelta(days=1))
    other = world.enter(start, last_name="Partagé")
    PartnerRequest.objects.create(pathway=other, organisation=world.partner_org, kind="orientation", sent_on=start)
    return {"Authorization": f"Token {api_token_for(lead.user)}"}


@pytest.fixture
def keep_test_connection():
    """Like Django's test client: the WSGI app must not close the test transaction's connection."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_api_never_answers_500(fuzz_world, keep_test_connection):
    from config.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 6
    failures = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(headers=fuzz_world)
            case.validate_response(response, checks=[not_a_server_error])

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
