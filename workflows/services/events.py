"""Events that are not state transitions but move clocks: entry, contacts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from casework.audit import acting_as
from casework.enums import ContactOutcome, DeadlineStatus, RuleCode
from casework.models import Beneficiary, Contact, Contract, Deadline, Pathway, Territory, TransitionLog
from casework.services import deadlines as dl
from casework.validation import birth_date_check, date_window_check, pathway_date_check
from notifications.services.alerts import alerts_resolve_for_pathway
from workflows.flows.sync import tasks_sync_mark
from workflows.tasks import followup_after_commit

ENTRY = "enter"
CHUNK = 500  # rows per INSERT of a batch of entries (under SQLite's parameter limit)


@dataclass
class Entry:
    """One person entering: a new person (`beneficiary_data`) or one already known (`beneficiary`,
    whose pathways are all closed); `pathway_data` sets the entry's own facts (the previous
    pathway, a transfer's origin, a suggested referent), `log_params` what the journal says of
    its origin (a flux import)."""

    entered_on: dt.date
    beneficiary: Beneficiary | None = None
    beneficiary_data: dict | None = None
    pathway_data: dict = field(default_factory=dict)
    log_params: dict = field(default_factory=dict)


def entry_check(entry: Entry, *, today: dt.date) -> None:
    """Refuse (`ValidationError`, field-keyed) a birth date or an entry outside the accepted window."""
    birth_date = (
        entry.beneficiary.birth_date if entry.beneficiary is not None else entry.beneficiary_data["birth_date"]
    )
    birth_date_check(birth_date, on=entry.entered_on)
    date_window_check(
        entry.entered_on, today=today, label="La date d'entrée", field="entered_on", birth_date=birth_date
    )


def pathway_enter(
    *,
    beneficiary_data: dict | None = None,
    entered_on: dt.date,
    by,
    now: dt.datetime,
    beneficiary: Beneficiary | None = None,
    pathway_data: dict | None = None,
    log_params: dict | None = None,
) -> Pathway:
    """Create the beneficiary (unless known) and their pathway in `orientation`, with its
    orientation clock: `pathways_enter` for one person."""
    entry = Entry(entered_on, beneficiary, beneficiary_data, pathway_data or {}, log_params or {})
    (pathway,) = pathways_enter([entry], by=by, now=now)
    return pathway


def pathways_enter(entries: Sequence[Entry], *, by, now: dt.datetime) -> list[Pathway]:
    """The entry door: each person's pathway in `orientation` with its journal row, its audit
    rows, its orientation clock and its tasks to sync — a statement per kind of row for the
    whole batch (the payers' flux enters thousands at once), one follow-up after the commit.

    Checks every entry first (`entry_check`): one refused entry refuses the batch, nothing written.
    """
    today = timezone.localdate(now)
    for entry in entries:
        entry_check(entry, today=today)
    actor = by if getattr(by, "pk", None) else None
    with transaction.atomic(), acting_as(by), dl.delay_rules_cached():  # the audit trail records who
        new = [Beneficiary(**e.beneficiary_data) for e in entries if e.beneficiary is None]
        bulk_create_with_history(new, Beneficiary, batch_size=CHUNK)
        created = iter(new)
        people = [e.beneficiary if e.beneficiary is not None else next(created) for e in entries]
        territories = Territory.objects.in_bulk({b.territory_id for b in people})
        pathways = [
            Pathway(beneficiary=b, territory=territories[b.territory_id], entered_on=e.entered_on, **e.pathway_data)
            for e, b in zip(entries, people, strict=True)
        ]
        bulk_create_with_history(pathways, Pathway, batch_size=CHUNK)
        TransitionLog.objects.bulk_create(
            [
                TransitionLog(
                    pathway=p,
                    transition=ENTRY,
                    from_state="",
                    to_state=p.state,
                    occurred_on=p.entered_on,
                    recorded_at=now,
                    by=actor,
                    params=e.log_params,
                )
                for e, p in zip(entries, pathways, strict=True)
            ],
            batch_size=CHUNK,
        )
        dl.deadlines_open_new(((p, p.entered_on) for p in pathways), RuleCode.ORIENTATION)
        # Their orientation tasks follow, as after a transition.
        ids = [p.pk for p in pathways]
        tasks_sync_mark(*ids, now=now)
        followup_after_commit(ids, [])
    return pathways


def pathway_payer_suspension_record(pathway_id: int, *, suspended_on: dt.date | None, by, now: dt.datetime) -> Pathway:
    """Record (a date) or lift (None) the payer's suspension of the allowance on an open pathway:
    `pathways_payer_suspension_record` for one pathway."""
    (pathway,) = pathways_payer_suspension_record({pathway_id: suspended_on}, by=by, now=now)
    return pathway


def pathways_payer_suspension_record(changes: dict[int, dt.date | None], *, by, now: dt.datetime) -> list[Pathway]:
    """Record (a date) or lift (None) the payer's suspension of the allowance, per pathway id.

    The referent sees it on the pathway page; no clock changes (the person is still accompanied:
    this is the payer's decision, not the pathway's `suspend` transition). Audited like any
    change (a historical row each); one UPDATE for the batch (the payers' flux).
    """
    with transaction.atomic(), acting_as(by):
        locked = list(Pathway.objects.select_for_update(of=("self",)).filter(pk__in=list(changes)).order_by("pk"))
        moved = timezone.now()
        for pathway in locked:
            pathway.payer_suspended_on, pathway.updated_at = changes[pathway.pk], moved
        bulk_update_with_history(locked, Pathway, ["payer_suspended_on", "updated_at"], batch_size=CHUNK)
    return locked


def contact_record(
    pathway: Pathway,
    *,
    occurred_on: dt.date,
    kind: str,
    outcome: str,
    by,
    now: dt.datetime,
    aspir: bool = False,
    comment: str = "",
) -> Contact:
    """Record a contact; a held one meets the first appointment and restarts the gap clock.

    A missed appointment changes no clock: the contact gap runs from the last *held* contact.
    A date outside the pathway (before its entry, ...) is refused with a `ValidationError`.
    """
    pathway_date_check(
        pathway, occurred_on, today=timezone.localdate(now), label="La date du contact", field="occurred_on"
    )
    with transaction.atomic(), dl.delay_rules_cached():  # the delay rules read once
        locked = (
            Pathway.objects.select_for_update(of=("self",))
            .select_related("territory", "beneficiary")
            .get(pk=pathway.pk)
        )
        contact = Contact.objects.create(
            pathway=locked,
            occurred_on=occurred_on,
            kind=kind,
            outcome=outcome,
            aspir=aspir,
            comment=comment,
            recorded_by=by if getattr(by, "pk", None) else None,
            recorded_at=now,
        )
        if outcome == ContactOutcome.HELD and locked.is_open:
            first = Deadline.objects.filter(
                pathway=locked, rule_code=RuleCode.FIRST_APPOINTMENT, status=DeadlineStatus.OPEN
            ).first()
            if first is not None and occurred_on >= first.starts_on:
                dl.deadline_meet(locked, [RuleCode.FIRST_APPOINTMENT], on=occurred_on)
            if locked.referent_id is not None:
                dl.contact_gap_restart(locked, held_on=occurred_on)
            if aspir:
                contract = Contract.objects.filter(pathway=locked, aspir=True).order_by("-signed_on").first()
                if contract is not None:
                    dl.aspir_next(locked, aspir_started_on=contract.starts_on, last_interview_on=occurred_on)
        alerts_resolve_for_pathway(locked.pk, now=now)
    return contact
