"""Browser scenario of issue 5: a team lead opens the dashboard, follows an overdue count to its
pathways, reassigns one (a proposed handover), and exports a CSV.

Playwright sync API on Debian's /usr/bin/chromium against pytest-django's live_server;
screenshots in test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from casework.enums import HandoverStatus
from casework.models import Handover, Pathway
from tests.e2e.conftest import ARTIFACTS, PASSWORD
from tests.factories import track
from tests.helpers import make_world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def test_team_lead_follows_an_overdue_count_reassigns_a_pathway_and_exports_csv(
    browser, live_server, tmp_path, assert_accessible
):
    w = make_world("e2e-dash")
    late = []
    for name in ("Lenoir", "Lebrun"):
        p = w.enter(ago(100), last_name=name)
        w.t(p, "orient", ago(90), organisation=w.dept, track=track("social"))
        w.t(p, "assign_referent", ago(60), referent=w.referent)
        late.append(p)

    context = browser.new_context(locale="fr-FR", viewport={"width": 1366, "height": 900}, accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/connexion/")
    assert_accessible(page)
    page.get_by_label("Identifiant").fill(w.lead.user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/tableau-de-bord/")  # a team lead lands on the dashboard

    # 1. The dashboard: overdue counts by rule × territory × organisation × referent.
    page.goto(f"{live_server.url}/tableau-de-bord/")
    page.get_by_role("heading", name="Tableau de bord — retards et files d'attente").wait_for()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "dash-01-tableau-de-bord.png"), full_page=True)
    row = page.locator("#board-counts tbody tr", has_text="Premier rendez-vous").first
    count = row.locator("a.count.overdue")
    assert count.inner_text() == "2"

    # 2. Follow the count: the two pathways behind it.
    count.click()
    page.wait_for_url("**/tableau-de-bord/parcours/**")
    rows = page.locator("#board-pathways tbody tr")
    assert_accessible(page)
    assert rows.count() == 2
    page.screenshot(path=str(ARTIFACTS / "dash-02-parcours-en-retard.png"), full_page=True)

    # 3. Reassign one of them to the other referent: a proposed handover.
    target = late[0]
    page.locator(f"#sel-{target.pk}").check()
    page.get_by_label("Nouveau référent").select_option(str(w.referent2.pk))
    page.get_by_label("Note de passage de relais").fill("Rééquilibrage : absence longue.")
    page.get_by_role("button", name="Proposer le passage de relais").click()
    page.get_by_text("1 passage de relais proposé").wait_for()
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "dash-03-relais-propose.png"), full_page=True)
    handover = Handover.objects.get(pathway=target)
    assert (handover.outgoing_id, handover.incoming_id, handover.status) == (
        w.referent.pk,
        w.referent2.pk,
        HandoverStatus.PROPOSED,
    )
    assert Pathway.objects.get(pk=target.pk).referent_id == w.referent.pk  # until accepted
    assert not Handover.objects.filter(pathway=late[1]).exists()

    # The board now lists the handover pending acceptance.
    page.goto(f"{live_server.url}/tableau-de-bord/")
    assert page.locator("#pending-handovers tbody tr").count() == 1

    # 4. Export the board's table as CSV.
    with page.expect_download() as info:
        page.locator("#board-counts caption a.csv").click()
    path = tmp_path / "retards.csv"
    info.value.save_as(path)
    text = path.read_text(encoding="utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0] == "règle;territoire;organisation;référent;en retard;échéance proche"
    assert any(line.startswith("Premier rendez-vous;") for line in lines[1:])

    # The indicators page and the printable report render for the same user.
    page.goto(f"{live_server.url}/tableau-de-bord/indicateurs/")
    assert_accessible(page)
    page.screenshot(path=str(ARTIFACTS / "dash-04-indicateurs.png"), full_page=True)
    page.goto(f"{live_server.url}/tableau-de-bord/rapport/?annee={timezone.localdate().year}")
    assert_accessible(page)
    page.emulate_media(media="print")
    page.screenshot(path=str(ARTIFACTS / "dash-05-rapport-impression.png"), full_page=True)
    context.close()
