"""Personal data in access logs and caches (issue 14, point 9).

Name searches travel in query strings (`?q=Moreau+Chloé`) and a partner's acknowledgement link
holds its credential in the path: neither reaches gunicorn's access log nor Django's request
logs. Every answer to an authenticated user, and the partner link pages, say
`Cache-Control: no-store`.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone
from gunicorn.config import Config
from rest_framework.test import APIClient

from config.logging_filters import PersonalDataFilter
from notifications.links import partner_ack_link
from tests.helpers import api_token_for

ROOT = Path(__file__).resolve().parents[2]
SEARCH = "q=Moreau+Chlo%C3%A9&page=1"
PARTNER_TOKEN = "17:1vQx2a:Zq3c0nFidentielSignature"


def _gunicorn_logger(tmp_path, **overrides):
    cfg = Config()
    for name, value in runpy.run_path(str(ROOT / "gunicorn.conf.py")).items():
        if name in cfg.settings:
            cfg.set(name, value)
    cfg.set("accesslog", str(tmp_path / "access.log"))
    for name, value in overrides.items():
        cfg.set(name, value)
    return cfg.logger_class(cfg)


def _access_line(tmp_path, path: str, query: str = "", **overrides) -> str:
    logger = _gunicorn_logger(tmp_path, **overrides)
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": path + (f"?{query}" if query else ""),
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "10.0.0.2",
        "HTTP_REFERER": f"https://filrouge.test/?{SEARCH}",
        "HTTP_USER_AGENT": "Firefox/140.0",
    }
    req = SimpleNamespace(
        headers=[
            ("REFERER", environ["HTTP_REFERER"]),
            ("AUTHORIZATION", "Token filrouge_secretkey"),
            ("COOKIE", "sessionid=secretsession"),
        ]
    )
    resp = SimpleNamespace(status="200 OK", sent=512, headers=[("Content-Type", "text/html")])
    logger.access(resp, req, environ, dt.timedelta(milliseconds=12))
    for handler in logger.access_log.handlers:
        handler.flush()
    return (tmp_path / "access.log").read_text()


def test_gunicorn_access_log_has_no_query_string(tmp_path):
    line = _access_line(tmp_path, "/", SEARCH)
    assert '"GET / HTTP/1.1" 200 512' in line
    assert "Moreau" not in line and "page=1" not in line


def test_gunicorn_access_log_has_no_partner_token(tmp_path):
    line = _access_line(tmp_path, f"/partenaire/accuse/{PARTNER_TOKEN}/")
    assert "/partenaire/accuse/[masqué]/" in line
    assert PARTNER_TOKEN not in line and "Zq3c0n" not in line


def test_even_a_format_asking_for_the_raw_request_line_and_secret_headers_is_redacted(tmp_path):
    fmt = '"%(r)s" %(q)s "%(f)s" %({authorization}i)s %({cookie}i)s %({raw_uri}e)s'
    line = _access_line(tmp_path, f"/partenaire/accuse/{PARTNER_TOKEN}/", SEARCH, access_log_format=fmt)
    for secret in ("Moreau", PARTNER_TOKEN, "filrouge_secretkey", "secretsession"):
        assert secret not in line
    assert "GET /partenaire/accuse/[masqué]/?[masqué] HTTP/1.1" in line


def test_the_partner_link_path_is_the_one_redacted():
    assert reverse("partner-ack", args=[PARTNER_TOKEN]).startswith("/partenaire/accuse/")


@pytest.fixture
def console():
    """What Django's configured console handler writes (the one every Django logger uses)."""
    handler = next(h for h in logging.getLogger("django").handlers if isinstance(h, logging.StreamHandler))
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


@pytest.mark.django_db
def test_django_request_log_has_no_partner_token(client, console):
    response = client.get(f"/partenaire/accuse/{PARTNER_TOKEN}/")
    assert response.status_code == 400
    logged = console.getvalue()
    assert "Bad Request: /partenaire/accuse/[masqué]/" in logged
    assert PARTNER_TOKEN not in logged


def test_runserver_request_lines_are_redacted(console):
    logging.getLogger("django.server").info('"%s" %s %s', f"GET /?{SEARCH} HTTP/1.1", "200", "1234")
    logged = console.getvalue()
    assert '"GET /?[masqué] HTTP/1.1" 200 1234' in logged
    assert "Moreau" not in logged


def test_every_django_logger_goes_through_the_filter():
    for name in ("django", "django.server", "django.request", "django.security", "root"):
        logger = logging.getLogger(None if name == "root" else name)
        while logger is not None:
            for handler in logger.handlers:
                if type(handler).__module__.startswith("_pytest"):
                    continue  # pytest's own capture
                assert any(isinstance(f, PersonalDataFilter) for f in handler.filters), (name, handler)
            logger = logger.parent if logger.propagate else None


# --- no-store -----------------------------------------------------------------------------


def _no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "") and "private" in response.get("Cache-Control", "")


@pytest.mark.django_db
def test_authenticated_pages_and_api_answers_are_not_stored(world, client):
    pathway = world.enter(dt.date(2026, 3, 2), last_name="Moreau")
    client.force_login(world.officer.user)
    for url in ("/", f"/?{SEARCH}", f"/parcours/{pathway.pk}/", "/notifications/", "/api/v1/pathways/"):
        response = client.get(url, follow=True)  # an officer's "/" leads to the task queue
        assert response.status_code == 200, url
        assert _no_store(response), url
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(world.officer.user)}")
    response = api.get(f"/api/v1/pathways/{pathway.pk}/")
    assert response.status_code == 200 and _no_store(response)
    # A refused token too: the answer was meant for someone.
    assert _no_store(APIClient(HTTP_AUTHORIZATION="Token filrouge_faux").get("/api/v1/pathways/"))


@pytest.mark.django_db
def test_partner_link_pages_are_not_stored(world, client):
    from casework.models import PartnerRequest

    pathway = world.enter(dt.date(2026, 3, 2))
    request = PartnerRequest.objects.create(
        pathway=pathway, organisation=world.partner_org, kind="orientation", sent_on=dt.date(2026, 3, 2)
    )
    link = partner_ack_link(request.pk, now=timezone.now())  # dated by its `now`: made now, it is valid
    path = link.removeprefix("https://filrouge.test")
    assert client.get(path).status_code == 200
    assert _no_store(client.get(path))
    assert _no_store(client.post(path))
    assert _no_store(client.get(f"/partenaire/accuse/{PARTNER_TOKEN}/"))


@pytest.mark.django_db
def test_failed_login_attempts_keep_no_search_from_the_next_url(client, admin_client):
    from axes.models import AccessAttempt

    client.post("/connexion/?next=/%3Fq%3DMoreau%2BChlo%C3%A9", {"username": "x", "password": "mauvais"})
    attempt = AccessAttempt.objects.get()
    assert "Moreau" not in attempt.get_data + attempt.post_data
    page = admin_client.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk])).content.decode()
    assert "Moreau" not in page


def test_a_real_gunicorn_logs_neither_searches_nor_partner_tokens(tmp_path):
    """gunicorn started as in production (its config file read from the working directory)."""
    import os
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    from tests.helpers import free_port

    port = free_port()
    log = tmp_path / "access.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "AXES_ENABLED": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "1", "--access-logfile", str(log)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        urls = [f"/connexion/?{SEARCH}", f"/partenaire/accuse/{PARTNER_TOKEN}/?{SEARCH}"]
        deadline = time.monotonic() + 60
        answered = 0
        for url in urls:
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}{url}", timeout=10)
                    break
                except urllib.error.HTTPError:
                    break  # an answer (the forged link is refused with 400)
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            answered += 1
    finally:
        server.terminate()
        server.wait(timeout=30)
    logged = log.read_text()
    assert answered == 2 and logged.count("\n") >= 2, logged
    assert '"GET /connexion/ HTTP/1.1" 200' in logged
    assert '"GET /partenaire/accuse/[masqué]/ HTTP/1.1" 400' in logged
    assert "Moreau" not in logged and PARTNER_TOKEN not in logged
