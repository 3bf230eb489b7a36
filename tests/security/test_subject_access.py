"""RGPD subject access: all the data held about a person, in one JSON file and a readable page,
scoped by access, and logged."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from casework.models import SensitiveAccessLog
from casework.services import secrecy
from tests.helpers import advance, at

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 5)


@pytest.fixture
def pathway(world):
    p = advance(world, world.enter(START, first_name="Inès", last_name="Accès"), "social_track", START)
    secrecy.diagnostic_section_save(
        p, kind="housing", content="Hébergée chez sa sœur", by=world.referent.user, now=at(START)
    )
    secrecy.private_note_add(p, content="Ma note", by=world.referent.user, now=at(START))
    secrecy.private_note_add(p, content="Note du chef", by=world.lead.user, now=at(START))
    return p


def test_json_export_holds_everything_the_referent_may_see(world, pathway, client):
    client.force_login(world.referent.user)
    r = client.get(f"/personnes/{pathway.beneficiary_id}/donnees.json")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/json")
    assert "attachment" in r["Content-Disposition"]
    doc = json.loads(r.content)
    assert doc["person"]["first_name"] == "Inès" and doc["person"]["last_name"] == "Accès"
    (p,) = doc["pathways"]
    assert [t["transition"] for t in p["history"]][:2] == ["enter", "orient"]
    assert p["contracts"] and p["diagnostic"][0]["content"] == "Hébergée chez sa sœur"
    assert [n["content"] for n in p["private_notes_of_requester"]] == ["Ma note"]
    assert "Note du chef" not in r.content.decode()
    assert doc["identity_changes"][0]["last_name"] == "Accès"
    assert SensitiveAccessLog.objects.filter(what="subject_access", user=world.referent.user).count() == 1


def test_page_is_readable(world, pathway, client):
    client.force_login(world.lead.user)
    r = client.get(f"/personnes/{pathway.beneficiary_id}/donnees/")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Inès" in html and "Hébergée chez sa sœur" in html and "Ma note" not in html


def test_export_is_scoped(world, pathway, client):
    for pro in (world.outsider, world.partner_lead, world.referent2, world.officer):
        client.force_login(pro.user)
        assert client.get(f"/personnes/{pathway.beneficiary_id}/donnees.json").status_code == 404
        assert client.get(f"/personnes/{pathway.beneficiary_id}/donnees/").status_code == 404


def test_page_reads_in_french_and_the_json_keeps_machine_keys(world, pathway, client):
    from django.utils.html import escape

    from workflows.pages.selectors import transition_title

    client.force_login(world.referent.user)
    html = client.get(f"/personnes/{pathway.beneficiary_id}/donnees/").content.decode()
    assert "données détenues sur Inès ACCÈS" in html
    assert "<dt>Date de naissance</dt>" in html and "<dt>Inscrit à France Travail</dt><dd>non</dd>" in html
    assert f"<dt>Entrée</dt><dd>{START:%d/%m/%Y}</dd>" in html
    assert (
        f"{START:%d/%m/%Y} — {escape(transition_title('orient'))} (En attente d&#x27;orientation → Diagnostic)" in html
    )
    for raw in ("first_name", "registered_with_france_travail", "assign_referent", "social_track", "2026-01-05"):
        assert raw not in html, raw
    doc = json.loads(client.get(f"/personnes/{pathway.beneficiary_id}/donnees.json").content)
    assert doc["person"]["registered_with_france_travail"] is False and doc["person"]["birth_date"][4] == "-"
    assert doc["pathways"][0]["history"][1]["transition"] == "orient"
