"""RGPD retention: erase the identity of people whose pathways have all been closed for longer
than `RETENTION_CLOSED_MONTHS` (default 24), keeping anonymous statistics intact.

What changes (docs/rgpd.md lists it): first and last names are replaced, the birth date is
reduced to 1 January of the birth year (age bands stay computable), diagnostic contents and
private notes are erased, handover notes and refusal reasons are blanked, break-glass
justifications are replaced; the same identity fields are erased in the audit trail's old rows.
What stays: the pathway's states and dates, its transition log (append-only, no identity),
deadlines, alerts, contacts, contracts, barriers' kinds, consents' dates — the statistics.

The audit trail and the access log are append-only: the only rewrite allowed is this one,
inside its own transaction, under `SET LOCAL filrouge.retention = 'on'` (see migration 0003).
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone

from casework.audit import acting_as
from casework.enums import PathwayState
from casework.models import (
    ActivityDuration,
    Anonymisation,
    Appointment,
    Beneficiary,
    Breach,
    DiagnosticSection,
    Handover,
    Pathway,
    PrivateNote,
    SensitiveAccessLog,
)
from casework.vendor_sql import set_local

ANONYMOUS_FIRST_NAME = "Anonyme"
ANONYMISED_TEXT = "[anonymisé]"


def retention_cutoff(now: dt.datetime, months: int | None = None) -> dt.date:
    """Pathways closed on or before this day have passed the retention period."""
    months = settings.RETENTION_CLOSED_MONTHS if months is None else months
    return timezone.localdate(now) - relativedelta(months=months)


def beneficiaries_due(*, now: dt.datetime, months: int | None = None):
    """People not yet anonymised, with no open pathway, whose last closure is past the cutoff."""
    cutoff = retention_cutoff(now, months)
    open_pathway = Pathway.objects.filter(beneficiary=OuterRef("pk")).exclude(state=PathwayState.CLOSED)
    return (
        Beneficiary.objects.filter(anonymisation__isnull=True)
        .filter(~Exists(open_pathway))
        .annotate(last_closed_on=Max("pathways__closed_on"))
        .filter(last_closed_on__isnull=False, last_closed_on__lte=cutoff)
        .order_by("pk")
    )


def _raw(model):
    """A plain queryset, bypassing the append-only managers: for this service only."""
    return models.QuerySet(model=model)


def beneficiary_anonymise(beneficiary_id: int, *, now: dt.datetime, months: int | None = None) -> bool:
    """Anonymise one person if still due (re-checked under lock); idempotent."""
    with transaction.atomic(), acting_as(None):
        # Lock the person (no GROUP BY with FOR UPDATE), then re-check that they are still due.
        Beneficiary.objects.select_for_update().filter(pk=beneficiary_id).exists()
        person = beneficiaries_due(now=now, months=months).filter(pk=beneficiary_id).first()
        if person is None:
            return False
        set_local("filrouge.retention", "'on'")  # the audit tables' append-only trigger lets this one through
        identity = {
            "first_name": ANONYMOUS_FIRST_NAME,
            "last_name": f"n° {person.pk}",
            "birth_date": dt.date(person.birth_date.year, 1, 1),
            "email": "",
            "mobile_phone": "",
        }
        pathway_ids = list(Pathway.objects.filter(beneficiary=person).values_list("pk", flat=True))
        # Old audit rows first, then the live row (whose save appends an anonymous audit row).
        _raw(Beneficiary.audit.model).filter(id=person.pk).update(**identity)
        _raw(DiagnosticSection.audit.model).filter(pathway_id__in=pathway_ids).update(content="")
        _raw(DiagnosticSection).filter(pathway_id__in=pathway_ids).update(content="")
        _raw(SensitiveAccessLog).filter(pathway_id__in=pathway_ids, break_glass=True).update(
            justification=ANONYMISED_TEXT
        )
        PrivateNote.objects.filter(pathway_id__in=pathway_ids).delete()
        Handover.objects.filter(pathway_id__in=pathway_ids).update(note="", refusal_reason="")
        # Breaches keep their kind, dates, rates and payer lines (statistics); their texts go.
        Breach.objects.filter(pathway_id__in=pathway_ids).update(
            facts=ANONYMISED_TEXT, observations="", team_opinion="", decision_reason="", remobilisation_note=""
        )
        Appointment.objects.filter(pathway_id__in=pathway_ids).update(place="", purpose=ANONYMISED_TEXT)
        # Why an activity duration was reduced or exempted may tell the person's health or family.
        # (Replaced, not blanked: a reduction keeps a reason, a database constraint.)
        reasoned = {"contract__pathway_id__in": pathway_ids, "reason__gt": ""}
        _raw(ActivityDuration.audit.model).filter(**reasoned).update(reason=ANONYMISED_TEXT)
        _raw(ActivityDuration).filter(**reasoned).update(reason=ANONYMISED_TEXT)
        for field, value in identity.items():
            setattr(person, field, value)
        person._change_reason = "Anonymisation : durée de conservation dépassée"
        person.save()
        Anonymisation.objects.create(beneficiary=person, done_at=now, last_closed_on=person.last_closed_on)
    return True


def anonymise_expired(*, now: dt.datetime, months: int | None = None, batch_size: int = 200) -> int:
    """The periodic task's body: anonymise every due person, batch by batch; returns the count."""
    done = 0
    last_id = 0
    while True:
        ids = list(
            beneficiaries_due(now=now, months=months).filter(pk__gt=last_id).values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return done
        for beneficiary_id in ids:
            done += beneficiary_anonymise(beneficiary_id, now=now, months=months)
        last_id = ids[-1]
