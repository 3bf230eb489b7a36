"""The transition door for many pathways at once: the same transition, its checks, rows and
effects for each (`transitions.transition_apply`), with what can be shared done once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import transaction

from casework.audit import acting_as
from casework.models import Pathway
from casework.services import deadlines as dl
from workflows.flows.sync import tasks_sync_mark
from workflows.tasks import followup_after_commit

from .errors import TransitionError, TransitionInvalid
from .transitions import LOCKED_RELATIONS, transition_apply, transition_check, transition_input_check


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
        done, notified = [], []
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
            notified += transition_apply(
                pathway, name, by=by, occurred_on=move.occurred_on, now=now, reason=move.reason, params=params
            )
            done.append(pathway.pk)
            results.append(pathway)
        if done:
            tasks_sync_mark(*done, now=now)
            followup_after_commit(done, notified)
    return results
