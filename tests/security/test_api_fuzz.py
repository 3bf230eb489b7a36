"""Fuzz the partner API from its own OpenAPI schema (schemathesis).

In-process against the WSGI application, authenticated with API tokens (knox). First, no
input may cause a 500, for a professional who holds every role (so that transitions and
contacts are actually attempted). Then the whole contract, with every schemathesis check,
for a referent's token: documented status codes and content types, response bodies matching
their schemas, invalid data refused, valid data accepted, authentication enforced. Examples
are derandomized and bounded (about a minute).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks, not_a_server_error

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


# --- the contract, with every check, for a referent -----------------------------------------
# Writes may refuse schema-valid data for rules a schema cannot state (a territory code that
# exists, a date after the pathway's entry, the parameters a given transition needs): for
# POST, a 400 with field messages is an accepted answer to positive data. Everything else is
# schemathesis' default: all checks.
CONTRACT_CONFIG = {
    "operations": [
        {
            "include-method": "POST",
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409"]}},
        }
    ]
}


@pytest.fixture
def referent_world(world):
    """A referent with pathways in several states (their history starts with the entry row,
    which has no previous state), and an alert: the API has something real to answer with."""
    start = dt.date(2026, 1, 5)
    pathways = []
    for i, state in enumerate(["diagnostic", "social_track", "suspended"]):
        p = world.enter(start, last_name=f"Contrat{i}")
        pathways.append(advance(world, p, state, start + dt.timedelta(days=1)))
    return world, pathways


def _contract_schema(application, token: str):
    config = schemathesis.config.SchemathesisConfig.from_dict(CONTRACT_CONFIG)
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application, config=config)

    @schema.auth()
    class ReferentToken:
        def get(self, case, context):
            return token

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": data}

    return schema


def _fresh_idempotency_key(case) -> None:
    """A client sends a new Idempotency-Key with each new request: the generator reuses the
    same few values, and the same key with another body is rightly a 422. A key the server
    refuses anyway (empty or over 255 characters) is kept, so negative cases stay negative."""
    headers = case.headers or {}
    key = headers.get("Idempotency-Key")
    if isinstance(key, str) and 0 < len(key) <= 255:
        case.headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}


def test_api_honours_its_contract_for_a_referent(referent_world, keep_test_connection):
    """Every operation, positive and negative data, every schemathesis check (status codes,
    content types, response schemas, negative data rejected, positive data accepted,
    authentication enforced...), derandomized and bounded (~1 min)."""
    from config.wsgi import application

    world, pathways = referent_world
    schema = _contract_schema(application, f"Token {api_token_for(world.referent.user)}")
    load_all_checks()
    checks = list(CHECKS.get_all())
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        strategies = [operation.as_strategy(generation_mode=mode) for mode in GenerationMode]
        if "{id}" in operation.path:  # also on the referent's own pathways, not only unknown ids
            strategies.append(operation.as_strategy(path_parameters={"id": pathways[0].pk}))
        for strategy in strategies:

            @given(case=strategy)
            @settings(
                max_examples=12,
                deadline=None,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
            )
            def run(case):
                _fresh_idempotency_key(case)
                case.call_and_validate(checks=checks)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # schemathesis groups failures
                failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_a_pathway_history_matches_the_schema(referent_world, keep_test_connection):
    """The entry row of the history has no previous state: null, declared nullable."""
    from config.wsgi import application

    world, pathways = referent_world
    operation = schemathesis.openapi.from_wsgi("/api/schema/", application)["/api/v1/pathways/{id}/"]["GET"]
    case = operation.Case(
        path_parameters={"id": pathways[0].pk},
        headers={"Authorization": f"Token {api_token_for(world.referent.user)}"},
    )
    response = case.call()
    assert response.status_code == 200
    assert response.json()["history"][0]["from_state"] is None
    operation.validate_response(response)
