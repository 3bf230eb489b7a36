"""The deadline sweep: set-based, batched, idempotent, safe to run twice at once.

For each alert level it selects open deadlines whose alert day has come and that have no
alert at that level yet (an anti-join), through the partial index on that alert day, in
keyset-paginated batches locked with SKIP LOCKED. Alerts are unique per (deadline, level)
and notifications unique per (alert, recipient): a second sweep, concurrent or not,
creates nothing twice, and a sweep killed midway loses only an uncommitted batch, which
the next run redoes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from casework.enums import AlertLevel, DeadlineStatus, OrganisationKind, RecipientRole
from casework.models import Deadline, PartnerRequest, Professional
from notifications.models import Alert, Notification

from . import messages, outbox
from .alerts import alerts_resolve_stale

LEVELS = (
    (AlertLevel.DUE_SOON, "due_soon_alert_on", "due_soon_recipient"),
    (AlertLevel.DUE, "due_alert_on", "due_recipient"),
    (AlertLevel.OVERDUE, "overdue_alert_on", "overdue_recipient"),
)
BATCH_SIZE = 500


def _superseded(level: str, today: dt.date) -> Q:
    """A level whose next level has already come is skipped (no stale J-7 alert after J)."""
    if level == AlertLevel.DUE_SOON:
        return Q(due_alert_on__lte=today)
    if level == AlertLevel.DUE:
        return Q(overdue_alert_on__isnull=False, overdue_alert_on__lte=today)
    return Q(pk__in=[])


def due_for_level(level: str, field: str, today: dt.date):
    """Open deadlines owing an alert at `level` on `today` (a selector taking the day)."""
    return (
        Deadline.objects.filter(status=DeadlineStatus.OPEN, **{f"{field}__lte": today})
        .exclude(_superseded(level, today))
        .exclude(Exists(Alert.objects.filter(deadline=OuterRef("pk"), level=level)))
    )


class _Recipients:
    """Resolves who is alerted, with one query per kind of group per batch."""

    def __init__(self, deadlines: list[Deadline]):
        org_ids = {d.pathway.organisation_id for d in deadlines if d.pathway.organisation_id}
        territory_ids = {d.pathway.territory_id for d in deadlines}
        self.team_leads = defaultdict(list)
        for pro in Professional.objects.filter(organisation_id__in=org_ids, is_team_lead=True).select_related("user"):
            self.team_leads[pro.organisation_id].append(pro)
        self.dept_leads = defaultdict(list)
        self.officers = defaultdict(list)
        pros = (
            Professional.objects.filter(organisation__territories__in=territory_ids)
            .filter(
                Q(is_orientation_officer=True) | Q(is_team_lead=True, organisation__kind=OrganisationKind.DEPARTEMENT)
            )
            .select_related("user", "organisation")
            .prefetch_related("organisation__territories")
            .distinct()
        )
        for pro in pros:
            for territory in pro.organisation.territories.all():
                if territory.pk not in territory_ids:
                    continue
                if pro.is_orientation_officer:
                    self.officers[territory.pk].append(pro)
                if pro.is_team_lead and pro.organisation.kind == OrganisationKind.DEPARTEMENT:
                    self.dept_leads[territory.pk].append(pro)
        partner_ids = [int(d.ref) for d in deadlines if d.rule_code == "partner_ack" and d.ref.isdigit()]
        self.partner_requests = {
            r.pk: r for r in PartnerRequest.objects.filter(pk__in=partner_ids).select_related("organisation")
        }

    def resolve(self, deadline: Deadline, role: str) -> tuple[list[Professional], int | None, str]:
        """(professionals, organisation id, partner e-mail) for this role on this deadline."""
        p = deadline.pathway
        if role == RecipientRole.REFERENT:
            if p.referent_id:
                return [p.referent], p.organisation_id, ""
            role = RecipientRole.TEAM_LEAD
        if role == RecipientRole.INCOMING_REFERENT:
            if p.handover_to_id:
                return [p.handover_to], p.handover_to.organisation_id, ""
            role = RecipientRole.TEAM_LEAD
        if role == RecipientRole.TEAM_LEAD:
            if p.organisation_id and self.team_leads.get(p.organisation_id):
                return self.team_leads[p.organisation_id], p.organisation_id, ""
            leads = self.dept_leads.get(p.territory_id, [])
            return leads, (leads[0].organisation_id if leads else None), ""
        if role == RecipientRole.ORIENTATION_TEAM:
            officers = self.officers.get(p.territory_id, [])
            return officers, (officers[0].organisation_id if officers else None), ""
        if role == RecipientRole.PARTNER_CONTACT:
            request = self.partner_requests.get(int(deadline.ref)) if deadline.ref.isdigit() else None
            if request is not None:
                return [], request.organisation_id, request.organisation.contact_email
        return [], None, ""


def _alert_batch(level: str, recipient_field: str, deadline_ids: list[int], now: dt.datetime) -> tuple[int, int]:
    deadlines = list(
        Deadline.objects.filter(pk__in=deadline_ids).select_related(
            "rule", "pathway__referent__user", "pathway__handover_to__user", "pathway__organisation"
        )
    )
    recipients = _Recipients(deadlines)
    resolved = {}
    alerts = []
    for d in deadlines:
        role = getattr(d.rule, recipient_field) or RecipientRole.REFERENT
        pros, org_id, email = recipients.resolve(d, role)
        resolved[d.pk] = (pros, email)
        alerts.append(
            Alert(
                deadline=d,
                pathway_id=d.pathway_id,
                rule_code=d.rule_code,
                level=level,
                due_on=d.due_on,
                recipient_role=role,
                recipient=pros[0] if len(pros) == 1 else None,
                recipient_organisation_id=org_id,
                created_at=now,
            )
        )
    Alert.objects.bulk_create(alerts, ignore_conflicts=True)
    fresh = Alert.objects.filter(deadline_id__in=deadline_ids, level=level).exclude(
        Exists(Notification.objects.filter(alert=OuterRef("pk")))
    )
    notes = []
    for alert in fresh:
        pros, email = resolved.get(alert.deadline_id, ([], ""))
        subject, body = messages.alert_message(alert.rule_code, level, alert.due_on, alert.pathway_id)
        link = messages.pathway_link(alert.pathway_id)
        for pro in pros:
            notes.append(
                Notification(
                    recipient=pro,
                    event=Notification.Event.ALERT,
                    alert=alert,
                    pathway_id=alert.pathway_id,
                    subject=subject,
                    body=body,
                    link=link,
                    created_at=now,
                    email_status=outbox.email_status_for(pro),
                )
            )
        if email:
            notes.append(
                Notification(
                    to_email=email,
                    event=Notification.Event.PARTNER_REMINDER,
                    alert=alert,
                    pathway_id=alert.pathway_id,
                    subject="Fil rouge — relance : merci d'accuser réception d'une demande",
                    body="Une demande vous a été adressée et attend votre accusé de réception.",
                    link=messages.partner_ack_link(int(alert.deadline.ref), now=now),
                    created_at=now,
                    email_status=outbox.email_status_for(None, email),
                )
            )
    Notification.objects.bulk_create(notes, ignore_conflicts=True)
    # bulk_create(ignore_conflicts=True) returns no ids on PostgreSQL: read back this run's rows.
    note_ids = list(
        Notification.objects.filter(
            alert__deadline_id__in=deadline_ids, alert__level=level, created_at=now
        ).values_list("id", flat=True)
    )
    outbox.dispatch_after_commit(note_ids)
    n_alerts = Alert.objects.filter(deadline_id__in=deadline_ids, level=level, created_at=now).count()
    return n_alerts, len(note_ids)


def sweep_deadlines(*, now: dt.datetime, batch_size: int = BATCH_SIZE) -> dict:
    """Create the alerts due at `now` and resolve the stale ones; return counts per level."""
    today = timezone.localdate(now)
    result = {"now": now.isoformat(), "today": today.isoformat()}
    notifications = 0
    for level, field, recipient_field in LEVELS:
        created = 0
        last_day, last_id = dt.date.min, 0
        while True:
            with transaction.atomic():
                batch = list(
                    due_for_level(level, field, today)
                    .filter(Q(**{f"{field}__gt": last_day}) | Q(**{field: last_day, "id__gt": last_id}))
                    .order_by(field, "id")
                    .select_for_update(skip_locked=True)
                    .values_list("id", field)[:batch_size]
                )
                if not batch:
                    break
                last_id, last_day = batch[-1][0], batch[-1][1]
                n_alerts, n_notes = _alert_batch(level, recipient_field, [i for i, _ in batch], now)
                created += n_alerts
                notifications += n_notes
            if len(batch) < batch_size:
                break
        result[level] = created
    result["resolved"] = alerts_resolve_stale(now=now)
    result["notifications"] = notifications
    return result
