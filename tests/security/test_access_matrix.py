"""Roles × objects × actions: who sees and acts on which pathway, through every door.

Not permitted answers 404 when existence would leak (a hidden pathway looks exactly like a
missing one), 403 only on a pathway the user may already see, and never 500. IDOR: another
organisation's ids in URLs and payloads, guessed ids, ids of closed pathways.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from casework.models import Organisation, PartnerRequest, Pathway
from casework.selectors import pathways_visible_to
from tests.factories import ProfessionalFactory
from tests.helpers import advance

pytestmark = pytest.mark.django_db

START = dt.date(2026, 1, 5)


@pytest.fixture
def cases(world):
    """Pathways: queued in the Département, with world.referent, closed, another territory, shared."""
    orientation = world.enter(START, last_name="Orientation")
    accompanied = advance(world, world.enter(START, last_name="Accompagné"), "social_track", START)
    closed = advance(world, world.enter(START, last_name="Clos"), "closed", START)
    shared = world.enter(START, last_name="Partagé")
    PartnerRequest.objects.create(pathway=shared, organisation=world.partner_org, kind="orientation", sent_on=START)
    return {"orientation": orientation, "accompanied": accompanied, "closed": closed, "shared": shared}


def _pure_partner(world):
    return ProfessionalFactory(organisation=world.partner_org, partner=True, user__username="partner-only")


def _admin_only(world):
    return ProfessionalFactory(organisation=world.dept, is_administrator=True, user__username="admin-only")


# Who sees which pathway (the one definition: casework.selectors.pathways_visible_to).
VISIBILITY = {
    # role: {pathway key: visible?}
    "officer": {"orientation": True, "accompanied": True, "closed": True, "shared": True},
    # Not yet oriented (no organisation): only the orientation team sees it.
    "lead": {"orientation": False, "accompanied": True, "closed": True, "shared": False},
    "referent": {"orientation": False, "accompanied": True, "closed": True, "shared": False},
    "partner_lead": {"orientation": False, "accompanied": False, "closed": False, "shared": False},
    "partner_referent": {"orientation": False, "accompanied": False, "closed": False, "shared": False},
    "outsider": {"orientation": False, "accompanied": False, "closed": False, "shared": False},
    "pure_partner": {"orientation": False, "accompanied": False, "closed": False, "shared": True},
    "admin_only": {"orientation": False, "accompanied": False, "closed": False, "shared": False},
}


def _user(world, role):
    if role == "pure_partner":
        return _pure_partner(world).user
    if role == "admin_only":
        return _admin_only(world).user
    return getattr(world, role).user


@pytest.mark.parametrize("role", sorted(VISIBILITY))
def test_visibility_matrix_pages_and_api(world, cases, client, role):
    user = _user(world, role)
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    listed = {r["id"] for r in api.get("/api/v1/pathways/?limit=500").json()["results"]}
    for key, visible in VISIBILITY[role].items():
        pk = cases[key].pk
        expected = 200 if visible else 404
        assert (pk in listed) is visible, (role, key)
        assert pathways_visible_to(user).filter(pk=pk).exists() is visible
        assert client.get(f"/parcours/{pk}/").status_code == expected, (role, key, "page")
        assert api.get(f"/api/v1/pathways/{pk}/").status_code == expected, (role, key, "api")
        assert api.get(f"/api/v1/pathways/{pk}/orientation-suggestion/").status_code == expected
        assert client.get(f"/parcours/{pk}/diagnostic/").status_code == expected, (role, key, "diagnostic")
        # Hidden pathway: a write answers 404, exactly as for a missing one (no 403 leak).
        if not visible:
            r = api.post(f"/api/v1/pathways/{pk}/transitions/", {"transition": "close", "close_reason": "moved_away"})
            assert r.status_code == 404
            assert (
                api.post(
                    f"/api/v1/pathways/{pk}/contacts/", {"occurred_on": "2026-02-01", "outcome": "held"}
                ).status_code
                == 404
            )
            assert (
                client.post(f"/parcours/{pk}/transition/close/", {"close-close_reason": "moved_away"}).status_code
                == 404
            )
            assert client.post(f"/parcours/{pk}/contact/", {"outcome": "held"}).status_code == 404
            assert client.post(f"/parcours/{pk}/notes/", {"content": "x"}).status_code == 404
            assert client.post(f"/parcours/{pk}/diagnostic/urgence/", {"justification": "x" * 40}).status_code == 404
            assert client.get(f"/parcours/{pk}/audit/").status_code == 404
            assert client.get(f"/personnes/{cases[key].beneficiary_id}/donnees.json").status_code == 404


def test_guessed_and_malformed_ids_are_404_never_500(world, cases, client):
    client.force_login(world.referent.user)
    api = APIClient()
    api.force_authenticate(world.referent.user)
    missing = Pathway.objects.order_by("-pk").first().pk + 1000
    for pk in (missing, 0, 10**30):
        assert client.get(f"/parcours/{pk}/").status_code == 404
        assert client.get(f"/parcours/{pk}/diagnostic/").status_code == 404
        assert client.get(f"/parcours/{pk}/audit/").status_code == 404
        assert client.get(f"/personnes/{pk}/donnees/").status_code == 404
        assert api.get(f"/api/v1/pathways/{pk}/").status_code == 404
        assert api.post(f"/api/v1/pathways/{pk}/transitions/", {"transition": "close"}).status_code == 404
    for bad in ("abc", "-1", "1.5", "1e9", "%00"):
        assert api.get(f"/api/v1/pathways/{bad}/").status_code == 404
        assert api.get(f"/api/v1/alerts/{bad}/").status_code == 404
    for query in ("referent=99999999999999999999999", "organisation=abc", "state=nope", "limit=-5&offset=abc"):
        assert api.get(f"/api/v1/pathways/?{query}").status_code in (200, 400)
    assert api.get("/api/v1/alerts/?pathway=99999999999999999999999").status_code in (200, 400)


def test_payload_idor_another_organisations_ids_are_refused(world, cases):
    """Ids of another territory's organisation, of a referent elsewhere: 400, nothing applied."""
    other_org = world.outsider.organisation
    api = APIClient()
    api.force_authenticate(world.officer.user)
    p = cases["orientation"]
    r = api.post(
        f"/api/v1/pathways/{p.pk}/transitions/",
        {"transition": "orient", "organisation": other_org.pk, "track": "social"},
        format="json",
    )
    assert r.status_code == 400
    p.refresh_from_db()
    assert p.state == "orientation"
    # The team lead cannot assign a referent of another organisation.
    queued = advance(world, world.enter(START, last_name="Queue"), "diagnostic", START)
    Pathway.objects.filter(pk=queued.pk)  # in the Département's queue after `orient`
    lead_api = APIClient()
    lead_api.force_authenticate(world.lead.user)
    r = lead_api.post(
        f"/api/v1/pathways/{cases['accompanied'].pk}/transitions/",
        {"transition": "propose_handover", "incoming": world.outsider.pk, "note": "relais"},
        format="json",
    )
    assert r.status_code == 400
    # Creating a person in a territory the caller's organisation does not cover.
    r = api.post(
        "/api/v1/beneficiaries/",
        {
            "first_name": "Ana",
            "last_name": "Ailleurs",
            "birth_date": "1990-01-01",
            "territory": world.outsider.organisation.territories.first().code,
            "entered_on": "2026-01-05",
        },
        format="json",
    )
    assert r.status_code == 400


def test_visible_but_not_permitted_is_403_not_500(world, cases):
    """referent2 sees the Département's pathways but is not their referent: 403 on actions."""
    api = APIClient()
    api.force_authenticate(world.referent2.user)
    p = cases["accompanied"]
    r = api.post(f"/api/v1/pathways/{p.pk}/transitions/", {"transition": "close", "close_reason": "moved_away"})
    assert r.status_code == 403
    r = api.post(f"/api/v1/pathways/{p.pk}/contacts/", {"occurred_on": "2026-02-01", "outcome": "held"})
    assert r.status_code == 403


def test_closed_pathway_actions_are_refused_cleanly(world, cases):
    api = APIClient()
    api.force_authenticate(world.referent.user)
    p = cases["closed"]
    assert api.get(f"/api/v1/pathways/{p.pk}/").status_code == 200  # "are or were a referent"
    r = api.post(f"/api/v1/pathways/{p.pk}/transitions/", {"transition": "close", "close_reason": "moved_away"})
    assert r.status_code in (403, 409)
    r = api.post(f"/api/v1/pathways/{p.pk}/contacts/", {"occurred_on": "2026-02-01", "outcome": "held"})
    assert r.status_code == 403


def test_alerts_api_only_lists_visible_pathways(world, cases):
    api = APIClient()
    api.force_authenticate(world.outsider.user)
    assert api.get("/api/v1/alerts/").json()["results"] == []
    for p in cases.values():
        assert api.get(f"/api/v1/alerts/?pathway={p.pk}").json()["results"] == []


def test_unauthenticated_gets_nothing(cases, client):
    api = APIClient()
    assert api.get("/api/v1/pathways/").status_code in (401, 403)
    assert api.get(f"/api/v1/pathways/{cases['accompanied'].pk}/").status_code in (401, 403)
    r = client.get(f"/parcours/{cases['accompanied'].pk}/diagnostic/")
    assert r.status_code == 302 and "/connexion/" in r["Location"]
    r = client.get(f"/personnes/{cases['accompanied'].beneficiary_id}/donnees.json")
    assert r.status_code == 302


def test_administrator_without_professional_role_browses_no_file(world, cases):
    admin = _admin_only(world)
    assert not pathways_visible_to(admin.user).exists()
    assert Organisation.objects.filter(pk=admin.organisation_id).exists()
