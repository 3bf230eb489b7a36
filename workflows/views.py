"""Referent workspace pages. Thin: selectors read, services write, forms validate.

`today` and `now` are read here, at the edge, and passed down.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm
from viewflow.workflow import STATUS, FlowLockFailed

from casework.enums import ContactKind, ContactOutcome, PathwayState
from casework.permissions import can_record_contact, professional_of
from casework.selectors import pathway_for_user
from casework.services.orientation import orientation_suggest

from . import selectors
from .flows import HandoverFlow, OrientationFlow, pathways_tasks_sync, task_pathway, user_may_answer
from .forms import TRANSITION_FORMS, TRANSITION_LABELS, TaskAssignForm
from .graph import pathway_transitions
from .services.errors import TransitionError
from .services.events import contact_record
from .services.transitions import pathway_transition


@login_required
def home(request):
    today = timezone.localdate()
    context = selectors.caseload_page(request.user, today=today, params=request.GET)
    if request.htmx and request.htmx.target == "caseload-results":
        return render(request, "workspace/_caseload.html", context)
    return render(request, "workspace/home.html", context)


def _pathway_or_404(request, pk: int):
    pathway = pathway_for_user(request.user, pk)
    if pathway is None:
        raise Http404("Parcours introuvable.")
    return pathway


@login_required
def pathway_detail(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    context = selectors.pathway_page(pathway, request.user, today=timezone.localdate())
    return render(request, "workspace/pathway.html", context)


def _transition(request, pathway, name: str, form) -> bool:
    """Validate and apply; on failure the form or a message carries the error."""
    if not form.is_valid():
        return False
    try:
        pathway_transition(pathway.pk, name, by=request.user, now=timezone.now(), **form.transition_kwargs())
        # The person who acted lands on their inbox or the pathway page: sync its tasks now, so
        # that page is in step (API clients leave it to the worker, after commit).
        pathways_tasks_sync([pathway.pk])
    except TransitionError as exc:
        messages.error(request, exc.message)
        form.status_code = exc.status_code
        return False
    messages.success(request, f"« {TRANSITION_LABELS[name]} » enregistré.")
    return True


@login_required
@require_POST
def pathway_transition_view(request, pk: int, name: str):
    pathway = _pathway_or_404(request, pk)
    if name not in TRANSITION_FORMS:
        raise Http404
    today = timezone.localdate()
    form = TRANSITION_FORMS[name](data=request.POST, pathway=pathway, today=today, prefix=name)
    if _transition(request, pathway, name, form):
        if pathway_for_user(request.user, pk) is None:  # e.g. handed over to another organisation
            return redirect("workspace:home")
        return redirect("workspace:pathway", pathway.pk)
    context = selectors.pathway_page(pathway, request.user, today=today, bound_forms={name: form})
    return render(request, "workspace/pathway.html", context, status=getattr(form, "status_code", 400))


def _contact_date(raw: str | None, today: dt.date) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(raw) if raw else today
    except ValueError:
        return None
    return day if day <= today else None


@login_required
@require_POST
def contact_create(request, pk: int):
    """One click (honoré / manqué) from the pathway page; with HTMX only the live panel is swapped."""
    pathway = _pathway_or_404(request, pk)
    if not can_record_contact(pathway, request.user):
        messages.error(request, "Vous ne pouvez pas enregistrer de contact sur ce parcours.")
        return redirect("workspace:pathway", pathway.pk)
    today = timezone.localdate()
    outcome = request.POST.get("outcome")
    kind = request.POST.get("kind") or ContactKind.INTERVIEW
    occurred_on = _contact_date(request.POST.get("occurred_on"), today)
    if occurred_on is None or outcome not in ContactOutcome.values or kind not in ContactKind.values:
        return HttpResponseBadRequest("Contact invalide : date (pas dans le futur), issue et type requis.")
    contact_record(pathway, occurred_on=occurred_on, kind=kind, outcome=outcome, by=request.user, now=timezone.now())
    label = "honoré" if outcome == ContactOutcome.HELD else "manqué"
    messages.success(request, f"{ContactKind(kind).label} {label} enregistré pour le {occurred_on:%d/%m/%Y}.")
    if request.htmx:
        context = {"pathway": pathway, **selectors.pathway_live(pathway, today=today)}
        return render(request, "workspace/_pathway_live.html", context)
    return redirect("workspace:pathway", pathway.pk)


# --- viewflow tasks ---------------------------------------------------------------------------


@login_required
def task_list(request):
    context = selectors.tasks_page(request.user, today=timezone.localdate(), params=request.GET)
    return render(request, "workspace/tasks.html", context)


def _task_or_404(request, task_pk: int):
    task = selectors.task_for_user(request.user, task_pk)
    if task is None:
        raise Http404("Tâche introuvable.")
    return task


def _task_context(request, task, pathway, *, today, bound: dict | None = None) -> dict:
    bound = bound or {}
    is_open = task.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
    may_answer = is_open and user_may_answer(task, request.user, pathway)
    mine = task.owner_id == request.user.pk
    forms = []
    if may_answer and (mine or task.owner_id is None):
        for name in task.flow_task.transitions:
            if user_may_answer_transition(pathway, name, request.user):
                form = bound.get(name) or TRANSITION_FORMS[name](pathway=pathway, today=today, prefix=name)
                forms.append({"name": name, "label": TRANSITION_LABELS[name], "form": form})
    colleagues = selectors.task_colleagues(task, pathway) if may_answer else []
    context = {
        "task": task,
        "is_open": is_open,
        "mine": mine,
        "may_answer": may_answer,
        "forms": forms,
        "assign_form": TaskAssignForm(colleagues=colleagues) if len(colleagues) > 1 else None,
        **selectors.pathway_page(pathway, request.user, today=today),
    }
    context["is_handover"] = task.flow_task.flow_class is HandoverFlow
    if task.flow_task.flow_class is OrientationFlow and is_open:
        context["suggestion"] = orientation_suggest(pathway, on=today)
        context["age"] = pathway.beneficiary.age_on(today)
    return context


def user_may_answer_transition(pathway, name: str, user) -> bool:
    return has_transition_perm(getattr(pathway, name), user)


@login_required
def task_detail(request, task_pk: int):
    task = _task_or_404(request, task_pk)
    pathway = task_pathway(task)
    return render(request, "workspace/task.html", _task_context(request, task, pathway, today=timezone.localdate()))


def _task_activation_step(request, task, step) -> bool:
    try:
        with task.activation() as activation:  # locks the process row, re-reads the task
            return step(activation)
    except FlowLockFailed:
        messages.error(request, "La tâche est en cours de modification par quelqu'un d'autre : réessayez.")
        return False


@login_required
@require_POST
def task_claim(request, task_pk: int):
    task = _task_or_404(request, task_pk)

    def step(activation):
        if activation.task.status != STATUS.NEW or not activation.flow_task.can_assign(request.user, activation.task):
            messages.error(request, "Cette tâche a déjà été prise ou ne vous revient pas.")
            return False
        activation.assign(request.user)
        messages.success(request, "Tâche prise : elle est dans votre boîte.")
        return True

    _task_activation_step(request, task, step)
    return redirect("workspace:task", task.pk)


@login_required
@require_POST
def task_release(request, task_pk: int):
    task = _task_or_404(request, task_pk)

    def step(activation):
        if activation.task.status != STATUS.ASSIGNED or not activation.flow_task.can_unassign(
            request.user, activation.task
        ):
            messages.error(request, "Vous ne pouvez pas remettre cette tâche dans la file.")
            return False
        activation.unassign()
        messages.success(request, "Tâche remise dans la file de l'équipe.")
        return True

    _task_activation_step(request, task, step)
    return redirect("workspace:task", task.pk)


@login_required
@require_POST
def task_assign(request, task_pk: int):
    """Hand the task to a colleague who may perform its transition (claim or reassign)."""
    task = _task_or_404(request, task_pk)
    pathway = task_pathway(task)
    if not user_may_answer(task, request.user, pathway):
        messages.error(request, "Vous ne pouvez pas confier cette tâche.")
        return redirect("workspace:task", task.pk)
    form = TaskAssignForm(request.POST, colleagues=selectors.task_colleagues(task, pathway))
    if not form.is_valid():
        messages.error(request, "Choisissez un professionnel qui peut traiter cette tâche.")
        return redirect("workspace:task", task.pk)
    target = form.cleaned_data["professional"].user

    def step(activation):
        if activation.task.status == STATUS.NEW:
            activation.assign(target)
        elif activation.task.status == STATUS.ASSIGNED:
            activation.reassign(target)
        else:
            messages.error(request, "Cette tâche n'est plus ouverte.")
            return False
        messages.success(request, f"Tâche confiée à {form.cleaned_data['professional'].display_name}.")
        return True

    _task_activation_step(request, task, step)
    return redirect("workspace:task", task.pk)


@login_required
@require_POST
def task_execute(request, task_pk: int, name: str):
    """Answer the task: the transition goes through the one service; the task follows the FSM."""
    task = _task_or_404(request, task_pk)
    pathway = task_pathway(task)
    if name not in getattr(task.flow_task, "transitions", ()):
        raise Http404
    today = timezone.localdate()
    if task.owner_id not in (None, request.user.pk):
        messages.error(request, f"Cette tâche a été prise par {task.owner.get_full_name() or task.owner}.")
        return redirect("workspace:task", task.pk)
    form = TRANSITION_FORMS[name](data=request.POST, pathway=pathway, today=today, prefix=name)
    if _transition(request, pathway, name, form):
        return redirect("workspace:tasks")
    pathway.refresh_from_db()
    context = _task_context(request, task, pathway, today=today, bound={name: form})
    return render(request, "workspace/task.html", context, status=getattr(form, "status_code", 400))


# --- help -------------------------------------------------------------------------------------


@login_required
def help_page(request):
    by_state: dict[str, list[str]] = {}
    for transition, source, _target in pathway_transitions():
        label = TRANSITION_LABELS.get(transition, transition)
        by_state.setdefault(source, [])
        if label not in by_state[source]:
            by_state[source].append(label)
    states = [(value, label, by_state.get(value, [])) for value, label in PathwayState.choices]
    pro = professional_of(request.user)
    return render(request, "workspace/help.html", {"states": states, "pro": pro})
