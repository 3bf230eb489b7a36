"""Referent workspace pages. Thin: selectors read, services write, forms validate.

`today` and `now` are read here, at the edge, and passed down.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_fsm import has_transition_perm
from viewflow.workflow import STATUS, FlowLockFailed

from casework.enums import ContactKind, ContactOutcome, PathwayState
from casework.models import Pathway
from casework.names import user_name
from casework.permissions import can_record_contact, professional_of
from casework.selectors import pathway_for_user
from casework.services.orientation import orientation_suggest

from . import selectors
from .consequences import CONFIRMED_TRANSITIONS, transition_consequences
from .flows import HandoverFlow, OrientationFlow, pathways_tasks_sync, task_pathway, user_may_answer
from .form_tokens import FIELD as FORM_TOKEN_FIELD
from .form_tokens import form_applied, one_time_form
from .forms import TRANSITION_FORMS, TRANSITION_LABELS, ContactForm, TaskAssignForm, form_errors_add
from .graph import pathway_transitions
from .roles import landing_url, lands_on_admin_page
from .services.errors import TransitionConflict, TransitionError, TransitionForbidden
from .services.events import contact_record
from .services.transitions import pathway_transition, transition_check


@login_required
def home(request):
    """The caseload for referents; everyone else lands where their work is (workflows.roles)."""
    if lands_on_admin_page(request.user):
        return render(request, "workspace/admin_home.html")
    if not request.GET and (elsewhere := landing_url(request.user)):
        return redirect(elsewhere)
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
    return _pathway_render(request, pathway, today=timezone.localdate())


def _transition(request, pathway, name: str, form) -> TransitionError | ValidationError | None:
    """Validate and apply; None when applied. A refused form keeps what was typed and carries the
    errors beside its fields; a conflict (409) or a refusal (403) is returned for `_conflict`."""
    if not form.is_valid():
        return ValidationError("Le formulaire contient des erreurs.")
    try:
        pathway_transition(pathway.pk, name, by=request.user, now=timezone.now(), **form.transition_kwargs())
        # The person who acted lands on their inbox or the pathway page: sync its tasks now, so
        # that page is in step (API clients leave it to the worker, after commit).
        pathways_tasks_sync([pathway.pk])
    except (TransitionConflict, TransitionForbidden) as exc:
        return exc
    except (TransitionError, ValidationError) as exc:  # a domain rule on a field (dates, lengths)
        form_errors_add(form, exc)
        return exc
    messages.success(request, f"« {TRANSITION_LABELS[name]} » enregistré.")
    return None


def _is_conflict(error) -> bool:
    return isinstance(error, TransitionConflict | TransitionForbidden)


def _conflict(request, pathway, name: str, error: TransitionError, *, task=None) -> HttpResponse:
    """A 409 or 403 in plain French, with the way on: the pathway as it is now, the tasks."""
    pathway = Pathway.objects.filter(pk=pathway.pk).first() or pathway
    context = {
        "label": TRANSITION_LABELS.get(name, "Cette action"),
        "pathway": pathway,
        "pathway_visible": pathway_for_user(request.user, pathway.pk) is not None,
        "forbidden": isinstance(error, TransitionForbidden),
        "task": task,
        "task_status": task_status_text(task) if task is not None else "",
    }
    return render(request, "workspace/conflict.html", context, status=error.status_code)


def _confirmation(request, pathway, name: str, form, *, action: str, back: str) -> HttpResponse | None:
    """The confirmation step of a consequential transition: what will happen, then "Confirmer".

    Returns None when the transition needs no confirmation or was confirmed (`confirm=1`); the
    page re-posts what was typed and the same one-time token, so one confirmation applies once.
    """
    if name not in CONFIRMED_TRANSITIONS or request.POST.get("confirm") == "1" or not form.is_valid():
        return None
    try:
        transition_check(pathway, name, request.user)
    except TransitionError:
        return None  # the apply step reports the conflict or the refusal
    carried = [
        (key, value)
        for key, values in request.POST.lists()
        if key not in ("csrfmiddlewaretoken", FORM_TOKEN_FIELD, "confirm")
        for value in values
    ]
    context = {
        "pathway": pathway,
        "label": TRANSITION_LABELS[name],
        "consequences": transition_consequences(pathway, name, {**form.cleaned_data}),
        "carried": carried,
        "form_token": request.POST.get(FORM_TOKEN_FIELD, ""),
        "action": action,
        "back": back,
    }
    return render(request, "workspace/confirm.html", context)


@login_required
@require_POST
@one_time_form
def pathway_transition_view(request, pk: int, name: str):
    pathway = _pathway_or_404(request, pk)
    if name not in TRANSITION_FORMS:
        raise Http404
    today = timezone.localdate()
    form = TRANSITION_FORMS[name](data=request.POST, pathway=pathway, today=today, prefix=name)
    back = reverse("workspace:pathway", args=[pathway.pk])
    action = reverse("workspace:transition", args=[pathway.pk, name])
    if request.POST.get("edit") == "1":  # "Modifier" on the confirmation: the form, filled in
        return _pathway_render(request, pathway, today=today, bound_forms={name: form})
    confirmation = _confirmation(request, pathway, name, form, action=action, back=back)
    if confirmation is not None:
        return confirmation
    error = _transition(request, pathway, name, form)
    if error is None:
        if pathway_for_user(request.user, pk) is None:  # e.g. handed over to another organisation
            return redirect("workspace:home")
        return redirect(back)
    if _is_conflict(error):
        return _conflict(request, pathway, name, error)
    return _pathway_render(request, pathway, today=today, bound_forms={name: form}, status=400)


def _contact_form(today, data=None) -> ContactForm:
    return ContactForm(data, today=today, auto_id="contact-%s")


def _pathway_render(request, pathway, *, today, bound_forms=None, contact_form=None, status=200) -> HttpResponse:
    context = selectors.pathway_page(pathway, request.user, today=today, bound_forms=bound_forms)
    context["contact_form"] = contact_form or _contact_form(today)
    return render(request, "workspace/pathway.html", context, status=status)


@login_required
@require_POST
@one_time_form
def contact_create(request, pk: int):
    """One click (honoré / manqué) from the pathway page; with HTMX only the live panel is swapped."""
    pathway = _pathway_or_404(request, pk)
    if not can_record_contact(pathway, request.user):
        messages.error(request, "Vous ne pouvez pas enregistrer de contact sur ce parcours.")
        return redirect("workspace:pathway", pathway.pk)
    today = timezone.localdate()
    form = _contact_form(today, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            contact_record(
                pathway,
                occurred_on=data["occurred_on"],
                kind=data["kind"],
                outcome=data["outcome"],
                comment=data["comment"],
                by=request.user,
                now=timezone.now(),
            )
        except ValidationError as exc:
            form_errors_add(form, exc)
    if not form.is_valid():
        if request.htmx:  # htmx swaps no 4xx: the form with its errors replaces the form, at 200
            context = {"pathway": pathway, "contact_form": form}
            response = render(request, "workspace/_contact_form.html", context)
            response["HX-Retarget"] = "#contact-section"
            response["HX-Reswap"] = "outerHTML"
            return response
        return _pathway_render(request, pathway, today=today, contact_form=form, status=400)
    label = "honoré" if data["outcome"] == ContactOutcome.HELD else "manqué"
    messages.success(
        request, f"{ContactKind(data['kind']).label} {label} enregistré pour le {data['occurred_on']:%d/%m/%Y}."
    )
    back = reverse("workspace:pathway", args=[pathway.pk])
    if request.htmx:
        # The live panel, and a fresh contact form (a new one-time token) swapped out of band.
        context = {"pathway": pathway, "contact_form": _contact_form(today), "contact_oob": True}
        context.update(selectors.pathway_live(pathway, today=today))
        return form_applied(render(request, "workspace/_contact_applied.html", context), back)
    return redirect(back)


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


# How a finished task reads to a person (viewflow's own labels say "Terminé", "Annulé"...).
_TASK_CLOSED = {
    STATUS.DONE: "Cette tâche a été traitée",
    STATUS.CANCELED: "Cette tâche a été annulée : le parcours a changé d'état sans elle",
}


def task_status_text(task, viewer=None) -> str:
    """The task's status in a sentence: who has it, or who finished it and when."""
    if task.status in (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED):
        if task.owner_id is None:
            return "Dans la file de l'équipe, non prise."
        if viewer is not None and task.owner_id == viewer.pk:
            return "Prise par vous."
        return f"Prise par {user_name(task.owner)}."
    text = _TASK_CLOSED.get(task.status, "Cette tâche n'est plus ouverte")
    if task.status == STATUS.DONE and task.owner_id:
        text += f" par {user_name(task.owner)}"
    if task.finished:
        text += f" le {timezone.localtime(task.finished):%d/%m/%Y à %H:%M}"
    return text + "."


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
    colleagues = selectors.task_colleagues(task, pathway) if may_answer else []
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
    form = TaskAssignForm(request.POST, colleagues=selectors.task_colleagues(task, pathway))
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
        return _conflict(request, pathway, name, TransitionConflict(task_status_text(task)), task=task)
    if task.owner_id not in (None, request.user.pk):
        messages.error(request, f"Cette tâche a été prise par {user_name(task.owner)}.")
        return redirect("workspace:task", task.pk)
    form = TRANSITION_FORMS[name](data=request.POST, pathway=pathway, today=today, prefix=name)
    action = reverse("workspace:task-execute", args=[task.pk, name])
    if request.POST.get("edit") == "1":  # "Modifier" on the confirmation: the form, filled in
        return render(
            request, "workspace/task.html", _task_context(request, task, pathway, today=today, bound={name: form})
        )
    confirmation = _confirmation(
        request, pathway, name, form, action=action, back=reverse("workspace:task", args=[task.pk])
    )
    if confirmation is not None:
        return confirmation
    error = _transition(request, pathway, name, form)
    if error is None:
        return redirect("workspace:tasks")
    if _is_conflict(error):
        task.refresh_from_db()
        return _conflict(request, pathway, name, error, task=task)
    pathway.refresh_from_db()
    context = _task_context(request, task, pathway, today=today, bound={name: form})
    return render(request, "workspace/task.html", context, status=400)


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
