"""Team-lead dashboard: scoping, counts and their lists, CSV, bulk reassignment, delegation, API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import pathlib
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from casework import board
from casework.enums import HandoverStatus, RuleCode
from casework.models import Delegation, Handover, Pathway
from tests.factories import track
from tests.helpers import ago, late_pathways

pytestmark = pytest.mark.django_db


@pytest.fixture
def late(world):
    """Two Département pathways assigned 60 days ago (first appointment and contract overdue),
    one France Travail pathway (another organisation), one waiting for orientation."""
    return late_pathways(world, (("dept1", world.referent, 60), ("dept2", world.referent2, 60)))


def login(client, pro):
    client.force_login(pro.user)
    return client


def read_csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content if response.streaming else [response.content]).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


# --- access ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["dashboard:board", "dashboard:indicators", "dashboard:report", "dashboard:help"])
def test_dashboard_pages_are_for_team_leads_and_orientation_officers(client, world, name):
    assert login(client, world.referent).get(reverse(name)).status_code == 403
    assert login(client, world.lead).get(reverse(name)).status_code == 200
    assert login(client, world.officer).get(reverse(name)).status_code == 200


def test_anonymous_users_are_sent_to_the_login_page(client, world):
    response = client.get(reverse("dashboard:board"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_balancing_is_for_team_leads_only(client, world):
    assert login(client, world.officer).get(reverse("dashboard:balancing")).status_code == 403
    assert login(client, world.lead).get(reverse("dashboard:balancing")).status_code == 200


# --- board -----------------------------------------------------------------------------------
def test_board_counts_only_what_the_team_lead_may_see(client, world, late):
    response = login(client, world.lead).get(reverse("dashboard:board"))
    counts = response.context["counts"]
    organisations = {r["organisation_id"] for r in counts}
    assert organisations == {world.dept.pk}
    first = [r for r in counts if r["rule_code"] == RuleCode.FIRST_APPOINTMENT]
    assert sorted((r["referent_id"], r["overdue"]) for r in first) == sorted(
        [(world.referent.pk, 1), (world.referent2.pk, 1)]
    )
    # The France Travail team lead sees their own pathway and nothing of the Département.
    ft = login(client, world.partner_lead).get(reverse("dashboard:board")).context["counts"]
    assert {r["organisation_id"] for r in ft} == {world.partner_org.pk}


def test_an_overdue_count_links_to_the_pathways_behind_it(client, world, late):
    login(client, world.lead)
    counts = client.get(reverse("dashboard:board")).context["counts"]
    cell = next(
        r for r in counts if r["rule_code"] == RuleCode.FIRST_APPOINTMENT and r["referent_id"] == world.referent.pk
    )
    listing = client.get(cell["overdue_url"])
    assert listing.status_code == 200
    assert [p.pk for p in listing.context["page"]] == [late["dept1"].pk]
    assert listing.context["page"][0].board_days_late == 45  # assigned 60 days ago + 15 days


def test_queues_and_caseload(world, late):
    today = timezone.localdate()
    from casework.selectors import pathways_visible_to

    scope = pathways_visible_to(world.officer.user)
    assert [p.pk for p in board.orientation_queue(scope, today=today)] == [late["waiting"].pk]
    assert board.orientation_queue(scope, today=today)[0].waiting_days == 50
    world.dept.caseload_target = 0
    world.dept.save()
    rows = {r.pk: r for r in board.caseload_by_referent(board.referents_in_scope(world.lead))}
    assert rows[world.referent.pk].open_count == 1
    assert rows[world.referent.pk].over_capacity is True


def test_the_boards_contact_gap_preview_and_count_match_the_full_list(world):
    today = timezone.localdate()
    from casework.selectors import pathways_visible_to

    quiet = {}  # assigned long ago, never met: their contact-gap clocks have expired
    for name, referent, assigned in (("old", world.referent, 400), ("older", world.referent2, 500)):
        p = world.enter(ago(assigned + 20), last_name=name)
        world.t(p, "orient", ago(assigned + 10), organisation=world.dept, track=track("social"))
        world.t(p, "assign_referent", ago(assigned), referent=referent)
        quiet[name] = p
    ft = world.enter(ago(420), last_name="ft")
    world.t(ft, "orient", ago(410), organisation=world.partner_org, track=track("professional"))
    world.t(ft, "assign_referent", ago(400), referent=world.partner_referent)

    scope = pathways_visible_to(world.lead.user).filter(board.board_scope(world.lead))
    full = list(board.contact_gaps(scope, today=today))
    assert [p.pk for p in full] == [quiet["older"].pk, quiet["old"].pk]  # earliest first; not France Travail's
    assert board.expired_contact_gaps(scope, today=today).count() == len(full)
    first = board.contact_gaps_first(scope, today=today, limit=1)
    assert [(p.pk, p.gap_due_on, p.gap_days) for p in first] == [(p.pk, p.gap_due_on, p.gap_days) for p in full[:1]]
    world.t(quiet["older"], "close", today, close_reason="moved_away")
    assert [p.pk for p in board.contact_gaps_first(scope, today=today, limit=5)] == [quiet["old"].pk]


# --- CSV -------------------------------------------------------------------------------------
def test_csv_exports_the_same_rows_as_the_page(client, world, late):
    login(client, world.lead)
    page = client.get(reverse("dashboard:board")).context["counts"]
    response = client.get(reverse("dashboard:export", args=["retards"]))
    assert response["Content-Type"].startswith("text/csv")
    rows = read_csv(response)
    assert rows[0] == ["règle", "territoire", "organisation", "référent", "en retard", "échéance proche"]
    assert len(rows) - 1 == len(page)
    assert sum(int(r[4]) for r in rows[1:]) == sum(r["overdue"] for r in page)


@pytest.mark.parametrize(
    "table",
    ["indicateurs", "retards", "parcours", "file-attente", "orientation", "relais", "ruptures", "files-actives"],
)
def test_every_table_exports(client, world, late, table):
    response = login(client, world.lead).get(reverse("dashboard:export", args=[table]))
    assert response.status_code == 200
    assert len(read_csv(response)[0]) >= 5


def test_indicator_csv_and_api_agree(client, world, late):
    login(client, world.officer)
    query = f"?entered_from={ago(120).isoformat()}&entered_to={ago(40).isoformat()}"
    api = client.get("/api/v1/indicators/" + query).json()
    rows = read_csv(client.get(reverse("dashboard:export", args=["indicateurs"]) + query))
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["orientation_rate"][2] == str(api["orientation_rate"]["value"])
    assert by_code["orientation_rate"][4:6] == [
        str(api["orientation_rate"]["numerator"]),
        str(api["orientation_rate"]["denominator"]),
    ]
    assert api["orientation_rate"]["denominator"] == 4


# --- balancing -------------------------------------------------------------------------------
def test_bulk_reassignment_proposes_one_handover_per_pathway(client, world, late):
    login(client, world.lead)
    response = client.post(
        reverse("dashboard:reassign"),
        {
            "r-pathways": [late["dept1"].pk],
            "r-incoming": world.referent2.pk,
            "r-note": "Rééquilibrage",
            "next": reverse("dashboard:balancing"),
        },
    )
    assert response.status_code == 302
    handover = Handover.objects.get(pathway=late["dept1"])
    assert (handover.outgoing, handover.incoming, handover.status) == (
        world.referent,
        world.referent2,
        HandoverStatus.PROPOSED,
    )
    pathway = Pathway.objects.get(pk=late["dept1"].pk)
    # A proper handover: the outgoing referent stays responsible until the incoming one accepts.
    assert (pathway.referent, pathway.handover_to) == (world.referent, world.referent2)
    assert pathway.history.filter(transition="propose_handover").count() == 1
    assert pathway.deadlines.filter(rule_code=RuleCode.HANDOVER_ACCEPTANCE, status="open").exists()


def test_bulk_reassignment_skips_pathways_outside_the_scope(client, world, late):
    login(client, world.lead)
    client.post(
        reverse("dashboard:reassign"),
        {"r-pathways": [late["ft"].pk, late["dept2"].pk], "r-incoming": world.referent.pk, "r-note": "x"},
    )
    assert not Handover.objects.filter(pathway=late["ft"]).exists()
    assert Handover.objects.filter(pathway=late["dept2"], incoming=world.referent).exists()


def test_bulk_reassignment_reports_a_pathway_that_cannot_be_handed_over(client, world, late):
    login(client, world.lead)
    data = {"r-pathways": [late["dept1"].pk], "r-incoming": world.referent2.pk, "r-note": "x"}
    client.post(reverse("dashboard:reassign"), data)
    response = client.post(reverse("dashboard:reassign"), data, follow=True)  # already pending
    assert Handover.objects.filter(pathway=late["dept1"]).count() == 1
    assert any(f"n° {late['dept1'].pk}" in str(m) for m in response.context["messages"])


def test_delegation_is_created_from_the_balancing_page(client, world):
    login(client, world.lead)
    start, end = timezone.localdate(), timezone.localdate() + dt.timedelta(days=10)
    client.post(
        reverse("dashboard:delegation"),
        {
            "d-referent": world.referent.pk,
            "d-delegate": world.referent2.pk,
            "d-starts_on": start.isoformat(),
            "d-ends_on": end.isoformat(),
        },
    )
    delegation = Delegation.objects.get()
    assert (delegation.referent, delegation.delegate, delegation.created_by) == (
        world.referent,
        world.referent2,
        world.lead.user,
    )


# --- API -------------------------------------------------------------------------------------
def test_api_answers_403_to_referents(client, world):
    assert login(client, world.referent).get("/api/v1/indicators/").status_code == 403


def test_api_validates_its_parameters(client, world):
    login(client, world.lead)
    response = client.get("/api/v1/indicators/?entered_from=2026-02-30&territory=atlantis&public=martians")
    assert response.status_code == 400
    body = response.json()
    assert body["entered_from"] == ["Date invalide (AAAA-MM-JJ)."]
    assert body["territory"] == ["Territoire inconnu."]
    assert "public" in body
    future = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert "as_of" in client.get(f"/api/v1/indicators/?as_of={future}").json()
    reversed_period = client.get("/api/v1/indicators/?entered_from=2026-03-01&entered_to=2026-01-01")
    assert reversed_period.status_code == 400
    assert "entered_to" in reversed_period.json()


def test_api_returns_every_required_code(client, world, late):
    body = login(client, world.officer).get(f"/api/v1/indicators/?territory={world.territory.code}").json()
    for code in (
        "orientation_rate",
        "oriented_within_6_weeks",
        "days_to_orientation_mean",
        "days_to_orientation_median",
        "social_track_share",
        "contract_rate",
        "contract_within_1_month",
        "reorientation_rate",
        "first_appointment_within_15_days",
        "exits_to_job_or_training",
    ):
        assert set(body[code]) >= {"value", "numerator", "denominator", "status", "reason"}, code
    assert body["orientation_rate"]["denominator"] == 4  # the one still waiting counts
    # The last entry (50 days ago) has had its 6 weeks; the orientations 90 days ago their month.
    assert body["oriented_within_6_weeks"]["status"] == "ok"


def test_indicator_page_shows_the_reason_of_an_na(client, world, late):
    login(client, world.officer)
    response = client.get(reverse("dashboard:indicators") + f"?entered_from={ago(120).isoformat()}")
    assert response.status_code == 200
    assert "Délai non écoulé" not in response.content.decode()
    world.enter(ago(3), last_name="recent")
    response = client.get(reverse("dashboard:indicators") + f"?entered_from={ago(120).isoformat()}")
    assert response.status_code == 200  # entered_to defaults to nothing once entered_from is given
    assert "Délai non écoulé" in response.content.decode()


def test_board_count_rows_escape_names_and_link_each_count():
    from workflows.templatetags.board import board_count_rows

    row = {
        "rule": "Premier rendez-vous",
        "territory": "<b>Niortais</b>",
        "organisation": "",
        "referent": "",
        "overdue": 3,
        "overdue_url": "/tableau-de-bord/parcours/?bucket=overdue&rule=first_appointment",
        "due_soon": 0,
        "due_soon_url": "",
    }
    html = str(board_count_rows([row]))
    assert "&lt;b&gt;Niortais&lt;/b&gt;" in html and "<b>" not in html
    assert 'href="/tableau-de-bord/parcours/?bucket=overdue&amp;rule=first_appointment"' in html
    assert ">3</a>" in html and "<td>—</td><td>sans référent</td>" in html
    assert 'aria-label="3 en retard : Premier rendez-vous, &lt;b&gt;Niortais&lt;/b&gt;, sans référent"' in html
    assert '<td class="num">0</td>' in html  # nothing due soon: no link
    assert "Aucune échéance" in str(board_count_rows([]))


def test_list_csvs_cover_what_the_board_lists(client, world, late):
    """A delegation lets the lead see a France Travail caseload; the board (their organisation)
    does not list its handovers, and neither does the board's CSV."""
    today = timezone.localdate()
    Delegation.objects.create(
        referent=world.partner_referent, delegate=world.lead, starts_on=ago(1), ends_on=today + dt.timedelta(days=5)
    )
    world.t(late["ft"], "propose_handover", ago(2), by=world.partner_lead, incoming=world.partner_lead, note="Relais")
    world.t(late["dept1"], "propose_handover", ago(2), incoming=world.referent2, note="Relais")
    login(client, world.lead)
    page = client.get(reverse("dashboard:board")).context
    assert [h.pathway_id for h in page["handovers"]] == [late["dept1"].pk]
    rows = read_csv(client.get(reverse("dashboard:export", args=["relais"])))
    assert [int(r[0]) for r in rows[1:]] == [late["dept1"].pk]
    for table, key in (("file-attente", "queue_summary"), ("orientation", "orientation_summary")):
        assert len(read_csv(client.get(reverse("dashboard:export", args=[table])))) - 1 == page[key]["count"]


# --- charts and the printable report -----------------------------------------------------------
def test_bar_chart_keeps_whole_labels_and_values_clear_of_the_reference_tick():
    from workflows.pages.dashboard import CHAR_W, bar_chart

    label = "Part des personnes orientées dans les six semaines suivant leur entrée dans le dispositif"
    chart = bar_chart(
        "Taux",
        [
            {"label": label, "value": 40, "reference": 90, "text": "40 % (PTI 90 %)"},
            {"label": "Court", "value": 100, "reference": 80, "text": "100 % (PTI 80 %)"},
            {"label": "Inconnu", "value": None, "reference": 50, "text": "n.d. (PTI 50 %)"},
        ],
        scale_max=100,
    )
    long_bar, full_bar, na_bar = chart["bars"]
    assert " ".join(line["text"] for line in long_bar["lines"]) == label  # wrapped, not cut
    assert len(long_bar["lines"]) > 1
    assert all(len(line["text"]) * CHAR_W < long_bar["x"] for line in long_bar["lines"])  # left of the bars
    for bar in chart["bars"]:
        if bar["ref_x"] is not None:
            assert bar["text_x"] > bar["ref_x"]  # the tick never crosses the value
        assert bar["text_x"] >= bar["x"] + bar["width"]
        assert bar["text_x"] + len(bar["text"]) * CHAR_W <= chart["width"]  # never cut at the edge
    assert long_bar["lines"][-1]["y"] < full_bar["y"]  # a taller label pushes the next row down
    assert chart["height"] >= full_bar["y"] + 20


def test_charts_show_whole_labels_and_the_report_prints_without_inline_script(client, world, late):
    login(client, world.officer)
    html = client.get(reverse("dashboard:report")).content.decode()
    assert "…" not in html.split('<div class="charts">')[1].split("</div>")[0]
    assert "onclick" not in html
    assert "data-print" in html and "/static/js/print.js" in html
    policy = client.get(reverse("dashboard:report"))["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    script = (pathlib.Path(settings.BASE_DIR) / "static/js/print.js").read_text()
    assert 'addEventListener("click"' in script and "window.print()" in script


def test_no_template_carries_an_inline_event_handler():
    """The CSP refuses inline handlers: any `onclick=` would be a dead button."""
    handlers = re.compile(r"<[^>]*\son[a-z]+\s*=", re.S)
    offenders = [
        str(path)
        for path in (pathlib.Path(settings.BASE_DIR) / "templates").rglob("*.html")
        if handlers.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_report_headings_stand_clear_of_their_tables():
    css = (pathlib.Path(settings.BASE_DIR) / "static/css/dashboard.css").read_text()
    assert re.search(r"\.report h2 \{ margin:1\.5rem 0 \.75rem; \}", css)
