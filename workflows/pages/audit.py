"""Audit trail and subject access pages. Thin: access from casework.selectors and
casework.permissions (404 when the user may not see the pathway or the person), reads from
services that log what they show.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from casework.audit import HISTORY_TYPES, audit_changes_display
from casework.models import (
    ActivityDuration,
    ActivityWeek,
    Consent,
    Contract,
    ContractActivity,
    DiagnosticSection,
    Pathway,
    SensitiveAccessLog,
)
from casework.names import user_name
from casework.permissions import can_export_subject_data, can_read_diagnostic, can_view_audit
from casework.selectors import beneficiaries_visible_to, pathway_for_user, pathways_visible_to
from casework.services.secrecy import access_log
from casework.services.subject_access import person_display, subject_data

PROTECTED = "contenu protégé (secret professionnel partagé)"
MAX_ROWS = 300


@dataclass
class AuditEntry:
    at: object
    by: str
    subject: str
    action: str
    changes: list = field(default_factory=list)


def _who(record) -> str:
    return user_name(record.history_user) if record.history_user_id else "système"


def _entry(record, subject: str, changes: list) -> AuditEntry:
    """Raw changes `(model, field, old, new)`: `audit_changes_display` writes them for people."""
    return AuditEntry(record.history_date, _who(record), subject, HISTORY_TYPES.get(record.history_type, ""), changes)


def _entries(records, subject: str) -> list[AuditEntry]:
    """Historical rows as entries with their field changes (old → new)."""
    out = []
    for record in records:
        prev = record.prev_record
        changes = []
        if prev is not None:
            model = record.instance_type
            changes = [(model, c.field, c.old, c.new) for c in record.diff_against(prev).changes]
        out.append(_entry(record, subject, changes))
    return out


def _diagnostic_entries(pathway: Pathway, *, may_read: bool) -> list[AuditEntry]:
    out = []
    for record in DiagnosticSection.audit.filter(pathway_id=pathway.pk)[:MAX_ROWS]:
        prev = record.prev_record
        changes = []
        if prev is not None:
            for change in record.diff_against(prev).changes:
                if change.field == "content" and not may_read:
                    changes.append((None, "Contenu", PROTECTED, PROTECTED))
                else:
                    changes.append((DiagnosticSection, change.field, change.old, change.new))
        elif not may_read:
            changes.append((None, "Contenu", "—", PROTECTED))
        else:
            changes.append((None, "Contenu", "—", record.content))
        subject = f"Diagnostic — {record.get_kind_display()}"
        out.append(_entry(record, subject, changes))
    return out


def _engagement_entries(pathway: Pathway) -> list[AuditEntry]:
    """The contrat d'engagement's action plan, activity durations (who, when, why) and weeks of hours."""
    contract_ids = list(Contract.objects.filter(pathway=pathway).values_list("pk", flat=True))
    return [
        *_entries(ContractActivity.audit.filter(contract_id__in=contract_ids)[:MAX_ROWS], "Plan d'action"),
        *_entries(ActivityDuration.audit.filter(contract_id__in=contract_ids)[:MAX_ROWS], "Durée d'activité"),
        *_entries(ActivityWeek.audit.filter(pathway_id=pathway.pk)[:MAX_ROWS], "Heures d'activité"),
    ]


@login_required
def pathway_audit(request, pk: int):
    pathway = pathway_for_user(request.user, pk)
    if pathway is None or not can_view_audit(pathway, request.user):
        # Existence must not leak: same answer whether the pathway is hidden or absent.
        raise Http404("Parcours introuvable.")
    now = timezone.now()
    may_read = can_read_diagnostic(pathway, request.user)
    entries: list[AuditEntry] = []
    entries += _entries(Pathway.audit.filter(id=pathway.pk)[:MAX_ROWS], f"Parcours n° {pathway.pk}")
    entries += _entries(pathway.beneficiary.audit.all()[:MAX_ROWS], "Identité de la personne")
    entries += _entries(Contract.audit.filter(pathway_id=pathway.pk)[:MAX_ROWS], "Contrat")
    entries += _engagement_entries(pathway)
    entries += _entries(
        Consent.audit.filter(beneficiary_id=pathway.beneficiary_id)[:MAX_ROWS], "Consentement au partage"
    )
    entries += _diagnostic_entries(pathway, may_read=may_read)
    entries.sort(key=lambda x: x.at, reverse=True)
    for entry, changes in zip(entries, audit_changes_display([e.changes for e in entries]), strict=True):
        entry.changes = changes
    if may_read and DiagnosticSection.objects.filter(pathway=pathway).exists():
        access_log(request.user, what=SensitiveAccessLog.What.DIAGNOSTIC_HISTORY, now=now, pathway=pathway)
    reads = (
        SensitiveAccessLog.objects.filter(Q(pathway=pathway) | Q(beneficiary_id=pathway.beneficiary_id))
        .select_related("user")
        .order_by("-at", "-id")[:MAX_ROWS]
    )
    return render(
        request,
        "audit/pathway_audit.html",
        {"pathway": pathway, "entries": entries, "reads": reads, "may_read": may_read},
    )


def _subject_or_404(request, beneficiary_id: int):
    person = beneficiaries_visible_to(request.user).select_related("territory").filter(pk=beneficiary_id).first()
    if person is None:
        raise Http404("Personne introuvable.")
    pathways = list(
        pathways_visible_to(request.user)
        .filter(beneficiary=person)
        .select_related("territory", "track", "organisation", "referent__user", "handover_to")
        .order_by("entered_on", "id")
    )
    if not any(can_export_subject_data(p, request.user) for p in pathways):
        raise Http404("Personne introuvable.")
    return person, pathways


@login_required
def subject_access_page(request, beneficiary_id: int):
    person, pathways = _subject_or_404(request, beneficiary_id)
    doc = subject_data(person, pathways, request.user, now=timezone.now())
    context = {"person": person, "doc": doc, "identity": person_display(person)}
    return render(request, "audit/subject_access.html", context)


@login_required
def subject_access_json(request, beneficiary_id: int):
    person, pathways = _subject_or_404(request, beneficiary_id)
    doc = subject_data(person, pathways, request.user, now=timezone.now())
    response = HttpResponse(
        json.dumps(doc, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="donnees-personne-{person.pk}.json"'
    response["Cache-Control"] = "no-store"
    return response
