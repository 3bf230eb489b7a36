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
from viewflow.workflow import STATUS

from casework.enums import ContactKind, ContactOutcome, PathwayState
from casework.models import Pathway
from casework.names import user_name
from casework.permissions import can_record_contact, professional_of
from casework.selectors import pathway_for_user
from workflows.flows.sync import pathways_tasks_sync
from workflows.inputs.forms import TRANSITION_FORMS, ContactForm, form_errors_add
from workflows.services.errors import TransitionConflict, TransitionError, TransitionForbidden
from workflows.services.events import contact_record
from workflows.services.transitions import TRANSITION_LABELS, pathway_transition, transition_check

from . import selectors
from .consequences import CONFIRMED_TRANSITIONS, transition_consequences
from .engagement_selectors import engagement_panel
from .form_tokens import FIELD as FORM_TOKEN_FIELD
from .form_tokens import form_applied, one_time_form
from .graph import pathway_transitions
from .roles import landing_url, lands_on_admin_page


@login_required
def home(request):
    """The caseload for referents; everyone else lands where their work is (workflows.pages.roles)."""
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


def transition_submit(request, pathway, name: str, form) -> TransitionError | ValidationError | None:
    """Validate and apply; None when applied. A refused form keeps what was typed and carries the
    errors beside its fields; a conflict (409) or a refusal (403) is returned for `conflict_page`."""
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


def is_conflict(error) -> bool:
    return isinstance(error, TransitionConflict | TransitionForbidden)


def conflict_page(request, pathway, name: str, error: TransitionError, *, task=None) -> HttpResponse:
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


def confirmation_page(request, pathway, name: str, form, *, action: str, back: str) -> HttpResponse | None:
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
    confirmation = confirmation_page(request, pathway, name, form, action=action, back=back)
    if confirmation is not None:
        return confirmation
    error = transition_submit(request, pathway, name, form)
    if error is None:
        if pathway_for_user(request.user, pk) is None:  # e.g. handed over to another organisation
            return redirect("workspace:home")
        return redirect(back)
    if is_conflict(error):
        return conflict_page(request, pathway, name, error)
    return _pathway_render(request, pathway, today=today, bound_forms={name: form}, status=400)


def _contact_form(today, data=None) -> ContactForm:
    return ContactForm(data, today=today, auto_id="contact-%s")


def _pathway_render(
    request, pathway, *, today, bound_forms=None, contact_form=None, status=200, extra=None
) -> HttpResponse:
    """The pathway page; `extra`: a block's bound form with its errors (appointment, details)."""
    context = selectors.pathway_page(pathway, request.user, today=today, bound_forms=bound_forms)
    context["contact_form"] = contact_form or _contact_form(today)
    context.update(engagement_panel(pathway, request.user, today=today, bound_forms=bound_forms))
    context.update(extra or {})
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


# --- a task's status, shown on the conflict page and the task pages ------------------


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
