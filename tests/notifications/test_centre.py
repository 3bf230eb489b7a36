"""The in-app notification centre: unread count, mark as read, delivery preference."""

import datetime as dt

import pytest

from casework.enums import PathwayState
from notifications.models import Notification
from tests.helpers import advance

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
        f"/notifications/parcours/{p.pk}/demande-partenaire/",
        {"organisation": world.partner_org.pk, "kind": "prescription"},
        follow=True,
    )
    assert "Demande envoyée" in response.content.decode()
    assert PartnerRequest.objects.get(pathway=p).organisation == world.partner_org
    client.force_login(world.outsider.user)
    url = f"/notifications/parcours/{p.pk}/demande-partenaire/"
    assert client.post(url, {"organisation": world.partner_org.pk, "kind": "prescription"}).status_code == 404
