"""Caseload balancing: bulk reassignment through proper handovers, and temporary delegations.

A bulk reassignment is N handovers, each through the one transition door
(`pathway_transition(..., "propose_handover")`): the outgoing referent stays responsible
until the incoming one accepts, the acceptance clock starts, the incoming referent is told.
Each pathway is its own transaction: one refusal (a handover already pending, a pathway
closed meanwhile) does not undo the others, and is reported.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction

from casework.models import Delegation, Professional
from casework.validation import delegation_dates_check

from .errors import TransitionError
from .transitions import pathway_transition


@dataclass
class ReassignResult:
    proposed: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


def caseload_reassign(
    pathway_ids: list[int],
    *,
    incoming: Professional,
    by,
    note: str,
    occurred_on: dt.date,
    now: dt.datetime,
) -> ReassignResult:
    """Propose a handover of each pathway to `incoming`. Callers scope `pathway_ids` first."""
    result = ReassignResult()
    for pk in pathway_ids:
        try:
            pathway_transition(
                pk,
                "propose_handover",
                by=by,
                occurred_on=occurred_on,
                now=now,
                reason=note,
                params={"incoming": incoming, "note": note},
            )
        except TransitionError as exc:
            result.failed[pk] = exc.message
        else:
            result.proposed.append(pk)
    return result


class DelegationOverlap(Exception):
    pass


def delegation_create(
    *,
    referent: Professional,
    delegate: Professional,
    starts_on: dt.date,
    ends_on: dt.date,
    by,
    today: dt.date | None = None,
) -> Delegation:
    """Declare an absence: `delegate` sees and acts on `referent`'s pathways; `referent` stays of record.

    Refuses a second delegation of the same referent to the same delegate on overlapping days, and
    dates outside the accepted window (`casework.validation`, checked against `today` when given).
    """
    if today is not None:
        delegation_dates_check(starts_on, ends_on, today=today)
    with transaction.atomic():
        Professional.objects.select_for_update().filter(pk=referent.pk).first()
        if Delegation.objects.filter(
            referent=referent, delegate=delegate, starts_on__lte=ends_on, ends_on__gte=starts_on
        ).exists():
            raise DelegationOverlap("Une délégation à cette personne couvre déjà tout ou partie de ces dates.")
        return Delegation.objects.create(
            referent=referent,
            delegate=delegate,
            starts_on=starts_on,
            ends_on=ends_on,
            created_by=by if getattr(by, "pk", None) else None,
        )
