"""Odd input never answers 500: every query parameter and hand-posted value is parsed by a
form or serializer field, so `²` (a digit for `isdigit()`, not for `int()`), `abc` for an id,
a NUL byte, 29 February of a common year or 10^20 is a 400/404 with a French message (or, on
a form that answers with a redirect, a French message on the next page)."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from tests.helpers import api_token_for, late_pathways

pytestmark = pytest.mark.django_db

ODD = ["²", "abc", "a\x00b", "2023-02-29", "100000000000000000000", "-1", "false"]
ENGLISH_DEFAULTS = ("Bad Request", "Not Found", "The requested resource")


@pytest.fixture
def late(world):
    return late_pathways(world, (("dept1", world.referent, 60), ("dept2", world.referent2, 60)))


# (actor, method, url, parameter, other fields)
PAGES = [
    ("lead", "get", lambda p: reverse("dashboard:pathways"), "territory", {}),
    ("lead", "get", lambda p: reverse("dashboard:pathways"), "organisation", {}),
    ("lead", "get", lambda p: reverse("dashboard:pathways"), "referent", {}),
    ("lead", "get", lambda p: reverse("dashboard:pathways"), "rule", {}),
    ("lead", "get", lambda p: reverse("dashboard:pathways"), "bucket", {}),
    ("lead", "get", lambda p: reverse("dashboard:pathways"), "page", {}),
    ("lead", "get", lambda p: reverse("dashboard:export", args=["parcours"]), "referent", {}),
    ("lead", "get", lambda p: reverse("dashboard:export", args=["parcours"]), "territory", {}),
    ("lead", "get", lambda p: reverse("dashboard:export", args=["indicateurs"]), "organisation", {}),
    ("lead", "get", lambda p: reverse("dashboard:balancing"), "de", {}),
    ("lead", "get", lambda p: reverse("dashboard:report"), "annee", {}),
    ("lead", "get", lambda p: reverse("dashboard:indicators"), "as_of", {}),
    ("lead", "get", lambda p: reverse("dashboard:indicators"), "organisation", {}),
    ("referent", "get", lambda p: reverse("workspace:home"), "page", {}),
    ("lead", "get", lambda p: reverse("workspace:tasks"), "page", {}),
    ("lead", "post", lambda p: reverse("dashboard:reassign"), "r-pathways", {"r-note": "x"}),
    ("lead", "post", lambda p: reverse("dashboard:reassign"), "r-incoming", {"r-note": "x"}),
    ("lead", "post", lambda p: reverse("dashboard:delegation"), "d-starts_on", {"d-ends_on": "2030-01-01"}),
    ("referent", "post", lambda p: reverse("security:consent-create", args=[p]), "organisation", {}),
    ("referent", "post", lambda p: reverse("security:consent-create", args=[p]), "given_on", {}),
    ("referent", "post", lambda p: reverse("security:diagnostic-edit", args=[p]), "content", {"kind": "health"}),
    ("referent", "post", lambda p: reverse("security:break-glass", args=[p]), "justification", {}),
    ("referent", "post", lambda p: reverse("security:note-create", args=[p]), "content", {}),
    ("referent", "post", lambda p: reverse("workspace:partner-request", args=[p]), "organisation", {}),
    ("referent", "post", lambda p: reverse("workspace:contact", args=[p]), "occurred_on", {"outcome": "held"}),
    ("referent", "post", lambda p: reverse("workspace:transition", args=[p, "suspend"]), "suspend-occurred_on", {}),
    ("referent", "post", lambda p: f"/api/v1/pathways/{p}/transitions/", "occurred_on", {"transition": "suspend"}),
    ("referent", "get", lambda p: "/api/v1/pathways/?x=1", "limit", {}),
    ("referent", "get", lambda p: "/api/v1/pathways/?x=1", "offset", {}),
    ("referent", "get", lambda p: "/api/v1/pathways/?x=1", "referent", {}),
    ("referent", "get", lambda p: "/api/v1/alerts/?x=1", "limit", {}),
    ("referent", "get", lambda p: "/api/v1/alerts/?x=1", "pathway", {}),
    ("lead", "get", lambda p: "/api/v1/indicators/?x=1", "as_of", {}),
    ("referent", "post", lambda p: "/api/v1/partner-requests/", "organisation", {"kind": "information"}),
]


def _french_message(response) -> str:
    if response.status_code == 302:
        return " ".join(str(m) for m in get_messages(response.wsgi_request))
    return response.content.decode(errors="replace")


@pytest.mark.parametrize(
    ("actor", "method", "url", "parameter", "other"),
    PAGES,
    ids=[f"{m}-{u(1).split('?')[0]}-{p}" for _, m, u, p, _ in PAGES],
)
def test_odd_values_never_answer_500(client, world, late, actor, method, url, parameter, other):
    pro = getattr(world, actor)
    pathway = late["dept1"].pk
    path = url(pathway)
    api = path.startswith("/api/")
    if api:
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token_for(pro.user)}"
    else:
        client.force_login(pro.user)
    for value in ODD:
        data = {**other, parameter: value}
        if api and method == "post":
            data["pathway"] = pathway
            response = client.post(path, data, content_type="application/json")
        elif api:
            response = client.get(path.split("?")[0], data)
        else:
            response = getattr(client, method)(path, data)
        assert response.status_code in (200, 302, 400, 404), (value, response.status_code)
        if response.status_code in (400, 404):
            body = _french_message(response)
            assert body and not any(text in body for text in ENGLISH_DEFAULTS), (value, body[:300])


def test_a_page_beyond_the_last_is_a_404_and_a_huge_api_limit_a_400(client, world, late):
    client.force_login(world.referent.user)
    assert client.get(reverse("workspace:home"), {"page": 2}).status_code == 404
    assert client.get(reverse("workspace:home"), {"page": 1}).status_code == 200
    client.defaults["HTTP_AUTHORIZATION"] = f"Token {api_token_for(world.referent.user)}"
    response = client.get("/api/v1/pathways/", {"limit": 10**20})
    assert response.status_code == 400
    assert response.json() == {"limit": ["Au plus 500 résultats par page."]}
    assert client.get("/api/v1/pathways/", {"limit": "false"}).status_code == 400
    assert client.get("/api/v1/pathways/", {"limit": 500}).status_code == 200
    empty = client.get("/api/v1/pathways/?offset=")  # found by the schema fuzzer: present but empty
    assert empty.status_code == 400
    assert empty.json() == {"offset": ["Valeur vide : un nombre entier est attendu (ou retirez le paramètre)."]}


def test_a_consent_with_an_impossible_date_is_refused_with_the_field_message(client, world, late):
    client.force_login(world.referent.user)
    url = reverse("security:consent-create", args=[late["dept1"].pk])
    response = client.post(url, {"organisation": world.partner_org.pk, "given_on": "2023-02-29"})
    assert response.status_code == 400
    assert "Date invalide (AAAA-MM-JJ)." in response.content.decode()
