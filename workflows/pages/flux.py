"""The payers' flux imports, for the people who run them (`casework.run_flux_import`).

Thin: the upload stores the file and records the import (`workflows.flux.importer`), a Celery
task applies it after commit; the report page polls its progress (HTMX) until the counts are
final. Who may is `can_run_flux_import` (403 for the list); which import is
`casework.selectors.flux_imports_visible_to` (404 outside it). The upload carries a one-time token.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from casework.enums import FluxImportStatus, FluxOutcome, FluxSource
from casework.models import FluxImport, FluxLine, Territory
from casework.permissions import can_run_flux_import, professional_of
from casework.selectors import flux_imports_visible_to
from workflows.flux.importer import flux_counts, flux_import_create
from workflows.flux.tasks import flux_import_publish
from workflows.inputs.flux import FluxUploadForm

from .csv_export import csv_response
from .form_tokens import one_time_form

PAGE_SIZE = 20
REJECTED_SHOWN = 200
REJECTED_CSV_HEADER = ("Ligne", "Numéro d'allocataire", "Motif")


def _importer_or_403(request) -> None:
    if not can_run_flux_import(request.user):
        raise PermissionDenied("L'import des flux est réservé aux personnes chargées des imports.")


def _import_or_404(request, pk: int) -> FluxImport:
    imp = flux_imports_visible_to(request.user).select_related("by", "territory").filter(pk=pk).first()
    if imp is None:
        raise Http404("Import introuvable.")
    return imp


def _form(request, data=None, files=None) -> FluxUploadForm:
    pro = professional_of(request.user)
    territories = Territory.objects.filter(organisations=pro.organisation_id)
    return FluxUploadForm(data, files, territories=territories, today=timezone.localdate(), auto_id="flux-%s")


def _list(request, form: FluxUploadForm, status: int = 200) -> HttpResponse:
    imports = flux_imports_visible_to(request.user).select_related("by", "territory")
    page = Paginator(imports, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "flux/imports.html", {"form": form, "page": page}, status=status)


@login_required
@require_GET
def flux_import_list(request):
    _importer_or_403(request)
    return _list(request, _form(request))


def _store(upload) -> Path:
    """The uploaded file, kept until its import is finished (streamed to disk, never whole)."""
    folder = Path(settings.FLUX_UPLOAD_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}{Path(upload.name).suffix.lower()}"
    with open(path, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return path


@login_required
@require_POST
@one_time_form
def flux_import_upload(request):
    _importer_or_403(request)
    form = _form(request, request.POST, request.FILES)
    if not form.is_valid():
        return _list(request, form, status=400)
    data = form.cleaned_data
    path = _store(data["file"])
    imp = flux_import_create(
        path,
        filename=Path(data["file"].name).name,
        source=FluxSource.PAGE,
        by=request.user,
        received_on=data["received_on"],
        territory=data["territory"],
        payer=data["payer"],
        now=timezone.now(),
    )
    if imp.status == FluxImportStatus.DUPLICATE:
        path.unlink(missing_ok=True)
        messages.warning(
            request, f"Ce fichier a déjà été importé (import n° {imp.duplicate_of_id}) : rien n'a changé."
        )
    else:
        if imp.stored_path != str(path):  # an unfinished import of the same file resumes
            path.unlink(missing_ok=True)
        transaction.on_commit(lambda: flux_import_publish(imp.pk))
        messages.success(request, "Fichier reçu : l'import est lancé.")
    return redirect("flux:detail", imp.pk)


def _report_context(imp: FluxImport) -> dict:
    counts = imp.counts if imp.is_finished else flux_counts(imp)
    rows = [(outcome.label, counts.get(outcome.value, 0), outcome.value) for outcome in FluxOutcome]
    rejected = FluxLine.objects.filter(flux_import=imp, outcome=FluxOutcome.REJECTED).order_by("line_no")
    return {
        "imp": imp,
        "rows": rows,
        "total": sum(counts.values()),
        "rejected": rejected[:REJECTED_SHOWN],
        "rejected_count": counts.get(FluxOutcome.REJECTED, 0),
        "rejected_shown": REJECTED_SHOWN,
    }


@login_required
@require_GET
def flux_import_detail(request, pk: int):
    imp = _import_or_404(request, pk)
    return render(request, "flux/report.html", _report_context(imp))


@login_required
@require_GET
def flux_import_progress(request, pk: int):
    """The progress panel alone (HTMX polls it every 2 s until the import is finished)."""
    imp = _import_or_404(request, pk)
    return render(request, "flux/_progress.html", _report_context(imp))


@login_required
@require_GET
def flux_import_rejected_csv(request, pk: int):
    imp = _import_or_404(request, pk)
    lines = FluxLine.objects.filter(flux_import=imp, outcome=FluxOutcome.REJECTED).order_by("line_no")
    rows = ((line.line_no, line.allocation_number, line.reason) for line in lines.iterator(chunk_size=2000))
    return csv_response(f"import-flux-{imp.pk}-lignes-rejetees.csv", REJECTED_CSV_HEADER, rows)
