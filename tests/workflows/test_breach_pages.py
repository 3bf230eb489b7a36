"""The breach pages: record from the pathway, the letter, the decision and its refusals (400, 403,
404, 409, nothing written), the remobilisation and the payer's file."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from casework.enums import BreachKind, BreachState, PayerLineKind
from casework.models import Breach, PayerExport, PayerLine
from tests.factories import ProfessionalFactory
from tests.helpers import advance, at
from workflows.flows.access import breach_decider_grant
from workflows.services.breaches import breach_record

TODAY = timezone.localdate()


@pytest.fixture
def decider(world):
    pro = ProfessionalFactory(organisation=world.dept, user__username="decider")
    breach_decider_grant([pro.user])
    return pro


@pytest.fixture
def pathway(world):
    start = TODAY - dt.timedelta(days=120)
    return advance(world, world.enter(start), "social_track", start + dt.timedelta(days=1))


def _old_breach(world, pathway, days_ago: int = 40) -> Breach:
    recorded = TODAY - dt.timedelta(days=days_ago)
    return breach_record(
        pathway.pk, by=world.referent.user, kind=BreachKind.MISSED_APPOINTMENTS, facts="Rendez-vous manqués.",
        occurred_on=recorded - dt.timedelta(days=2), now=at(recorded),
    )  # fmt: skip


def _decision(rate=50, months=1, **extra):
    data = {"decision-decided_on": TODAY.isoformat(), "decision-outcome": "suspension",
            "decision-rate_percent": rate, "decision-duration_months": months}  # fmt: skip
    data.update(extra)
    return data


def test_the_referent_records_a_breach_from_the_pathway_and_gets_the_letter(client, world, pathway):
    client.force_login(world.referent.user)
    page = client.get(reverse("workspace:pathway", args=[pathway.pk]))
    assert "Constater un manquement" in page.content.decode()
    response = client.post(
        reverse("workspace:breach-create", args=[pathway.pk]),
        {
            "kind": BreachKind.ACTIVITY_NOT_DONE,
            "occurred_on": (TODAY - dt.timedelta(days=1)).isoformat(),
            "facts": "Atelier CV du 12 non suivi.",
        },  # fmt: skip
    )
    breach = Breach.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("workspace:breach", args=[breach.pk])
    letter = client.get(reverse("workspace:breach-letter", args=[breach.pk])).content.decode()
    assert "Atelier CV du 12 non suivi." in letter
    assert "vous pouvez présenter vos observations" in letter
    assert "css/letter.css" in letter


def test_a_breach_dated_in_the_future_is_refused_beside_its_field(client, world, pathway):
    client.force_login(world.referent.user)
    response = client.post(
        reverse("workspace:breach-create", args=[pathway.pk]),
        {"kind": BreachKind.OTHER, "occurred_on": (TODAY + dt.timedelta(days=1)).isoformat(), "facts": "x"},
    )
    assert response.status_code == 400
    assert "est dans le futur" in response.content.decode()
    assert not Breach.objects.exists()


def test_someone_who_does_not_see_the_pathway_gets_404(client, world, pathway):
    breach = _old_breach(world, pathway)
    client.force_login(world.outsider.user)
    assert client.get(reverse("workspace:breach", args=[breach.pk])).status_code == 404
    assert client.get(reverse("workspace:breach-create", args=[pathway.pk])).status_code == 404


def test_a_decision_before_the_window_closes_is_a_400_with_the_reason(client, world, pathway, decider):
    breach = _old_breach(world, pathway, days_ago=3)
    client.force_login(decider.user)
    response = client.post(reverse("workspace:breach-step", args=[breach.pk, "decision"]), _decision())
    assert response.status_code == 400
    assert "décision possible à partir du" in response.content.decode()
    breach.refresh_from_db()
    assert breach.state == BreachState.OBSERVATIONS and not PayerLine.objects.exists()


def test_a_rate_over_the_household_cap_is_a_400(client, world, pathway, decider):
    pathway.beneficiary.household_size = 2
    pathway.beneficiary.save(update_fields=["household_size"])
    breach = _old_breach(world, pathway)
    client.force_login(decider.user)
    response = client.post(reverse("workspace:breach-step", args=[breach.pk, "decision"]), _decision(rate=80))
    assert response.status_code == 400
    assert "Le taux ne peut dépasser 50 %" in response.content.decode()
    assert not PayerLine.objects.exists()


def test_the_recorder_with_the_right_is_refused_403(client, world, pathway):
    breach_decider_grant([world.referent.user])
    breach = _old_breach(world, pathway)
    client.force_login(world.referent.user)
    page = client.get(reverse("workspace:breach", args=[breach.pk])).content.decode()
    assert "la décision revient à un autre professionnel habilité" in page
    response = client.post(reverse("workspace:breach-step", args=[breach.pk, "decision"]), _decision())
    assert response.status_code == 403
    assert not PayerLine.objects.exists()


def test_decide_then_remobilise_then_export_both_lines(client, world, pathway, decider):
    breach = _old_breach(world, pathway)
    client.force_login(decider.user)
    assert client.post(reverse("workspace:breach-step", args=[breach.pk, "decision"]), _decision()).status_code == 302
    again = client.post(reverse("workspace:breach-step", args=[breach.pk, "decision"]), _decision(rate=30))
    assert again.status_code == 409 and PayerLine.objects.count() == 1
    client.force_login(world.referent.user)
    lift = {"remobilisation-remobilised_on": TODAY.isoformat(), "remobilisation-remobilisation_note": "Contrat revu."}
    assert client.post(reverse("workspace:breach-step", args=[breach.pk, "remobilisation"]), lift).status_code == 302
    assert client.get(reverse("workspace:payer-exports")).status_code == 403
    client.force_login(decider.user)
    period = {"period_from": (TODAY - dt.timedelta(days=5)).isoformat(), "period_to": TODAY.isoformat()}
    assert client.post(reverse("workspace:payer-exports"), period).status_code == 302
    export = PayerExport.objects.get()
    body = client.get(reverse("workspace:payer-export-file", args=[export.pk])).content.decode()
    assert [row.split(";")[1] for row in body.split("\r\n")[1:-1]] == ["DECISION", "LEVEE"]
    assert set(PayerLine.objects.values_list("kind", flat=True)) == {PayerLineKind.DECISION, PayerLineKind.LIFT}


def test_the_dashboard_its_csv_and_the_api_show_the_breach_indicators(client, world, pathway):
    _old_breach(world, pathway)
    client.force_login(world.lead.user)
    query = f"?entered_from={(TODAY - dt.timedelta(days=200)).isoformat()}&entered_to={TODAY.isoformat()}"
    page = client.get(reverse("dashboard:indicators") + query).content.decode()
    assert "Manquements constatés" in page and "Remobilisés pendant la suspension" in page
    body = client.get("/api/v1/indicators/" + query).json()
    assert (body["breaches_recorded"]["value"], body["breach_decision_days_mean"]["status"]) == (1, "n/a")
    assert body["breach_decision_days_mean"]["reason"].startswith("1 manquement sans décision")
    csv_body = client.get(reverse("dashboard:export", args=["indicateurs"]) + query).content.decode()
    assert "breaches_recorded;Manquements constatés;1;manquements" in csv_body


def test_a_double_submitted_decision_is_applied_once(client, world, pathway, decider):
    breach = _old_breach(world, pathway)
    client.force_login(decider.user)
    data = _decision(form_token="6f0f3a52-1b7e-4f4e-9a39-2c1c0f1f7a10")
    url = reverse("workspace:breach-step", args=[breach.pk, "decision"])
    assert client.post(url, data).status_code == 302
    second = client.post(url, data, follow=True)
    assert "Cette action avait déjà été enregistrée." in second.content.decode()
    assert PayerLine.objects.filter(breach=breach).count() == 1
