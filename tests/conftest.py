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


# The data migrations whose rows the tests need: (module, loader, "are its rows there?").
DEFAULT_LOADERS = (
    ("casework.migrations.0002_defaults", "load_defaults", lambda m: m.DelayRule.objects.filter(code="orientation")),
    (
        "casework.migrations.0017_offers_search_and_rule",
        "load_prescription_rule",
        lambda m: m.DelayRule.objects.filter(code="prescription_answer"),
    ),
    ("casework.migrations.0019_breach_defaults", "load_breach_defaults", lambda m: m.BreachCapRule.objects.all()),
    (
        "casework.migrations.0022_engagement_contract",
        "load_engagement_defaults",
        lambda m: m.EngagementRule.objects.all(),
    ),
)


def ensure_defaults() -> None:
    """Re-load the data migrations' defaults (delay rules, tracks, orientation rules, caps...).

    Transactional tests end by flushing every table, data migrations included; the tests
    after them would otherwise run without any delay rule. Each loader is idempotent.
    """
    from importlib import import_module

    from django.apps import apps

    from casework import models

    for module, loader, present in DEFAULT_LOADERS:
        if not present(models).exists():
            getattr(import_module(module), loader)(apps, None)


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
