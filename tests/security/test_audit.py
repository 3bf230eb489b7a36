"""The audit trail: every change to a beneficiary, pathway, contract, consent or diagnostic is
recorded append-only with who and when, and readable in a page by authorised people."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from casework.audit import acting_as
from casework.models import Beneficiary, Consent, Contract, DiagnosticSection, Pathway
from casework.services import secrecy
from tests.helpers import advance, at

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 5)


def test_transitions_entries_contracts_consents_diagnostic_are_audited_with_who(world):
    p = world.enter(START, last_name="Audit")
    p = advance(world, p, "social_track", START)
    entry = Beneficiary.audit.filter(id=p.beneficiary_id).get()
    assert entry.history_type == "+" and entry.history_user == world.officer.user
    users = [h.history_user for h in Pathway.audit.filter(id=p.pk).order_by("history_date", "history_id")]
    assert users == [world.officer.user, world.officer.user, world.lead.user, world.referent.user]
    contract = Contract.audit.get(pathway_id=p.pk)
    assert contract.history_user == world.referent.user
    secrecy.consent_record(p, organisation=world.partner_org, given_on=START, by=world.lead.user, now=at(START))
    assert Consent.audit.get(beneficiary_id=p.beneficiary_id).history_user == world.lead.user
    secrecy.diagnostic_section_save(p, kind="housing", content="v1", by=world.referent.user, now=at(START))
    secrecy.diagnostic_section_save(p, kind="housing", content="v2", by=world.lead.user, now=at(START))
    versions = DiagnosticSection.audit.filter(pathway_id=p.pk).order_by("history_date", "history_id")
    assert [(v.content, v.history_user) for v in versions] == [("v1", world.referent.user), ("v2", world.lead.user)]


def test_api_changes_are_attributed_to_the_token_user(world):
    api = APIClient()
    api.force_authenticate(world.officer.user)
    r = api.post(
        "/api/v1/beneficiaries/",
        {
            "first_name": "Léa",
            "last_name": "Api",
            "birth_date": "1990-02-03",
            "territory": world.territory.code,
            "entered_on": "2026-01-05",
        },
        format="json",
    )
    assert r.status_code == 201
    assert Beneficiary.audit.get(id=r.json()["id"]).history_user == world.officer.user


def test_audit_trail_is_append_only(world):
    p = world.enter(START, last_name="Immuable")
    record = Pathway.audit.filter(id=p.pk).first()
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        Pathway.audit.all().update(history_change_reason="x")
    with pytest.raises(PermissionError):
        Beneficiary.audit.all().delete()


def test_postgres_trigger_refuses_raw_rewrites_of_the_audit_trail(world, needs_postgres):
    p = world.enter(START, last_name="Trigger")
    table = Beneficiary.audit.model._meta.db_table
    for sql in (f"UPDATE {table} SET last_name = 'X' WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [p.beneficiary_id])


def test_audit_page_for_managers_only_diagnostic_values_for_the_circle(world, client):
    p = advance(world, world.enter(START, last_name="Journal"), "social_track", START)
    secrecy.diagnostic_section_save(p, kind="health", content="Contenu médical", by=world.referent.user, now=at(START))
    secrecy.diagnostic_section_save(p, kind="health", content="Contenu révisé", by=world.referent.user, now=at(START))
    client.force_login(world.lead.user)
    page = client.get(f"/parcours/{p.pk}/audit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Contenu révisé" in html and world.referent.display_name in html
    # Visible pathway but not a manager: 404, like a missing page.
    for pro in (world.referent2, world.officer, world.outsider, world.partner_lead):
        client.force_login(pro.user)
        assert client.get(f"/parcours/{p.pk}/audit/").status_code == 404


def test_audit_page_reads_in_french_for_people(world, client):
    p = advance(world, world.enter(START, last_name="Lisible"), "social_track", START)
    person = Beneficiary.objects.get(pk=p.beneficiary_id)
    person.registered_with_france_travail = True
    with acting_as(world.referent.user):
        person.save()
    client.force_login(world.lead.user)
    html = client.get(f"/parcours/{p.pk}/audit/").content.decode()
    assert f"Référent : — → {world.referent.display_name}</li>" in html
    assert "État : En attente d&#x27;orientation → Diagnostic</li>" in html
    assert "Inscrit à France Travail : non → oui</li>" in html
    assert "Organisation : — → Département niortais</li>" in html
    when = timezone.localtime(Pathway.audit.filter(id=p.pk).latest("history_date").history_date)
    assert f"<td>{when:%d/%m/%Y à %H:%M}</td>" in html
    assert "<td>Modification</td>" in html and "Changed" not in html and "Created" not in html
    for raw in ("referent :", "state :", "registered_with_france_travail", "updated at", "True", "False"):
        assert raw not in html, raw
    assert f"→ {world.referent.pk}</li>" not in html
