"""The one door for every pathway transition: API, pages, viewflow tasks and imports use it.

`pathway_transition` locks the pathway row, checks that the transition can proceed from the
current state and that the user may perform it, applies it, appends the TransitionLog row,
updates the deadlines and the related rows, writes the notifications (outbox) and resolves
the alerts that no longer apply — all in one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm

from casework.audit import acting_as
from casework.engagement import default_contract_kind
from casework.enums import HandoverStatus, PathwayState, RuleCode
from casework.models import Contract, Handover, Pathway, Professional, ReferentPeriod, TransitionLog
from casework.services import deadlines as dl
from casework.services import engagement
from casework.statements import RowsInsert, RowsSelect, RowsUpdate, RowUpdate, pathway_transition_record
from casework.text_limits import HANDOVER_NOTE_MAX_LENGTH, REASON_MAX_LENGTH
from casework.validation import TRANSITION_DATE_PARAMS, dates_check, text_check
from notifications.models import Notification
from notifications.services import alerts as alert_service
from notifications.services import outbox
from workflows.flows.sync import tasks_sync_mark
from workflows.tasks import followup_after_commit

from .errors import TransitionConflict, TransitionForbidden, TransitionInvalid

# Every transition of the pathway's state machine, read from the FSM (never listed by hand).
TRANSITIONS = tuple(sorted({t.name for t in Pathway._meta.get_field("state").get_all_transitions(Pathway)}))

# The name of each transition for people (pages, errors, the state diagram); its keys are the
# FSM's transitions, which `tests/workflows/test_api_contract.py` checks.
TRANSITION_LABELS: dict[str, str] = {
    "orient": "Décider l'orientation",
    "assign_referent": "Désigner le référent",
    "propose_handover": "Proposer un passage de relais",
    "accept_handover": "Accepter le passage de relais",
    "refuse_handover": "Refuser le passage de relais",
    "sign_contract": "Enregistrer la signature du contrat",
    "request_reorientation": "Demander une réorientation",
    "decide_reorientation": "Décider la réorientation",
    "start_job": "Entrée en emploi ou formation",
    "end_followup": "Terminer le suivi dans l'emploi",
    "suspend": "Suspendre le parcours",
    "resume": "Reprendre le parcours",
    "close": "Clore le parcours",
    "reopen": "Rouvrir le parcours",
}


@dataclass
class Ctx:
    pathway: Pathway
    occurred_on: dt.date
    now: dt.datetime
    reason: str
    params: dict
    from_state: str
    old_referent_id: int | None
    old_organisation_id: int | None


def _json_params(params: dict) -> dict:
    out = {}
    for key, value in params.items():
        if hasattr(value, "pk"):
            out[key] = value.pk
        elif isinstance(value, dt.date):
            out[key] = value.isoformat()
        else:
            out[key] = value
    return out


_PERIOD_END = RowsUpdate(ReferentPeriod, ["ended_on"], where=("pathway_id",), where_null=("ended_on",))
_HANDOVERS_CANCEL = RowsUpdate(Handover, ["status", "decided_on"], where=("pathway_id", "status"))


def _referent_period_end(pathway: Pathway, on: dt.date) -> None:
    _PERIOD_END.update(pathway.pk, ended_on=on)


def _referent_period_start(pathway: Pathway, on: dt.date) -> None:
    _referent_period_end(pathway, on)
    ReferentPeriod.objects.create(pathway=pathway, professional_id=pathway.referent_id, started_on=on)


# --- effects of each transition (deadlines, related rows, notifications) ----------------

# The clocks a transition stops (the confirmation step of the pages counts them beforehand).
START_JOB_CANCELS = (
    RuleCode.CONTRACT,
    RuleCode.CONTRACT_RENEWAL,
    RuleCode.SOCIAL_TRACK_REVIEW,
    RuleCode.ASPIR_CADENCE,
)
END_FOLLOWUP_CANCELS = (RuleCode.IN_WORK_CHECKIN,)
REORIENTATION_ELSEWHERE_CANCELS = (RuleCode.FIRST_APPOINTMENT, RuleCode.HANDOVER_ACCEPTANCE)


def _orient(c: Ctx) -> list[int]:
    p, on = c.pathway, c.occurred_on
    dl.deadline_meet(p, [RuleCode.ORIENTATION], on=on)
    _referent_period_end(p, on)
    dl.deadline_open(p, RuleCode.REFERENT_ASSIGNMENT, starts_on=on)
    # A new orientation decision restarts the contract clock.
    dl.deadline_open(p, RuleCode.CONTRACT, starts_on=on)
    return outbox.notify_team_leads(p.organisation_id, Notification.Event.QUEUED, p, now=c.now)


def _assign_referent(c: Ctx) -> list[int]:
    p, on = c.pathway, c.occurred_on
    dl.deadline_meet(p, [RuleCode.REFERENT_ASSIGNMENT], on=on)
    _referent_period_start(p, on)
    dl.deadline_open(p, RuleCode.FIRST_APPOINTMENT, starts_on=on)
    if not p.deadlines.filter(rule_code=RuleCode.CONTACT_GAP, status__in=dl.LIVE).exists():
        dl.deadline_open(p, RuleCode.CONTACT_GAP, starts_on=on)
    return outbox.notify(
        [Professional.objects.select_related("user").get(pk=p.referent_id)], Notification.Event.ASSIGNED, p, now=c.now
    )


def _propose_handover(c: Ctx) -> list[int]:
    p = c.pathway
    (handover,) = _HANDOVER_INSERT.save(
        [
            Handover(
                pathway=p,
                outgoing_id=c.old_referent_id,
                incoming=c.params["incoming"],
                proposed_on=c.occurred_on,
                note=c.params.get("note", ""),
            )
        ]
    )
    dl.deadline_open(p, RuleCode.HANDOVER_ACCEPTANCE, starts_on=c.occurred_on, ref=str(handover.pk), restart=False)
    return outbox.notify([c.params["incoming"]], Notification.Event.HANDOVER_PROPOSED, p, now=c.now)


# The pending handover, locked, with its outgoing referent (notified of the answer).
_PENDING_HANDOVER = RowsSelect(
    Handover, related=("outgoing", "outgoing__user"), where=("pathway_id", "status"), lock=True
)
_HANDOVER_ANSWER = RowUpdate(Handover, ("status", "decided_on", "refusal_reason"))
_HANDOVER_INSERT = RowsInsert(Handover)


def _pending_handover(p: Pathway) -> Handover:
    return _PENDING_HANDOVER.get(p.pk, HandoverStatus.PROPOSED)


def _handover_answer(handover: Handover, status: str, on: dt.date, refusal_reason: str = "") -> None:
    handover.status, handover.decided_on, handover.refusal_reason = status, on, refusal_reason
    _HANDOVER_ANSWER.save(handover)


def _accept_handover(c: Ctx) -> list[int]:
    p, on = c.pathway, c.occurred_on
    handover = _pending_handover(p)
    _handover_answer(handover, HandoverStatus.ACCEPTED, on)
    dl.deadline_meet(p, [RuleCode.HANDOVER_ACCEPTANCE], on=on, ref=str(handover.pk))
    _referent_period_start(p, on)
    dl.deadline_open(p, RuleCode.FIRST_APPOINTMENT, starts_on=on)
    return outbox.notify([handover.outgoing], Notification.Event.HANDOVER_ACCEPTED, p, now=c.now)


def _refuse_handover(c: Ctx) -> list[int]:
    p, on = c.pathway, c.occurred_on
    handover = _pending_handover(p)
    _handover_answer(handover, HandoverStatus.REFUSED, on, c.reason)
    dl.deadline_meet(p, [RuleCode.HANDOVER_ACCEPTANCE], on=on, ref=str(handover.pk))
    return outbox.notify([handover.outgoing], Notification.Event.HANDOVER_REFUSED, p, now=c.now)


def _sign_contract(c: Ctx) -> None:
    p, on, params = c.pathway, c.occurred_on, c.params
    contract = Contract.objects.create(
        pathway=p,
        # Unnamed, the kind is the rule's for the signing day: a contrat d'engagement from 2025.
        kind=params.get("kind") or default_contract_kind(p, on),
        signed_on=on,
        starts_on=params["starts_on"],
        ends_on=params["ends_on"],
        extended_review_reason=params.get("extended_review_reason") or "",
        aspir=bool(params.get("aspir")),
    )
    engagement.engagement_contract_open(contract, now=c.now)
    dl.deadline_meet(p, [RuleCode.CONTRACT, RuleCode.CONTRACT_RENEWAL], on=on)
    dl.deadline_open(p, RuleCode.CONTRACT_RENEWAL, starts_on=contract.ends_on, due_on=contract.ends_on)
    if p.state == PathwayState.SOCIAL_TRACK:
        dl.deadline_meet(p, [RuleCode.SOCIAL_TRACK_REVIEW], on=on)
        dl.deadline_open(p, RuleCode.SOCIAL_TRACK_REVIEW, starts_on=on, extended=bool(contract.extended_review_reason))
    else:
        dl.deadline_cancel(p, [RuleCode.SOCIAL_TRACK_REVIEW], on=on)
    if contract.aspir:
        dl.aspir_next(p, aspir_started_on=contract.starts_on, last_interview_on=contract.starts_on)


def _decide_reorientation(c: Ctx) -> list[int] | None:
    p, on = c.pathway, c.occurred_on
    if not c.params.get("accepted"):
        return None
    dl.deadline_open(p, RuleCode.CONTRACT, starts_on=on)
    if p.organisation_id != c.old_organisation_id:
        _referent_period_end(p, on)
        dl.deadline_cancel(p, REORIENTATION_ELSEWHERE_CANCELS, on=on)
        _HANDOVERS_CANCEL.update(p.pk, HandoverStatus.PROPOSED, status=HandoverStatus.CANCELLED, decided_on=on)
        dl.deadline_open(p, RuleCode.REFERENT_ASSIGNMENT, starts_on=on)
        return outbox.notify_team_leads(p.organisation_id, Notification.Event.QUEUED, p, now=c.now)
    return None


def _start_job(c: Ctx) -> None:
    p, on = c.pathway, c.occurred_on
    dl.deadline_cancel(p, START_JOB_CANCELS, on=on)
    dl.in_work_checkins_open(p, job_started_on=on)


def _end_followup(c: Ctx) -> None:
    p, on = c.pathway, c.occurred_on
    dl.deadline_cancel(p, END_FOLLOWUP_CANCELS, on=on)
    if p.state == PathwayState.CLOSED:
        _close(c)


def _suspend(c: Ctx) -> None:
    p, on = c.pathway, c.occurred_on
    dl.deadlines_suspend(p, on=on)
    dl.deadline_open(p, RuleCode.SUSPENSION_END, starts_on=on, due_on=c.params["expected_resume_on"])


def _resume(c: Ctx) -> None:
    p, on = c.pathway, c.occurred_on
    dl.deadline_meet(p, [RuleCode.SUSPENSION_END], on=on)
    dl.deadlines_resume(p, on=on)


def _close(c: Ctx) -> None:
    p, on = c.pathway, c.occurred_on
    dl.deadline_cancel(p, None, on=on)
    _HANDOVERS_CANCEL.update(p.pk, HandoverStatus.PROPOSED, status=HandoverStatus.CANCELLED, decided_on=on)
    _referent_period_end(p, on)


def _reopen(c: Ctx) -> None:
    dl.deadline_open(c.pathway, RuleCode.ORIENTATION, starts_on=c.occurred_on)


# Each effect returns the ids of the notifications it wrote (or None): the transition's
# follow-up message carries them after commit.
EFFECTS: dict[str, Callable[[Ctx], list[int] | None]] = {
    "orient": _orient,
    "assign_referent": _assign_referent,
    "propose_handover": _propose_handover,
    "accept_handover": _accept_handover,
    "refuse_handover": _refuse_handover,
    "sign_contract": _sign_contract,
    "request_reorientation": lambda c: None,
    "decide_reorientation": _decide_reorientation,
    "start_job": _start_job,
    "end_followup": _end_followup,
    "suspend": _suspend,
    "resume": _resume,
    "close": _close,
    "reopen": _reopen,
}


_PATHWAY_FIELDS = [f for f in Pathway._meta.concrete_fields if not f.primary_key]


def _field_values(pathway: Pathway) -> dict[str, object]:
    return {f.name: getattr(pathway, f.attname) for f in _PATHWAY_FIELDS}


# The relations every transition reads: the deadline rules (territory, beneficiary's publics),
# the contract's target state (track), the handover guards (handover_to).
LOCKED_RELATIONS = ("territory", "beneficiary", "track", "handover_to")


_PATHWAY_LOCK = RowsSelect(Pathway, related=LOCKED_RELATIONS, where=("id",), lock=True)


def pathway_lock(pathway_id: int) -> Pathway:
    """The pathway row locked for update, with `LOCKED_RELATIONS` loaded as `select_related`
    would load them (a statement built once: the ORM compiled this 60-column, four-join SELECT
    on every transition, 0.86 ms of a transition's 5.3 ms of client CPU)."""
    return _PATHWAY_LOCK.get(pathway_id)


def _followup(pathway_id: int, notification_ids: list[int], *, now: dt.datetime) -> None:
    """The transition's last step: its pathway's viewflow tasks must follow (a pending row, in
    this transaction), and after commit one message asks the worker for that sync and the
    notifications' e-mails. If the message is lost, the drain and the re-dispatch find the rows."""
    tasks_sync_mark(pathway_id, now=now)
    followup_after_commit([pathway_id], notification_ids)


def transition_check(pathway: Pathway, name: str, user) -> None:
    """Raise the error a caller would get, without applying anything."""
    if name not in TRANSITIONS:
        raise TransitionInvalid("Transition inconnue.", {"transition": [f"« {name} » n'est pas une transition."]})
    method = getattr(pathway, name)
    if not can_proceed(method):
        # Read by people (pages, bulk actions, API clients): the action's name, not its code.
        raise TransitionConflict(
            f"« {TRANSITION_LABELS[name]} » n'est pas possible depuis l'état « {pathway.get_state_display()} »."
        )
    if not has_transition_perm(method, user):
        raise TransitionForbidden("Vous n'êtes pas autorisé à effectuer cette transition sur ce parcours.")


def transition_input_check(
    pathway: Pathway, name: str, *, occurred_on: dt.date, reason: str, params: dict, now: dt.datetime
) -> None:
    """The dates and texts every caller must respect (forms and serializers check them first):
    raise `TransitionInvalid` with field messages. A reopening moves the entry: its date is only
    bounded by the person's birth and the general window."""
    today = timezone.localdate(now)
    errors: dict[str, list[str]] = {}
    checks = [("occurred_on", occurred_on, "La date d'effet")]
    checks += [(key, params.get(key), label) for key, label in TRANSITION_DATE_PARAMS.items()]
    window = {"today": today, "birth_date": pathway.beneficiary.birth_date}
    if name != "reopen":
        window["entered_on"] = pathway.entered_on
    texts = [("reason", reason, REASON_MAX_LENGTH), ("note", params.get("note"), HANDOVER_NOTE_MAX_LENGTH)]
    try:
        dates_check(checks, **window)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    for field, value, max_length in texts:
        try:
            text_check(value or "", max_length=max_length, field=field)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        first = next(iter(errors.values()))[0]
        raise TransitionInvalid(first, errors)


def transition_record(
    pathway: Pathway, name: str, *, by, occurred_on: dt.date, now: dt.datetime, reason: str, params: dict
) -> Ctx:
    """The transition's FSM step on a locked, checked pathway, with its columns, audit and
    journal rows written; what its effects need."""
    ctx = Ctx(
        pathway=pathway,
        occurred_on=occurred_on,
        now=now,
        reason=reason,
        params=params,
        from_state=pathway.state,
        old_referent_id=pathway.referent_id,
        old_organisation_id=pathway.organisation_id,
    )
    before = _field_values(pathway)
    getattr(pathway, name)(occurred_on=occurred_on, **params)
    # Write the columns the transition changed (the state at least), not all 22.
    changed = [f for f, v in _field_values(pathway).items() if v != before[f]]
    log = TransitionLog(
        pathway=pathway,
        transition=name,
        from_state=ctx.from_state,
        to_state=pathway.state,
        occurred_on=occurred_on,
        recorded_at=now,
        by=by if getattr(by, "pk", None) else None,
        reason=reason,
        params=_json_params(params),
    )
    # The pathway's new columns, its audit row and this journal row: one statement on PostgreSQL.
    pathway_transition_record(pathway, changed, log)
    return ctx


def transition_apply(
    pathway: Pathway, name: str, *, by, occurred_on: dt.date, now: dt.datetime, reason: str, params: dict
) -> list[int]:
    """The transition on a locked, checked pathway: its rows (`transition_record`), its effects
    and its alerts resolved; the ids of the notifications it wrote."""
    with dl.deadlines_closed_counted() as closed:
        ctx = transition_record(pathway, name, by=by, occurred_on=occurred_on, now=now, reason=reason, params=params)
        notified = EFFECTS[name](ctx) or []
        if closed[0]:
            alert_service.alerts_resolve_for_pathway(pathway.pk, now=now)
    return notified


def pathway_transition(
    pathway_id: int,
    name: str,
    *,
    by,
    occurred_on: dt.date,
    now: dt.datetime,
    reason: str = "",
    params: dict | None = None,
) -> Pathway:
    """Apply transition `name` to the pathway; exactly one of two concurrent callers wins."""
    params = dict(params or {})
    try:
        # The audit trail records who; the delay rules are read once for the whole transition.
        with transaction.atomic(), acting_as(by), dl.delay_rules_cached():
            pathway = pathway_lock(pathway_id)
            transition_check(pathway, name, by)
            transition_input_check(pathway, name, occurred_on=occurred_on, reason=reason, params=params, now=now)
            notified = transition_apply(
                pathway, name, by=by, occurred_on=occurred_on, now=now, reason=reason, params=params
            )
            _followup(pathway.pk, notified, now=now)
    except ConcurrentTransition as exc:
        raise TransitionConflict(
            "Le parcours a été modifié en même temps par quelqu'un d'autre : rechargez-le."
        ) from exc
    except Pathway.DoesNotExist as exc:
        raise TransitionInvalid("Parcours introuvable.") from exc
    return pathway
