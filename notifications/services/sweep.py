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
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from casework.enums import AlertLevel, DeadlineStatus, OrganisationKind, RecipientRole
from casework.models import Deadline, Organisation, PartnerRequest, Professional
from notifications.models import Alert, EmailStatus, Notification

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


# --- PostgreSQL fast path: plain rows in, INSERT ... SELECT FROM unnest ... RETURNING out ----------

_ALERT_INSERT = """
INSERT INTO notifications_alert (deadline_id, pathway_id, rule_code, level, due_on, recipient_role,
                                 recipient_id, recipient_organisation_id, status, created_at)
SELECT t.d, t.p, t.r, %s, t.due, t.role, t.rc, t.org, 'open', %s
FROM unnest(%s::bigint[], %s::bigint[], %s::varchar[], %s::date[], %s::varchar[], %s::bigint[], %s::bigint[])
     AS t(d, p, r, due, role, rc, org)
ON CONFLICT (deadline_id, level) DO NOTHING
RETURNING id, deadline_id
"""
_NOTIFICATION_INSERT = """
INSERT INTO notifications_notification (recipient_id, to_email, event, alert_id, pathway_id, subject, body, link,
                                        created_at, email_status, email_attempts, last_error)
SELECT t.rc, t.email, t.event, t.a, t.p, t.subject, t.body, t.link, %s, t.status, 0, ''
FROM unnest(%s::bigint[], %s::varchar[], %s::varchar[], %s::bigint[], %s::bigint[], %s::varchar[], %s::text[],
            %s::varchar[], %s::varchar[]) AS t(rc, email, event, a, p, subject, body, link, status)
ON CONFLICT DO NOTHING
RETURNING id
"""


@dataclass(frozen=True)
class _Pro:
    """The few fields of a professional the sweep needs (no model instances: thousands per run)."""

    pk: int
    organisation_id: int
    email: str
    wants_digest: bool

    def email_status(self) -> str:
        if not self.email:
            return EmailStatus.NONE
        return EmailStatus.DIGEST if self.wants_digest else EmailStatus.PENDING


_PRO_FIELDS = ("id", "organisation_id", "user__email", "wants_digest")


@dataclass(frozen=True)
class _Row:
    pk: int
    pathway_id: int
    rule_code: str
    ref: str
    due_on: dt.date
    role: str
    referent_id: int | None
    handover_to_id: int | None
    handover_org_id: int | None
    organisation_id: int | None
    territory_id: int


class _FastRecipients:
    """`_Recipients` on plain rows: the same roles and fallbacks, one query per kind of group."""

    def __init__(self, rows: list[_Row]):
        org_ids = {r.organisation_id for r in rows if r.organisation_id}
        territory_ids = {r.territory_id for r in rows}
        pro_ids = {r.referent_id for r in rows if r.referent_id} | {r.handover_to_id for r in rows if r.handover_to_id}
        self.pros = {t[0]: _Pro(*t) for t in Professional.objects.filter(pk__in=pro_ids).values_list(*_PRO_FIELDS)}
        self.team_leads = defaultdict(list)
        for t in Professional.objects.filter(organisation_id__in=org_ids, is_team_lead=True).values_list(*_PRO_FIELDS):
            self.team_leads[t[1]].append(_Pro(*t))
        self.dept_leads = defaultdict(list)
        self.officers = defaultdict(list)
        seen = set()
        pros = (
            Professional.objects.filter(organisation__territories__in=territory_ids)
            .filter(
                Q(is_orientation_officer=True) | Q(is_team_lead=True, organisation__kind=OrganisationKind.DEPARTEMENT)
            )
            .values_list(*_PRO_FIELDS, "is_orientation_officer", "is_team_lead", "organisation__kind")
            .order_by("id")
            .distinct()
        )
        org_territories = defaultdict(set)
        pro_rows = list(pros)
        for org_id, territory_id in Organisation.territories.through.objects.filter(
            organisation_id__in={t[1] for t in pro_rows}
        ).values_list("organisation_id", "territory_id"):
            org_territories[org_id].add(territory_id)
        for *fields, officer, lead, kind in pro_rows:
            if fields[0] in seen:
                continue
            seen.add(fields[0])
            pro = _Pro(*fields)
            for territory_id in sorted(org_territories[pro.organisation_id] & territory_ids):
                if officer:
                    self.officers[territory_id].append(pro)
                if lead and kind == OrganisationKind.DEPARTEMENT:
                    self.dept_leads[territory_id].append(pro)
        partner_ids = [int(r.ref) for r in rows if r.rule_code == "partner_ack" and r.ref.isdigit()]
        self.partner_requests = dict(
            (pk, (org_id, email))
            for pk, org_id, email in PartnerRequest.objects.filter(pk__in=partner_ids).values_list(
                "id", "organisation_id", "organisation__contact_email"
            )
        )

    def resolve(self, r: _Row) -> tuple[str, list[_Pro], int | None, str]:
        """(role, professionals, organisation id, partner e-mail) — same rules as `_Recipients.resolve`."""
        role = r.role
        if role == RecipientRole.REFERENT:
            if r.referent_id:
                return role, [self.pros[r.referent_id]], r.organisation_id, ""
            role = RecipientRole.TEAM_LEAD
        if role == RecipientRole.INCOMING_REFERENT:
            if r.handover_to_id:
                return role, [self.pros[r.handover_to_id]], r.handover_org_id, ""
            role = RecipientRole.TEAM_LEAD
        if role == RecipientRole.TEAM_LEAD:
            if r.organisation_id and self.team_leads.get(r.organisation_id):
                return role, self.team_leads[r.organisation_id], r.organisation_id, ""
            leads = self.dept_leads.get(r.territory_id, [])
            return role, leads, (leads[0].organisation_id if leads else None), ""
        if role == RecipientRole.ORIENTATION_TEAM:
            officers = self.officers.get(r.territory_id, [])
            return role, officers, (officers[0].organisation_id if officers else None), ""
        if role == RecipientRole.PARTNER_CONTACT:
            request = self.partner_requests.get(int(r.ref)) if r.ref.isdigit() else None
            if request is not None:
                return role, [], request[0], request[1]
        return role, [], None, ""


def _link_maker():
    """`messages.pathway_link` without a `reverse()` per row (a sentinel id, replaced)."""
    sentinel = 987654321
    template = messages.pathway_link(sentinel)
    return lambda pathway_id: template.replace(str(sentinel), str(pathway_id))


def _alert_batch_fast(level: str, recipient_field: str, deadline_ids: list[int], now: dt.datetime) -> tuple[int, int]:
    rows = [
        _Row(*t[:5], t[5] or RecipientRole.REFERENT, *t[6:])
        for t in Deadline.objects.filter(pk__in=deadline_ids).values_list(
            "id",
            "pathway_id",
            "rule_code",
            "ref",
            "due_on",
            f"rule__{recipient_field}",
            "pathway__referent_id",
            "pathway__handover_to_id",
            "pathway__handover_to__organisation_id",
            "pathway__organisation_id",
            "pathway__territory_id",
        )
    ]
    recipients = _FastRecipients(rows)
    resolved = {}
    cols = ([], [], [], [], [], [], [])
    for r in rows:
        role, pros, org_id, email = recipients.resolve(r)
        resolved[r.pk] = (r, pros, email)
        recipient_id = pros[0].pk if len(pros) == 1 else None
        values = (r.pk, r.pathway_id, r.rule_code, r.due_on, role, recipient_id, org_id)
        for col, value in zip(cols, values, strict=True):
            col.append(value)
    with connection.cursor() as cur:
        cur.execute(_ALERT_INSERT, [level, now, *cols])
        fresh = cur.fetchall()
    link = _link_maker()
    notes = ([], [], [], [], [], [], [], [], [])
    for alert_id, deadline_id in fresh:
        r, pros, email = resolved[deadline_id]
        subject, body = messages.alert_message(r.rule_code, level, r.due_on, r.pathway_id)
        for pro in pros:
            row = (pro.pk, "", Notification.Event.ALERT, alert_id, r.pathway_id, subject, body, link(r.pathway_id))
            for col, value in zip(notes, (*row, pro.email_status()), strict=True):
                col.append(value)
        if email:
            row = (
                None,
                email,
                Notification.Event.PARTNER_REMINDER,
                alert_id,
                r.pathway_id,
                "Fil rouge — relance : merci d'accuser réception d'une demande",
                "Une demande vous a été adressée et attend votre accusé de réception.",
                messages.partner_ack_link(int(r.ref), now=now),
            )
            for col, value in zip(notes, (*row, outbox.email_status_for(None, email)), strict=True):
                col.append(value)
    note_ids = []
    if notes[0]:
        with connection.cursor() as cur:
            cur.execute(_NOTIFICATION_INSERT, [now, *notes])
            note_ids = [i for (i,) in cur.fetchall()]
    outbox.dispatch_after_commit(note_ids)
    return len(fresh), len(note_ids)


def sweep_deadlines(*, now: dt.datetime, batch_size: int = BATCH_SIZE) -> dict:
    """Create the alerts due at `now` and resolve the stale ones; return counts per level.

    Per level, the deadlines owing an alert are found once (one anti-join over the partial
    index), then handled in keyset order by batches of `batch_size`, each in its own
    transaction: the rows are locked with SKIP LOCKED and re-checked (still open), so a
    concurrent sweep skips them; the alert insert ignores conflicts, so one that already
    committed them makes this one create nothing. Finding the work once keeps a run linear:
    re-running the anti-join per batch re-reads every alert each time.
    On PostgreSQL, JIT is off for these short queries (the planner overestimates the due
    rows and would spend a second compiling), and the batch is written with
    INSERT ... SELECT FROM unnest(...) ... RETURNING instead of model instances.
    """
    today = timezone.localdate(now)
    result = {"now": now.isoformat(), "today": today.isoformat()}
    postgres = connection.vendor == "postgresql"
    alert_batch = _alert_batch_fast if postgres else _alert_batch
    notifications = 0
    for level, field, recipient_field in LEVELS:
        created = 0
        with transaction.atomic():
            if postgres:
                with connection.cursor() as cur:
                    cur.execute("SET LOCAL jit = off")
            due = list(due_for_level(level, field, today).order_by(field, "id").values_list("id", flat=True))
        for start in range(0, len(due), batch_size):
            with transaction.atomic():
                if postgres:
                    with connection.cursor() as cur:
                        cur.execute("SET LOCAL jit = off")
                batch = list(
                    Deadline.objects.filter(pk__in=due[start : start + batch_size], status=DeadlineStatus.OPEN)
                    .order_by(field, "id")
                    .select_for_update(skip_locked=True)
                    .values_list("id", flat=True)
                )
                if batch:
                    n_alerts, n_notes = alert_batch(level, recipient_field, batch, now)
                    created += n_alerts
                    notifications += n_notes
        result[level] = created
    result["resolved"] = alerts_resolve_stale(now=now)
    result["notifications"] = notifications
    return result
