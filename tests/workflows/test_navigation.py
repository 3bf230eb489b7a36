"""Where each role lands, what the header says, every menu link answering, and our own error pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory
from django.utils import timezone
from django.views.defaults import server_error

from tests.factories import ProfessionalFactory
from workflows.flows.access import workflow_access_grant

pytestmark = pytest.mark.django_db

NAV = re.compile(r'<nav aria-label="Navigation principale">(.*?)</nav>', re.S)


def menu_links(html: str) -> list[str]:
    return re.findall(r'<a href="([^"]+)"', NAV.search(html).group(1))


@pytest.fixture
def people(world):
    partner = ProfessionalFactory(organisation=world.partner_org, partner=True, user__username="partner-niortais")
    admin = get_user_model().objects.create_superuser("admin-demo", "admin@example.org", "motdepasse-de-test-42")
    pros = [world.referent, world.lead, world.officer, world.partner_referent, partner]
    workflow_access_grant([p.user for p in pros])
    return {
        "referent": world.referent.user,
        "lead": world.lead.user,
        "officer": world.officer.user,
        "ft-referent": world.partner_referent.user,
        "partner": partner.user,
        "admin": admin,
    }


@pytest.mark.parametrize(
    ("who", "lands_on", "role"),
    [
        ("referent", "/", "Référent·e unique"),
        ("ft-referent", "/", "Référent·e unique"),
        ("lead", "/tableau-de-bord/", "Responsable d&#x27;équipe"),
        ("officer", "/taches/", "Chargé·e d&#x27;orientation"),
        ("partner", "/", "Partenaire"),
        ("admin", "/", "Administrateur"),
    ],
)
def test_each_role_lands_where_its_work_is_and_every_menu_link_answers(people, who, lands_on, role):
    client = Client()
    client.force_login(people[who])
    response = client.get("/", follow=True)
    assert response.status_code == 200
    assert response.request["PATH_INFO"] == lands_on
    html = response.content.decode()
    assert f'data-testid="role">{role}' in html
    assert "référent unique</span>" not in html
    links = menu_links(html)
    assert links
    for link in links:
        assert client.get(link, follow=True).status_code == 200, link
    assert ("/admin/" in links) is (who == "admin")


def test_admin_without_profile_gets_a_page_pointing_to_the_admin_site(people):
    client = Client()
    client.force_login(people["admin"])
    html = client.get("/").content.decode()
    assert "Aller à l'administration" in html
    assert 'href="/admin/"' in html
    assert "/notifications/" not in menu_links(html)


def test_a_team_lead_who_is_also_a_referent_keeps_the_caseload_at_home(world):
    world.lead.is_referent = True
    world.lead.save()
    client = Client()
    client.force_login(world.lead.user)
    response = client.get("/")
    assert response.status_code == 200
    assert "Responsable d&#x27;équipe · Référent·e unique" in response.content.decode()


def test_404_is_our_own_page_in_french_with_a_way_back(people):
    client = Client()
    client.force_login(people["referent"])
    response = client.get("/cette-page-n-existe-pas/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html and "Django Material" not in html
    assert "Revenir à mon accueil" in html and 'href="/"' in html
    assert "site-header" in html  # the project's own look (base.html)


def test_403_is_our_own_page_in_french_with_a_way_back(people):
    client = Client()
    client.force_login(people["referent"])
    response = client.get("/tableau-de-bord/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Accès refusé" in html
    assert "réservé aux responsables d&#x27;équipe" in html
    assert "SE CONNECTER" not in html.upper().replace("SE DÉCONNECTER", "")
    assert "Revenir à mon accueil" in html


def test_500_is_our_own_standalone_page():
    response = server_error(RequestFactory().get("/"))
    html = response.content.decode()
    assert response.status_code == 500
    assert "Une erreur est survenue" in html and "Material" not in html
    assert 'href="/"' in html


DASH_NAV = re.compile(r'<nav class="dash-nav" aria-label="Tableau de bord">(.*?)</nav>', re.S)
FILE_NAV = re.compile(r'<nav class="small" aria-label="Dossier de la personne">(.*?)</nav>', re.S)


@pytest.mark.parametrize("who", ["lead", "officer"])
def test_every_dashboard_tab_answers(people, who):
    client = Client()
    client.force_login(people[who])
    html = client.get("/tableau-de-bord/").content.decode()
    links = re.findall(r'<a href="([^"]+)"', DASH_NAV.search(html).group(1))
    assert len(links) >= 4
    for link in links:
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize("who", ["referent", "lead", "officer"])
def test_every_link_of_the_persons_file_answers(world, people, who):
    from tests.helpers import advance

    today = timezone.localdate()
    pathway = advance(
        world,
        world.enter(today - dt.timedelta(days=10), last_name="Dossier"),
        "diagnostic",
        today - dt.timedelta(days=5),
    )
    client = Client()
    client.force_login(people[who])
    html = client.get(f"/parcours/{pathway.pk}/").content.decode()
    links = re.findall(r'<a href="([^"]+)"', FILE_NAV.search(html).group(1))
    assert links
    for link in links:
        assert client.get(link).status_code == 200, link
    assert (f"/parcours/{pathway.pk}/audit/" in links) is (who != "officer")


def test_a_failed_csrf_check_is_our_own_page_in_french(people):
    client = Client(enforce_csrf_checks=True)
    client.force_login(people["referent"])
    response = client.post("/notifications/toutes-lues/")
    assert response.status_code == 403
    html = response.content.decode()
    assert "Formulaire expiré" in html and "Rien n'a été enregistré" in html
    assert "CSRF verification failed" not in html and "Revenir à mon accueil" in html


def test_an_administrator_profile_without_casework_lands_on_the_admin_page(world):
    pro = ProfessionalFactory(organisation=world.dept, is_administrator=True, user__is_staff=True)
    client = Client()
    client.force_login(pro.user)
    html = client.get("/").content.decode()
    assert "Aller à l'administration" in html and 'data-testid="role">Administrateur<' in html
    assert "Ma file active" not in menu_links(html) and "/" not in menu_links(html)
    assert "/admin/" in menu_links(html)
