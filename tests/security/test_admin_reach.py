"""What an administrator can reach (issue 14, point 1): configuration, never a file.

A superuser walks every page of the Django admin (index, each registered model's list, add,
change and history pages) while the database holds personal free text (a transition reason,
a handover note, a person's name), a partner acknowledgement link (a credential) and an API
token: none of it may appear. An administrator account cannot hold a professional profile
(nor can a professional be made staff), and every role grant is audited.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import RoleGrant
from accounts.services import api_token_issue, professional_save, user_roles_save
from casework.models import Professional
from notifications.models import Notification
from notifications.partners.services import partner_request_send
from tests.factories import ProfessionalFactory
from tests.helpers import advance, at

pytestmark = pytest.mark.django_db

D = dt.date(2026, 3, 2)
REASON = "Motif-libre-confidentiel : hospitalisation en psychiatrie"
NOTE = "Note-de-relais-confidentielle : violences conjugales"
NAME = "Moreauconfidentiel"

# Models holding people, what was written about them, or credentials: never in the admin.
FORBIDDEN = {
    "casework.beneficiary",
    "casework.pathway",
    "casework.transitionlog",
    "casework.handover",
    "casework.contact",
    "casework.contract",
    "casework.consent",
    "casework.diagnosticsection",
    "casework.privatenote",
    "casework.sensitiveaccesslog",
    "casework.partnerrequest",
    "notifications.alert",
    "knox.authtoken",
    "authtoken.token",
    "authtoken.tokenproxy",
    "viewflow.process",
    "viewflow.task",
}


@pytest.fixture
def personal_files(world):
    pathway = advance(world, world.enter(D, last_name=NAME), "social_track", D)
    world.t(
        pathway,
        "suspend",
        D + dt.timedelta(days=5),
        reason=REASON,
        suspension_reason="health",
        expected_resume_on=D + dt.timedelta(days=60),
    )
    world.t(pathway, "resume", D + dt.timedelta(days=6))
    world.t(pathway, "propose_handover", D + dt.timedelta(days=7), incoming=world.referent2, note=NOTE)
    partner_request_send(
        pathway, world.partner_org, "orientation", sent_on=D, by=world.referent.user, now=at(D + dt.timedelta(days=8))
    )
    link = Notification.objects.get(event=Notification.Event.PARTNER_REQUEST).link
    token = link.rstrip("/").rsplit("/", 1)[-1]
    _, key = api_token_issue(world.referent.user, label="Logiciel du partenaire", days=30, now=timezone.now())
    return [REASON, NOTE, NAME, token, key, key[:15]]


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        try:
            urls.append(reverse("admin:{}_{}_add".format(*info)))
        except NoReverseMatch:
            pass
        for pk in model._default_manager.values_list("pk", flat=True)[:5]:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[pk]))
            urls.append(reverse("admin:{}_{}_history".format(*info), args=[pk]))
    return urls


def test_no_admin_page_shows_personal_free_text_or_a_credential(personal_files, admin_client):
    urls = _admin_urls()
    assert len(urls) > 20
    for url in urls:
        response = admin_client.get(url)
        assert response.status_code in (200, 302, 403), (url, response.status_code)
        body = response.content.decode()
        for secret in personal_files:
            assert secret not in body, (url, secret)


def test_no_model_about_people_or_credentials_is_registered():
    registered = {m._meta.label_lower for m in admin.site._registry}
    assert registered & FORBIDDEN == set()
    historical = {label for label in registered if apps.get_model(label).__name__.startswith("Historical")}
    assert historical == set()


def test_administrator_cannot_give_itself_a_professional_profile(world, admin_client, admin_user):
    response = admin_client.post(
        reverse("admin:casework_professional_add"),
        {"user": admin_user.pk, "organisation": world.dept.pk, "is_team_lead": "on"},
    )
    assert response.status_code == 200
    assert "Un compte administrateur ne peut pas avoir de profil professionnel" in response.content.decode()
    assert not Professional.objects.filter(user=admin_user).exists()
    with pytest.raises(ValidationError, match="administrateur"):
        professional_save(
            Professional(user=admin_user, organisation=world.dept, is_team_lead=True),
            by=admin_user,
            now=timezone.now(),
        )
    assert not Professional.objects.filter(user=admin_user).exists()


def test_a_professional_cannot_be_made_staff(world, admin_user):
    user = world.referent.user
    model_admin = admin.site._registry[get_user_model()]
    request = RequestFactory().post("/")
    request.user = admin_user
    form_class = model_admin.get_form(request, user, change=True)
    data = {f: v for f, v in form_class(instance=user).initial.items() if v is not None}
    data.update(
        is_staff="on",
        is_active="on",
        date_joined_0=user.date_joined.date().isoformat(),
        date_joined_1="09:00:00",
        groups=[],
        user_permissions=[],
    )
    data.pop("last_login", None)
    form = form_class(data=data, instance=user)
    assert not form.is_valid()
    assert "professionnel" in str(form.errors["is_staff"])
    user.is_staff = True
    with pytest.raises(ValidationError, match="professionnel"):
        user_roles_save(user, by=admin_user, now=timezone.now())
    user.refresh_from_db()
    assert not user.is_staff


def test_every_role_grant_is_audited(world, admin_client, admin_user):
    newcomer = get_user_model().objects.create_user("nouvelle", password="motdepasse-de-test-42")
    response = admin_client.post(
        reverse("admin:casework_professional_add"),
        {"user": newcomer.pk, "organisation": world.dept.pk, "is_team_lead": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    grant = RoleGrant.objects.get(user=newcomer)
    assert grant.by == admin_user
    assert "responsable d'équipe" in grant.what
    pro = Professional.objects.get(user=newcomer)
    pro.is_team_lead = False
    pro.is_referent = True
    professional_save(pro, by=admin_user, now=timezone.now())
    latest = RoleGrant.objects.filter(user=newcomer).latest("pk")
    assert "+ référent unique" in latest.what and "− responsable d'équipe" in latest.what

    config = get_user_model().objects.create_user("config", password="motdepasse-de-test-42")
    config.is_staff = True
    user_roles_save(config, by=admin_user, now=timezone.now())
    assert RoleGrant.objects.filter(user=config, what__contains="administration").exists()
    assert RoleGrant.objects.count() == 3
    with pytest.raises(ValidationError):
        grant.what = "effacé"
        grant.save()


def test_a_pure_professional_profile_for_a_staff_account_is_refused_even_from_a_factory_path(world):
    """The exclusivity holds the other way round too: staffing a user who has a profile."""
    pro = ProfessionalFactory(organisation=world.dept, referent=True)
    pro.user.is_superuser = True
    with pytest.raises(ValidationError):
        user_roles_save(pro.user, by=None, now=timezone.now())


def test_administrator_cannot_set_a_professionals_password(world, admin_client):
    url = reverse("admin:auth_user_password_change", args=[world.referent.user.pk])
    assert admin_client.get(url).status_code == 403
    response = admin_client.post(url, {"password1": "nouveau-mot-de-passe-42", "password2": "nouveau-mot-de-passe-42"})
    assert response.status_code == 403
    world.referent.user.refresh_from_db()
    assert world.referent.user.check_password("motdepasse-de-test-42")


def test_withdrawing_a_profile_in_the_admin_is_journalled(world, admin_client, admin_user):
    pro = ProfessionalFactory(organisation=world.dept, team_lead=True)
    response = admin_client.post(reverse("admin:casework_professional_delete", args=[pro.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Professional.objects.filter(pk=pro.pk).exists()
    grant = RoleGrant.objects.get(user=pro.user)
    assert grant.by == admin_user and "retiré" in grant.what and "responsable d'équipe" in grant.what
