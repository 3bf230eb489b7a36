"""The dashboard's CSV exports: one small function per table, in a table of tables.

Each export reads the same selectors as its page (the board's scope and lists, the indicators'
filters), so a file never says something the page does not; every file is written by
`csv_export.csv_response` (formula injection neutralised)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from casework import board
from casework.enums import RuleCode
from casework.indicators import Filters, indicators_compute
from casework.models import Professional
from casework.offer_indicators import prescription_indicators_compute, prescriptions_by_barrier_territory

from .csv_export import csv_response
from .dashboard import (
    board_counts,
    board_list_scope,
    dashboard_professional,
    dashboard_scope,
    deadline_filter,
    indicator_form,
)

Rows = list[list]


@dataclass(frozen=True)
class Export:
    """What every table reads: the request (its filters), the day, the lead and both scopes."""

    request: object
    today: dt.date
    pro: Professional
    scope: QuerySet  # every pathway the reader sees (indicators, counts)
    listed: QuerySet  # the board's lists, as on the page


def _d(day) -> str:
    return day.isoformat() if day else ""


def _name(pro) -> str:
    return pro.display_name if pro else ""


INDICATOR_HEADER = [
    "code", "indicateur", "valeur", "unité", "numérateur", "dénominateur", "statut", "raison", "référence PTI",
    "France", "situation au", "entrées du", "entrées au", "chiffres au",
]  # fmt: skip


def indicators_table(e: Export) -> tuple[list[str], Rows]:
    form = indicator_form(e.request, e.today, page_defaults=False)
    if not form.is_valid():
        raise Http404("Filtres invalides.")
    kwargs = form.indicator_kwargs()
    result = indicators_compute(pathways=e.scope, **kwargs)
    result.update(prescription_indicators_compute(pathways=e.scope, **kwargs))
    rows = [
        [code, r["label"], r["value"], r["unit"], r["numerator"], r["denominator"], r["status"], r["reason"]]
        + [r["reference"], r["national"], _d(kwargs["as_of"]), _d(kwargs["entered_from"])]
        + [_d(kwargs["entered_to"]), r["figures_as_of"] or "calcul instantané"]
        for code, r in result.items()
    ]
    return INDICATOR_HEADER, rows


def overdue_counts_table(e: Export) -> tuple[list[str], Rows]:
    header = ["règle", "territoire", "organisation", "référent", "en retard", "échéance proche"]
    counts = board_counts(e.pro, e.scope, e.today).counts
    return header, [
        [r["rule"], r["territory"], r["organisation"], r["referent"], r["overdue"], r["due_soon"]] for r in counts
    ]


def deadline_pathways_table(e: Export) -> tuple[list[str], Rows]:
    header = ["parcours", "personne", "territoire", "organisation", "référent", "règle", "échéance", "jours"]
    labels = dict(RuleCode.choices)
    qs = board.deadline_pathways(e.listed, deadline_filter(e.request.GET), today=e.today)
    rows = [
        [p.pk, str(p.beneficiary), p.territory.name, p.organisation.name if p.organisation else "", _name(p.referent)]
        + [labels.get(p.board_rule, p.board_rule), _d(p.board_due_on), p.board_days_late]
        for p in qs.iterator()
    ]
    return header, rows


def _queue_table(queue: Callable) -> Callable[[Export], tuple[list[str], Rows]]:
    def table(e: Export) -> tuple[list[str], Rows]:
        header = ["parcours", "personne", "territoire", "organisation", "en attente depuis", "jours d'attente"]
        rows = [
            [p.pk, str(p.beneficiary), p.territory.name, p.organisation.name if p.organisation_id else ""]
            + [_d(p.waiting_since), p.waiting_days]
            for p in queue(e.listed, today=e.today).iterator()
        ]
        return header, rows

    return table


def handovers_table(e: Export) -> tuple[list[str], Rows]:
    header = ["parcours", "personne", "référent sortant", "référent entrant", "proposé le", "échéance", "jours"]
    rows = [
        [h.pathway_id, str(h.pathway.beneficiary), _name(h.outgoing), _name(h.incoming), _d(h.proposed_on)]
        + [_d(h.due_on), h.waiting_days]
        for h in board.pending_handovers(e.listed, today=e.today).iterator()
    ]
    return header, rows


def contact_gaps_table(e: Export) -> tuple[list[str], Rows]:
    header = ["parcours", "personne", "territoire", "référent", "dernier contact honoré", "échéance", "jours"]
    rows = [
        [p.pk, str(p.beneficiary), p.territory.name, _name(p.referent), _d(p.last_contact_on), _d(p.gap_due_on)]
        + [p.gap_days]
        for p in board.contact_gaps(e.listed, today=e.today).iterator()
    ]
    return header, rows


def caseloads_table(e: Export) -> tuple[list[str], Rows]:
    if not e.pro.is_team_lead:
        raise Http404("Tableau inconnu.")
    header = ["référent", "organisation", "parcours ouverts", "relais entrants", "cible", "au-dessus de la cible"]
    rows = [
        [_name(r), r.organisation.name, r.open_count, r.incoming_count, r.target, "oui" if r.over_capacity else "non"]
        for r in board.caseload_by_referent(board.referents_in_scope(e.pro))
    ]
    return header, rows


def prescriptions_table(e: Export) -> tuple[list[str], Rows]:
    """Prescriptions per territory and barrier aimed at, for the indicators' filters."""
    form = indicator_form(e.request, e.today, page_defaults=False)
    if not form.is_valid():
        raise Http404("Filtres invalides.")
    rows = prescriptions_by_barrier_territory(Filters(**form.indicator_kwargs()), e.scope)
    header = ["territoire", "frein visé", "prescriptions", "entrées dans l'action"]
    return header, [[r["territory"], r["barrier"], r["sent"], r["entered"]] for r in rows]


# The table in the URL → its function; the page's links and the tests read the names from here.
TABLES: dict[str, Callable[[Export], tuple[list[str], Rows]]] = {
    "indicateurs": indicators_table,
    "retards": overdue_counts_table,
    "parcours": deadline_pathways_table,
    "file-attente": _queue_table(board.assignment_queue),
    "orientation": _queue_table(board.orientation_queue),
    "relais": handovers_table,
    "ruptures": contact_gaps_table,
    "files-actives": caseloads_table,
    "prescriptions": prescriptions_table,
}
CSV_TABLES = list(TABLES)


def csv_table(table: str, request, today: dt.date) -> tuple[list[str], Rows]:
    """Header and rows of one table of the dashboard, from the same selectors as the pages."""
    if table not in TABLES:
        raise Http404("Tableau inconnu.")
    pro = dashboard_professional(request.user)
    export = Export(
        request, today, pro, dashboard_scope(request.user, today), board_list_scope(request.user, pro, today)
    )
    return TABLES[table](export)


@login_required
def export_csv(request, table: str):
    today = timezone.localdate()
    header, rows = csv_table(table, request, today)
    return csv_response(f"filrouge-{table}-{today.isoformat()}.csv", header, rows)
