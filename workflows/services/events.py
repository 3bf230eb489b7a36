"""Events that are not state transitions but move clocks: entry, contacts."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from casework.audit import acting_as
from casework.enums import ContactOutcome, DeadlineStatus, RuleCode
from casework.models import Beneficiary, Contact, Contract, Deadline, Pathway, TransitionLog
from casework.services import deadlines as dl
from casework.validation import birth_date_check, date_window_check, pathway_date_check
from notifications.services.alerts import alerts_resolve_for_pathway
from workflows.flows.sync import tasks_sync_mark
from workflows.tasks import transition_followup_publish

ENTRY = "enter"


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
    """Create the beneficiary and their pathway in `orientation`, with its orientation clock.

    A person already known (`beneficiary`, whose pathways are all closed) enters again with a new
    pathway; `pathway_data` sets the entry's own facts (the previous pathway, a transfer's origin,
    a suggested referent) and `log_params` what the journal says of its origin (a flux import).
    Refuses (`ValidationError`, field-keyed) a birth date or an entry outside the accepted window.
    """
    today = timezone.localdate(now)
    birth_date = beneficiary.birth_date if beneficiary is not None else beneficiary_data["birth_date"]
    birth_date_check(birth_date, on=entered_on)
    date_window_check(entered_on, today=today, label="La date d'entrée", field="entered_on", birth_date=birth_date)
    with transaction.atomic(), acting_as(by):  # the audit trail records who
        if beneficiary is None:
            beneficiary = Beneficiary.objects.create(**beneficiary_data)
        pathway = Pathway.objects.create(
            beneficiary=beneficiary, territory=beneficiary.territory, entered_on=entered_on, **(pathway_data or {})
        )
        TransitionLog.objects.create(
            pathway=pathway,
            transition=ENTRY,
            from_state="",
            to_state=pathway.state,
            occurred_on=entered_on,
            recorded_at=now,
            by=by if getattr(by, "pk", None) else None,
            params=log_params or {},
        )
        dl.deadline_open(pathway, RuleCode.ORIENTATION, starts_on=entered_on)
        # Its orientation task follows, as after a transition.
        tasks_sync_mark(pathway.pk, now=now)
        transaction.on_commit(lambda: transition_followup_publish(pathway.pk, []))
    return pathway


def pathway_payer_suspension_record(pathway_id: int, *, suspended_on: dt.date | None, by, now: dt.datetime) -> Pathway:
    """Record (a date) or lift (None) the payer's suspension of the allowance on an open pathway.

    The referent sees it on the pathway page; no clock changes (the person is still accompanied:
    this is the payer's decision, not the pathway's `suspend` transition). Audited like any change.
    """
    with transaction.atomic(), acting_as(by):
        locked = Pathway.objects.select_for_update(of=("self",)).get(pk=pathway_id)
        locked.payer_suspended_on = suspended_on
        locked.save(update_fields=["payer_suspended_on", "updated_at"])
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
