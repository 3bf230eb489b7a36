"""The diagnostic page: shared diagnostic under professional secrecy, consents, private notes,
break-glass access. Thin: visibility from casework.selectors (404), secrecy from
casework.permissions, reads (logged) and writes through casework.services.secrecy.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from casework.models import DiagnosticSectionKind
from casework.permissions import (
    can_break_glass,
    can_manage_consent,
    can_read_diagnostic,
    can_write_diagnostic,
)
from casework.selectors import pathway_for_user
from casework.services import secrecy
from workflows.inputs.forms import ConsentForm, form_errors_add
from workflows.inputs.params import form_messages
from workflows.inputs.secrecy_forms import BreakGlassForm, DiagnosticSectionForm, PrivateNoteForm
from workflows.services.secrecy import diagnostic_break_glass

from .form_tokens import one_time_form


def _refusal(exc: Exception) -> str:
    """The French message of a refusal: secrecy, or a rule on the input (length, date)."""
    return exc.message if isinstance(exc, secrecy.SecrecyDenied) else " ".join(exc.messages)


def _pathway_or_404(request, pk: int):
    pathway = pathway_for_user(request.user, pk)
    if pathway is None:
        raise Http404("Parcours introuvable.")
    return pathway


def _context(request, pathway, *, sections=None, break_glass=False, **bound) -> dict:
    """`bound`: a refused form shown again with what was typed (consent_form, note_typed and
    note_error, section_kind, section_typed and section_error)."""
    by_kind = {s.kind: s for s in sections or []}
    today = timezone.localdate()
    return {
        "consent_form": ConsentForm(pathway=pathway, today=today, auto_id="consent-%s"),
        **bound,
        "pathway": pathway,
        "may_read": sections is not None,
        "break_glass": break_glass,
        "may_write": sections is not None and not break_glass and can_write_diagnostic(pathway, request.user),
        "may_break_glass": sections is None and can_break_glass(pathway, request.user),
        "sections": [(value, label, by_kind.get(value)) for value, label in DiagnosticSectionKind.choices],
        "may_manage_consent": can_manage_consent(pathway, request.user),
        "consents": secrecy.consents_for(pathway),
        "notes": secrecy.private_notes_for(pathway, request.user),
        "min_justification": secrecy.MIN_JUSTIFICATION,
        "today": today,
    }


def _refused(request, pathway, **bound):
    """The diagnostic page again, as a reload would show it, with the refused form filled in."""
    sections = None
    if can_read_diagnostic(pathway, request.user):
        sections, _ = secrecy.diagnostic_read(pathway, request.user, now=timezone.now())
    return render(request, "audit/diagnostic.html", _context(request, pathway, sections=sections, **bound), status=400)


@login_required
def diagnostic_page(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    sections = None
    if can_read_diagnostic(pathway, request.user):
        sections, _ = secrecy.diagnostic_read(pathway, request.user, now=timezone.now())
    return render(request, "audit/diagnostic.html", _context(request, pathway, sections=sections))


@login_required
@require_POST
def diagnostic_break_glass_view(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    form = BreakGlassForm(request.POST)
    if not form.is_valid():
        for message in form_messages(form):
            messages.error(request, message)
        return redirect("security:diagnostic", pathway.pk)
    try:
        sections, _ = diagnostic_break_glass(
            pathway, request.user, justification=form.cleaned_data["justification"], now=timezone.now()
        )
    except (secrecy.SecrecyDenied, ValidationError) as exc:
        messages.error(request, _refusal(exc))
        return redirect("security:diagnostic", pathway.pk)
    messages.warning(request, "Accès d'urgence enregistré ; votre responsable d'équipe en est informé.")
    return render(request, "audit/diagnostic.html", _context(request, pathway, sections=sections, break_glass=True))


@login_required
@require_POST
@one_time_form
def diagnostic_section_edit(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    form = DiagnosticSectionForm(request.POST)
    kind, content = request.POST.get("kind", ""), request.POST.get("content", "")
    if not form.is_valid():  # refused with the text kept, never cut silently
        error = " ".join(form_messages(form))
        return _refused(request, pathway, section_kind=kind, section_typed=content, section_error=error)
    kind, content = form.cleaned_data["kind"], form.cleaned_data["content"]
    try:
        secrecy.diagnostic_section_save(pathway, kind=kind, content=content, by=request.user, now=timezone.now())
    except (secrecy.SecrecyDenied, ValidationError) as exc:
        return _refused(request, pathway, section_kind=kind, section_typed=content, section_error=_refusal(exc))
    messages.success(request, "Rubrique du diagnostic enregistrée.")
    return redirect("security:diagnostic", pathway.pk)


@login_required
@require_POST
@one_time_form
def consent_create(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    form = ConsentForm(request.POST, pathway=pathway, today=timezone.localdate(), auto_id="consent-%s")
    if form.is_valid():
        organisation = form.cleaned_data["organisation"]
        try:
            secrecy.consent_record(
                pathway,
                organisation=organisation,
                given_on=form.cleaned_data["given_on"],
                by=request.user,
                now=timezone.now(),
            )
        except secrecy.SecrecyDenied as exc:
            form.add_error(None, exc.message)
        except ValidationError as exc:  # a domain rule on the date
            form_errors_add(form, exc)
        else:
            messages.success(request, f"Consentement au partage avec {organisation} enregistré.")
            return redirect("security:diagnostic", pathway.pk)
    return _refused(request, pathway, consent_form=form)


@login_required
@require_POST
@one_time_form
def consent_withdraw(request, pk: int, consent_id: int):
    pathway = _pathway_or_404(request, pk)
    try:
        secrecy.consent_withdraw(pathway, consent_id, on=timezone.localdate(), by=request.user)
    except (secrecy.SecrecyDenied, ValidationError) as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, "Retrait du consentement enregistré.")
    return redirect("security:diagnostic", pathway.pk)


@login_required
@require_POST
@one_time_form
def private_note_create(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    form = PrivateNoteForm(request.POST)
    content = request.POST.get("content", "")
    if not form.is_valid():
        return _refused(request, pathway, note_typed=content, note_error=" ".join(form_messages(form)))
    try:
        secrecy.private_note_add(pathway, content=form.cleaned_data["content"], by=request.user, now=timezone.now())
    except (secrecy.SecrecyDenied, ValidationError) as exc:
        return _refused(request, pathway, note_typed=content, note_error=_refusal(exc))
    messages.success(request, "Note privée enregistrée (visible par vous seul).")
    return redirect("security:diagnostic", pathway.pk)
