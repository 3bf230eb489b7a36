"""Issue 13, point 17: WCAG 2.1 AA (RGAA 4.1) on every page each role works in.

axe-core (bundled by axe-playwright-python) runs in the real page, after the CSS and the
scripts, for the referent, the team lead, the orientation officer, the France Travail referent
and the administrator; then one journey is done with the keyboard alone.
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from casework.enums import PathwayState
from casework.models import Contact, Pathway
from notifications.services.sweep import sweep_deadlines
from tests.e2e.conftest import (
    PASSWORD,
    README_VIEWPORT,
    axe_violations,
    check_accessible,
    check_focus_visible,
    describe_violations,
    login,
    readme_screenshot,
    tab_to,
)
from tests.helpers import advance, at, make_world, open_tasks

S = PathwayState

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Tracks, delay and orientation rules: another transactional test may have flushed them."""
    from django.apps import apps

    import_module("casework.migrations.0002_defaults").load_defaults(apps, None)


def test_every_page_of_every_role_has_no_wcag_violation(browser, live_server):
    today = timezone.localdate()
    world = make_world("niortais")
    for pro, (first, last) in zip((world.referent, world.referent2, world.lead, world.officer), PEOPLE, strict=True):
        get_user_model().objects.filter(pk=pro.user_id).update(first_name=first, last_name=last)
    start = today - dt.timedelta(days=75)
    late = advance(
        world, world.enter(start - dt.timedelta(days=5), last_name="Enretard", first_name="Anouk"), S.DIAGNOSTIC, start
    )
    waiting = world.enter(today - dt.timedelta(days=40), last_name="Aorienter")
    ft = world.enter(today - dt.timedelta(days=30), last_name="Partenaire")
    world.t(ft, "orient", today - dt.timedelta(days=29), organisation=world.partner_org, track=_track("professional"))
    world.t(ft, "assign_referent", today - dt.timedelta(days=28), referent=world.partner_referent)
    world.t(late, "propose_handover", today - dt.timedelta(days=1), incoming=world.referent2, note="Relais.")
    for days, name, first in CASELOAD:
        entered = today - dt.timedelta(days=days)
        advance(world, world.enter(entered, last_name=name, first_name=first), S.DIAGNOSTIC, entered)
    sweep_deadlines(now=at(today))
    _identity_review(world, waiting, now=at(today))
    get_user_model().objects.create_superuser("admin-a11y", "admin@example.org", PASSWORD)

    pathway, person = f"/parcours/{late.pk}/", f"/personnes/{late.beneficiary_id}/donnees/"
    tours = {
        world.referent.user.username: [
            "/",
            pathway,
            "/taches/",
            "/notifications/",
            "/aide/",
            f"{pathway}audit/",
            f"{pathway}diagnostic/",
            person,
        ],
        world.referent2.user.username: ["/", "/taches/", _task_url(late)],
        world.lead.user.username: [
            "/",
            "/tableau-de-bord/",
            "/tableau-de-bord/parcours/",
            pathway,
            "/tableau-de-bord/indicateurs/",
            f"/tableau-de-bord/rapport/?annee={today.year}",
            "/tableau-de-bord/aide/",
            "/tableau-de-bord/equilibrage/",
            "/notifications/",
            "/taches/",
        ],
        world.officer.user.username: [
            "/",
            "/taches/",
            _task_url(waiting),
            f"/parcours/{waiting.pk}/",
            "/a-verifier/",
            "/aide/",
        ],
        world.partner_referent.user.username: ["/", f"/parcours/{ft.pk}/", "/taches/", "/notifications/"],
        "admin-a11y": ["/"],
    }
    # The README's pictures, taken on the way (1280 px wide).
    screenshots = {
        (world.referent.user.username, "/"): "file-active",
        (world.referent.user.username, pathway): "parcours",
        (world.lead.user.username, "/tableau-de-bord/"): "tableau-de-bord",
    }
    found = []
    for username, urls in tours.items():
        page = login(browser, live_server, username, check=False, viewport=README_VIEWPORT)
        expected = {url: 200 for url in urls} | (ERROR_PAGES if username == world.referent.user.username else {})
        for url, status in expected.items():
            response = page.goto(f"{live_server.url}{url}")
            assert response.status == status, f"{username} {url}: {response.status}"
            violations = axe_violations(page)
            if violations:
                found.append(f"== {username} {url}\n{describe_violations(violations)}")
            check_focus_visible(page)
            if (username, url) in screenshots:
                readme_screenshot(page, screenshots[(username, url)])
        page.context.close()
    assert not found, "\n".join(found)


# The error pages, as a referent meets them: the team lead's dashboard, a pathway that is not there.
ERROR_PAGES = {"/tableau-de-bord/": 403, "/parcours/999999/": 404}
# Stable names in the README pictures (the factories draw random ones).
PEOPLE = (("Rémi", "Bernard"), ("Inès", "Laurent"), ("Claire", "Dubois"), ("Nadia", "Perrin"))
# A referent's caseload for the README picture: (days since entry, last name, first name).
CASELOAD = (
    (120, "Moreau", "Lucie"),
    (64, "Garnier", "Yanis"),
    (41, "Fontaine", "Claire"),
    (22, "Roussel", "Malik"),
    (9, "Lambert", "Sonia"),
)


def _track(code):
    from tests.factories import track

    return track(code)


def _identity_review(world, candidate, *, now) -> None:
    """A registration from the other territory's office that may be the same person ("À vérifier")."""
    from casework.models import IdentityReview, Territory

    person = candidate.beneficiary
    IdentityReview.objects.create(
        candidate=person,
        territory=Territory.objects.get(code="niortais-ailleurs"),
        requested_by=world.outsider.user,
        requested_at=now,
        request_data={
            "first_name": person.first_name,
            "last_name": person.last_name,
            "birth_date": person.birth_date.isoformat(),
            "territory": "niortais-ailleurs",
            "publics": ["rsa"],
            "entered_on": candidate.entered_on.isoformat(),
        },
    )


def _task_url(pathway) -> str:
    return f"/taches/{open_tasks(pathway)[0].pk}/"


def test_keyboard_only_a_referent_records_a_contact_and_accepts_a_handover(browser, live_server):
    """No mouse: Tab, Shift+Tab, Enter and Space only. The skip link comes first and lands on
    the main content; every focus stop is visible; each page is checked with axe-core."""
    today = timezone.localdate()
    world = make_world("clavier")
    me = world.referent2
    start = today - dt.timedelta(days=75)
    mine = advance(world, world.enter(start - dt.timedelta(days=5), last_name="Clavier"), S.DIAGNOSTIC, start)
    world.t(mine, "propose_handover", start + dt.timedelta(days=3), incoming=me, note="Reprise.")
    world.t(mine, "accept_handover", start + dt.timedelta(days=4))
    offered = advance(world, world.enter(today - dt.timedelta(days=12), last_name="Relayee"), S.DIAGNOSTIC, today)
    world.t(offered, "propose_handover", today, incoming=me, note="Déménagement à Niort.")
    sweep_deadlines(now=at(today))

    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.goto(f"{live_server.url}/connexion/")
    check_accessible(page)
    username = page.get_by_label("Identifiant")
    if not username.evaluate("el => el === document.activeElement"):
        tab_to(page, username)
    page.keyboard.type(me.user.username)
    tab_to(page, page.get_by_label("Mot de passe"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/connexion/" not in url)
    check_accessible(page)

    # The first Tab reaches the skip link, visible; Enter moves the focus to the main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Aller au contenu")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["width"] > 20, "the skip link stays off-screen"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"

    # 1. From the queue to my pathway; record a contact.
    tab_to(page, page.locator(f'table.queue tr[data-pathway="{mine.pk}"] a').first)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/parcours/{mine.pk}/")
    check_accessible(page)
    tab_to(page, page.get_by_role("button", name="Contact honoré"))
    page.keyboard.press("Enter")
    page.locator("#pathway-live .msg-success").wait_for()
    check_accessible(page)
    assert Contact.objects.filter(pathway=mine).count() == 1

    # 2. Back to the header (Shift+Tab), to my tasks; answer the handover with Space.
    nav = page.get_by_role("navigation", name="Navigation principale")
    tab_to(page, nav.get_by_role("link", name="Ma file active"), backwards=True)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/")
    tab_to(page, page.get_by_role("link", name="Répondre au passage de relais").first)
    page.keyboard.press("Enter")
    page.wait_for_url("**/taches/*/")
    check_accessible(page)
    tab_to(page, page.get_by_role("button", name="Accepter le passage de relais"))
    page.keyboard.press("Space")
    page.wait_for_url(f"{live_server.url}/taches/")
    check_accessible(page)
    assert Pathway.objects.get(pk=offered.pk).referent_id == me.pk
    context.close()


def test_the_checks_report_what_they_find(browser):
    """The helpers fail, naming the rule and the node: a missing alt, a label-less field, low
    contrast, and a control whose focus ring was removed."""
    page = browser.new_page()
    page.set_content(
        '<!doctype html><html lang="fr"><head><title>t</title><style>a:focus{outline:none}</style></head>'
        '<body><main><img src="x.png"><input type="text"><p style="color:#aaa">pâle</p><a href="#">lien</a>'
        "</main></body></html>"
    )
    with pytest.raises(AssertionError) as failed:
        check_accessible(page)
    for rule in ("image-alt", "label", "color-contrast", '<img src="x.png">'):
        assert rule in str(failed.value)
    page.set_content('<!doctype html><html lang="fr"><body><a href="#">lien</a></body></html>')
    page.add_style_tag(content="a:focus { outline: none; }")
    with pytest.raises(AssertionError, match="no visible focus"):
        check_focus_visible(page)
    page.close()
