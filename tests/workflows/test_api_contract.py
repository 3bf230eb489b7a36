"""The API takes exactly what its OpenAPI schema declares (issue 13, point 6), and honours the
`Idempotency-Key` header on every POST (issue 13, point 2)."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm
from rest_framework.test import APIClient

from casework.enums import PathwayState
from casework.models import Contact, IdempotencyRecord, Pathway, TransitionLog
from tests.factories import track
from tests.helpers import advance, make_world
from workflows.inputs.forms import TRANSITION_FORMS
from workflows.services.transitions import EFFECTS, TRANSITION_LABELS, TRANSITIONS

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
START = TODAY - dt.timedelta(days=60)
S = PathwayState


def client_for(pro):
    client = APIClient()
    client.force_authenticate(pro.user)
    return client


def fsm_transition_names() -> list[str]:
    """Every transition of the pathway's state machine, read from the FSM itself."""
    return sorted({t.name for t in Pathway._meta.get_field("state").get_all_transitions(Pathway)})


def test_every_fsm_transition_has_its_effects_form_and_label():
    """The tables keyed by transition name follow the FSM: a new transition cannot miss one."""
    names = set(fsm_transition_names())
    assert set(TRANSITIONS) == set(EFFECTS) == set(TRANSITION_FORMS) == set(TRANSITION_LABELS) == names


@pytest.fixture
def schema(world):
    response = client_for(world.officer).get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node and len(node["allOf"]) == 1:
        return resolve(schema, node["allOf"][0])
    return node


def value_from_schema(schema: dict, name: str, prop: dict, *, ids: dict, day: dt.date, offset: int):
    """A value of the declared type: booleans as JSON booleans, the first enum value, dates..."""
    prop = resolve(schema, prop)
    if "oneOf" in prop:  # an optional choice: its values, or blank
        prop = resolve(schema, prop["oneOf"][0])
    if "enum" in prop:
        return next(v for v in prop["enum"] if v)
    kind = prop.get("type")
    if kind == "boolean":
        return True
    if kind == "integer":
        assert name in ids, f"Pas d'identifiant de test pour le champ entier « {name} »"
        return ids[name]
    if kind == "string" and prop.get("format") == "date":
        return (day + dt.timedelta(days=offset)).isoformat()
    if kind == "string":
        return "social" if name == "track" else f"Texte de test pour {name}"
    raise AssertionError(f"Type non prévu par le test : {name} {prop}")


def transition_body(schema: dict, name: str, *, ids: dict, day: dt.date) -> dict:
    operation = schema["paths"]["/api/v1/pathways/{id}/transitions/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    request = resolve(schema, body)
    mapping = request["discriminator"]["mapping"]
    assert name in mapping, f"La transition « {name} » n'a pas de corps déclaré dans le schéma"
    component = resolve(schema, {"$ref": mapping[name]})
    data, offset = {}, 0
    for prop_name, prop in component["properties"].items():
        is_date = resolve(schema, prop).get("format") == "date"
        if is_date and prop_name != "occurred_on":
            offset += 30
        data[prop_name] = value_from_schema(
            schema, prop_name, prop, ids=ids, day=day, offset=offset if prop_name != "occurred_on" else 0
        )
    assert data["transition"] == name
    return data


def setups(world):
    """Ways to bring a fresh pathway somewhere: each state `advance` reaches, plus a pending
    handover and an oriented pathway without referent. The test picks the first from which the
    FSM says the transition can proceed, by the usual actor."""

    def oriented(p):
        world.t(p, "orient", START, organisation=world.dept, track=track())
        return p

    def handover_pending(p):
        p = advance(world, p, S.SOCIAL_TRACK, START)
        world.t(p, "propose_handover", START + dt.timedelta(days=5), incoming=world.referent2, note="relais")
        return p

    yield lambda p: p
    yield oriented
    for state in (S.DIAGNOSTIC, S.SOCIAL_TRACK, S.REORIENTATION, S.IN_WORK_FOLLOWUP, S.SUSPENDED, S.CLOSED):
        yield lambda p, state=state: advance(world, p, state, START)
    yield handover_pending


@pytest.mark.parametrize("name", fsm_transition_names())
def test_every_transition_goes_through_the_api_with_the_schema_types(world, schema, name):
    """The body is built from the schema alone (JSON booleans, enums, dates, integers)."""
    for setup in setups(world):
        pathway = Pathway.objects.get(pk=setup(world.enter(START)).pk)
        method = getattr(pathway, name)
        if can_proceed(method) and has_transition_perm(method, world.default_actor(pathway, name).user):
            break
    else:
        pytest.fail(f"Aucun état de test ne permet « {name} »")
    ids = {"organisation": world.dept.pk, "referent": world.referent.pk, "incoming": world.referent2.pk}
    body = transition_body(schema, name, ids=ids, day=TODAY)
    actor = world.default_actor(pathway, name)
    response = client_for(actor).post(f"/api/v1/pathways/{pathway.pk}/transitions/", body, format="json")
    assert response.status_code == 200, (name, body, response.content)
    assert TransitionLog.objects.filter(pathway=pathway).latest("recorded_at", "id").transition == name


@pytest.mark.parametrize(("accepted", "state"), [(True, S.DIAGNOSTIC), (False, S.SOCIAL_TRACK)])
def test_decide_reorientation_takes_a_json_boolean(world, accepted, state):
    pathway = advance(world, world.enter(START), S.REORIENTATION, START)
    response = client_for(world.officer).post(
        f"/api/v1/pathways/{pathway.pk}/transitions/",
        {"transition": "decide_reorientation", "accepted": accepted, "track": "professional"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Pathway.objects.get(pk=pathway.pk).state == state


def test_end_followup_takes_a_json_boolean(world):
    pathway = advance(world, world.enter(START), S.IN_WORK_FOLLOWUP, START)
    response = client_for(world.referent).post(
        f"/api/v1/pathways/{pathway.pk}/transitions/",
        {"transition": "end_followup", "sustainable": True},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert Pathway.objects.get(pk=pathway.pk).state == S.CLOSED


def test_a_wrong_type_is_400_with_a_field_message(world):
    pathway = advance(world, world.enter(START), S.IN_WORK_FOLLOWUP, START)
    response = client_for(world.referent).post(
        f"/api/v1/pathways/{pathway.pk}/transitions/",
        {"transition": "end_followup", "sustainable": "peut-être"},
        format="json",
    )
    assert response.status_code == 400
    assert "sustainable" in response.json()


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_every_post_declares_the_idempotency_key_header(schema):
    posts = [(path, ops["post"]) for path, ops in schema["paths"].items() if "post" in ops]
    assert posts
    for path, operation in posts:
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers, path
        assert "422" in operation["responses"], path


def contact_post(client, pathway, key, **body):
    data = {"occurred_on": TODAY.isoformat(), "outcome": "missed", **body}
    return client.post(
        f"/api/v1/pathways/{pathway.pk}/contacts/", data, format="json", headers={"Idempotency-Key": key}
    )


def test_same_key_same_body_replays_the_first_answer_and_writes_once(world):
    pathway = advance(world, world.enter(START), S.SOCIAL_TRACK, START)
    client = client_for(world.referent)
    first = contact_post(client, pathway, "clic-1")
    second = contact_post(client, pathway, "clic-1")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Contact.objects.filter(pathway=pathway).count() == 1


def test_same_key_other_body_is_422_in_french(world):
    pathway = advance(world, world.enter(START), S.SOCIAL_TRACK, START)
    client = client_for(world.referent)
    assert contact_post(client, pathway, "clic-2").status_code == 201
    other = contact_post(client, pathway, "clic-2", outcome="held")
    assert other.status_code == 422
    assert "clé d'idempotence" in other.json()["detail"]
    assert Contact.objects.filter(pathway=pathway).count() == 1


def test_the_key_is_scoped_per_user(world):
    pathway = advance(world, world.enter(START), S.SOCIAL_TRACK, START)
    assert contact_post(client_for(world.referent), pathway, "même-clé").status_code == 201
    assert contact_post(client_for(world.lead), pathway, "même-clé").status_code == 201
    assert Contact.objects.filter(pathway=pathway).count() == 2


def test_a_transition_replayed_is_applied_once(world):
    pathway = world.enter(START)
    client = client_for(world.officer)
    body = {"transition": "orient", "organisation": world.dept.pk, "track": "social"}
    url = f"/api/v1/pathways/{pathway.pk}/transitions/"
    first = client.post(url, body, format="json", headers={"Idempotency-Key": "orient-1"})
    second = client.post(url, body, format="json", headers={"Idempotency-Key": "orient-1"})
    assert first.status_code == second.status_code == 200
    assert TransitionLog.objects.filter(pathway=pathway, transition="orient").count() == 1


def test_a_refused_request_writes_no_record_and_can_be_retried(world):
    pathway = advance(world, world.enter(START), S.SOCIAL_TRACK, START)
    client = client_for(world.referent)
    bad = contact_post(client, pathway, "clic-3", outcome="nimportequoi")
    assert bad.status_code == 400
    assert not IdempotencyRecord.objects.filter(key="clic-3").exists()


def test_an_overlong_key_is_400(world):
    pathway = advance(world, world.enter(START), S.SOCIAL_TRACK, START)
    assert contact_post(client_for(world.referent), pathway, "k" * 256).status_code == 400
    assert not Contact.objects.filter(pathway=pathway).exists()


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_with_the_same_key_write_once(needs_postgres):
    world = make_world("concurrent")
    pathway = advance(world, world.enter(START), S.SOCIAL_TRACK, START)
    barrier = threading.Barrier(2)
    statuses = []
    first_inside = threading.Event()

    def slow_first_write(sender, instance, **kwargs):
        # The first request holds its transaction open a while: the second really waits on the key.
        if not first_inside.is_set():
            first_inside.set()
            threading.Event().wait(0.5)

    post_save.connect(slow_first_write, sender=Contact, weak=False)

    def post():
        try:
            client = client_for(world.referent)
            barrier.wait()
            statuses.append(contact_post(client, pathway, "double-clic").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    post_save.disconnect(slow_first_write, sender=Contact)
    assert statuses == [201, 201]
    assert Contact.objects.filter(pathway=pathway).count() == 1
