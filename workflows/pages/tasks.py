"""Task pages: the inbox and queues, a task, and its actions (claim, release, hand to a
colleague, answer). Answering a task is performing its transition through the one door, with
the same confirmation and conflict pages as the pathway page (`workspace`)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm
from viewflow.workflow import STATUS, FlowLockFailed

from casework.names import user_name
from casework.services.orientation import orientation_suggest
from workflows.flows import HandoverFlow, OrientationFlow, task_pathway, user_may_answer
from workflows.inputs.forms import TRANSITION_FORMS, TaskAssignForm
from workflows.services.errors import TransitionConflict
from workflows.services.transitions import TRANSITION_LABELS

from . import selectors, task_selectors
from .form_tokens import one_time_form
from .workspace import confirmation_page, conflict_page, is_conflict, task_status_text, transition_submit


@login_required
def task_list(request):
    context = task_selectors.tasks_page(request.user, today=timezone.localdate(), params=request.GET)
    return render(request, "workspace/tasks.html", context)


def _task_or_404(request, task_pk: int):
    task = task_selectors.task_for_user(request.user, task_pk)
    if task is None:
        raise Http404("Tâche introuvable.")
    return task


# How a finished task reads to a person (viewflow's own labels say "Terminé", "Annulé"...).
def _orientation_initial(suggestion) -> dict:
    """The decision form starts from the suggestion; the officer may change every field."""
    initial = {}
    if suggestion.organisation is not None:
        initial["organisation"] = suggestion.organisation.pk
    if suggestion.track is not None:
        initial["track"] = suggestion.track.code
    return initial


def _task_context(request, task, pathway, *, today, bound: dict | None = None, assign_form=None) -> dict:
    bound = bound or {}
    is_open = task.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
    may_answer = is_open and user_may_answer(task, request.user, pathway)
    mine = task.owner_id == request.user.pk
    suggestion = None
    if task.flow_task.flow_class is OrientationFlow and is_open:
        suggestion = orientation_suggest(pathway, on=today)
    forms = []
    if may_answer and (mine or task.owner_id is None):
        for name in task.flow_task.transitions:
            if user_may_answer_transition(pathway, name, request.user):
                initial = _orientation_initial(suggestion) if name == "orient" and suggestion else None
                form = bound.get(name) or TRANSITION_FORMS[name](
                    pathway=pathway, today=today, prefix=name, initial=initial
                )
                forms.append({"name": name, "label": TRANSITION_LABELS[name], "form": form})
    colleagues = task_selectors.task_colleagues(task, pathway) if may_answer else []
    if assign_form is None and len(colleagues) > 1:
        assign_form = TaskAssignForm(colleagues=colleagues)
    context = {
        "task": task,
        "task_status": task_status_text(task, request.user),
        "is_open": is_open,
        "mine": mine,
        "may_answer": may_answer,
        "forms": forms,
        "assign_form": assign_form,
        **selectors.pathway_page(pathway, request.user, today=today),
    }
    context["is_handover"] = task.flow_task.flow_class is HandoverFlow
    if suggestion is not None:
        context["suggestion"] = suggestion
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
@one_time_form
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
@one_time_form
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
@one_time_form
def task_assign(request, task_pk: int):
    """Hand the task to a colleague who may perform its transition (claim or reassign)."""
    task = _task_or_404(request, task_pk)
    pathway = task_pathway(task)
    if not user_may_answer(task, request.user, pathway):
        messages.error(request, "Vous ne pouvez pas confier cette tâche.")
        return redirect("workspace:task", task.pk)
    form = TaskAssignForm(request.POST, colleagues=task_selectors.task_colleagues(task, pathway))
    if not form.is_valid():
        context = _task_context(request, task, pathway, today=timezone.localdate(), assign_form=form)
        return render(request, "workspace/task.html", context, status=400)
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
@one_time_form
def task_execute(request, task_pk: int, name: str):
    """Answer the task: the transition goes through the one service; the task follows the FSM."""
    task = _task_or_404(request, task_pk)
    pathway = task_pathway(task)
    if name not in getattr(task.flow_task, "transitions", ()):
        raise Http404
    today = timezone.localdate()
    if task.status not in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED):  # answered in another tab
        return conflict_page(request, pathway, name, TransitionConflict(task_status_text(task)), task=task)
    if task.owner_id not in (None, request.user.pk):
        messages.error(request, f"Cette tâche a été prise par {user_name(task.owner)}.")
        return redirect("workspace:task", task.pk)
    form = TRANSITION_FORMS[name](data=request.POST, pathway=pathway, today=today, prefix=name)
    action = reverse("workspace:task-execute", args=[task.pk, name])
    if request.POST.get("edit") == "1":  # "Modifier" on the confirmation: the form, filled in
        return render(
            request, "workspace/task.html", _task_context(request, task, pathway, today=today, bound={name: form})
        )
    confirmation = confirmation_page(
        request, pathway, name, form, action=action, back=reverse("workspace:task", args=[task.pk])
    )
    if confirmation is not None:
        return confirmation
    error = transition_submit(request, pathway, name, form)
    if error is None:
        return redirect("workspace:tasks")
    if is_conflict(error):
        task.refresh_from_db()
        return conflict_page(request, pathway, name, error, task=task)
    pathway.refresh_from_db()
    context = _task_context(request, task, pathway, today=today, bound={name: form})
    return render(request, "workspace/task.html", context, status=400)
