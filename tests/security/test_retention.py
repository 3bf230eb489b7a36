"""RGPD retention: people whose pathways closed more than RETENTION_CLOSED_MONTHS ago are
anonymised by a periodic task; anonymous statistics (states, dates, history) stay intact."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from casework.models import (
    Anonymisation,
    Beneficiary,
    Contract,
    DiagnosticSection,
    Handover,
    Pathway,
    PrivateNote,
    SensitiveAccessLog,
    TransitionLog,
)
from casework.services import secrecy
from casework.services.retention import anonymise_expired, beneficiaries_due
from tests.helpers import advance, at
from workflows.services.secrecy import diagnostic_break_glass
from workflows.tasks import anonymise_expired_task

pytestmark = pytest.mark.django_db
START = dt.date(2024, 1, 8)


@pytest.fixture
def closed(world):
    p = world.enter(START, first_name="Martine", last_name="Oubliée", birth_date=dt.date(1980, 6, 15))
    p = advance(world, p, "social_track", START)
    secrecy.diagnostic_section_save(
        p, kind="health", content="Détails de santé", by=world.referent.user, now=at(START)
    )
    secrecy.private_note_add(p, content="Note personnelle", by=world.referent.user, now=at(START))
    diagnostic_break_glass(
        p, world.referent2.user, justification="Urgence : Martine Oubliée hospitalisée", now=at(START)
    )
    world.t(p, "propose_handover", START + dt.timedelta(days=10), incoming=world.referent2, note="Martine va mieux")
    world.t(p, "close", START + dt.timedelta(days=20), close_reason="moved_away")
    return Pathway.objects.get(pk=p.pk)


def test_not_due_before_the_period_then_anonymised_keeping_statistics(world, closed):
    closed_on = closed.closed_on
    log_before = list(
        TransitionLog.objects.filter(pathway=closed).values_list("transition", "occurred_on", "to_state")
    )
    assert anonymise_expired(now=at(closed_on + dt.timedelta(days=700))) == 0
    now = at(closed_on.replace(year=closed_on.year + 2) + dt.timedelta(days=1))
    assert list(beneficiaries_due(now=now).values_list("pk", flat=True)) == [closed.beneficiary_id]
    assert anonymise_expired(now=now) == 1
    person = Beneficiary.objects.get(pk=closed.beneficiary_id)
    assert person.first_name == "Anonyme" and "Oubliée" not in person.last_name
    assert person.birth_date == dt.date(1980, 1, 1)
    # Identity erased from every old audit row too.
    for row in Beneficiary.audit.filter(id=person.pk):
        assert row.first_name == "Anonyme" and row.birth_date == dt.date(1980, 1, 1)
    assert not DiagnosticSection.objects.filter(pathway=closed).exclude(content="").exists()
    assert not DiagnosticSection.audit.filter(pathway_id=closed.pk).exclude(content="").exists()
    assert not PrivateNote.objects.filter(pathway=closed).exists()
    assert Handover.objects.get(pathway=closed).note == ""
    assert "Martine" not in SensitiveAccessLog.objects.get(break_glass=True).justification
    # Statistics intact: states, dates, history, contracts.
    p = Pathway.objects.get(pk=closed.pk)
    assert (p.state, p.closed_on, p.entered_on, p.oriented_on) == (
        "closed",
        closed_on,
        closed.entered_on,
        closed.oriented_on,
    )
    log_after = list(TransitionLog.objects.filter(pathway=closed).values_list("transition", "occurred_on", "to_state"))
    assert log_after == log_before
    assert Contract.objects.filter(pathway=closed).count() == 1
    # Idempotent.
    assert anonymise_expired(now=now) == 0
    assert Anonymisation.objects.get(beneficiary=person).last_closed_on == closed_on


def test_reopened_person_is_never_anonymised(world, closed):
    world.t(closed, "reopen", closed.closed_on + dt.timedelta(days=5))
    assert anonymise_expired(now=at(closed.closed_on + dt.timedelta(days=1000))) == 0


def test_period_is_configurable(world, closed, settings):
    settings.RETENTION_CLOSED_MONTHS = 6
    assert anonymise_expired(now=at(closed.closed_on + dt.timedelta(days=200))) == 1


def test_command_with_now_and_dry_run(world, closed):
    out = io.StringIO()
    later = closed.closed_on.replace(year=closed.closed_on.year + 3).isoformat()
    call_command("anonymise_expired", "--now", later, "--dry-run", stdout=out)
    assert json.loads(out.getvalue())["due"] == 1
    out = io.StringIO()
    call_command("anonymise_expired", "--now", later, stdout=out)
    assert json.loads(out.getvalue())["anonymised"] == 1


def test_celery_task(world, closed):
    later = at(closed.closed_on.replace(year=closed.closed_on.year + 3))
    assert anonymise_expired_task.delay(later.isoformat()).get() == 1


def test_anonymisation_under_postgres_triggers(world, closed, needs_postgres):
    assert anonymise_expired(now=at(closed.closed_on.replace(year=closed.closed_on.year + 3))) == 1
