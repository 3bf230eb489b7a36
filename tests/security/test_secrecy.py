"""Professional secrecy: the diagnostic's circle, consent for other organisations, logged reads,
break-glass with justification reported to the team lead, private notes for their author only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from casework.models import Consent, Delegation, SensitiveAccessLog
from casework.permissions import can_break_glass, can_read_diagnostic
from casework.services import secrecy
from notifications.models import Notification
from tests.factories import ProfessionalFactory
from tests.helpers import advance, at
from workflows.services.secrecy import diagnostic_break_glass

pytestmark = pytest.mark.django_db
START = dt.date(2026, 1, 5)
SECRET = "Suivi psychiatrique en cours, dettes de loyer"


@pytest.fixture
def pathway(world):
    p = advance(world, world.enter(START, last_name="Secret"), "social_track", START)
    secrecy.diagnostic_section_save(p, kind="health", content=SECRET, by=world.referent.user, now=at(START))
    return p


def test_circle_reads_and_every_read_is_logged(world, pathway):
    for pro in (world.referent, world.lead):
        assert can_read_diagnostic(pathway, pro.user)
        sections, log = secrecy.diagnostic_read(pathway, pro.user, now=timezone.now())
        assert [s.content for s in sections] == [SECRET]
        assert log.user == pro.user and log.what == "diagnostic" and not log.break_glass
        assert log.section_ids == [sections[0].pk]
    assert SensitiveAccessLog.objects.filter(pathway=pathway).count() == 2


def test_outside_the_circle_reads_nothing(world, pathway):
    # referent2 sees the pathway (same organisation) but is not involved; the partner org needs consent.
    for pro in (world.referent2, world.officer, world.partner_lead, world.partner_referent, world.outsider):
        assert not can_read_diagnostic(pathway, pro.user)
        with pytest.raises(secrecy.SecrecyDenied):
            secrecy.diagnostic_read(pathway, pro.user, now=timezone.now())
    assert not SensitiveAccessLog.objects.exists()


def test_delegate_of_the_referent_is_involved(world, pathway):
    Delegation.objects.create(
        referent=world.referent, delegate=world.referent2, starts_on=timezone.localdate(), ends_on=timezone.localdate()
    )
    assert can_read_diagnostic(pathway, world.referent2.user)


def test_other_organisation_needs_active_consent_and_withdrawal_ends_it(world, pathway):
    psy = ProfessionalFactory(organisation=world.partner_org, referent=True, user__username="psy")
    # Involved (author of a section) but another organisation: no consent, no read, no write.
    assert not can_read_diagnostic(pathway, psy.user)
    consent = secrecy.consent_record(
        pathway, organisation=world.partner_org, given_on=START, by=world.referent.user, now=at(START)
    )
    assert consent.recorded_by == world.referent.user
    # Consent alone is not enough: the psychologist must be involved (author of a section).
    assert not can_read_diagnostic(pathway, psy.user)
    from casework.models import DiagnosticSection

    DiagnosticSection.objects.create(
        pathway=pathway, kind="project", content="Projet", author=psy, created_at=at(START), updated_at=at(START)
    )
    assert can_read_diagnostic(pathway, psy.user)
    assert can_read_diagnostic(pathway, world.partner_lead.user)  # their team lead, with consent
    secrecy.consent_withdraw(pathway, consent.pk, on=timezone.localdate(), by=world.referent.user)
    assert not can_read_diagnostic(pathway, psy.user)
    assert not can_read_diagnostic(pathway, world.partner_lead.user)
    assert Consent.objects.get(pk=consent.pk).withdrawn_by == world.referent.user


def test_only_managers_record_consent(world, pathway):
    with pytest.raises(secrecy.SecrecyDenied):
        secrecy.consent_record(
            pathway, organisation=world.partner_org, given_on=START, by=world.referent2.user, now=at(START)
        )


def test_break_glass_needs_justification_is_logged_and_reported_without_personal_data(
    world, pathway, django_capture_on_commit_callbacks
):
    user = world.referent2.user
    assert can_break_glass(pathway, user)
    with pytest.raises(secrecy.SecrecyDenied):
        diagnostic_break_glass(pathway, user, justification="urgent", now=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        sections, log = diagnostic_break_glass(
            pathway, user, justification="Appel des urgences, référent absent, risque vital", now=timezone.now()
        )
    assert [s.content for s in sections] == [SECRET]
    assert log.break_glass and "urgences" in log.justification
    notes = Notification.objects.filter(event="break_glass", pathway=pathway)
    assert [n.recipient for n in notes] == [world.lead]
    body = " ".join(f"{n.subject} {n.body}" for n in notes)
    assert "Secret" not in body and SECRET not in body and "urgences" not in body
    for m in mail.outbox:
        assert "Secret" not in m.body + m.subject and SECRET not in m.body


def test_break_glass_never_bypasses_consent(world, pathway):
    # Another organisation, even if it could see the pathway, cannot break the glass without consent.
    assert not can_break_glass(pathway, world.partner_referent.user)
    assert not can_break_glass(pathway, world.outsider.user)
    assert not can_break_glass(pathway, world.referent.user)  # already in the circle


def test_private_notes_are_visible_to_their_author_only(world, pathway, client):
    secrecy.private_note_add(pathway, content="Impression personnelle", by=world.referent.user, now=at(START))
    assert [n.content for n in secrecy.private_notes_for(pathway, world.referent.user)] == ["Impression personnelle"]
    for pro in (world.lead, world.referent2, world.officer):
        assert not secrecy.private_notes_for(pathway, pro.user).exists()
        client.force_login(pro.user)
        assert "Impression personnelle" not in client.get(f"/parcours/{pathway.pk}/diagnostic/").content.decode()
    client.force_login(world.referent.user)
    assert "Impression personnelle" in client.get(f"/parcours/{pathway.pk}/diagnostic/").content.decode()


def test_diagnostic_page_shows_content_to_circle_only_and_logs(world, pathway, client):
    client.force_login(world.referent.user)
    assert SECRET in client.get(f"/parcours/{pathway.pk}/diagnostic/").content.decode()
    assert SensitiveAccessLog.objects.filter(user=world.referent.user, what="diagnostic").count() == 1
    client.force_login(world.referent2.user)
    page = client.get(f"/parcours/{pathway.pk}/diagnostic/").content.decode()
    assert SECRET not in page and "Consulter en urgence" in page
    r = client.post(f"/parcours/{pathway.pk}/diagnostic/urgence/", {"justification": "trop court"})
    assert r.status_code == 302 and not SensitiveAccessLog.objects.filter(break_glass=True).exists()
    r = client.post(
        f"/parcours/{pathway.pk}/diagnostic/urgence/", {"justification": "Hospitalisation, référent injoignable"}
    )
    assert r.status_code == 200 and SECRET in r.content.decode()
    assert SensitiveAccessLog.objects.filter(user=world.referent2.user, break_glass=True).count() == 1


def test_writing_the_diagnostic_needs_the_circle(world, pathway, client):
    client.force_login(world.referent2.user)
    client.post(f"/parcours/{pathway.pk}/diagnostic/rubrique/", {"kind": "health", "content": "écrasé"})
    client.force_login(world.referent.user)
    assert SECRET in client.get(f"/parcours/{pathway.pk}/diagnostic/").content.decode()


def test_access_log_is_append_only(world, pathway):
    _, log = secrecy.diagnostic_read(pathway, world.referent.user, now=timezone.now())
    with pytest.raises(PermissionError):
        log.save()
    with pytest.raises(PermissionError):
        log.delete()
    with pytest.raises(PermissionError):
        SensitiveAccessLog.objects.all().delete()
