"""Partner API v1: valid, invalid (400), forbidden (403/404) and conflicting (409) calls."""

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from casework.enums import HandoverStatus, PathwayState, RuleCode
from casework.models import Contact, Handover, IdentityReview, Pathway
from casework.selectors import pathways_visible_to
from tests.helpers import advance, api_token_for

pytestmark = pytest.mark.django_db
D = dt.date
TODAY = timezone.localdate()
PAST = TODAY - dt.timedelta(days=60)


def client_for(pro):
    client = APIClient()
    client.force_authenticate(pro.user)
    return client


def payload(**overrides):
    data = {
        "first_name": "Jeanne",
        "last_name": "Martin",
        "birth_date": "1984-02-29",
        "territory": "niortais",
        "publics": ["rsa"],
        "entered_on": PAST.isoformat(),
        "registered_with_france_travail": True,
        "plie_enrolled": False,
        "self_employed": False,
        "disability_recognised": False,
    }
    data.update(overrides)
    return data


def test_create_beneficiary_opens_a_pathway_in_orientation(world):
    response = client_for(world.officer).post("/api/v1/beneficiaries/", payload(), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["pathway"]["state"] == "orientation"
    pathway = Pathway.objects.get(pk=body["pathway"]["id"])
    assert pathway.beneficiary_id == body["id"]
    assert pathway.deadlines.get(rule_code=RuleCode.ORIENTATION).due_on == PAST + dt.timedelta(days=42)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_name": ""}, "first_name"),
        ({"birth_date": "29/02/1984"}, "birth_date"),
        ({"territory": "atlantide"}, "territory"),
        ({"territory": "niort\x00ais"}, "territory"),
        ({"last_name": "Mar\x00tin"}, "last_name"),
        ({"publics": ["martien"]}, "publics"),
        ({"entered_on": (TODAY + dt.timedelta(days=3)).isoformat()}, "entered_on"),
        ({"registered_with_france_travail": "peut-être"}, "registered_with_france_travail"),
    ],
)
def test_invalid_beneficiary_payload_gets_field_messages(world, overrides, field):
    response = client_for(world.officer).post("/api/v1/beneficiaries/", payload(**overrides), format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert Pathway.objects.count() == 0


def test_territory_outside_my_organisation_is_refused(world):
    response = client_for(world.outsider).post("/api/v1/beneficiaries/", payload(), format="json")
    assert response.status_code == 400
    assert "territory" in response.json()


def test_same_person_with_an_open_pathway_conflicts(world):
    client = client_for(world.officer)
    assert client.post("/api/v1/beneficiaries/", payload(), format="json").status_code == 201
    response = client.post("/api/v1/beneficiaries/", payload(first_name="JEANNE"), format="json")
    assert response.status_code == 409
    assert Pathway.objects.count() == 1


def test_same_person_seen_by_the_officer_conflicts_with_the_way_to_the_pathway(world):
    client = client_for(world.officer)
    first = client.post("/api/v1/beneficiaries/", payload(), format="json").json()
    response = client.post("/api/v1/beneficiaries/", payload(last_name="martin"), format="json")
    assert response.status_code == 409
    body = response.json()
    assert body["pathway"] == first["pathway"]["id"]
    assert body["url"].endswith(f"/api/v1/pathways/{first['pathway']['id']}/")
    assert body["page"].endswith(f"/parcours/{first['pathway']['id']}/")


@pytest.mark.parametrize("who", ["referent", "lead", "partner_referent", "partner_lead"])
def test_only_orientation_officers_register_people(world, who):
    """A referent, a team lead or a partner organisation covering the territory may not (issue 14, 3)."""
    response = client_for(getattr(world, who)).post("/api/v1/beneficiaries/", payload(), format="json")
    assert response.status_code == 403
    assert Pathway.objects.count() == 0


def test_a_duplicate_the_caller_cannot_see_is_not_revealed_but_queued_for_review(world):
    """An officer elsewhere registers a person followed here: no 409 "déjà un parcours", a 202 and
    an identity review for the officers; nothing created."""
    client_for(world.officer).post("/api/v1/beneficiaries/", payload(), format="json")
    existing = Pathway.objects.get()
    assert not pathways_visible_to(world.outsider.user).filter(pk=existing.pk).exists()
    response = client_for(world.outsider).post(
        "/api/v1/beneficiaries/", payload(territory="niortais-ailleurs"), format="json"
    )
    assert response.status_code == 202
    assert response.json() == {"detail": "Demande enregistrée, à vérifier par l'orientation."}
    assert "parcours ouvert" not in response.content.decode()
    review = IdentityReview.objects.get()
    assert review.candidate_id == existing.beneficiary_id
    assert review.requested_by == world.outsider.user
    assert review.request_data["territory"] == "niortais-ailleurs"
    assert Pathway.objects.count() == 1


def test_refusing_a_handover_from_another_organisation_answers_what_happened(world):
    """The incoming referent (France Travail) refuses: the refusal is committed and the answer
    is the transition's outcome, not a 500 for a pathway the caller no longer sees (issue 14, 6)."""
    pathway = advance(world, world.enter(PAST), PathwayState.SOCIAL_TRACK, PAST)
    world.t(pathway, "propose_handover", PAST + dt.timedelta(days=5), incoming=world.partner_referent, note="relais")
    response = client_for(world.partner_referent).post(
        f"/api/v1/pathways/{pathway.pk}/transitions/",
        {"transition": "refuse_handover", "reason": "Hors de notre périmètre."},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {
        "id": pathway.pk,
        "transition": "refuse_handover",
        "detail": "Transition enregistrée. Ce parcours ne vous est plus accessible.",
    }
    assert Handover.objects.get(pathway=pathway).status == HandoverStatus.REFUSED
    assert client_for(world.partner_referent).get(f"/api/v1/pathways/{pathway.pk}/").status_code == 404


def test_anonymous_is_refused(world):
    assert APIClient().get("/api/v1/pathways/").status_code in (401, 403)


def test_token_authentication_works(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token_for(world.officer.user)}")
    assert client.get("/api/v1/pathways/").status_code == 200


def test_pathway_detail_has_history_and_deadlines(world):
    pathway = advance(world, world.enter(D(2026, 9, 1)), PathwayState.SOCIAL_TRACK, D(2026, 9, 2))
    body = client_for(world.referent).get(f"/api/v1/pathways/{pathway.pk}/").json()
    assert body["state"] == "social_track"
    assert body["track"] == "social"
    assert body["referent"] == world.referent.pk
    assert body["organisation"] == world.dept.pk
    assert [h["transition"] for h in body["history"]] == ["enter", "orient", "assign_referent", "sign_contract"]
    assert body["history"][1] == {
        "transition": "orient",
        "from_state": "orientation",
        "to_state": "diagnostic",
        "occurred_on": "2026-09-02",
        "recorded_at": body["history"][1]["recorded_at"],
        "by": world.officer.user.username,
        "reason": "",
    }
    rules = {d["rule"]: d["status"] for d in body["deadlines"]}
    assert rules["orientation"] == "met" and rules["contract"] == "met" and rules["contact_gap"] == "open"
    assert set(body["deadlines"][0]) == {"rule", "starts_on", "due_on", "status", "met_on", "days_late"}


def test_pathway_list_filters(world):
    a = world.enter(D(2026, 9, 1), last_name="A")
    b = advance(world, world.enter(D(2026, 9, 1), last_name="B"), PathwayState.DIAGNOSTIC, D(2026, 9, 2))
    client = client_for(world.officer)
    ids = lambda r: {p["id"] for p in r.json()["results"]}  # noqa: E731
    assert ids(client.get("/api/v1/pathways/?state=orientation")) == {a.pk}
    assert ids(client.get(f"/api/v1/pathways/?referent={world.referent.pk}")) == {b.pk}
    assert ids(client.get(f"/api/v1/pathways/?organisation={world.dept.pk}")) == {b.pk}
    assert ids(client.get("/api/v1/pathways/?territory=niortais")) == {a.pk, b.pk}
    assert client.get("/api/v1/pathways/?state=nimportequoi").status_code == 400


def test_transition_through_the_api(world):
    pathway = world.enter(PAST)
    response = client_for(world.officer).post(
        f"/api/v1/pathways/{pathway.pk}/transitions/",
        {
            "transition": "orient",
            "occurred_on": (PAST + dt.timedelta(days=5)).isoformat(),
            "organisation": world.dept.pk,
            "track": "social",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "diagnostic"
    assert response.json()["history"][-1]["occurred_on"] == (PAST + dt.timedelta(days=5)).isoformat()


def test_transition_with_bad_parameters_is_400_with_field_messages(world):
    pathway = world.enter(PAST)
    response = client_for(world.officer).post(
        f"/api/v1/pathways/{pathway.pk}/transitions/",
        {"transition": "orient", "occurred_on": "2026-13-45", "organisation": 999999, "track": "nope"},
        format="json",
    )
    assert response.status_code == 400
    assert {"occurred_on", "organisation", "track"} <= set(response.json())
    assert Pathway.objects.get(pk=pathway.pk).state == "orientation"


def test_unknown_transition_is_400(world):
    pathway = world.enter(PAST)
    response = client_for(world.officer).post(
        f"/api/v1/pathways/{pathway.pk}/transitions/", {"transition": "teleport"}, format="json"
    )
    assert response.status_code == 400 and "transition" in response.json()


def test_transition_not_allowed_from_current_state_is_409(world):
    pathway = world.enter(PAST)
    response = client_for(world.officer).post(
        f"/api/v1/pathways/{pathway.pk}/transitions/",
        {"transition": "reopen", "occurred_on": PAST.isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["state"] == "orientation"


def test_visible_but_not_permitted_is_403(world):
    """A colleague of the same organisation sees the pathway but is not its referent."""
    pathway = advance(world, world.enter(PAST), PathwayState.SOCIAL_TRACK, PAST)
    response = client_for(world.referent2).post(
        f"/api/v1/pathways/{pathway.pk}/transitions/",
        {"transition": "close", "close_reason": "moved_away"},
        format="json",
    )
    assert response.status_code == 403
    assert Pathway.objects.get(pk=pathway.pk).state == PathwayState.SOCIAL_TRACK


def test_invisible_pathway_is_404_for_read_write_and_guessed_ids(world):
    pathway = world.enter(PAST)
    client = client_for(world.outsider)
    assert client.get(f"/api/v1/pathways/{pathway.pk}/").status_code == 404
    assert client.get("/api/v1/pathways/999999/").status_code == 404
    r = client.post(f"/api/v1/pathways/{pathway.pk}/transitions/", {"transition": "close"}, format="json")
    assert r.status_code == 404
    r = client.post(f"/api/v1/pathways/{pathway.pk}/contacts/", {"occurred_on": PAST, "outcome": "held"})
    assert r.status_code == 404
    assert client.get(f"/api/v1/pathways/{pathway.pk}/orientation-suggestion/").status_code == 404
    assert client.get("/api/v1/pathways/").json()["count"] == 0


def test_record_contact(world):
    pathway = advance(world, world.enter(PAST), PathwayState.SOCIAL_TRACK, PAST)
    client = client_for(world.referent)
    day = (PAST + dt.timedelta(days=20)).isoformat()
    response = client.post(
        f"/api/v1/pathways/{pathway.pk}/contacts/", {"occurred_on": day, "kind": "phone", "outcome": "held"}
    )
    assert response.status_code == 201, response.content
    assert Contact.objects.get(pathway=pathway).kind == "phone"
    assert pathway.deadlines.get(rule_code="contact_gap", status="open").starts_on.isoformat() == day
    bad = client.post(f"/api/v1/pathways/{pathway.pk}/contacts/", {"occurred_on": day, "outcome": "peut-être"})
    assert bad.status_code == 400 and "outcome" in bad.json()
    other = client_for(world.officer).post(
        f"/api/v1/pathways/{pathway.pk}/contacts/", {"occurred_on": day, "outcome": "held"}
    )
    assert other.status_code == 403


def test_orientation_suggestion_is_proposed_not_applied(world):
    pathway = world.enter(PAST, publics=["rsa"])
    pathway.beneficiary.registered_with_france_travail = True
    pathway.beneficiary.save()
    body = client_for(world.officer).get(f"/api/v1/pathways/{pathway.pk}/orientation-suggestion/").json()
    assert body["organisation"]["id"] == world.partner_org.pk
    assert body["track"] == "professional"
    assert "France Travail" in body["reason"]
    assert Pathway.objects.get(pk=pathway.pk).state == "orientation"


def test_schema_and_docs_are_served(world):
    client = client_for(world.officer)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
