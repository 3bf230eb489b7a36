"""Team-lead dashboard: overdue board, indicators, annual report, CSV exports, caseload balancing.

Thin views: `casework.board` and `casework.indicators` read (scoped by
`pathways_visible_to`), `workflows.services.balancing` writes. Each CSV is built from the
same selector call as its page, so a page and its export never disagree.
Access: team leads and orientation officers; balancing is for team leads only.
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from casework import board
from casework.enums import RuleCode
from casework.indicators import DEFINITIONS, indicators_compute
from casework.models import Delegation, Professional, Territory
from casework.permissions import professional_of
from casework.selectors import pathways_visible_to

from .csv_export import csv_response
from .dashboard_forms import (
    DeadlineFilterForm,
    DelegationForm,
    IndicatorFilterForm,
    OutgoingForm,
    PathwayIdsForm,
    ReassignForm,
    ReportForm,
    default_period,
)
from .form_tokens import one_time_form
from .forms import form_errors_add
from .params import form_messages, page_or_404
from .services.balancing import DelegationOverlap, caseload_reassign, delegation_create

LIST_SIZE = 50
PREVIEW = 10
CHART_WIDTH = 400
REPORT_TERRITORY_CODES = [
    "cohort_size",
    "orientation_rate",
    "oriented_within_6_weeks",
    "days_to_orientation_mean",
    "social_track_share",
    "contract_rate",
    "contract_within_1_month",
    "reorientation_rate",
    "exits_to_job_or_training",
]


# --- access ----------------------------------------------------------------------------------
def dashboard_professional(user) -> Professional:
    pro = professional_of(user)
    if pro is None or not (pro.is_team_lead or pro.is_orientation_officer):
        raise PermissionDenied("Le tableau de bord est réservé aux responsables d'équipe et à l'orientation.")
    return pro


def _lead(user) -> Professional:
    pro = dashboard_professional(user)
    if not pro.is_team_lead:
        raise PermissionDenied("Le rééquilibrage des files actives est réservé aux responsables d'équipe.")
    return pro


def _scope(user, today: dt.date):
    return pathways_visible_to(user, on=today)


def _board_scope(user, pro: Professional, today: dt.date):
    """What the board's lists cover: the visible pathways within the board's keys (a team lead's
    organisation, an orientation officer's territories), like its counts. The keys are plain
    indexed columns, so the lists read one organisation or territory, not every visible row
    (the visibility test alone is an OR the planner can only evaluate row by row)."""
    return _scope(user, today).filter(board.board_scope(pro))


# --- reads shared by pages and CSV ---------------------------------------------------------
def _cell_url(row: dict, bucket: str, base: str) -> str:
    """The drill-down link of one count. `base` is the list's URL, reversed once per page (a
    wide board has a thousand cells)."""
    params = {
        "bucket": bucket,
        "rule": row["rule_code"],
        "territory": row["territory_id"] or "",
        "organisation": row["organisation_id"] or "",
        "referent": row["referent_id"] or board.NO_REFERENT,
    }
    return base + "?" + urlencode(params)


def _board_counts(pro: Professional, scope, today: dt.date) -> board.BoardCounts:
    """The board's count tables: the summary of today's sweep when there is one, else live."""
    return board.board_counts(scope, today=today, scope=board.board_scope(pro))


def _deadline_filter(params) -> board.DeadlineFilter:
    """The drill-down filter of the board's lists; invalid values are a 400, with the reason."""
    form = DeadlineFilterForm(params)
    if not form.is_valid():
        raise BadRequest("Filtres invalides : " + " ; ".join(form_messages(form)))
    return form.deadline_filter()


def _indicator_form(request, today: dt.date, *, page_defaults: bool) -> IndicatorFilterForm:
    data = request.GET.copy()
    if page_defaults and not any(data.get(k) for k in ("entered_from", "entered_to")):
        start, end = default_period(today)
        data["entered_from"], data["entered_to"] = start.isoformat(), end.isoformat()
    return IndicatorFilterForm(data, today=today)


def indicator_freshness(result: dict | None) -> dict:
    """How old the figures are: {"source": "facts" | "live", "figures_as_of": aware datetime | None}."""
    first = next(iter(result.values()), {}) if result else {}
    if not first:
        return {}
    as_of = first.get("figures_as_of")
    return {"source": first.get("source"), "figures_as_of": dt.datetime.fromisoformat(as_of) if as_of else None}


def _indicator_rows(result: dict) -> list[dict]:
    return [{"code": code, **r} for code, r in result.items()]


# Chart text metrics (13px sans-serif): a generous average advance per character, so that a
# label wraps before the bars and a value's text always fits inside the drawing.
CHAR_W = 7.5
LINE_H = 16
LABEL_CHARS = 34
BAR_H = 20


def bar_chart(title: str, items: list[dict], *, scale_max: float | None = None) -> dict:
    """Geometry of a server-drawn horizontal bar chart (SVG in `dashboard/_chart.html`).

    Each item: label, value (None = n.d.), optional reference (drawn as a tick), text. Labels
    are wrapped whole (never cut); each row is as tall as its label; a value's text starts
    after both the bar and the reference tick, so the tick never crosses it; the drawing is as
    wide as its longest value text.
    """
    label_w = round(LABEL_CHARS * CHAR_W) + 10
    values = [i["value"] or 0 for i in items] + [i.get("reference") or 0 for i in items]
    top = scale_max or max(values + [1])
    bars = []
    y = 0
    right = label_w + CHART_WIDTH
    for item in items:
        lines = textwrap.wrap(str(item["label"]), LABEL_CHARS) or [""]
        row_h = max(34, len(lines) * LINE_H + 12)
        bar_y = y + (row_h - BAR_H) / 2
        width = round((item["value"] or 0) * CHART_WIDTH / top, 1)
        ref = item.get("reference")
        ref_px = ref * CHART_WIDTH / top if ref is not None else None
        text_x = round(label_w + max(width, ref_px or 0) + 8, 1)
        text = item.get("text") or ""
        right = max(right, text_x + len(text) * CHAR_W)
        first_line_y = y + (row_h - len(lines) * LINE_H) / 2 + LINE_H - 4
        bars.append(
            {
                **item,
                "lines": [{"text": line, "y": first_line_y + k * LINE_H} for k, line in enumerate(lines)],
                "y": bar_y,
                "text_y": bar_y + BAR_H - 5,
                "width": width,
                "x": label_w,
                "text_x": text_x,
                "ref_x": round(label_w + ref_px, 1) if ref_px is not None else None,
                "ref_y1": bar_y - 4,
                "ref_y2": bar_y + BAR_H + 4,
            }
        )
        y += row_h
    return {
        "title": title,
        "bars": bars,
        "height": max(y, 34),
        "width": math.ceil(right + 10),
    }


def _fmt(value, unit: str) -> str:
    if value is None:
        return "n.d."
    text = f"{value:g}".replace(".", ",")
    return f"{text} %" if unit == "%" else f"{text} j"


def indicator_charts(rows: list[dict]) -> list[dict]:
    def bars(unit: str, suffix: str) -> list[dict]:
        return [
            {
                "label": r["label"],
                "value": r["value"],
                "reference": r["reference"],
                "text": _fmt(r["value"], suffix)
                + (f" (PTI {_fmt(r['reference'], suffix)})" if r["reference"] else ""),
            }
            for r in rows
            if r["unit"] == unit
        ]

    rates, days = bars("%", "%"), bars("jours", "j")
    return [
        bar_chart("Taux (%) — trait vertical : référence du PTI", rates, scale_max=100),
        bar_chart("Délais (jours) — trait vertical : référence du PTI", days),
    ]


# --- pages -----------------------------------------------------------------------------------
@login_required
def board_page(request):
    pro = dashboard_professional(request.user)
    today = timezone.localdate()
    scope = _board_scope(request.user, pro, today)
    result = _board_counts(pro, scope, today)
    counts, totals = result.counts, result.totals
    base = reverse("dashboard:pathways")
    for row in counts:
        row["overdue_url"] = _cell_url(row, board.OVERDUE, base) if row["overdue"] else ""
        row["due_soon_url"] = _cell_url(row, board.DUE_SOON, base) if row["due_soon"] else ""
    chart = bar_chart(
        "Échéances en retard par règle",
        [{"label": t["rule"], "value": t["overdue"], "text": f"{t['overdue']} en retard"} for t in totals],
    )
    queue = board.assignment_queue(scope, today=today)
    orientation = board.orientation_queue(scope, today=today)
    handovers = board.pending_handovers(scope, today=today)
    context = {
        "pro": pro,
        "today": today,
        "counts": counts,
        "totals": totals,
        "freshness": result.freshness,
        "chart": chart,
        "queue": list(queue[:PREVIEW]),
        "queue_summary": board.queue_summary(queue),
        "orientation": list(orientation[:PREVIEW]),
        "orientation_summary": board.queue_summary(orientation),
        "handovers": list(handovers[:PREVIEW]),
        "handover_count": handovers.count(),
        "gaps": board.contact_gaps_first(scope, today=today, limit=PREVIEW),
        "gap_count": board.expired_contact_gaps(scope, today=today).count(),
        "caseload": list(board.caseload_by_referent(board.referents_in_scope(pro))) if pro.is_team_lead else [],
        "soon_days": board.SOON_DAYS,
    }
    return render(request, "dashboard/board.html", context)


@login_required
def pathways_page(request):
    pro = dashboard_professional(request.user)
    today = timezone.localdate()
    f = _deadline_filter(request.GET)
    qs = board.deadline_pathways(_board_scope(request.user, pro, today), f, today=today)
    page = page_or_404(qs, LIST_SIZE, request.GET)
    form = None
    if pro.is_team_lead:
        form = ReassignForm(
            referents=board.referents_in_scope(pro), pathway_ids=[p.pk for p in page.object_list], prefix="r"
        )
    context = {
        "page": page,
        "filter": f,
        "rule_label": dict(RuleCode.choices).get(f.rule_code, "Toutes les règles"),
        "bucket_label": board.BUCKETS[f.bucket],
        "territory": Territory.objects.filter(pk=f.territory_id).first() if f.territory_id else None,
        "form": form,
        "query": request.GET.urlencode(),
        "today": today,
    }
    return render(request, "dashboard/pathways.html", context)


@login_required
def indicators_page(request):
    dashboard_professional(request.user)
    today = timezone.localdate()
    form = _indicator_form(request, today, page_defaults=True)
    result, rows = None, []
    if form.is_valid():
        kwargs = form.indicator_kwargs()
        result = indicators_compute(pathways=_scope(request.user, today), **kwargs)
        rows = _indicator_rows(result)
    query = urlencode({k: v for k, v in form.data.items() if v})
    context = {
        "form": form,
        "rows": rows,
        "charts": indicator_charts(rows),
        "query": query,
        "today": today,
        "freshness": indicator_freshness(result),
    }
    return render(request, "dashboard/indicators.html", context, status=200 if form.is_valid() else 400)


@login_required
def report_page(request):
    """The steering committee's annual report: the entry cohort of a calendar year."""
    pro = dashboard_professional(request.user)
    today = timezone.localdate()
    form = ReportForm(request.GET, today=today)
    if not form.is_valid():
        raise BadRequest(" ; ".join(form_messages(form)))
    year = form.year()
    start, end = dt.date(year, 1, 1), min(dt.date(year, 12, 31), today)
    scope = _scope(request.user, today)
    result = indicators_compute(as_of=today, pathways=scope, entered_from=start, entered_to=end)
    rows = _indicator_rows(result)
    territories = []
    for territory in Territory.objects.filter(pk__in=scope.values("territory_id")).order_by("name"):
        by_t = indicators_compute(
            as_of=today, pathways=scope, territory_id=territory.pk, entered_from=start, entered_to=end
        )
        territories.append({"territory": territory, "cells": [by_t[c] for c in REPORT_TERRITORY_CODES]})
    context = {
        "pro": pro,
        "year": year,
        "start": start,
        "end": end,
        "today": today,
        "rows": rows,
        "charts": indicator_charts(rows),
        "territories": territories,
        "territory_headers": [DEFINITIONS[c].label for c in REPORT_TERRITORY_CODES],
        "freshness": indicator_freshness(result),
        "totals": board.deadline_totals(scope, today=today),
        "years": list(range(today.year, today.year - 6, -1)),
    }
    return render(request, "dashboard/report.html", context)


@login_required
def help_page(request):
    dashboard_professional(request.user)
    return render(request, "dashboard/help.html", {"definitions": DEFINITIONS.items()})


# --- CSV ---------------------------------------------------------------------------------------
def _d(day) -> str:
    return day.isoformat() if day else ""


def _name(pro) -> str:
    return pro.display_name if pro else ""


def csv_table(table: str, request, today: dt.date) -> tuple[list[str], list[list]]:
    """Header and rows of one table of the dashboard, from the same selectors as the pages."""
    pro = dashboard_professional(request.user)
    scope = _scope(request.user, today)
    listed = _board_scope(request.user, pro, today)  # the board's lists, as on the page
    if table == "indicateurs":
        form = _indicator_form(request, today, page_defaults=False)
        if not form.is_valid():
            raise Http404("Filtres invalides.")
        kwargs = form.indicator_kwargs()
        result = indicators_compute(pathways=scope, **kwargs)
        header = [
            "code",
            "indicateur",
            "valeur",
            "unité",
            "numérateur",
            "dénominateur",
            "statut",
            "raison",
            "référence PTI",
            "France",
            "situation au",
            "entrées du",
            "entrées au",
            "chiffres au",
        ]
        rows = [
            [
                code,
                r["label"],
                r["value"],
                r["unit"],
                r["numerator"],
                r["denominator"],
                r["status"],
                r["reason"],
                r["reference"],
                r["national"],
                _d(kwargs["as_of"]),
                _d(kwargs["entered_from"]),
                _d(kwargs["entered_to"]),
                r["figures_as_of"] or "calcul instantané",
            ]
            for code, r in result.items()
        ]
        return header, rows
    if table == "retards":
        header = ["règle", "territoire", "organisation", "référent", "en retard", "échéance proche"]
        rows = [
            [r["rule"], r["territory"], r["organisation"], r["referent"], r["overdue"], r["due_soon"]]
            for r in _board_counts(pro, scope, today).counts
        ]
        return header, rows
    if table == "parcours":
        qs = board.deadline_pathways(listed, _deadline_filter(request.GET), today=today)
        header = ["parcours", "personne", "territoire", "organisation", "référent", "règle", "échéance", "jours"]
        labels = dict(RuleCode.choices)
        rows = [
            [
                p.pk,
                str(p.beneficiary),
                p.territory.name,
                p.organisation.name if p.organisation else "",
                _name(p.referent),
                labels.get(p.board_rule, p.board_rule),
                _d(p.board_due_on),
                p.board_days_late,
            ]
            for p in qs.iterator()
        ]
        return header, rows
    if table in ("file-attente", "orientation"):
        qs = (board.assignment_queue if table == "file-attente" else board.orientation_queue)(listed, today=today)
        header = ["parcours", "personne", "territoire", "organisation", "en attente depuis", "jours d'attente"]
        rows = [
            [
                p.pk,
                str(p.beneficiary),
                p.territory.name,
                p.organisation.name if p.organisation_id else "",
                _d(p.waiting_since),
                p.waiting_days,
            ]
            for p in qs.iterator()
        ]
        return header, rows
    if table == "relais":
        header = ["parcours", "personne", "référent sortant", "référent entrant", "proposé le", "échéance", "jours"]
        rows = [
            [
                h.pathway_id,
                str(h.pathway.beneficiary),
                _name(h.outgoing),
                _name(h.incoming),
                _d(h.proposed_on),
                _d(h.due_on),
                h.waiting_days,
            ]
            for h in board.pending_handovers(listed, today=today).iterator()
        ]
        return header, rows
    if table == "ruptures":
        header = ["parcours", "personne", "territoire", "référent", "dernier contact honoré", "échéance", "jours"]
        rows = [
            [
                p.pk,
                str(p.beneficiary),
                p.territory.name,
                _name(p.referent),
                _d(p.last_contact_on),
                _d(p.gap_due_on),
                p.gap_days,
            ]
            for p in board.contact_gaps(listed, today=today).iterator()
        ]
        return header, rows
    if table == "files-actives" and pro.is_team_lead:
        header = ["référent", "organisation", "parcours ouverts", "relais entrants", "cible", "au-dessus de la cible"]
        rows = [
            [
                _name(r),
                r.organisation.name,
                r.open_count,
                r.incoming_count,
                r.target,
                "oui" if r.over_capacity else "non",
            ]
            for r in board.caseload_by_referent(board.referents_in_scope(pro))
        ]
        return header, rows
    raise Http404("Tableau inconnu.")


CSV_TABLES = [
    "indicateurs",
    "retards",
    "parcours",
    "file-attente",
    "orientation",
    "relais",
    "ruptures",
    "files-actives",
]


@login_required
def export_csv(request, table: str):
    today = timezone.localdate()
    header, rows = csv_table(table, request, today)
    return csv_response(f"filrouge-{table}-{today.isoformat()}.csv", header, rows)


# --- caseload balancing --------------------------------------------------------------------------
@login_required
def balancing_page(request):
    return _balancing_render(request)


def _balancing_render(request, *, delegation_form: DelegationForm | None = None, status: int = 200) -> HttpResponse:
    """The balancing page; a refused delegation form comes back filled in, errors beside its fields."""
    pro = _lead(request.user)
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
            _scope(request.user, today)
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
    pro = _lead(request.user)
    today = timezone.localdate()
    back = _safe_next(request, reverse("dashboard:balancing"))
    ticked = PathwayIdsForm(request.POST, prefix="r")
    if not ticked.is_valid():
        for message in form_messages(ticked):
            messages.error(request, message)
        return redirect(back)
    posted = ticked.cleaned_data["pathways"]
    visible = list(_scope(request.user, today).filter(pk__in=posted).values_list("pk", flat=True))
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
    pro = _lead(request.user)
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
