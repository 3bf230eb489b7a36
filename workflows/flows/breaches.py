"""The breach procedure as a viewflow flow, beside the pathway (never one of its states).

    start ─► observe ─► decide ─► suspended? ─ yes ─► follow ─► end
                                              └ no ──────────────► end

- `observe` (the recording referent's inbox): the person presents observations within the
  window (`breach_observations` rule, a deadline row with its alerts). Done when the
  observations are recorded, or by the decision once the window has elapsed.
- `decide` (the queue of professionals with `casework.decide_breach`, never the recorder).
- `follow` (the referent's inbox): the suspension runs; done by a remobilisation (the lift) or
  when the period ends (`breach_suspensions_end`).

As with the pathway flows, the breach row is the single truth and the flow follows it: each
step of `workflows.services.breaches` changes the breach, then completes the task of its node
in the name of its author (`breach_task_done`), in the same transaction. Breaches are rare, so
viewflow's bookkeeping stays inside the step's transaction (no outbox needed).

The import path of `BreachFlow` is stored by viewflow: do not move the class.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.shortcuts import redirect
from viewflow import this
from viewflow.utils import is_owner
from viewflow.workflow import STATUS, flow, lock
from viewflow.workflow.models import Task

from casework.enums import BreachState
from casework.models import Breach
from workflows.models import BreachProcess

from . import OPEN_TASK_STATUSES


def _breach_view(request, process_pk: int, task_pk: int, **kwargs):
    """Viewflow's URL for a task, should its frontend ever be mounted: the breach page."""
    process = BreachProcess.objects.get(pk=process_pk)
    return redirect("workspace:breach", process.breach_id)


class BreachFlow(flow.Flow):
    """Manquement et suspension-remobilisation

    Le référent constate un manquement ; la personne est informée et présente ses observations ;
    un professionnel habilité décide ; une remobilisation lève la suspension.
    """

    process_class = BreachProcess
    lock_impl = lock.select_for_update_lock

    start = flow.StartHandle(this.start_process).Next(this.observe)
    observe = (
        flow.View(_breach_view)
        .Annotation(title="Recueillir les observations", description="Boîte du référent qui a constaté le manquement.")
        .Assign(this.recorder)
        .Next(this.decide)
    )
    decide = (
        flow.View(_breach_view)
        .Annotation(title="Décider de la suite du manquement", description="File des décideurs habilités.")
        .Permission("casework.decide_breach")
        .Next(this.suspended)
    )
    suspended = flow.If(this.is_suspended).Then(this.follow).Else(this.end)
    follow = (
        flow.View(_breach_view)
        .Annotation(title="Suivre la suspension", description="Boîte du référent : remobilisation ou fin de période.")
        .Assign(this.recorder)
        .Next(this.end)
    )
    end = flow.End()

    def start_process(self, activation, breach: Breach):
        activation.process.breach = breach
        return activation.process

    def recorder(self, activation):
        return activation.process.breach.recorded_by

    def is_suspended(self, activation) -> bool:
        return activation.process.breach.state == BreachState.SUSPENDED


def breach_flow_start(breach: Breach) -> None:
    BreachFlow.start.run(breach=breach)


def breach_open_task(breach: Breach, node) -> Task | None:
    return (
        Task.objects.filter(process__breachprocess__breach=breach, flow_task=node, status__in=OPEN_TASK_STATUSES)
        .select_related("owner")
        .first()
    )


def breach_task_done(breach: Breach, node, by) -> bool:
    """Complete the open task of `node` in the name of `by` (its archive shows who acted).

    False when the node has no open task (already done): the caller's step stays valid.
    """
    task = breach_open_task(breach, node)
    if task is None:
        return False
    with task.activation() as activation:
        if task.status == STATUS.NEW:
            activation.assign(by)
        elif not is_owner(task.owner, by):
            activation.reassign(by)
        if task.status == STATUS.ASSIGNED:
            activation.start(None)
        activation.execute()
    return True


# --- the period's end (beat, nightly): a step of the procedure with no author --------------


def breach_suspensions_end(*, today: dt.date, batch: int = 500) -> int:
    """Close the suspensions whose period ended before `today` (beat, nightly): the suspended
    sums are lost, no payer line (the decision line carried the period). Keyset batches by id;
    each row re-checked under its lock (SKIP LOCKED: a remobilisation being recorded wins, and
    the row is seen again the next night if still running). Idempotent."""
    ended, after = 0, 0
    while True:
        ids = list(
            Breach.objects.filter(state=BreachState.SUSPENDED, suspension_ends_on__lt=today, pk__gt=after)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        for breach_id in ids:
            with transaction.atomic():
                breach = Breach.objects.select_for_update(skip_locked=True, of=("self",)).filter(pk=breach_id).first()
                if breach is None or breach.state != BreachState.SUSPENDED:
                    continue
                breach.end_suspension(on=breach.suspension_ends_on)
                breach.save(update_fields=["state", "ended_on"])
                breach_task_done(breach, BreachFlow.follow, breach.recorded_by)
                ended += 1
        if len(ids) < batch:
            return ended
        after = ids[-1]
