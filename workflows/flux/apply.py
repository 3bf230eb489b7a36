"""What one line of a payer's file does, through the doors a person's action goes through.

Each person of the dossier is matched (`matching.person_match`), then one effect applies:
- an entry (`events.pathway_enter`: the orientation clock starts on the day the file was received),
  marked "transfert" when the dossier comes from another département, or linked to the previous
  pathway with its last referent suggested when the right reopens within 12 months;
- a closure (`transitions.pathway_transition(..., "close")`, as the payer's flux): "droit clos"
  when the right closed, "sortie du périmètre" when the person is no longer subject to rights and
  duties — exits, not ruptures; the door cancels the clocks and resolves the alerts;
- the payer's suspension of the allowance recorded on the pathway, or lifted (no clock changes);
- nothing ("sans changement"), or a doubtful match sent to the « À vérifier » queue.
The line's outcome is its strongest effect (`OUTCOME_PRIORITY`). The caller runs a line in one
transaction: an error in any person (a date refused by a door) rejects the whole line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from casework.enums import CloseReason, FluxOutcome, IdentityReviewOrigin, PathwayState, Public
from casework.models import Beneficiary, IdentityReview, Pathway, PayerAccount, ReferentPeriod, Territory
from casework.permissions import PAYER_FLUX
from workflows.flux.matching import Match, person_match
from workflows.flux.records import FluxPerson, FluxRecord, RightState
from workflows.services.events import pathway_enter, pathway_payer_suspension_record
from workflows.services.transitions import pathway_transition

Out = FluxOutcome
# The line's outcome when its people had several effects: the first in this order.
OUTCOME_PRIORITY = (
    Out.REJECTED,
    Out.TO_VERIFY,
    Out.CLOSURE,
    Out.EXIT,
    Out.REOPENING,
    Out.TRANSFER,
    Out.ENTRY,
    Out.SUSPENSION,
    Out.RESUMPTION,
    Out.UNCHANGED,
)
REOPENING_WINDOW = relativedelta(months=12)
UNKNOWN_CLOSURE = "Clôture du droit pour un dossier inconnu : aucune personne de ce dossier n'est suivie."


@dataclass(frozen=True)
class Run:
    """What every line of one import shares."""

    import_id: int
    received_on: dt.date
    territory: Territory
    by: object  # the user who ran the import, or None (command, drop folder)
    now: dt.datetime


@dataclass
class LineResult:
    outcome: str
    reason: str = ""
    pathway: Pathway | None = None
    review: IdentityReview | None = None
    effects: list[tuple[str, Pathway | None, IdentityReview | None]] = field(default_factory=list)


@dataclass(frozen=True)
class Person:
    """One person of the line, matched, with their open pathway (if any)."""

    record: FluxRecord
    data: FluxPerson
    match: Match
    open_pathway: Pathway | None


def _today(run: Run) -> dt.date:
    return timezone.localdate(run.now)


def _effective_on(record: FluxRecord, pathway: Pathway, run: Run) -> dt.date:
    """The day a payer's change applies: the date it sent, never before the entry nor after today."""
    day = record.right_state_on or run.received_on
    return min(max(day, pathway.entered_on), _today(run))


def _log_params(record: FluxRecord, run: Run) -> dict:
    return {"flux_import": run.import_id, "line": record.line_no}


def _person_update(person: Person, run: Run) -> None:
    """Keep what the payer says of a known person: their number, their NIR's hash, the household."""
    b, record = person.match.beneficiary, person.record
    PayerAccount.objects.get_or_create(beneficiary=b, payer=record.payer, allocation_number=record.allocation_number)
    changed = []
    if person.match.nir_hash and not b.nir_hash:
        b.nir_hash = person.match.nir_hash
        changed.append("nir_hash")
    if record.household_size and b.household_size != record.household_size:
        b.household_size = record.household_size
        changed.append("household_size")
    if changed:
        b.save(update_fields=changed)


def _close(person: Person, run: Run, reason: str) -> tuple[str, Pathway, None]:
    pathway = person.open_pathway
    pathway_transition(
        pathway.pk,
        "close",
        by=PAYER_FLUX,
        occurred_on=_effective_on(person.record, pathway, run),
        now=run.now,
        params={"close_reason": reason, **_log_params(person.record, run)},
    )
    outcome = Out.CLOSURE if reason == CloseReason.RIGHTS_CLOSED else Out.EXIT
    return outcome, pathway, None


def _previous(beneficiary: Beneficiary | None, run: Run) -> Pathway | None:
    """The last pathway, when it closed within 12 months of the file's receipt."""
    if beneficiary is None:
        return None
    last = beneficiary.pathways.filter(state=PathwayState.CLOSED).order_by("-closed_on", "-pk").first()
    if last is None or last.closed_on is None or last.closed_on < run.received_on - REOPENING_WINDOW:
        return None
    return last


def _last_referent_id(pathway: Pathway) -> int | None:
    period = ReferentPeriod.objects.filter(pathway=pathway).order_by("-started_on", "-pk").first()
    return period.professional_id if period is not None else pathway.referent_id


def _enter(person: Person, run: Run) -> tuple[str, Pathway, None]:
    record, data, b = person.record, person.data, person.match.beneficiary
    previous = _previous(b, run)
    pathway_data: dict = {"transfer_from": record.transfer_from}
    if previous is not None:
        pathway_data.update(previous=previous, suggested_referent_id=_last_referent_id(previous))
    if record.right_state == RightState.SUSPENDED:
        pathway_data["payer_suspended_on"] = min(record.right_state_on or run.received_on, _today(run))
    beneficiary_data = None
    if b is None:
        beneficiary_data = {
            "first_name": data.first_name,
            "last_name": data.last_name,
            "birth_date": data.birth_date,
            "territory": run.territory,
            "publics": [Public.RSA],
            "nir_hash": person.match.nir_hash,
            "household_size": record.household_size or 1,
        }
    pathway = pathway_enter(
        beneficiary_data=beneficiary_data,
        beneficiary=b,
        entered_on=run.received_on,
        by=run.by,
        now=run.now,
        pathway_data=pathway_data,
        log_params={
            **_log_params(record, run),
            **({"transfer_from": record.transfer_from} if record.transfer_from else {}),
        },
    )
    if b is None:
        PayerAccount.objects.create(
            beneficiary=pathway.beneficiary, payer=record.payer, allocation_number=record.allocation_number
        )
    outcome = Out.REOPENING if previous is not None else Out.TRANSFER if record.transfer_from else Out.ENTRY
    return outcome, pathway, None


def _payer_suspension(person: Person, run: Run) -> tuple[str, Pathway, None]:
    pathway, record = person.open_pathway, person.record
    if record.right_state == RightState.SUSPENDED and pathway.payer_suspended_on is None:
        on = _effective_on(record, pathway, run)
        recorded = pathway_payer_suspension_record(pathway.pk, suspended_on=on, by=run.by, now=run.now)
        return Out.SUSPENSION, recorded, None
    if record.right_state == RightState.OPEN and pathway.payer_suspended_on is not None:
        lifted = pathway_payer_suspension_record(pathway.pk, suspended_on=None, by=run.by, now=run.now)
        return Out.RESUMPTION, lifted, None
    return Out.UNCHANGED, pathway, None


def _review(person: Person, run: Run) -> tuple[str, None, IdentityReview]:
    """A doubtful match waits for an orientation officer; the NIR's hash stays out of it."""
    record, data = person.record, person.data
    review = IdentityReview.objects.create(
        candidate=person.match.beneficiary,
        territory=run.territory,
        requested_by=run.by if getattr(run.by, "pk", None) else None,
        requested_at=run.now,
        origin=IdentityReviewOrigin.FLUX,
        reason=person.match.doubt,
        request_data={
            "first_name": data.first_name,
            "last_name": data.last_name,
            "birth_date": data.birth_date.isoformat(),
            "territory": run.territory.code,
            "publics": [Public.RSA.value],
            "entered_on": run.received_on.isoformat(),
            "payer": record.payer,
            "allocation_number": record.allocation_number,
            "flux_import": run.import_id,
            "line": record.line_no,
        },
    )
    return Out.TO_VERIFY, None, review


Effect = tuple[str, Pathway | None, IdentityReview | None] | None


def _effect(person: Person, run: Run) -> Effect:
    """The decision table for one matched person (None: nothing concerns us)."""
    record, data, known = person.record, person.data, person.match.beneficiary
    if person.match.doubt:
        return _review(person, run)
    if known is not None:
        _person_update(person, run)
    if record.right_state == RightState.CLOSED:
        if person.open_pathway is not None:
            return _close(person, run, CloseReason.RIGHTS_CLOSED)
        return (Out.UNCHANGED, None, None) if known is not None else None
    if not data.subject_to_rights_and_duties:
        if person.open_pathway is not None:
            return _close(person, run, CloseReason.OUT_OF_SCOPE)
        return None
    if record.right_state == RightState.PENDING:
        return Out.UNCHANGED, person.open_pathway, None
    if person.open_pathway is not None:
        return _payer_suspension(person, run)
    return _enter(person, run)


def _person(record: FluxRecord, data: FluxPerson) -> Person:
    match = person_match(record.payer, record.allocation_number, data)
    open_pathway = None
    if match.found:
        open_pathway = match.beneficiary.pathways.exclude(state=PathwayState.CLOSED).first()
    return Person(record=record, data=data, match=match, open_pathway=open_pathway)


def line_apply(
    record: FluxRecord, run: Run, *, person: Callable[[FluxRecord, FluxPerson], Person] = _person
) -> LineResult:
    """Apply one dossier; the caller holds the transaction (and rolls it back on an exception)."""
    effects = [e for e in (_effect(person(record, data), run) for data in record.persons) if e is not None]
    if not effects:
        if record.right_state == RightState.CLOSED:
            return LineResult(Out.REJECTED, reason=UNKNOWN_CLOSURE)
        return LineResult(Out.UNCHANGED)
    outcome, pathway, review = min(effects, key=lambda e: OUTCOME_PRIORITY.index(e[0]))
    reason = review.reason if review is not None else ""
    return LineResult(outcome, reason=reason, pathway=pathway, review=review, effects=effects)
