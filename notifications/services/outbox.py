"""The transactional outbox: notification rows first, Celery dispatch after commit.

Rows are created inside the caller's transaction. After commit we try to enqueue their
e-mail; if the broker is down the rows simply stay `pending`, and the periodic
`redispatch_pending` picks them up once it is back. No notification is ever lost.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import logging
from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction

from casework.context import bound
from casework.enums import OrganisationKind
from casework.models import Pathway, Professional
from casework.statements import RowsInsert
from notifications.models import EmailStatus, Notification

from . import messages

logger = logging.getLogger(__name__)

_dispatch_suppressed = contextvars.ContextVar("dispatch_suppressed", default=False)

# Ids per message: a task's run stays short (the e-mail task sends one e-mail per id).
IDS_PER_MESSAGE = 100
# A pooled broker connection that died with Redis fails once even after Redis is back:
# one quick retry reconnects it. Two short attempts, then the row waits for the re-dispatch.
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 1}
MAX_EMAIL_ATTEMPTS = 6


def email_status_of(email: str, *, wants_digest: bool) -> str:
    """A professional's e-mail: none without an address, else immediate or in the daily digest."""
    if not email:
        return EmailStatus.NONE
    return EmailStatus.DIGEST if wants_digest else EmailStatus.PENDING


def email_status_for(recipient: Professional | None, to_email: str = "") -> str:
    if recipient is None:
        return EmailStatus.PENDING if to_email else EmailStatus.NONE
    return email_status_of(recipient.user.email, wants_digest=recipient.wants_digest)


_NOTIFICATION_INSERT = RowsInsert(Notification)


def notify(recipients: Iterable[Professional | None], event: str, pathway: Pathway, *, now: dt.datetime) -> list[int]:
    """Write the notification rows (in the caller's transaction) and return their ids: the
    caller has them sent after commit (`dispatch_after_commit`, or a transition's follow-up
    message, which carries them with its task sync)."""
    title, body = messages.event_message(event, pathway.pk)
    rows = [
        Notification(
            recipient=r,
            event=event,
            pathway=pathway,
            subject=title,
            body=body,
            link=messages.pathway_link(pathway.pk),
            created_at=now,
            email_status=email_status_for(r),
        )
        for r in {r.pk: r for r in recipients if r is not None}.values()
    ]
    return [n.pk for n in _NOTIFICATION_INSERT.save(rows)]


def team_leads_of(organisation_id: int | None) -> list[Professional]:
    if organisation_id is None:
        return []
    return list(Professional.objects.filter(organisation_id=organisation_id, is_team_lead=True).select_related("user"))


def departement_team_leads(territory_id: int) -> list[Professional]:
    return list(
        Professional.objects.filter(
            is_team_lead=True,
            organisation__kind=OrganisationKind.DEPARTEMENT,
            organisation__territories=territory_id,
        ).select_related("user")
    )


def notify_team_leads(organisation_id: int | None, event: str, pathway: Pathway, *, now: dt.datetime) -> list[int]:
    return notify(team_leads_of(organisation_id), event, pathway, now=now)


def dispatch_suppressed():
    """Bulk loads (demo data, imports) write rows without enqueueing one task per row."""
    return bound(_dispatch_suppressed, True)


def dispatch_after_commit(ids: list[int]) -> None:
    """After commit, the e-mail task for these rows, one message per IDS_PER_MESSAGE ids; rows
    whose message is lost stay pending for the re-dispatch."""
    ids = [i for i in ids if i is not None]
    if ids and not _dispatch_suppressed.get():
        transaction.on_commit(lambda: dispatch(ids))


def publish(task, args: tuple, *, what: str) -> bool:
    """Enqueue one message after a commit. A broker failure is logged, not raised: the commit
    stands and the caller's safety net (re-dispatch, tasks-sync drain) sends it later."""
    try:
        # Ids only: their plain repr, which Celery would otherwise build with its safe repr.
        task.apply_async(args, retry=True, retry_policy=PUBLISH_RETRY, argsrepr=repr(args)[:1024], kwargsrepr="{}")
    except Exception as exc:  # kombu raises OperationalError and friends when Redis is down
        logger.warning("Broker unavailable, left for the safety net: %s: %r", what, exc)
        return False
    return True


def publish_ids(task, ids: list[int], *, what: str) -> int:
    """Publish `task(ids)` in messages of IDS_PER_MESSAGE ids; returns how many ids left. The
    first refusal stops the rest, which the safety nets find (a broker that is down would
    refuse each message only after its retries)."""
    sent = 0
    for start in range(0, len(ids), IDS_PER_MESSAGE):
        chunk = ids[start : start + IDS_PER_MESSAGE]
        if not publish(task, (chunk,), what=f"{what}: {len(chunk)}"):
            break
        sent += len(chunk)
    return sent


def dispatch(ids: list[int]) -> int:
    """Enqueue e-mail tasks; a broker failure leaves the rows pending for the re-dispatch."""
    from notifications.tasks import send_notification_emails_task  # the tasks call this module: a cycle at import

    return publish_ids(send_notification_emails_task, ids, what="notifications staying pending")


def emails_send(notification_ids: Iterable[int], *, now: dt.datetime) -> tuple[dict[str, int], Exception | None]:
    """Send the pending e-mails of these rows; returns the count per new status and the last
    failure (recorded on its row, which stays pending): one bad address does not block the rest."""
    statuses: dict[str, int] = {}
    failed = None
    for notification_id in notification_ids:
        try:
            status = notification_send_email(notification_id, now=now)
        except Exception as exc:
            failed = exc
            continue
        statuses[status] = statuses.get(status, 0) + 1
    return statuses, failed


def notification_send_email(notification_id: int, *, now: dt.datetime) -> str:
    """Send one pending e-mail, at most once per successful commit; return the new status.

    The row is locked with SKIP LOCKED so that two workers given the same id do not both
    send it. A failure is recorded on the row and re-raised for Celery's retry.
    """
    with transaction.atomic():
        n = (
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient__user")
            .filter(pk=notification_id, email_status=EmailStatus.PENDING)
            .first()
        )
        if n is None:
            return "skipped"
        to = n.to_email or (n.recipient.user.email if n.recipient else "")
        if not to:
            n.email_status = EmailStatus.NONE
            n.save(update_fields=["email_status"])
            return n.email_status
        body = f"Bonjour,\n\n{n.body}\n\n{n.link}\n\n— Fil rouge (message automatique, ne pas répondre)"
        try:
            send_mail(messages.email_subject(n.subject), body, None, [to])
        except Exception as exc:
            n.email_attempts += 1
            n.last_error = type(exc).__name__
            if n.email_attempts >= MAX_EMAIL_ATTEMPTS:
                n.email_status = EmailStatus.FAILED
            n.save(update_fields=["email_attempts", "last_error", "email_status"])
            if n.email_status == EmailStatus.FAILED:
                return n.email_status
            raise
        n.email_status = EmailStatus.SENT
        n.email_sent_at = now
        n.email_attempts += 1
        n.save(update_fields=["email_status", "email_sent_at", "email_attempts"])
        return n.email_status


def pending_ids(*, older_than: dt.datetime, limit: int = 5000) -> list[int]:
    return list(
        Notification.objects.filter(email_status=EmailStatus.PENDING, created_at__lte=older_than)
        .order_by("created_at", "id")
        .values_list("id", flat=True)[:limit]
    )


def redispatch_pending(*, now: dt.datetime, grace: dt.timedelta = dt.timedelta(seconds=30)) -> int:
    """Re-enqueue what is still pending (broker was down at commit, or a worker died)."""
    ids = pending_ids(older_than=now - grace)
    return dispatch(ids) if ids else 0


def notification_mark_read(notification: Notification, *, now: dt.datetime) -> None:
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now)


def notifications_mark_all_read(professional: Professional, *, now: dt.datetime) -> int:
    """Mark every unread notification of this professional (and only theirs) as read."""
    return Notification.objects.unread_for(professional).update(read_at=now)
