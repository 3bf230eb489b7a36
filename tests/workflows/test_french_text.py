"""French text for people: plurals through Django's ngettext / pluralize, "n.d.", one way to write names."""

from __future__ import annotations

import datetime as dt
import pathlib
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from casework.names import person_name
from tests.factories import track
from tests.helpers import ago, late_pathways
from workflows.flows.access import workflow_access_grant

pytestmark = pytest.mark.django_db
ROOT = pathlib.Path(settings.BASE_DIR)


def test_no_hand_made_plural_is_left_in_templates_or_code():
    offenders = []
    for folder in ("templates", "casework", "workflows", "notifications"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix not in (".html", ".txt", ".py") or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if re.search(r"[a-zéè]\((s|es)\)|\(e\)s\b", line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_names_are_given_name_then_family_name_in_capitals():
    assert person_name("Inès", "Simon") == "Inès SIMON"
    assert person_name("", "", fallback="login") == "login"


def test_the_board_says_its_counts_in_french(client, world):
    today = timezone.localdate()
    for i in range(6):
        p = world.enter(ago(30 + i), last_name=f"Attente{i}")
        world.t(p, "orient", ago(20), organisation=world.dept, track=track("social"))
    single = late_pathways(world, (("dept1", world.referent, 60),))["dept1"]
    world.t(single, "propose_handover", ago(2), incoming=world.referent2, note="Relais")
    client.force_login(world.lead.user)
    html = client.get(reverse("dashboard:board")).content.decode()
    assert "6 parcours orientés sans référent" in html
    assert "le plus ancien attend depuis 20 jours" in html
    assert "1 relais proposé." in html
    assert "(s)" not in html
    assert f"{single.beneficiary.first_name} {single.beneficiary.last_name.upper()}" in html
    assert today  # the board reads today at the edge


def test_not_available_is_n_d_on_the_pages_and_n_a_in_the_api(client, world):
    world.enter(ago(3), last_name="Recente")
    client.force_login(world.officer.user)
    query = f"?entered_from={ago(120).isoformat()}"
    for page in ("dashboard:indicators", "dashboard:report"):
        html = client.get(reverse(page) + query).content.decode()
        assert "n.d." in html, page
        assert "n/a" not in html, page
    api = client.get("/api/v1/indicators/" + query).json()
    assert "n/a" in {row["status"] for row in api.values() if isinstance(row, dict) and "status" in row}


def test_names_are_written_the_same_on_every_page(client, world):
    workflow_access_grant([world.officer.user, world.referent.user])
    today = timezone.localdate()
    p = world.enter(today - dt.timedelta(days=40), first_name="Inès", last_name="Simon")
    client.force_login(world.officer.user)
    for url in (reverse("workspace:tasks"), reverse("workspace:pathway", args=[p.pk]), reverse("dashboard:board")):
        html = client.get(url).content.decode()
        assert "Inès SIMON" in html, url
        assert "SIMON Inès" not in html and "Inès Simon" not in html, url
    world.t(p, "orient", today, organisation=world.dept, track=track("social"))
    world.t(p, "assign_referent", today, by=world.lead, referent=world.referent)
    client.force_login(world.referent.user)
    html = client.get(reverse("workspace:home")).content.decode()
    assert "Inès SIMON" in html and "SIMON Inès" not in html
    referent = world.referent.user
    assert f"({referent.first_name} {referent.last_name.upper()})" in html  # the header's sign-out button
