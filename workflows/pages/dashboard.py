"""Team-lead dashboard: overdue board, indicators, annual report (CSV exports in `dashboard_csv`,
caseload balancing in `balancing`).

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

from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from casework import board
from casework.enums import RuleCode
from casework.indicators import DEFINITIONS, Filters, indicators_compute
from casework.models import Professional, Territory
from casework.offer_indicators import (
    OFFER_DEFINITIONS,
    prescription_indicators_compute,
    prescriptions_by_barrier_territory,
)
from casework.permissions import professional_of
from casework.selectors import pathways_visible_to
from workflows.inputs.dashboard_forms import (
    DeadlineFilterForm,
    IndicatorFilterForm,
    ReassignForm,
    ReportForm,
    default_period,
)
from workflows.inputs.params import form_messages, page_or_404

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


def dashboard_lead(user) -> Professional:
    pro = dashboard_professional(user)
    if not pro.is_team_lead:
        raise PermissionDenied("Le rééquilibrage des files actives est réservé aux responsables d'équipe.")
    return pro


def dashboard_scope(user, today: dt.date):
    return pathways_visible_to(user, on=today)


def board_list_scope(user, pro: Professional, today: dt.date):
    """What the board's lists cover: the visible pathways within the board's keys (a team lead's
    organisation, an orientation officer's territories), like its counts. The keys are plain
    indexed columns, so the lists read one organisation or territory, not every visible row
    (the visibility test alone is an OR the planner can only evaluate row by row)."""
    return dashboard_scope(user, today).filter(board.board_scope(pro))


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


def board_counts(pro: Professional, scope, today: dt.date) -> board.BoardCounts:
    """The board's count tables: the summary of today's sweep when there is one, else live."""
    return board.board_counts(scope, today=today, scope=board.board_scope(pro))


def deadline_filter(params) -> board.DeadlineFilter:
    """The drill-down filter of the board's lists; invalid values are a 400, with the reason."""
    form = DeadlineFilterForm(params)
    if not form.is_valid():
        raise BadRequest("Filtres invalides : " + " ; ".join(form_messages(form)))
    return form.deadline_filter()


def indicator_form(request, today: dt.date, *, page_defaults: bool) -> IndicatorFilterForm:
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
    scope = board_list_scope(request.user, pro, today)
    result = board_counts(pro, scope, today)
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
    f = deadline_filter(request.GET)
    qs = board.deadline_pathways(board_list_scope(request.user, pro, today), f, today=today)
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
    form = indicator_form(request, today, page_defaults=True)
    result, rows, prescription_rows = None, [], []
    if form.is_valid():
        kwargs = form.indicator_kwargs()
        scope = dashboard_scope(request.user, today)
        result = indicators_compute(pathways=scope, **kwargs)
        result.update(prescription_indicators_compute(pathways=scope, **kwargs))
        rows = _indicator_rows(result)
        prescription_rows = prescriptions_by_barrier_territory(Filters(**kwargs), scope)
    query = urlencode({k: v for k, v in form.data.items() if v})
    context = {
        "form": form,
        "rows": rows,
        "charts": indicator_charts(rows),
        "query": query,
        "today": today,
        "freshness": indicator_freshness(result),
        "prescription_rows": prescription_rows,
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
    scope = dashboard_scope(request.user, today)
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
    return render(request, "dashboard/help.html", {"definitions": [*DEFINITIONS.items(), *OFFER_DEFINITIONS.items()]})
