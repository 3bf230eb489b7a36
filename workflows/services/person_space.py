"""Writes around the person's own space: the referent sets an appointment (and the person is
invited), updates how the person is reached; the person asks for a new link.

Each is one transaction whose messages are `PersonMessage` rows sent after commit
(`notifications.services.person_messages`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from casework.models import Appointment, Beneficiary, Pathway
from notifications.services.person_messages import appointment_invite, space_link_message
from notifications.space_links import space_link_renew

REMINDER_DAYS_BEFORE = 2
CONTACT_FIELDS = ("email", "mobile_phone", "sms_opt_out")


def remind_on_for(starts_at: dt.datetime, *, now: dt.datetime) -> dt.date | None:
    """The reminder's day (two days before, Europe/Paris); None when that day has already come
    when the appointment is set: the invitation of the day is its reminder."""
    day = timezone.localdate(starts_at) - dt.timedelta(days=REMINDER_DAYS_BEFORE)
    return day if day > timezone.localdate(now) else None


def appointment_set(
    pathway: Pathway, *, starts_at: dt.datetime, mode: str, place: str, purpose: str, by, now: dt.datetime
) -> Appointment:
    """Record the appointment and write the person's invitation (sent after commit). The caller
    has checked `can_record_contact`."""
    with transaction.atomic():
        appointment = Appointment(
            pathway=pathway,
            starts_at=starts_at,
            mode=mode,
            place=place.strip(),
            purpose=purpose.strip(),
            remind_on=remind_on_for(starts_at, now=now),
            set_by=by,
            set_at=now,
        )
        appointment.full_clean()
        appointment.save()
        appointment_invite(appointment, now=now)
    return appointment


def person_contact_update(person: Beneficiary, *, email: str, mobile_phone: str, sms_opt_out: bool) -> bool:
    """Save how the person is reached (audited by the person's history); False when unchanged."""
    changed = (person.email, person.mobile_phone, person.sms_opt_out) != (email, mobile_phone, sms_opt_out)
    if changed:
        person.email, person.mobile_phone, person.sms_opt_out = email, mobile_phone, sms_opt_out
        person._change_reason = "Coordonnées de la personne"
        person.clean_fields(exclude=[f.name for f in Beneficiary._meta.fields if f.name not in CONTACT_FIELDS])
        person.save(update_fields=list(CONTACT_FIELDS))
    return changed


def space_link_request(allocation_number: str, birth_date: dt.date, *, now: dt.datetime) -> int:
    """A new link for every person with this allocation number and birth date (a household
    shares its number); their older links stop working. Returns how many people matched —
    for the tests only: the page answers the same whatever it is."""
    people = list(
        Beneficiary.objects.filter(
            payer_accounts__allocation_number=allocation_number,
            birth_date=birth_date,
            anonymisation__isnull=True,
        ).distinct()
    )
    with transaction.atomic():
        for person in people:
            space_link_renew(person.pk, now=now)
            space_link_message(person, now=now)
    return len(people)
