"""Messages to the person (their space's link, appointment invitations and reminders), by
e-mail and SMS, through the same outbox pattern as the professionals' notifications.

- Rows first: `PersonMessage` rows are written in the caller's transaction, one per channel the
  person can be reached on (an e-mail address; a mobile number without the SMS opt-out), and
  their ids are dispatched to Celery after commit (`outbox.dispatch_after_commit`'s shape).
- At least once, without doubles: a send locks its row (SKIP LOCKED) and only sends a pending
  one; a reminder is a unique row per (appointment, kind, channel), so a sweep that runs twice
  or races writes it once. The SMS carries the row's id as its reference, for a provider that
  drops duplicates (the one window left: a crash after the provider accepted, before commit).
- Retries with back-off: a transient failure (provider down, timeout, SMTP error) is counted
  on the row, which stays pending with its next attempt's instant; the task retries after that
  delay and the periodic re-dispatch is the safety net. A permanent failure, or MAX_ATTEMPTS
  transient ones, mark the row failed. The opt-out and the address are read again at sending
  time: a person who opted out since the row was written gets nothing (the row is cancelled).
- Delivery: the provider's callback sets `delivered` (or `failed`) on the row it names.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from celery import shared_task
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from casework.enums import PathwayState
from casework.models import Appointment, Beneficiary
from notifications.models import PersonMessage
from notifications.sms import SmsError, SmsPermanentError, sms_send
from notifications.space_links import space_link

from . import person_texts
from .outbox import publish_ids

logger = logging.getLogger(__name__)

M = PersonMessage
MAX_ATTEMPTS = 6
# Seconds before the next attempt, by the number of failed attempts so far.
BACKOFF_SECONDS = (60, 300, 900, 3600, 3 * 3600)


def backoff(attempts: int) -> int:
    return BACKOFF_SECONDS[min(attempts, len(BACKOFF_SECONDS)) - 1] if attempts > 0 else 0


def person_channels(person: Beneficiary) -> list[str]:
    """The channels the person can be reached on, opt-out honoured."""
    channels = []
    if person.email:
        channels.append(M.Channel.EMAIL)
    if person.mobile_phone and not person.sms_opt_out:
        channels.append(M.Channel.SMS)
    return channels


def _referent_contact(appointment: Appointment) -> str:
    organisation = appointment.pathway.organisation
    if organisation is None:
        return ""
    parts = []
    if organisation.public_phone:
        parts.append(f"Téléphone : {organisation.public_phone}.")
    if organisation.public_email:
        parts.append(f"E-mail : {organisation.public_email}.")
    return " ".join(parts)


def _appointment_texts(appointment: Appointment, kind: str, *, now: dt.datetime) -> dict[str, tuple[str, str]]:
    link = space_link(appointment.pathway.beneficiary_id, now=now)
    reminder = kind == M.Kind.REMINDER
    contact = _referent_contact(appointment)
    return {
        M.Channel.EMAIL: person_texts.appointment_email(appointment, link, reminder=reminder, contact=contact),
        M.Channel.SMS: ("", person_texts.appointment_sms(appointment, link, reminder=reminder)),
    }


def _write(person: Beneficiary, kind: str, texts: dict, *, appointment=None, now: dt.datetime) -> list[int]:
    """Insert the rows (an appointment's existing ones are left as they are) and return the ids
    of this person's pending rows of that kind (and appointment) for the dispatch."""
    rows = [
        M(
            beneficiary=person,
            appointment=appointment,
            kind=kind,
            channel=channel,
            subject=texts[channel][0],
            body=texts[channel][1],
            created_at=now,
        )
        for channel in person_channels(person)
    ]
    if appointment is None:
        return [row.pk for row in M.objects.bulk_create(rows)]
    M.objects.bulk_create(rows, ignore_conflicts=True)
    return list(
        M.objects.filter(appointment=appointment, kind=kind, status=M.Status.PENDING).values_list("pk", flat=True)
    )


def appointment_invite(appointment: Appointment, *, now: dt.datetime) -> list[int]:
    """The invitation of the day the appointment is set (caller's transaction; sent after commit)."""
    person = appointment.pathway.beneficiary
    texts = _appointment_texts(appointment, M.Kind.INVITATION, now=now)
    ids = _write(person, M.Kind.INVITATION, texts, appointment=appointment, now=now)
    dispatch_after_commit(ids)
    return ids


def space_link_message(person: Beneficiary, *, now: dt.datetime) -> list[int]:
    """A new link to the person's space, on every channel they can be reached on."""
    link = space_link(person.pk, now=now)
    texts = {
        M.Channel.EMAIL: person_texts.space_link_email(link),
        M.Channel.SMS: ("", person_texts.space_link_sms(link)),
    }
    ids = _write(person, M.Kind.SPACE_LINK, texts, now=now)
    dispatch_after_commit(ids)
    return ids


def reminders_due(*, now: dt.datetime):
    """Appointments whose reminder day has come, still ahead, on an open pathway, not yet reminded."""
    reminded = M.objects.filter(appointment=OuterRef("pk"), kind=M.Kind.REMINDER)
    return (
        Appointment.objects.filter(remind_on__lte=timezone.localdate(now), starts_at__gt=now)
        .exclude(pathway__state=PathwayState.CLOSED)
        .filter(~Exists(reminded))
        .select_related("pathway__beneficiary", "pathway__organisation")
        .order_by("starts_at", "id")
    )


def appointment_reminders_queue(*, now: dt.datetime, limit: int = 1000) -> int:
    """The beat task's body: write the due reminders and dispatch them; returns how many rows
    were dispatched. Running twice, or two at once, writes each reminder once (unique rows)."""
    ids: list[int] = []
    with transaction.atomic():
        for appointment in reminders_due(now=now)[:limit]:
            texts = _appointment_texts(appointment, M.Kind.REMINDER, now=now)
            ids += _write(appointment.pathway.beneficiary, M.Kind.REMINDER, texts, appointment=appointment, now=now)
        dispatch_after_commit(ids)
    return len(ids)


# --- sending ---------------------------------------------------------------------------------


@dataclass
class SendOutcome:
    statuses: dict[str, int] = field(default_factory=dict)
    retry_ids: list[int] = field(default_factory=list)
    countdown: int = 0


def _deliver(message: PersonMessage) -> str:
    """Send one message on its channel; returns the provider's id ("" for e-mail)."""
    person = message.beneficiary
    if message.channel == M.Channel.EMAIL:
        send_mail(message.subject, message.body, None, [person.email])
        return ""
    return sms_send(person.mobile_phone, message.body, reference=f"filrouge-{message.pk}")


def _reachable(message: PersonMessage) -> bool:
    return message.channel in person_channels(message.beneficiary)


def person_message_send(message_id: int, *, now: dt.datetime) -> tuple[str, int]:
    """Send one pending message; returns its new status and, after a transient failure, the
    seconds before the next attempt (0 otherwise). The failure is recorded on the row."""
    with transaction.atomic():
        message = (
            M.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("beneficiary")
            .filter(pk=message_id, status=M.Status.PENDING)
            .first()
        )
        if message is None:
            return "skipped", 0
        if not _reachable(message):  # opted out, or the address was removed, since it was written
            message.status = M.Status.CANCELLED
            message.save(update_fields=["status"])
            return message.status, 0
        message.attempts += 1
        wait = 0
        try:
            message.provider_id = _deliver(message)
        except SmsPermanentError as exc:
            message.status, message.last_error = M.Status.FAILED, str(exc)[:300]
        except Exception as exc:  # transient: the provider, the network, the SMTP server
            # Our SMS errors say "HTTP 503"; others only by their type (an SMTP refusal names the address).
            message.last_error = (str(exc) if isinstance(exc, SmsError) else type(exc).__name__)[:300]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = M.Status.FAILED
            else:
                wait = backoff(message.attempts)
                message.next_attempt_at = now + dt.timedelta(seconds=wait)
        else:
            message.status, message.sent_at, message.last_error = M.Status.SENT, now, ""
        message.save(update_fields=["status", "attempts", "last_error", "next_attempt_at", "sent_at", "provider_id"])
        if message.status == M.Status.FAILED:
            logger.warning("Message to a person failed for good: n° %s (%s)", message.pk, message.last_error)
        return message.status, wait


def person_messages_send(ids: Iterable[int], *, now: dt.datetime) -> SendOutcome:
    outcome = SendOutcome()
    for message_id in ids:
        status, wait = person_message_send(message_id, now=now)
        outcome.statuses[status] = outcome.statuses.get(status, 0) + 1
        if wait:
            outcome.retry_ids.append(message_id)
            outcome.countdown = max(outcome.countdown, wait)
    return outcome


def dispatch(ids: list[int]) -> int:
    return publish_ids(send_person_messages_task, ids, what="person messages staying pending")


def dispatch_after_commit(ids: list[int]) -> None:
    if ids:
        transaction.on_commit(lambda: dispatch(ids))


def person_messages_redispatch(*, now: dt.datetime, grace: dt.timedelta = dt.timedelta(seconds=30)) -> int:
    """Re-enqueue the pending rows older than `grace` whose back-off is over."""
    ids = list(
        M.objects.filter(status=M.Status.PENDING, created_at__lte=now - grace)
        .exclude(next_attempt_at__gt=now)
        .order_by("created_at", "id")
        .values_list("pk", flat=True)[:5000]
    )
    return dispatch(ids) if ids else 0


# The provider's words for a final delivery state, and ours.
DELIVERY_STATUSES = {
    "delivered": M.Status.DELIVERED,
    "failed": M.Status.FAILED,
    "undelivered": M.Status.FAILED,
    "rejected": M.Status.FAILED,
    "expired": M.Status.FAILED,
}


def sms_delivery_record(provider_id: str, provider_status: str, *, now: dt.datetime) -> bool | None:
    """Record the provider's delivery report; None when no message has that id, False when the
    status is not a final one (ignored), True when recorded. A report repeated is harmless."""
    message = M.objects.filter(channel=M.Channel.SMS, provider_id=provider_id).exclude(provider_id="").first()
    if message is None:
        return None
    status = DELIVERY_STATUSES.get(provider_status.lower())
    if status is None:
        return False
    update = {"status": status, "delivered_at": now if status == M.Status.DELIVERED else None}
    if status == M.Status.FAILED:
        update["last_error"] = f"Non distribué ({provider_status.lower()[:40]})"
    # Only a sent message changes: a late "failed" never undoes a delivery.
    M.objects.filter(pk=message.pk, status__in=[M.Status.SENT, M.Status.PENDING]).update(**update)
    return True


@shared_task(name="notifications.tasks.send_person_messages_task", bind=True, acks_late=True, max_retries=MAX_ATTEMPTS)
def send_person_messages_task(self, message_ids: list[int]) -> dict:
    """Send; the rows that failed transiently are retried after their back-off."""
    outcome = person_messages_send(message_ids, now=timezone.now())
    if outcome.retry_ids:
        raise self.retry(args=(outcome.retry_ids,), countdown=outcome.countdown)
    return outcome.statuses
