"""Caseload balancing, for team leads: reassign pathways between referents, delegate a caseload
for a period. Thin views over `workflows.services.balancing` (which goes through the one
transition door)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from casework import board
from casework.models import Delegation
from workflows.inputs.dashboard_forms import DelegationForm, OutgoingForm, PathwayIdsForm, ReassignForm
from workflows.inputs.forms import form_errors_add
from workflows.inputs.params import form_messages
from workflows.services.balancing import DelegationOverlap, caseload_reassign, delegation_create

from .dashboard import dashboard_lead, dashboard_scope
from .form_tokens import one_time_form


@login_required
def balancing_page(request):
    return _balancing_render(request)


def _balancing_render(request, *, delegation_form: DelegationForm | None = None, status: int = 200) -> HttpResponse:
    """The balancing page; a refused delegation form comes back filled in, errors beside its fields."""
    pro = dashboard_lead(request.user)
    today = timezone.localdate()
    referents = board.referents_in_scope(pro)
    caseload = list(board.caseload_by_referent(referents))
    outgoing = None
    pathways = []
    chosen = OutgoingForm(request.GET)
    if not chosen.is_valid():
        raise BadRequest(" ; ".join(form_messages(chosen)))
    if chosen.cleaned_data["de"]:
        outgoing = referents.filter(pk=chosen.cleaned_data["de"]).select_related("user").first()
    if outgoing is not None:
        pathways = list(
            dashboard_scope(request.user, today)
            .filter(referent=outgoing, handover_to__isnull=True)
            .exclude(state="closed")
            .select_related("beneficiary", "territory")
            .order_by("beneficiary__last_name", "id")
        )
    reassign_form = ReassignForm(
        referents=referents.exclude(pk=getattr(outgoing, "pk", None)), pathway_ids=[], prefix="r"
    )
    delegation_form = delegation_form or DelegationForm(referents=referents, today=today, prefix="d")
    delegations = (
        Delegation.objects.filter(referent__in=referents, ends_on__gte=today)
        .select_related("referent__user", "delegate__user")
        .order_by("starts_on")
    )
    context = {
        "caseload": caseload,
        "outgoing": outgoing,
        "pathways": pathways,
        "form": reassign_form,
        "delegation_form": delegation_form,
        "delegations": delegations,
        "today": today,
    }
    return render(request, "dashboard/balancing.html", context, status=status)


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


@login_required
@require_POST
@one_time_form
def reassign(request):
    """Bulk reassignment: one proposed handover per selected pathway of the caller's scope."""
    pro = dashboard_lead(request.user)
    today = timezone.localdate()
    back = _safe_next(request, reverse("dashboard:balancing"))
    ticked = PathwayIdsForm(request.POST, prefix="r")
    if not ticked.is_valid():
        for message in form_messages(ticked):
            messages.error(request, message)
        return redirect(back)
    posted = ticked.cleaned_data["pathways"]
    visible = list(dashboard_scope(request.user, today).filter(pk__in=posted).values_list("pk", flat=True))
    for pk in sorted(set(posted) - set(visible)):
        messages.error(request, f"Parcours n° {pk} : introuvable ou hors de votre périmètre.")
    data = request.POST.copy()
    data.setlist("r-pathways", [str(pk) for pk in visible])
    form = ReassignForm(data, referents=board.referents_in_scope(pro), pathway_ids=visible, prefix="r")
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''} : {error}")
        return redirect(back)
    result = caseload_reassign(
        form.cleaned_data["pathways"],
        incoming=form.cleaned_data["incoming"],
        by=request.user,
        note=form.cleaned_data["note"],
        occurred_on=today,
        now=timezone.now(),
    )
    if result.proposed:
        messages.success(
            request,
            ngettext(
                "%(n)d passage de relais proposé à %(incoming)s : ",
                "%(n)d passages de relais proposés à %(incoming)s : ",
                len(result.proposed),
            )
            % {"n": len(result.proposed), "incoming": form.cleaned_data["incoming"]}
            + "le référent actuel reste responsable jusqu'à l'acceptation.",
        )
    for pk, message in result.failed.items():
        messages.error(request, f"Parcours n° {pk} : {message}")
    return redirect(back)


@login_required
@require_POST
@one_time_form
def delegation_create_view(request):
    pro = dashboard_lead(request.user)
    today = timezone.localdate()
    form = DelegationForm(request.POST, referents=board.referents_in_scope(pro), today=today, prefix="d")
    if form.is_valid():
        try:
            delegation = delegation_create(by=request.user, today=today, **form.cleaned_data)
        except DelegationOverlap as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:  # a domain rule on the dates
            form_errors_add(form, exc)
        else:
            messages.success(request, f"Délégation enregistrée : {delegation}.")
            return redirect("dashboard:balancing")
    return _balancing_render(request, delegation_form=form, status=400)
