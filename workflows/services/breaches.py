"""The one write door of the breach procedure (`workflows.flows.breaches` tells the steps).

Each step: one transaction; the breach row locked (`SELECT … FOR UPDATE`) and its state checked
again under the lock (a second decider gets a 409, never a second decision); the input checked
by `casework.breach_rules` (400 with the field's French message, nothing written); the FSM
method (fields only); then its named effects — the observation clock, the payer line, the
viewflow task of the node. Errors are the transition service's (`workflows.services.errors`),
each mapped to one HTTP status by the pages.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from casework import breach_rules as rules
from casework import permissions
from casework.audit import acting_as
from casework.enums import BreachOutcome, BreachState, PayerLineKind, RuleCode
from casework.models import Breach, Pathway, PayerLine
from casework.services import deadlines as dl
from notifications.services.alerts import alerts_resolve_for_pathway
from workflows.flows.breaches import BreachFlow, breach_flow_start, breach_task_done

from .errors import TransitionConflict, TransitionForbidden, TransitionInvalid

B = BreachState


def _ref(breach: Breach) -> str:
    return f"breach-{breach.pk}"


def _invalid(exc: ValidationError) -> TransitionInvalid:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return TransitionInvalid(" ".join(m for ms in errors.values() for m in ms), errors)


def _locked(breach_id: int) -> Breach:
    return (
        Breach.objects.select_for_update(of=("self",))
        .select_related("pathway__beneficiary", "pathway__territory")
        .get(pk=breach_id)
    )


def _clock_close(breach: Breach, *, on: dt.date, now: dt.datetime) -> None:
    """The observation window is over (observations in, or a decision taken): its clock is met."""
    if dl.deadline_meet(breach.pathway, [RuleCode.BREACH_OBSERVATIONS], on=on, ref=_ref(breach)):
        alerts_resolve_for_pathway(breach.pathway_id, now=now)


def _payer_line(breach: Breach, kind: str, *, on: dt.date, now: dt.datetime) -> None:
    PayerLine.objects.create(breach=breach, kind=kind, event_on=on, created_at=now)


def breach_record(pathway_id: int, *, by, kind: str, facts: str, occurred_on: dt.date, now: dt.datetime) -> Breach:
    """The referent records a breach: the letter is produced that day and the window opens."""
    today = timezone.localdate(now)
    with transaction.atomic(), acting_as(by), dl.delay_rules_cached():
        pathway = (
            Pathway.objects.select_for_update(of=("self",))
            .select_related("territory", "beneficiary")
            .get(pk=pathway_id)
        )
        if not permissions.can_record_breach(pathway, by):
            raise TransitionForbidden(
                "Seul le référent du parcours (ou son responsable) peut constater un manquement."
            )
        try:
            rules.breach_record_check(pathway, occurred_on=occurred_on, today=today)
        except ValidationError as exc:
            raise _invalid(exc) from exc
        breach = Breach(
            pathway=pathway, kind=kind, facts=facts, occurred_on=occurred_on, recorded_by=by, recorded_at=now,
            informed_on=today, observation_due_on=today,
        )  # fmt: skip
        breach.save()
        deadline = dl.deadline_open(
            pathway, RuleCode.BREACH_OBSERVATIONS, starts_on=today, ref=_ref(breach), restart=False
        )
        if deadline is None:
            raise TransitionInvalid(
                "Aucune règle de délai d'observations n'est en vigueur : un administrateur doit en définir une."
            )
        Breach.objects.filter(pk=breach.pk).update(observation_due_on=deadline.due_on)
        breach.observation_due_on = deadline.due_on
        breach_flow_start(breach)
    return breach


def breach_observations_record(breach_id: int, *, by, text: str, on: dt.date, now: dt.datetime) -> Breach:
    """The person's observations (received by the referent): the decision may be taken at once."""
    with transaction.atomic(), acting_as(by):
        breach = _locked(breach_id)
        if not permissions.can_follow_breach(breach, by):
            raise TransitionForbidden("Seul le référent du parcours (ou son responsable) enregistre les observations.")
        if breach.state != B.OBSERVATIONS or breach.observations_on is not None:
            raise TransitionConflict("Les observations sont déjà enregistrées, ou la décision est prise.")
        try:
            rules.step_date_check(
                breach, on, today=timezone.localdate(now), field="observations_on", label="La date des observations"
            )
        except ValidationError as exc:
            raise _invalid(exc) from exc
        breach.observations, breach.observations_on = text, on
        breach.save(update_fields=["observations", "observations_on"])
        _clock_close(breach, on=on, now=now)
        breach_task_done(breach, BreachFlow.observe, by)
    return breach


def breach_opinion_record(breach_id: int, *, by, text: str, on: dt.date, now: dt.datetime) -> Breach:
    """The équipe pluridisciplinaire's opinion (optional), before the decision."""
    with transaction.atomic(), acting_as(by):
        breach = _locked(breach_id)
        if not (permissions.can_follow_breach(breach, by) or permissions.may_decide_breaches(by)):
            raise TransitionForbidden("Vous ne pouvez pas enregistrer l'avis de l'équipe pluridisciplinaire.")
        if breach.state != B.OBSERVATIONS:
            raise TransitionConflict("La décision est déjà prise : l'avis ne peut plus être ajouté.")
        try:
            rules.step_date_check(
                breach, on, today=timezone.localdate(now), field="team_opinion_on", label="La date de l'avis"
            )
        except ValidationError as exc:
            raise _invalid(exc) from exc
        breach.team_opinion, breach.team_opinion_on = text, on
        breach.save(update_fields=["team_opinion", "team_opinion_on"])
    return breach


def _decision_apply(breach: Breach, *, by, on, today, outcome, reason, rate, months, starts_on, single_parent) -> None:
    """Check the decision against the window and the caps, then set the breach's fields."""
    rules.step_date_check(breach, on, today=today, field="decided_on", label="La date de la décision")
    rules.decision_window_check(breach, on=on)
    breach.household_size = breach.pathway.beneficiary.household_size
    breach.single_parent_increase = single_parent
    if outcome == BreachOutcome.NO_SANCTION:
        breach.decide_no_sanction(by=by, on=on, reason=reason)
        return
    caps = rules.decision_caps_check(breach, rate=rate, months=months, single_parent_increase=single_parent)
    starts_on = starts_on or on
    if starts_on < on:
        raise ValidationError({"suspension_starts_on": ["La suspension ne peut commencer avant la décision."]})
    breach.cap_rule, breach.is_repeat = caps.rule, caps.is_repeat
    breach.decide_suspension(
        by=by, on=on, reason=reason, rate=rate, months=months, starts_on=starts_on,
        ends_on=rules.suspension_end(starts_on, months),
    )  # fmt: skip


def breach_decide(
    breach_id: int,
    *,
    by,
    outcome: str,
    on: dt.date,
    now: dt.datetime,
    reason: str = "",
    rate: int | None = None,
    months: int | None = None,
    starts_on: dt.date | None = None,
    single_parent_increase: bool = False,
) -> Breach:
    """A professional with the right decides: no sanction, or a suspension within the caps."""
    today = timezone.localdate(now)
    with transaction.atomic(), acting_as(by):
        breach = _locked(breach_id)
        if not permissions.may_decide_breaches(by):
            raise TransitionForbidden(
                "Décision réservée aux professionnels habilités (président du conseil départemental ou délégataire)."
            )
        if by.pk == breach.recorded_by_id:
            raise TransitionForbidden(
                "Vous avez constaté ce manquement : la décision revient à un autre professionnel habilité."
            )
        if breach.state != B.OBSERVATIONS:
            raise TransitionConflict(f"Ce manquement est déjà décidé ({breach.get_state_display().lower()}).")
        try:
            _decision_apply(
                breach, by=by, on=on, today=today, outcome=outcome, reason=reason, rate=rate, months=months,
                starts_on=starts_on, single_parent=single_parent_increase,
            )  # fmt: skip
        except ValidationError as exc:
            raise _invalid(exc) from exc
        breach.save()
        _clock_close(breach, on=on, now=now)
        _payer_line(breach, PayerLineKind.DECISION, on=on, now=now)
        breach_task_done(breach, BreachFlow.observe, by)
        breach_task_done(breach, BreachFlow.decide, by)
    return breach


def breach_remobilise(breach_id: int, *, by, on: dt.date, note: str, now: dt.datetime) -> Breach:
    """The person re-engaged during the suspension: it is lifted, the suspended sums paid back."""
    with transaction.atomic(), acting_as(by):
        breach = _locked(breach_id)
        if not permissions.can_follow_breach(breach, by):
            raise TransitionForbidden("Seul le référent du parcours (ou son responsable) constate la remobilisation.")
        if breach.state not in (B.SUSPENDED, B.ENDED):
            raise TransitionConflict("Aucune suspension en cours sur ce manquement.")
        try:
            rules.remobilisation_check(breach, on=on, today=timezone.localdate(now))
        except ValidationError as exc:
            raise _invalid(exc) from exc
        breach.remobilise(by=by, on=on, note=note)
        breach.save()
        _payer_line(breach, PayerLineKind.LIFT, on=on, now=now)
        breach_task_done(breach, BreachFlow.follow, by)
    return breach
