"""Login throttling behind the reverse proxy (issue 14, point 5).

django-axes locks the (username, client address) pair. Behind the documented proxy the client
address comes from X-Forwarded-For (the entry the proxy appended), never from the proxy's own
socket address (everyone would share one lock) nor from what the client wrote (spoofable).
So a stranger failing as a colleague from their own address does not lock that colleague out.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from config.security import client_ip
from tests.factories import ProfessionalFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
ATTACKER = "81.250.17.4"
COLLEAGUE = "90.63.201.8"
GOOD = "motdepasse-de-test-42"


def _login(client, password: str, **meta):
    return client.post("/connexion/", {"username": "collegue", "password": password}, **meta)


@pytest.fixture
def one_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The previous production setting, kept here so that the test describes production.
    settings.AXES_IPWARE_PROXY_COUNT = 1
    return settings


def test_failures_from_one_address_do_not_lock_the_user_out_from_another(one_proxy, client):
    ProfessionalFactory(referent=True, user__username="collegue")
    for _ in range(5):
        _login(client, "mauvais-mot-de-passe", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert _login(client, GOOD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    assert _login(client, GOOD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=COLLEAGUE).status_code == 302


def test_what_the_client_writes_in_x_forwarded_for_is_not_trusted(one_proxy, client):
    ProfessionalFactory(referent=True, user__username="collegue")
    for i in range(5):
        # The attacker sends its own header; the proxy appends the real address.
        forged = f"{COLLEAGUE}, {ATTACKER}" if i % 2 else f"1.2.3.{i}, {ATTACKER}"
        _login(client, "mauvais-mot-de-passe", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forged)
    assert _login(client, GOOD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=f"5.6.7.8, {ATTACKER}").status_code == 429
    assert _login(client, GOOD, REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=COLLEAGUE).status_code == 302


def test_without_a_proxy_the_header_is_ignored(settings, client):
    settings.TRUSTED_PROXY_COUNT = 0
    ProfessionalFactory(referent=True, user__username="collegue")
    for i in range(5):
        _login(client, "mauvais-mot-de-passe", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"90.1.1.{i}")
    assert _login(client, GOOD, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR="90.9.9.9").status_code == 429


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "90.1.1.1", PROXY),
        (1, None, PROXY),  # reached directly, not through the proxy
        (1, "90.1.1.1", "90.1.1.1"),
        (1, "6.6.6.6, 90.1.1.1", "90.1.1.1"),
        (2, "6.6.6.6, 90.1.1.1, 10.0.0.9", "90.1.1.1"),
        (1, "pas-une-adresse", PROXY),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_address(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    meta = {"REMOTE_ADDR": PROXY}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip(RequestFactory().get("/", **meta)) == expected
