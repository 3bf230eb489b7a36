"""API tokens (issue 14, point 2): django-rest-knox — a digest stored, never the key; an expiry;
a label; revocation; issued only to their owner (their page) or by a command, shown once."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from accounts.models import ApiTokenLabel
from accounts.services import api_token_issue

pytestmark = pytest.mark.django_db


def _api(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def test_a_token_is_stored_as_a_digest_with_an_expiry_and_a_label(world):
    now = timezone.now()
    token, key = api_token_issue(world.referent.user, label="Logiciel SIAE", days=30, now=now)
    assert key.startswith("filrouge_") and len(key) > 60
    assert token.expiry == now + dt.timedelta(days=30)
    assert token.label.label == "Logiciel SIAE"
    with connection.cursor() as cursor:
        cursor.execute("SELECT digest, token_key FROM knox_authtoken")
        ((digest, token_key),) = cursor.fetchall()
    assert key not in digest and digest != key and len(token_key) < len(key)
    assert _api(key).get("/api/v1/pathways/").status_code == 200


def test_an_expired_token_is_refused(world):
    token, key = api_token_issue(world.referent.user, label="ancien", days=1, now=timezone.now())
    AuthToken.objects.filter(pk=token.pk).update(expiry=timezone.now() - dt.timedelta(minutes=1))
    assert _api(key).get("/api/v1/pathways/").status_code == 401


def test_the_old_clear_text_token_model_is_gone():
    from django.apps import apps

    assert not apps.is_installed("rest_framework.authtoken")


def test_the_owner_creates_sees_once_lists_and_revokes_on_their_page(world, client):
    client.force_login(world.referent.user)
    url = reverse("accounts:api-tokens")
    response = client.post(url, {"label": "Logiciel du partenaire", "days": "60"})
    assert response.status_code == 200
    key = response.context["new_key"]
    assert key in response.content.decode()
    assert _api(key).get("/api/v1/pathways/").status_code == 200
    page = client.get(url).content.decode()
    assert key not in page and key[:15] not in page
    assert "Logiciel du partenaire" in page
    label = ApiTokenLabel.objects.get(token__user=world.referent.user)
    assert client.post(reverse("accounts:api-token-revoke", args=[label.pk])).status_code == 302
    assert _api(key).get("/api/v1/pathways/").status_code == 401
    assert not AuthToken.objects.filter(user=world.referent.user).exists()


def test_bad_input_on_the_page_keeps_what_was_typed(world, client):
    client.force_login(world.referent.user)
    response = client.post(reverse("accounts:api-tokens"), {"label": "Mon logiciel", "days": "5000"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Au plus 365 jours." in body and 'value="Mon logiciel"' in body
    assert not AuthToken.objects.exists()


def test_no_one_revokes_someone_elses_token(world, client):
    api_token_issue(world.referent.user, label="à moi", days=30, now=timezone.now())
    label = ApiTokenLabel.objects.get()
    client.force_login(world.referent2.user)
    assert client.post(reverse("accounts:api-token-revoke", args=[label.pk])).status_code == 404
    assert "à moi" not in client.get(reverse("accounts:api-tokens")).content.decode()
    assert AuthToken.objects.count() == 1


def test_an_administrator_gets_no_token_and_no_token_page(admin_client, admin_user):
    assert admin_client.get(reverse("accounts:api-tokens")).status_code == 404
    with pytest.raises(ValidationError):
        api_token_issue(admin_user, label="moi", days=30, now=timezone.now())
    assert not AuthToken.objects.exists()


def test_the_commands_issue_once_and_revoke(world):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "issue_api_token", world.referent.user.username, "--label", "Import", "--days", "7", stdout=out, stderr=err
    )
    key = out.getvalue().strip()
    assert _api(key).get("/api/v1/pathways/").status_code == 200
    assert "Import" in err.getvalue() and key not in err.getvalue()
    out = io.StringIO()
    call_command("revoke_api_token", world.referent.user.username, "--label", "Import", stdout=out)
    assert "1 jeton révoqué" in out.getvalue()
    assert _api(key).get("/api/v1/pathways/").status_code == 401


def test_the_openapi_schema_documents_the_token_scheme(client):
    schema = client.get("/api/schema/?format=json").json()
    scheme = schema["components"]["securitySchemes"]["knoxApiToken"]
    assert scheme["in"] == "header" and scheme["name"] == "Authorization"
