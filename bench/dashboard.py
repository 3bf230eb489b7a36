"""Measure 4: the team lead's overdue board and each indicator, at N.

`casework/board.py` and `casework/indicators.py` belong to another part of the project; they
are imported if present and measured through their public functions, else "not available".
Beside them: the raw overdue count by rule x territory (one GROUP BY). The board's count
tables are measured both live (`deadline_counts` + `deadline_totals`, the fallback) and on the
summary the sweep keeps fresh (`board_counts` reading `BoardCount`, with the refresh's own
cost and a check that both agree); `total_ms` is the page's reads as served (on the summary),
`total_live_ms` the same reads counted live. The indicators are
measured live from the journal (the baseline) and from the refreshed per-entry facts, with the
refresh itself (full, and an incremental re-run with nothing new) and a check that both agree.
"""

from __future__ import annotations

import importlib
from collections import Counter

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.utils import timezone

from casework.models import Organisation, Pathway, Professional
from casework.services.board_summary import board_summary_refresh

from .pages import _series
from .util import median_ms, ratio

OVERDUE_BY_RULE_TERRITORY = """
SELECT d.rule_code, p.territory_id, count(*)
FROM casework_deadline d JOIN casework_pathway p ON p.id = d.pathway_id
WHERE d.status = 'open' AND d.due_on < %s
GROUP BY 1, 2
"""


def _raw_overdue(today):
    with connection.cursor() as cur:
        cur.execute(OVERDUE_BY_RULE_TERRITORY, [today])
        return cur.fetchall()


def _module(name: str):
    try:
        return importlib.import_module(name)
    except Exception as exc:  # not written yet, or broken while someone works on it
        return exc


def _board_calls(module, today) -> dict:
    """The board's reads, each made concrete (list / count), over every pathway (the worst scope)."""
    scope = Pathway.objects.all()
    calls = {}
    if hasattr(module, "deadline_counts"):
        calls["deadline_counts (rule x territory x organisation x referent)"] = lambda: list(
            module.deadline_counts(scope, today=today)
        )
    if hasattr(module, "deadline_totals"):
        calls["deadline_totals"] = lambda: list(module.deadline_totals(scope, today=today))
    if hasattr(module, "assignment_queue") and hasattr(module, "queue_summary"):
        calls["assignment_queue summary"] = lambda: module.queue_summary(module.assignment_queue(scope, today=today))
    if hasattr(module, "orientation_queue") and hasattr(module, "queue_summary"):
        calls["orientation_queue summary"] = lambda: module.queue_summary(module.orientation_queue(scope, today=today))
    if hasattr(module, "pending_handovers"):
        calls["pending_handovers count"] = lambda: module.pending_handovers(scope, today=today).count()
    if hasattr(module, "contact_gaps"):
        calls["contact_gaps count"] = lambda: module.contact_gaps(scope, today=today).count()
    if hasattr(module, "caseload_by_referent") and hasattr(module, "referents_in_scope"):
        lead = Professional.objects.filter(is_team_lead=True, organisation__kind="departement").first()
        if lead is not None:
            calls["caseload_by_referent (one organisation)"] = lambda: list(
                module.caseload_by_referent(module.referents_in_scope(lead))
            )
    return calls


def measure(*, today, runs: int) -> dict:
    out: dict = {}
    raw = median_ms(lambda: _raw_overdue(today), runs)
    out["raw_overdue_by_rule_territory_ms"] = raw["ms"]
    out["raw_overdue_groups"] = len(raw["result"])

    board = _module("casework.board")
    if isinstance(board, Exception):
        out["board"] = {"status": f"not available ({type(board).__name__})"}
    else:
        out["board"] = {"target_ms": 250, "scope": "all pathways"}
        calls = _board_calls(board, today)
        if not calls:
            out["board"]["status"] = "not available (no known entry point in casework.board)"
        for label, call in calls.items():
            try:
                res = median_ms(call, runs)
                out["board"][label] = res["ms"]
            except Exception as exc:
                out["board"][label] = f"failed: {type(exc).__name__}: {exc}"[:300]
        timings = [v for v in out["board"].values() if isinstance(v, float)]
        if timings:
            out["board"]["total_ms"] = round(sum(timings), 2)
            out["board"]["vs_raw_overdue_count"] = ratio(out["board"]["total_ms"], raw["ms"])
        if hasattr(board, "board_counts"):
            out["board"]["summary"] = _board_summary(board, today, runs, raw["ms"])
            out["board_page"] = board_pages(runs=runs)
            summary_ms = out["board"]["summary"].get("board_counts_summary_ms")
            if isinstance(summary_ms, float) and "total_ms" in out["board"]:
                live_counts = sum(
                    v for k, v in out["board"].items() if k.startswith("deadline_") and isinstance(v, float)
                )
                out["board"]["total_live_ms"] = out["board"]["total_ms"]
                out["board"]["total_ms"] = round(out["board"]["total_ms"] - live_counts + summary_ms, 2)
                out["board"]["vs_raw_overdue_count"] = ratio(out["board"]["total_ms"], raw["ms"])

    indicators = _module("casework.indicators")
    if isinstance(indicators, Exception) or not hasattr(indicators, "indicators_compute"):
        out["indicators"] = {"status": "not available"}
        return out
    out["indicators"] = _indicators(indicators, today, runs)
    return out


def _widest_users():
    """The orientation officer and the team lead whose board covers the most pathways.

    One GROUP BY (organisation, territory), then each professional's board keys
    (`board_scope`: their organisation, or the territories it covers) summed in memory.
    """
    cells = Counter(
        {
            (org, territory): n
            for org, territory, n in Pathway.objects.order_by()
            .values_list("organisation_id", "territory_id")
            .annotate(n=Count("id"))
        }
    )
    covers: dict[int, set[int]] = {}
    for org, territory in Organisation.territories.through.objects.values_list("organisation_id", "territory_id"):
        covers.setdefault(org, set()).add(territory)

    by_org, by_territory = Counter(), Counter()
    for (org, territory), n in cells.items():
        by_org[org] += n
        by_territory[territory] += n

    def covered(pro) -> int:
        """|organisation ∪ territories| = |organisation| + |territories| − |both|."""
        territories = covers.get(pro.organisation_id, set()) if pro.is_orientation_officer else set()
        n = sum(by_territory[t] for t in territories)
        if pro.is_team_lead:
            n += by_org[pro.organisation_id] - sum(cells[(pro.organisation_id, t)] for t in territories)
        return n

    out = {}
    for role, pros in (
        ("orientation officer", Professional.objects.filter(is_orientation_officer=True)),
        ("team lead", Professional.objects.filter(is_team_lead=True)),
    ):
        best = max(pros.select_related("user"), key=covered, default=None)
        out[role] = (best, covered(best) if best else 0)
    return out


def board_pages(*, runs: int) -> dict:
    """The board page as served ("/tableau-de-bord/": counts, queues, handovers, contact gaps,
    caseloads, template), as the users whose board is the widest: p50/p95 and queries.

    No user's board covers every pathway: a board is a team lead's organisation or the
    territories an orientation officer's organisation covers (`casework.board.board_scope`).
    """
    if "testserver" not in settings.ALLOWED_HOSTS:
        settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    out: dict = {"target_ms": 250}
    for role, (pro, covered) in _widest_users().items():
        if pro is None:
            continue
        client = Client()
        client.force_login(pro.user)
        res = _series(client, "/tableau-de-bord/", runs, 10)
        res["pathways_in_scope"] = covered
        out[role] = res
    return out


def _board_summary(board, today, runs: int, raw_ms: float) -> dict:
    """The count tables on the summary: refresh cost, reads (all pathways; one organisation), agreement."""
    out: dict = {}
    try:
        scope = Pathway.objects.all()
        refresh = median_ms(lambda: board_summary_refresh(today=today, now=timezone.now()), max(1, min(runs, 3)))
        summary = median_ms(lambda: board.board_counts(scope, today=today, source=board.SUMMARY), runs)
        live = median_ms(lambda: board.board_counts(scope, today=today, source=board.LIVE), runs)
        out.update(
            {
                "refresh_ms": refresh["ms"],
                "refresh_rows": refresh["result"]["rows"],
                "board_counts_summary_ms": summary["ms"],
                "board_counts_live_ms": live["ms"],
                "summary_vs_live": ratio(summary["ms"], live["ms"]),
                "summary_vs_raw_overdue_count": ratio(summary["ms"], raw_ms),
                "rows": len(summary["result"].counts),
                "summary_matches_live": summary["result"].counts == live["result"].counts
                and summary["result"].totals == live["result"].totals,
            }
        )
        lead = Professional.objects.filter(is_team_lead=True, organisation__kind="departement").first()
        if lead is not None:
            keys = board.board_scope(lead)
            one = median_ms(lambda: board.board_counts(scope, today=today, scope=keys, source=board.SUMMARY), runs)
            one_live = median_ms(lambda: board.board_counts(scope, today=today, scope=keys, source=board.LIVE), runs)
            out["one_organisation_summary_ms"] = one["ms"]
            out["one_organisation_live_ms"] = one_live["ms"]
    except Exception as exc:
        out["status"] = f"failed: {type(exc).__name__}: {exc}"[:300]
    return out


def _indicators(indicators, today, runs: int) -> dict:
    """Every indicator in one call: live from the journal (the baseline) beside the refreshed facts.

    Also the facts' refresh: full (every entry) and an idempotent incremental re-run.
    """
    out: dict = {"function": "indicators_compute (all indicators, one call)", "target_ms_each": 1000}
    live_source = getattr(indicators, "LIVE", None)
    try:
        kwargs = {"source": live_source} if live_source else {}
        res = median_ms(lambda: indicators.indicators_compute(as_of=today, **kwargs), runs)
        codes = sorted(res["result"]) if isinstance(res["result"], dict) else []
        out.update({"ms": res["ms"], "live_ms": res["ms"], "count": len(codes), "codes": codes})
        live_result = res["result"]
    except Exception as exc:
        return {"status": f"failed: {type(exc).__name__}: {exc}"[:300]}
    facts = _module("casework.services.facts")
    if isinstance(facts, Exception) or not live_source:
        return out

    try:
        full = median_ms(lambda: facts.facts_refresh(now=timezone.now(), full=True), max(1, min(runs, 3)))
        again = median_ms(lambda: facts.facts_refresh(now=timezone.now()), runs)
        res = median_ms(lambda: indicators.indicators_compute(as_of=today, source=indicators.FACTS), runs)
        past = today.replace(year=today.year - 1)
        res_past = median_ms(lambda: indicators.indicators_compute(as_of=past, source=indicators.FACTS), runs)
        live_past = indicators.indicators_compute(as_of=past, source=live_source)

        def same(a, b):
            keys = ("value", "numerator", "denominator", "status", "reason")
            return all({k: a[c][k] for k in keys} == {k: b[c][k] for k in keys} for c in a)

        out.update(
            {
                "ms": res["ms"],
                "facts_ms": res["ms"],
                "facts_past_as_of_ms": res_past["ms"],
                "vs_live": ratio(res["ms"], out["live_ms"]),
                "facts_match_live": same(res["result"], live_result) and same(res_past["result"], live_past),
                "refresh_full_ms": full["ms"],
                "refresh_full_entries": full["result"]["entries"],
                "refresh_incremental_nothing_new_ms": again["ms"],
                "refresh_incremental_entries": again["result"]["entries"],
            }
        )
    except Exception as exc:
        out["facts"] = f"failed: {type(exc).__name__}: {exc}"[:300]
    return out
