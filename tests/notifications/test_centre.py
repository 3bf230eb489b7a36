"""The in-app notification centre: unread count, mark as read, delivery preference."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from casework.enums import PathwayState
from notifications.models import Notification
from notifications.services.sweep import sweep_deadlines
from tests.helpers import advance, at

pytestmark = pytest.mark.django_db
D = dt.date


def test_unread_count_mark_read_and_scoping(world, client):
    p = advance(world, world.enter(D(2026, 10, 1)), PathwayState.SOCIAL_TRACK, D(2026, 10, 2))
    world.t(p, "propose_handover", D(2026, 11, 2), incoming=world.referent2, note="Relais")
    note = Notification.objects.get(recipient=world.referent2, event="handover_proposed")
    client.force_login(world.referent2.user)
    page = client.get("/notifications/").content.decode()
    assert "Un passage de relais vous est proposé" in page
    assert "1 non lue<" in client.get("/").content.decode().replace('<span class="sr-only">', "").replace(
        "</span>", ""
    )
    client.force_login(world.referent.user)  # another professional cannot mark it
    assert client.post(f"/notifications/{note.pk}/lue/").status_code == 404
    client.force_login(world.referent2.user)
    client.post(f"/notifications/{note.pk}/lue/")
    note.refresh_from_db()
    assert note.read_at is not None


def test_professional_chooses_digest_or_immediate(world, client):
    client.force_login(world.referent.user)
    client.post("/notifications/preferences/", {"delivery": "digest"})
    world.referent.refresh_from_db()
    assert world.referent.wants_digest
    client.post("/notifications/preferences/", {"delivery": "immediate"})
    world.referent.refresh_from_db()
    assert not world.referent.wants_digest
    response = client.post("/notifications/preferences/", {"delivery": "pigeon"}, follow=True)
    assert "Choix inconnu" in response.content.decode()


def test_referent_sends_a_partner_request_from_the_pathway_page(world, client):
    from casework.models import PartnerRequest

    p = advance(world, world.enter(D(2026, 10, 1)), PathwayState.SOCIAL_TRACK, D(2026, 10, 2))
    client.force_login(world.referent.user)
    page = client.get(f"/parcours/{p.pk}/").content.decode()
    assert "Demande à un partenaire" in page and world.partner_org.name in page
    response = client.post(
        f"/parcours/{p.pk}/demande-partenaire/",
        {"organisation": world.partner_org.pk, "kind": "prescription"},
        follow=True,
    )
    assert "Demande envoyée" in response.content.decode()
    assert PartnerRequest.objects.get(pathway=p).organisation == world.partner_org
    client.force_login(world.outsider.user)
    url = f"/parcours/{p.pk}/demande-partenaire/"
    assert client.post(url, {"organisation": world.partner_org.pk, "kind": "prescription"}).status_code == 404


def note(pro, pathway, subject, *, hours_ago=0, read=False, **kw):
    created = timezone.now() - dt.timedelta(hours=hours_ago)
    return Notification.objects.create(
        recipient=pro, event="queued", pathway=pathway, subject=subject, body=f"Corps {subject}",
        created_at=created, read_at=created if read else None, **kw,
    )  # fmt: skip


def inbox_part(page: str) -> str:
    """The inbox itself, without the header, footer and preferences."""
    return page[page.index('<section class="card inbox"') : page.index('id="delivery-h"')]


def test_the_inbox_shows_unread_first_grouped_by_day_with_a_link_to_each_pathway(world, client):
    p1, p2 = world.enter(D(2026, 1, 5)), world.enter(D(2026, 1, 5))
    note(world.lead, p1, "Lue ce matin", read=True)
    note(world.lead, p2, "Non lue avant-hier", hours_ago=48)
    note(world.lead, p1, "Non lue maintenant")
    note(world.referent, p1, "Celle du collègue")
    client.force_login(world.lead.user)
    page = client.get("/notifications/").content.decode()
    inbox = inbox_part(page)
    titles = ("À lire", "Non lue maintenant", "Non lue avant-hier", "Déjà lues", "Lue ce matin")
    order = [inbox.index(t) for t in titles]
    assert order == sorted(order)  # unread first, newest first, then the read ones
    headings = re.findall(r'<h3 class="inbox-day"[^>]*><time[^>]*>([^<]+)</time>', inbox)
    two_days_ago = timezone.localdate(timezone.now() - dt.timedelta(hours=48))
    assert headings[0] == "Aujourd&#x27;hui" and headings[2] == "Aujourd&#x27;hui"  # unread today, read today
    assert len(headings) == 3 and headings[1][0].isupper() and headings[1].endswith(str(two_days_ago.year))
    assert f'href="/parcours/{p1.pk}/"' in inbox and f'href="/parcours/{p2.pk}/"' in inbox
    assert "Celle du collègue" not in page
    assert "2 notifications non lues" in page


def test_alert_titles_in_the_inbox_read_well(world, client):
    world.enter(D(2026, 1, 5))
    sweep_deadlines(now=at(D(2026, 2, 18)))  # orientation due 16 Feb: the team lead's "due" alert
    client.force_login(world.lead.user)
    inbox = inbox_part(client.get("/notifications/").content.decode())
    assert "Orientation à décider, en retard de 2 j (échéance du 16/02/2026)" in inbox
    assert "Fil rouge" not in inbox and "arrive à échéance" not in inbox and "l&#x27;échéance" not in inbox
    assert "1 notification non lue" in client.get("/notifications/").content.decode()


def test_marking_read_is_a_post_with_its_token_and_only_for_ones_own(world):
    p = world.enter(D(2026, 1, 5))
    mine = note(world.lead, p, "À moi")
    partner = Notification.objects.create(
        to_email="contact@partenaire.test", event="partner_request", pathway=p, subject="Demande", body="b",
        created_at=timezone.now(),
    )  # fmt: skip
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.lead.user)
    assert strict.post(f"/notifications/{mine.pk}/lue/").status_code == 403  # no CSRF token
    assert strict.get(f"/notifications/{mine.pk}/lue/").status_code == 405
    assert strict.post("/notifications/toutes-lues/").status_code == 403
    other = Client()
    other.force_login(world.referent.user)
    assert other.post(f"/notifications/{mine.pk}/lue/").status_code == 404
    admin = get_user_model().objects.create_superuser("admin-notes", "a@example.org", "x")
    other.force_login(admin)  # no professional profile: not a way to partners' e-mails either
    assert other.post(f"/notifications/{partner.pk}/lue/").status_code == 404
    assert other.post("/notifications/toutes-lues/").status_code == 404
    mine.refresh_from_db()
    partner.refresh_from_db()
    assert mine.read_at is None and partner.read_at is None
    page = strict.get("/notifications/").content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert strict.post(f"/notifications/{mine.pk}/lue/", {"csrfmiddlewaretoken": token}).status_code == 302
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_mark_all_read_touches_only_ones_own(world, client):
    p = world.enter(D(2026, 1, 5))
    ours = [note(world.lead, p, f"N{i}") for i in range(2)]
    theirs = note(world.referent, p, "Au référent")
    client.force_login(world.lead.user)
    response = client.post("/notifications/toutes-lues/", follow=True)
    assert "2 notifications marquées comme lues." in response.content.decode()
    assert all(Notification.objects.get(pk=n.pk).read_at for n in ours)
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert "Tout est lu." in client.get("/notifications/").content.decode()


def test_a_user_without_a_professional_profile_gets_an_empty_inbox(world, client):
    admin = get_user_model().objects.create_superuser("admin-inbox", "a@example.org", "x")
    client.force_login(admin)
    response = client.get("/notifications/")
    assert response.status_code == 200
    assert "ne reçoit pas de notification" in response.content.decode()
