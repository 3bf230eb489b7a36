"""The diagnostic page: shared diagnostic under professional secrecy, consents, private notes,
break-glass access. Thin: visibility from casework.selectors (404), secrecy from
casework.permissions, reads (logged) and writes through casework.services.secrecy.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.views.decorators.http import require_POST

from casework.models import DiagnosticSectionKind, Organisation
from casework.permissions import (
    can_break_glass,
    can_manage_consent,
    can_read_diagnostic,
    can_write_diagnostic,
)
from casework.selectors import pathway_for_user
from casework.services import secrecy

from .services.secrecy import diagnostic_break_glass


def _refusal(exc: Exception) -> str:
    """The French message of a refusal: secrecy, or a rule on the input (length, date)."""
    return exc.message if isinstance(exc, secrecy.SecrecyDenied) else " ".join(exc.messages)


def _pathway_or_404(request, pk: int):
    pathway = pathway_for_user(request.user, pk)
    if pathway is None:
        raise Http404("Parcours introuvable.")
    return pathway


def _context(request, pathway, *, sections=None, break_glass=False) -> dict:
    by_kind = {s.kind: s for s in sections or []}
    return {
        "pathway": pathway,
        "may_read": sections is not None,
        "break_glass": break_glass,
        "may_write": sections is not None and not break_glass and can_write_diagnostic(pathway, request.user),
        "may_break_glass": sections is None and can_break_glass(pathway, request.user),
        "sections": [(value, label, by_kind.get(value)) for value, label in DiagnosticSectionKind.choices],
        "may_manage_consent": can_manage_consent(pathway, request.user),
        "consents": secrecy.consents_for(pathway),
        "organisations": Organisation.objects.exclude(pk=pathway.organisation_id).order_by("name"),
        "notes": secrecy.private_notes_for(pathway, request.user),
        "min_justification": secrecy.MIN_JUSTIFICATION,
        "today": timezone.localdate(),
    }


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
    try:
        sections, _ = diagnostic_break_glass(
            pathway, request.user, justification=request.POST.get("justification", ""), now=timezone.now()
        )
    except (secrecy.SecrecyDenied, ValidationError) as exc:
        messages.error(request, _refusal(exc))
        return redirect("security:diagnostic", pathway.pk)
    messages.warning(request, "Accès d'urgence enregistré ; votre responsable d'équipe en est informé.")
    return render(request, "audit/diagnostic.html", _context(request, pathway, sections=sections, break_glass=True))


@login_required
@require_POST
def diagnostic_section_edit(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    try:
        secrecy.diagnostic_section_save(
            pathway,
            kind=request.POST.get("kind", ""),
            content=request.POST.get("content", ""),
            by=request.user,
            now=timezone.now(),
        )
    except (secrecy.SecrecyDenied, ValidationError) as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, "Rubrique du diagnostic enregistrée.")
    return redirect("security:diagnostic", pathway.pk)


@login_required
@require_POST
def consent_create(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    org_id = request.POST.get("organisation", "")
    given_on = parse_date(request.POST.get("given_on", "") or "") if request.POST.get("given_on") else None
    organisation = Organisation.objects.filter(pk=org_id).first() if org_id.isdigit() else None
    if organisation is None or given_on is None or given_on > timezone.localdate():
        return HttpResponseBadRequest("Organisation ou date invalide.")
    try:
        secrecy.consent_record(
            pathway, organisation=organisation, given_on=given_on, by=request.user, now=timezone.now()
        )
    except (secrecy.SecrecyDenied, ValidationError) as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, f"Consentement au partage avec {organisation} enregistré.")
    return redirect("security:diagnostic", pathway.pk)


@login_required
@require_POST
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
def private_note_create(request, pk: int):
    pathway = _pathway_or_404(request, pk)
    try:
        secrecy.private_note_add(pathway, content=request.POST.get("content", ""), by=request.user, now=timezone.now())
    except (secrecy.SecrecyDenied, ValidationError) as exc:
        messages.error(request, _refusal(exc))
    else:
        messages.success(request, "Note privée enregistrée (visible par vous seul).")
    return redirect("security:diagnostic", pathway.pk)
