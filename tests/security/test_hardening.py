"""Hardening: production settings pass `check --deploy`, login throttling, security headers and
CSP, sessions and cookies."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from tests.factories import ProfessionalFactory

ROOT = Path(__file__).resolve().parents[2]


def _prod_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.prod",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        FILROUGE_NIR_KEY=secrets.token_urlsafe(40),
        DATABASE_URL=os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/filrouge",
        DJANGO_ALLOWED_HOSTS="filrouge.example.fr",
    )
    env.update(extra)
    return env


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_prod_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_a_weak_or_missing_secret_key():
    env = _prod_env(DJANGO_SECRET_KEY="short")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY" in result.stderr
    env.pop("DJANGO_SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0


def test_production_refuses_a_weak_or_missing_nir_key():
    for env in (_prod_env(FILROUGE_NIR_KEY="short"), _prod_env(FILROUGE_NIR_KEY="")):
        result = subprocess.run(
            [sys.executable, "-c", "import django; django.setup()"], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert result.returncode != 0 and "FILROUGE_NIR_KEY" in result.stderr


def test_production_settings_values():
    code = (
        "from django.conf import settings as s;"
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SESSION_COOKIE_HTTPONLY, s.AXES_ENABLED)"
    )
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env=_prod_env(),
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "True", "True"], result.stderr


@pytest.mark.django_db
def test_login_is_throttled_after_five_failures_and_force_login_still_works(client):
    pro = ProfessionalFactory(referent=True, user__username="cible")
    for _ in range(4):
        r = client.post("/connexion/", {"username": "cible", "password": "mauvais-mot-de-passe"})
        assert r.status_code == 200
    # The fifth failure locks the (username, address) pair, even with the right password afterwards.
    assert client.post("/connexion/", {"username": "cible", "password": "encore-faux"}).status_code == 429
    r = client.post("/connexion/", {"username": "cible", "password": "motdepasse-de-test-42"})
    assert r.status_code == 429
    assert "bloquée" in r.content.decode()
    client.force_login(pro.user)
    assert client.get("/").status_code == 200


@pytest.mark.django_db
def test_login_with_the_right_password_works(client):
    ProfessionalFactory(referent=True, user__username="bonne")
    r = client.post("/connexion/", {"username": "bonne", "password": "motdepasse-de-test-42"})
    assert r.status_code == 302


@pytest.mark.django_db
def test_security_headers_and_csp(client):
    r = client.get("/connexion/")
    csp = r["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert "default-src 'self'" in csp and "object-src 'none'" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"
    assert r["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_templates_have_no_inline_script(client):
    pro = ProfessionalFactory(referent=True)
    client.force_login(pro.user)
    html = client.get("/").content.decode()
    assert "<script>" not in html and "<script " not in html.replace('<script src="', "")


@pytest.mark.django_db
def test_swagger_ui_works_under_a_relaxed_csp_for_its_path_only(client):
    pro = ProfessionalFactory(referent=True)
    client.force_login(pro.user)
    r = client.get("/api/docs/")
    assert r.status_code == 200
    csp = r["Content-Security-Policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp
    assert "drf_spectacular_sidecar" in r.content.decode()  # assets served from our own origin
    assert client.get("/api/schema/").status_code == 200


def test_session_and_password_settings():
    s = django_settings
    assert s.SESSION_COOKIE_AGE <= 8 * 3600 and s.SESSION_EXPIRE_AT_BROWSER_CLOSE and s.SESSION_SAVE_EVERY_REQUEST
    assert s.SESSION_COOKIE_HTTPONLY and s.CSRF_COOKIE_HTTPONLY
    lengths = [v.get("OPTIONS", {}).get("min_length") for v in s.AUTH_PASSWORD_VALIDATORS]
    assert 12 in lengths
    assert s.AXES_FAILURE_LIMIT == 5
