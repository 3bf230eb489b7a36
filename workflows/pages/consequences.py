"""What a consequential transition will do, in figures, before the person confirms it.

A selector (reads only) for the confirmation step of the pages: "Le parcours sera clos ; 3
échéances en cours seront annulées". It counts with the rule lists the transition's effects use
(`services.transitions`), so the page announces what the service then does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils.translation import ngettext
from viewflow.workflow.models import Task

from casework.enums import CloseReason, DeadlineStatus, HandoverStatus, JobKind, PathwayState, SuspensionReason
from casework.models import Deadline, Pathway
from casework.services import deadlines as dl
from workflows.flows import OPEN_TASK_STATUSES
from workflows.services.transitions import END_FOLLOWUP_CANCELS, REORIENTATION_ELSEWHERE_CANCELS, START_JOB_CANCELS

# The transitions a person confirms after reading their consequences (the others apply at once).
CONFIRMED_TRANSITIONS = frozenset(
    {
        "close",
        "suspend",
        "request_reorientation",
        "decide_reorientation",
        "refuse_handover",
        "start_job",
        "end_followup",
    }
)


def _live_deadlines(pathway: Pathway, codes=None) -> int:
    rows = Deadline.objects.filter(pathway=pathway, status__in=dl.LIVE)
    if codes is not None:
        rows = rows.filter(rule_code__in=list(codes))
    return rows.count()


def _cancelled(count: int) -> str:
    if not count:
        return "Aucune échéance en cours n'est à annuler."
    return ngettext("%(n)d échéance en cours sera annulée.", "%(n)d échéances en cours seront annulées.", count) % {
        "n": count
    }


def _open_tasks(pathway: Pathway) -> int:
    return Task.objects.filter(
        flow_task_type="HUMAN", status__in=OPEN_TASK_STATUSES, process__pathwayprocess__pathway=pathway
    ).count()


def _pending_handover_line(pathway: Pathway) -> list[str]:
    if pathway.handover_to_id is None:
        return []
    return [f"Le passage de relais proposé à {pathway.handover_to} sera annulé."]


def _closing(pathway: Pathway, on: dt.date, reason_label: str) -> list[str]:
    lines = [f"Le parcours sera clos au {on:%d/%m/%Y} (motif : {reason_label}).", _cancelled(_live_deadlines(pathway))]
    lines += _pending_handover_line(pathway)
    if pathway.referent_id:
        lines.append(f"{pathway.referent} ne sera plus le référent de ce parcours.")
    tasks = _open_tasks(pathway)
    if tasks:
        lines.append(
            ngettext("%(n)d tâche en cours sera annulée.", "%(n)d tâches en cours seront annulées.", tasks)
            % {"n": tasks}
        )
    lines.append("Le parcours pourra être rouvert, mais il repartira de l'orientation.")
    return lines


def _close(pathway: Pathway, data: dict) -> list[str]:
    return _closing(pathway, data["occurred_on"], CloseReason(data["close_reason"]).label)


def _suspend(pathway: Pathway, data: dict) -> list[str]:
    paused = Deadline.objects.filter(
        pathway=pathway, status=DeadlineStatus.OPEN, rule__pauses_when_suspended=True
    ).count()
    lines = [
        f"Le parcours sera suspendu à compter du {data['occurred_on']:%d/%m/%Y} "
        f"(motif : {SuspensionReason(data['suspension_reason']).label}), reprise prévue le "
        f"{data['expected_resume_on']:%d/%m/%Y}."
    ]
    if paused:
        lines.append(
            ngettext(
                "%(n)d échéance sera mise en pause jusqu'à la reprise.",
                "%(n)d échéances seront mises en pause jusqu'à la reprise.",
                paused,
            )
            % {"n": paused}
        )
    else:
        lines.append("Aucune échéance n'est à mettre en pause.")
    return lines


def _request_reorientation(pathway: Pathway, data: dict) -> list[str]:
    lines = [
        f"Le parcours passera à l'état « {PathwayState.REORIENTATION.label} » : "
        "le service d'orientation recevra la demande et décidera."
    ]
    if pathway.referent_id:
        lines.append(f"{pathway.referent} reste le référent jusqu'à la décision.")
    return lines


def _decide_reorientation(pathway: Pathway, data: dict) -> list[str]:
    if not data.get("accepted"):
        back = PathwayState(pathway.resume_state).label if pathway.resume_state else "précédent"
        return [f"La réorientation est refusée : le parcours reprend à l'état « {back} », sans autre changement."]
    lines = ["La réorientation est acceptée ; un nouveau contrat sera à signer."]
    organisation, track = data.get("organisation"), data.get("track")
    if track is not None and track.pk != pathway.track_id:
        lines.append(f"Nouveau parcours : {track}.")
    if organisation is not None and organisation.pk != pathway.organisation_id:
        lines.append(f"Le parcours sera confié à {organisation}, qui désignera un nouveau référent.")
        if pathway.referent_id:
            lines.append(f"{pathway.referent} ne sera plus le référent de ce parcours.")
        lines.append(_cancelled(_live_deadlines(pathway, REORIENTATION_ELSEWHERE_CANCELS)))
        lines += _pending_handover_line(pathway)
    return lines


def _refuse_handover(pathway: Pathway, data: dict) -> list[str]:
    pending = pathway.handovers.filter(status=HandoverStatus.PROPOSED).select_related("outgoing__user").first()
    outgoing = pending.outgoing if pending else pathway.referent
    return [
        f"Le passage de relais est refusé : {outgoing} reste le référent du parcours.",
        f"{outgoing} sera informé du refus et de son motif.",
    ]


def _start_job(pathway: Pathway, data: dict) -> list[str]:
    months = ", ".join(str(m) for m in dl.IN_WORK_CHECKPOINT_MONTHS)
    return [
        f"Le parcours passera en suivi dans l'emploi ({JobKind(data['job_kind']).label}).",
        _cancelled(_live_deadlines(pathway, START_JOB_CANCELS)),
        f"Des points de suivi dans l'emploi seront programmés à {months} mois.",
    ]


def _end_followup(pathway: Pathway, data: dict) -> list[str]:
    if data.get("sustainable") or pathway.track_id is None:
        return _closing(pathway, data["occurred_on"], CloseReason.SUSTAINABLE_JOB.label)
    return [
        f"Le suivi dans l'emploi s'arrête : l'accompagnement reprend ({pathway.track}).",
        _cancelled(_live_deadlines(pathway, END_FOLLOWUP_CANCELS)),
    ]


_CONSEQUENCES: dict[str, Callable[[Pathway, dict], list[str]]] = {
    "close": _close,
    "suspend": _suspend,
    "request_reorientation": _request_reorientation,
    "decide_reorientation": _decide_reorientation,
    "refuse_handover": _refuse_handover,
    "start_job": _start_job,
    "end_followup": _end_followup,
}
assert set(_CONSEQUENCES) == CONFIRMED_TRANSITIONS


def transition_consequences(pathway: Pathway, name: str, data: dict) -> list[str]:
    """The sentences the confirmation step shows for transition `name` with the form's `data`."""
    pathway = Pathway.objects.select_related("referent__user", "handover_to__user", "track").get(pk=pathway.pk)
    return _CONSEQUENCES[name](pathway, data)
