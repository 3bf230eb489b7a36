"""Breach pages: record a breach from the pathway, the breach and its steps, the letter to the
person (printable HTML), the deciders' list and the payer's file. Thin: the reads are in
`breach_selectors`, every write is a step of `workflows.services.breaches`, whose refusals come
back beside their field (400), as "accès refusé" (403) or as a conflict (409)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.permissions import can_record_breach, may_decide_breaches
from casework.selectors import pathway_for_user
from casework.services.payer_export import payer_export
from workflows.inputs.breach_forms import (
    BreachRecordForm,
    DecisionForm,
    ObservationsForm,
    OpinionForm,
    PayerExportForm,
    RemobilisationForm,
)
from workflows.inputs.forms import form_errors_add
from workflows.services import breaches as service
from workflows.services.errors import TransitionConflict, TransitionError, TransitionForbidden

from . import breach_selectors as reads
from .form_tokens import one_time_form


def _breach_or_404(request, pk: int):
    breach = reads.breach_for_user(request.user, pk, today=timezone.localdate())
    if breach is None:
        raise Http404("Manquement introuvable.")
    return breach


@login_required
def breach_list(request):
    context = reads.breaches_page(request.user, today=timezone.localdate())
    return render(request, "breaches/list.html", context)


@login_required
@one_time_form
def breach_create(request, pk: int):
    pathway = pathway_for_user(request.user, pk)
    if pathway is None:
        raise Http404("Parcours introuvable.")
    if not can_record_breach(pathway, request.user):
        raise PermissionDenied("Seul le référent du parcours (ou son responsable) peut constater un manquement.")
    today = timezone.localdate()
    form = BreachRecordForm(request.POST or None, today=today)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            breach = service.breach_record(
                pathway.pk, by=request.user, kind=d["kind"], facts=d["facts"], occurred_on=d["occurred_on"],
                now=timezone.now(),
            )  # fmt: skip
        except TransitionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except TransitionError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, "Manquement enregistré : le courrier à la personne est prêt à imprimer.")
            return redirect("workspace:breach", breach.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "breaches/create.html", {"pathway": pathway, "form": form}, status=status)


@login_required
def breach_detail(request, pk: int):
    breach = _breach_or_404(request, pk)
    return render(request, "breaches/detail.html", reads.breach_page(breach, request.user, today=timezone.localdate()))


def _observations(request, breach, d, now):
    return service.breach_observations_record(
        breach.pk, by=request.user, text=d["observations"], on=d["observations_on"], now=now
    )


def _opinion(request, breach, d, now):
    return service.breach_opinion_record(
        breach.pk, by=request.user, text=d["team_opinion"], on=d["team_opinion_on"], now=now
    )


def _decision(request, breach, d, now):
    return service.breach_decide(breach.pk, by=request.user, now=now, **DecisionForm.service_kwargs(d))


def _remobilisation(request, breach, d, now):
    return service.breach_remobilise(
        breach.pk, by=request.user, on=d["remobilised_on"], note=d["remobilisation_note"], now=now
    )


# step name → (its form, the service call, the message once done)
STEPS = {
    "observations": (ObservationsForm, _observations, "Observations enregistrées : la décision peut être prise."),
    "avis": (OpinionForm, _opinion, "Avis de l'équipe pluridisciplinaire enregistré."),
    "decision": (DecisionForm, _decision, "Décision enregistrée ; la ligne pour l'organisme payeur est prête."),
    "remobilisation": (RemobilisationForm, _remobilisation, "Remobilisation enregistrée : la suspension est levée."),
}


@login_required
@require_POST
@one_time_form
def breach_step(request, pk: int, step: str):
    if step not in STEPS:
        raise Http404
    breach = _breach_or_404(request, pk)
    form_class, call, done = STEPS[step]
    today = timezone.localdate()
    form = form_class(request.POST, today=today, prefix=step)
    status = 400
    if form.is_valid():
        try:
            call(request, breach, form.cleaned_data, timezone.now())
        except TransitionForbidden as exc:
            raise PermissionDenied(exc.message) from exc
        except TransitionConflict as exc:
            messages.error(request, exc.message)
            status = 409
        except TransitionError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, done)
            return redirect("workspace:breach", breach.pk)
        breach.refresh_from_db()
    context = reads.breach_page(breach, request.user, today=today, bound={step: form})
    return render(request, "breaches/detail.html", context, status=status)


@login_required
def breach_letter(request, pk: int):
    """The letter informing the person (printable HTML: the browser prints it or saves a PDF)."""
    breach = _breach_or_404(request, pk)
    return render(request, "breaches/letter.html", reads.letter_context(breach, today=timezone.localdate()))


def _decider_or_403(request) -> None:
    if not may_decide_breaches(request.user):
        raise PermissionDenied("Le fichier pour l'organisme payeur est réservé aux décideurs habilités.")


@login_required
@one_time_form
def payer_exports(request):
    _decider_or_403(request)
    form = PayerExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        export = payer_export(
            period_from=d["period_from"], period_to=d["period_to"], by=request.user, now=timezone.now()
        )
        messages.success(request, f"{export} : {export.line_count} ligne(s).")
        return redirect(reverse("workspace:payer-exports") + f"#export-{export.pk}")
    context = {"form": form, "exports": reads.payer_exports_list(), "pending": reads.payer_lines_pending()}
    return render(request, "breaches/exports.html", context, status=400 if request.method == "POST" else 200)


@login_required
def payer_export_file(request, export_pk: int):
    _decider_or_403(request)
    export = reads.payer_export_or_none(export_pk)
    if export is None:
        raise Http404("Export introuvable.")
    response = HttpResponse(export.content.encode("utf-8"), content_type="text/csv; charset=utf-8")
    name = f"suspensions-remobilisation-{export.period_from:%Y%m%d}-{export.period_to:%Y%m%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
