"""Shared fixtures. Tests that need PostgreSQL or Redis skip with a reason when they are not
configured — except in CI (FILROUGE_REQUIRE_SERVICES=1), where a missing service fails."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

from .helpers import make_world

REQUIRE_SERVICES = os.environ.get("FILROUGE_REQUIRE_SERVICES") == "1"


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"Service required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture
def needs_postgres(db):
    if connection.vendor != "postgresql":
        _missing("needs PostgreSQL: set DATABASE_URL=postgres://...")


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL")
    if not url:
        _missing("needs Redis: set REDIS_URL=redis://...")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        _missing(f"Redis at {url} does not answer: {exc}")
    return url


def ensure_defaults() -> None:
    """Re-load the data migration's defaults (delay rules, tracks, orientation rules).

    Transactional tests end by flushing every table, data migrations included; the tests
    after them would otherwise run without any delay rule.
    """
    from django.apps import apps

    from casework.models import DelayRule

    if not DelayRule.objects.filter(code="prescription_answer").exists():
        offers = __import__("casework.migrations.0017_offers_search_and_rule", fromlist=["load_prescription_rule"])
        offers.load_prescription_rule(apps, None)
    if DelayRule.objects.exclude(code="prescription_answer").exists():
        return
    module = __import__("casework.migrations.0002_defaults", fromlist=["load_defaults"])
    module.load_defaults(apps, None)
    breach = __import__("casework.migrations.0017_breach_defaults", fromlist=["load_breach_defaults"])
    breach.load_breach_defaults(apps, None)


@pytest.fixture(autouse=True)
def _defaults(request):
    if request.node.get_closest_marker("django_db") or {"db", "transactional_db"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db" if _is_transactional(request) else "db")
        ensure_defaults()


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return True
    return "transactional_db" in request.fixturenames or "live_server" in request.fixturenames


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = "https://filrouge.test"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "e2e" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


__all__ = ["settings"]
