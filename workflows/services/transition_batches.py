"""The transition door for many pathways at once: the same transition, its checks, rows and
effects for each (`transitions.transition_apply`), with what can be shared done once — and for
a closure, its effects for the whole batch in a few statements (`_close_many`, the rows of
`transitions._close` for each pathway, which `tests/workflows/test_transition_batches.py` checks)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, DateField, Value, When

from casework.audit import acting_as
from casework.enums import DeadlineStatus, HandoverStatus
from casework.models import Deadline, Handover, Pathway, ReferentPeriod
from casework.services import deadlines as dl
from notifications.services.alerts import alerts_resolve_for_pathways
from workflows.flows.sync import tasks_sync_mark
from workflows.tasks import followup_after_commit

from .errors import TransitionError, TransitionInvalid
from .transitions import (
    LOCKED_RELATIONS,
    Ctx,
    transition_apply,
    transition_check,
    transition_input_check,
    transition_record,
)


def _close_many(closed: list[Ctx], *, now: dt.datetime) -> None:
    """`transitions._close` for many pathways: their live clocks cancelled, their proposed
    handovers cancelled, their referent's period ended — an UPDATE per kind of row, each row
    taking its own pathway's day — then the alerts of the pathways whose clocks closed resolved,
    as `transition_apply` does."""
    ids = [c.pathway.pk for c in closed]
    with_clocks = sorted(
        set(Deadline.objects.filter(pathway_id__in=ids, status__in=dl.LIVE).values_list("pathway_id", flat=True))
    )
    day = Case(*(When(pathway_id=c.pathway.pk, then=Value(c.occurred_on)) for c in closed), output_field=DateField())
    Deadline.objects.filter(pathway_id__in=ids, status__in=dl.LIVE).update(
        status=DeadlineStatus.CANCELLED, closed_on=day, suspended_on=None
    )
    Handover.objects.filter(pathway_id__in=ids, status=HandoverStatus.PROPOSED).update(
        status=HandoverStatus.CANCELLED, decided_on=day
    )
    ReferentPeriod.objects.filter(pathway_id__in=ids, ended_on__isnull=True).update(ended_on=day)
    if with_clocks:
        alerts_resolve_for_pathways(with_clocks, now=now)


# The transitions whose effects have a form for many pathways at once.
EFFECTS_MANY: dict[str, Callable[..., None]] = {"close": _close_many}


@dataclass(frozen=True)
class Move:
    """One pathway's part of a batch of the same transition."""

    pathway_id: int
    occurred_on: dt.date
    params: dict = field(default_factory=dict)
    reason: str = ""


def pathways_transition(name: str, moves: Sequence[Move], *, by, now: dt.datetime) -> list[Pathway | TransitionError]:
    """`pathway_transition` for many pathways (the payers' flux closes thousands at once): the
    same checks, rows and effects for each, the pathways locked in one statement (in id order),
    their tasks marked in one and their follow-ups gathered. Each move's result is its pathway,
    or the error `pathway_transition` would raise for it (nothing written for that move). An
    error after a move's first write propagates: the caller's transaction is rolled back whole.
    """
    ids = sorted({m.pathway_id for m in moves})
    results: list[Pathway | TransitionError] = []
    with transaction.atomic(), acting_as(by), dl.delay_rules_cached():
        locked = Pathway.objects.select_for_update(of=("self",)).select_related(*LOCKED_RELATIONS)
        pathways = {p.pk: p for p in locked.filter(pk__in=ids).order_by("pk")}
        done, notified, recorded = [], [], []
        for move in moves:
            pathway, params = pathways.get(move.pathway_id), dict(move.params)
            try:
                if pathway is None:
                    raise TransitionInvalid("Parcours introuvable.")
                transition_check(pathway, name, by)
                transition_input_check(
                    pathway, name, occurred_on=move.occurred_on, reason=move.reason, params=params, now=now
                )
            except TransitionError as exc:
                results.append(exc)
                continue
            kwargs = {"by": by, "occurred_on": move.occurred_on, "now": now, "reason": move.reason, "params": params}
            if name in EFFECTS_MANY:
                recorded.append(transition_record(pathway, name, **kwargs))
            else:
                notified += transition_apply(pathway, name, **kwargs)
            done.append(pathway.pk)
            results.append(pathway)
        if recorded:
            EFFECTS_MANY[name](recorded, now=now)
        if done:
            tasks_sync_mark(*done, now=now)
            followup_after_commit(done, notified)
    return results
