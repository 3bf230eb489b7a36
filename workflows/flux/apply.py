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
from collections.abc import Iterable
from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from casework.enums import CloseReason, FluxOutcome, IdentityReviewOrigin, PathwayState, Public
from casework.models import Beneficiary, IdentityReview, Pathway, PayerAccount, ReferentPeriod, Territory
from casework.permissions import PAYER_FLUX
from workflows.flux.matching import Match, person_match
from workflows.flux.records import FluxPerson, FluxRecord, RightState
from workflows.services.events import Entry, entry_check, pathway_enter, pathways_payer_suspension_record
from workflows.services.transition_batches import Move
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


Effect = tuple[str, Pathway | None, IdentityReview | None]


@dataclass
class LineResult:
    outcome: str
    reason: str = ""
    pathway: Pathway | None = None
    review: IdentityReview | None = None
    effects: list[Effect] = field(default_factory=list)


@dataclass(frozen=True)
class Person:
    """One person of the line, matched, with their open pathway (if any) and, when they could
    enter again, their last pathway closed within 12 months and its last referent."""

    record: FluxRecord
    data: FluxPerson
    match: Match
    open_pathway: Pathway | None
    previous: Pathway | None = None
    previous_referent_id: int | None = None


@dataclass(frozen=True)
class Action:
    """What one person's part of the line does (its outcome names it), decided before anything
    is written: a line applied alone runs it through the doors (`action_run`), a batch groups
    the actions of many lines by door (`workflows.flux.batch`)."""

    outcome: str
    person: Person
    close_reason: str = ""  # closures and exits
    suspended_on: dt.date | None = None  # a suspension recorded (None: lifted)
    entry: Entry | None = None  # entries, transfers and reopenings

    @property
    def pathway(self) -> Pathway | None:
        return self.person.open_pathway


def _today(run: Run) -> dt.date:
    return timezone.localdate(run.now)


def _effective_on(record: FluxRecord, pathway: Pathway, run: Run) -> dt.date:
    """The day a payer's change applies: the date it sent, never before the entry nor after today."""
    day = record.right_state_on or run.received_on
    return min(max(day, pathway.entered_on), _today(run))


def log_params(record: FluxRecord, run: Run) -> dict:
    return {"flux_import": run.import_id, "line": record.line_no}


def person_changes(person: Person) -> dict:
    """What the payer says of a known person that we do not hold yet: their NIR's hash, the household."""
    b, record, changes = person.match.beneficiary, person.record, {}
    if person.match.nir_hash and not b.nir_hash:
        changes["nir_hash"] = person.match.nir_hash
    if record.household_size and b.household_size != record.household_size:
        changes["household_size"] = record.household_size
    return changes


def _person_update(person: Person) -> None:
    """Keep what the payer says of a known person: their number, their NIR's hash, the household."""
    b, record = person.match.beneficiary, person.record
    PayerAccount.objects.get_or_create(beneficiary=b, payer=record.payer, allocation_number=record.allocation_number)
    changes = person_changes(person)
    if changes:
        for name, value in changes.items():
            setattr(b, name, value)
        b.save(update_fields=list(changes))


def _entry(person: Person, run: Run) -> Action:
    record, data, b = person.record, person.data, person.match.beneficiary
    previous = person.previous
    pathway_data: dict = {"transfer_from": record.transfer_from}
    if previous is not None:
        pathway_data.update(previous=previous, suggested_referent_id=person.previous_referent_id)
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
    entry = Entry(
        run.received_on,
        beneficiary=b,
        beneficiary_data=beneficiary_data,
        pathway_data=pathway_data,
        log_params={
            **log_params(record, run),
            **({"transfer_from": record.transfer_from} if record.transfer_from else {}),
        },
    )
    outcome = Out.REOPENING if previous is not None else Out.TRANSFER if record.transfer_from else Out.ENTRY
    return Action(outcome, person, entry=entry)


def _payer_suspension(person: Person, run: Run) -> Action:
    pathway, record = person.open_pathway, person.record
    if record.right_state == RightState.SUSPENDED and pathway.payer_suspended_on is None:
        return Action(Out.SUSPENSION, person, suspended_on=_effective_on(record, pathway, run))
    if record.right_state == RightState.OPEN and pathway.payer_suspended_on is not None:
        return Action(Out.RESUMPTION, person)
    return Action(Out.UNCHANGED, person)


def action_decide(person: Person, run: Run) -> Action | None:
    """The decision table for one matched person (None: nothing concerns us). Writes nothing."""
    record, data, known = person.record, person.data, person.match.beneficiary
    if person.match.doubt:
        return Action(Out.TO_VERIFY, person)
    if record.right_state == RightState.CLOSED:
        if person.open_pathway is not None:
            return Action(Out.CLOSURE, person, close_reason=CloseReason.RIGHTS_CLOSED)
        return Action(Out.UNCHANGED, person) if known is not None else None
    if not data.subject_to_rights_and_duties:
        if person.open_pathway is not None:
            return Action(Out.EXIT, person, close_reason=CloseReason.OUT_OF_SCOPE)
        return None
    if record.right_state == RightState.PENDING:
        return Action(Out.UNCHANGED, person)
    if person.open_pathway is not None:
        return _payer_suspension(person, run)
    return _entry(person, run)


def line_decide(people: Iterable[Person], run: Run) -> tuple[list[Person], list[Action]]:
    """The known people to update and the actions of one line. A refused entry (its date or
    birth date) raises `ValidationError`: the whole line is refused."""
    people = list(people)
    actions = [a for a in (action_decide(p, run) for p in people) if a is not None]
    for action in actions:
        if action.entry is not None:
            entry_check(action.entry, today=_today(run))
    return [p for p in people if p.match.found], actions


def close_move(action: Action, run: Run) -> Move:
    """A closure or an exit, as the payer's flux asks the transition door for it."""
    pathway, record = action.pathway, action.person.record
    params = {"close_reason": action.close_reason, **log_params(record, run)}
    return Move(pathway.pk, _effective_on(record, pathway, run), params)


def close_run(action: Action, run: Run) -> None:
    """A closure or an exit through the transition door, as the payer's flux."""
    move = close_move(action, run)
    pathway_transition(
        move.pathway_id, "close", by=PAYER_FLUX, occurred_on=move.occurred_on, now=run.now, params=move.params
    )


def review_row(action: Action, run: Run) -> IdentityReview:
    """A doubtful match waits for an orientation officer; the NIR's hash stays out of it."""
    person = action.person
    record, data = person.record, person.data
    return IdentityReview(
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


def line_result(record: FluxRecord, effects: list[Effect]) -> LineResult:
    """The line's outcome: its strongest effect (`OUTCOME_PRIORITY`, one effect per action), or a
    refusal for a closure of a dossier nobody of which we follow."""
    if not effects:
        if record.right_state == RightState.CLOSED:
            return LineResult(Out.REJECTED, reason=UNKNOWN_CLOSURE)
        return LineResult(Out.UNCHANGED)
    outcome, pathway, review = min(effects, key=lambda e: OUTCOME_PRIORITY.index(e[0]))
    reason = review.reason if review is not None else ""
    return LineResult(outcome, reason=reason, pathway=pathway, review=review, effects=effects)


def _action_run(action: Action, run: Run) -> Effect:
    if action.outcome == Out.TO_VERIFY:
        review = review_row(action, run)
        review.save(force_insert=True)
        return Out.TO_VERIFY, None, review
    if action.close_reason:
        close_run(action, run)
        return action.outcome, action.pathway, None
    if action.entry is not None:
        pathway = pathway_enter(**vars(action.entry), by=run.by, now=run.now)
        if action.person.match.beneficiary is None:
            PayerAccount.objects.create(
                beneficiary=pathway.beneficiary,
                payer=action.person.record.payer,
                allocation_number=action.person.record.allocation_number,
            )
        return action.outcome, pathway, None
    if action.outcome in (Out.SUSPENSION, Out.RESUMPTION):
        on = action.suspended_on
        (pathway,) = pathways_payer_suspension_record({action.pathway.pk: on}, by=run.by, now=run.now)
        return action.outcome, pathway, None
    return action.outcome, action.pathway, None


def _previous(beneficiary: Beneficiary | None, run: Run) -> Pathway | None:
    """The last pathway, when it closed within 12 months of the file's receipt."""
    if beneficiary is None:
        return None
    last = beneficiary.pathways.filter(state=PathwayState.CLOSED).order_by("-closed_on", "-pk").first()
    return last if reopens(last, run) else None


def reopens(last: Pathway | None, run: Run) -> bool:
    return last is not None and last.closed_on is not None and last.closed_on >= run.received_on - REOPENING_WINDOW


def _last_referent_id(pathway: Pathway | None) -> int | None:
    if pathway is None:
        return None
    period = ReferentPeriod.objects.filter(pathway=pathway).order_by("-started_on", "-pk").first()
    return period.professional_id if period is not None else pathway.referent_id


def _person(record: FluxRecord, data: FluxPerson, run: Run) -> Person:
    match = person_match(record.payer, record.allocation_number, data)
    open_pathway = previous = None
    if match.found:
        open_pathway = match.beneficiary.pathways.exclude(state=PathwayState.CLOSED).first()
        if open_pathway is None:
            previous = _previous(match.beneficiary, run)
    return Person(record, data, match, open_pathway, previous, _last_referent_id(previous))


def line_apply(record: FluxRecord, run: Run) -> LineResult:
    """Apply one dossier alone; the caller holds the transaction (and rolls it back on an exception)."""
    updates, actions = line_decide((_person(record, data, run) for data in record.persons), run)
    for person in updates:
        _person_update(person)
    effects = [_action_run(action, run) for action in actions]
    return line_result(record, effects)
