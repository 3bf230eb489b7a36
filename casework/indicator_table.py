"""The indicators as a table: one small function per indicator, each reading the cohort's
aggregate (`casework.indicators._aggregate`) and saying "n/a" with its reason while the cohort
has not yet had the full delay the indicator measures (the cohort rule, `casework.indicators`).
"""

from __future__ import annotations

import datetime as dt

from dateutil.relativedelta import relativedelta
from django.db.models import QuerySet
from django.utils.translation import ngettext

from casework.indicator_definitions import (
    ASSIGNMENT_DAYS,
    CONTRACT_MONTHS,
    FIRST_APPOINTMENT_DAYS,
    INDICATOR_CODES,
    ORIENTATION_DAYS,
)

OK = "ok"
NA = "n/a"


def _median(entries: QuerySet, field: str, count: int) -> float | None:
    """The median of an integer annotation, read as the one or two middle rows of an ORDER BY."""
    if not count:
        return None
    middle = (count - 1) // 2
    values = list(
        entries.filter(**{f"{field}__isnull": False})
        .order_by(field)
        .values_list(field, flat=True)[middle : middle + 2]
    )
    if count % 2 == 1:
        return float(values[0])
    return (values[0] + values[1]) / 2


# --- results ---------------------------------------------------------------------------------
def _d(day: dt.date) -> str:
    return f"{day:%d/%m/%Y}"


def _rate(num: int, den: int) -> float | None:
    return round(100 * num / den, 1) if den else None


def _result(value, numerator, denominator, status=OK, reason="") -> dict:
    if status == OK and denominator == 0:
        status, reason, value = NA, "Aucune personne concernée dans la cohorte.", None
    if status == NA:
        value = None
    return {"value": value, "numerator": numerator, "denominator": denominator, "status": status, "reason": reason}


def _completeness(as_of: dt.date, steps: list[tuple[dt.date | None, dt.date | None, str]]) -> str:
    """The reason the cohort has not had every delay yet, or "" when it has.

    Each step is (last start date in the cohort, the end of its full delay, label).
    """
    for last_start, full_on, label in steps:
        if last_start is not None and full_on is not None and full_on > as_of:
            return (
                f"Délai non écoulé pour toute la cohorte : {label} le {_d(last_start)} n'aura eu "
                f"son délai complet que le {_d(full_on)} (calcul au {_d(as_of)})."
            )
    return ""


def _plus_days(day: dt.date | None, n: int) -> dt.date | None:
    return day + dt.timedelta(days=n) if day else None


def _plus_months(day: dt.date | None, n: int) -> dt.date | None:
    return day + relativedelta(months=n) if day else None


class Cohort:
    """One cohort's aggregate (`_aggregate`), and the reasons its delay indicators must wait."""

    def __init__(self, a: dict, entries: QuerySet, as_of: dt.date, *, by_organisation: bool):
        self.a, self.entries, self.n = a, entries, a["members"]
        entry = [(a["last_entry"], _plus_days(a["last_entry"], ORIENTATION_DAYS), "la dernière entrée")]
        oriented, assigned = a["last_oriented"], a["last_assigned"]
        self.waits = {
            "orientation": _completeness(as_of, entry),
            "contract": _completeness(
                as_of, [*entry, (oriented, _plus_months(oriented, CONTRACT_MONTHS), "la dernière orientation")]
            ),
            "appointment": _completeness(
                as_of,
                [
                    *entry,
                    (oriented, _plus_days(oriented, ASSIGNMENT_DAYS), "la dernière orientation"),
                    (assigned, _plus_days(assigned, FIRST_APPOINTMENT_DAYS), "la dernière désignation"),
                ],
            ),
            "reorientation": _pending_reorientations(a["reorientation_pending"], as_of),
            **breach_waits(a, as_of),
        }
        self.by_organisation = BY_ORGANISATION if by_organisation else ""

    def delay(self, value, numerator, denominator, wait: str) -> dict:
        reason = self.waits[wait]
        return _result(value, numerator, denominator, NA if reason else OK, reason)


BY_ORGANISATION = (
    "Non calculable par organisation : les personnes non orientées n'appartiennent à aucune organisation."
)


def _pending_reorientations(pending: int, as_of: dt.date) -> str:
    if not pending:
        return ""
    waiting = ngettext(
        "%(n)d demande de réorientation sans décision au %(day)s : ",
        "%(n)d demandes de réorientation sans décision au %(day)s : ",
        pending,
    ) % {"n": pending, "day": _d(as_of)}
    return waiting + "la durée moyenne ne sera connue qu'une fois toutes décidées."


def breach_waits(a: dict, as_of: dt.date) -> dict[str, str]:
    """The breach procedure's cohort rule: every breach decided, every suspension over."""
    pending, running = a["breach_pending"], a["breach_running"]
    waits = {"breach_decision": "", "suspension": ""}
    if pending:
        waits["breach_decision"] = (
            ngettext(
                "%(n)d manquement sans décision au %(day)s : ",
                "%(n)d manquements sans décision au %(day)s : ",
                pending,
            )
            % {"n": pending, "day": _d(as_of)}
        ) + "le délai moyen ne sera connu qu'une fois tous décidés."
    if running:
        waits["suspension"] = (
            ngettext(
                "%(n)d suspension en cours au %(day)s",
                "%(n)d suspensions en cours au %(day)s",
                running,
            )
            % {"n": running, "day": _d(as_of)}
        ) + f" : la part remobilisée ne sera connue qu'après le {_d(a['breach_running_last_end'])}."
    return waits


# --- the indicators: one small function each, built from the aggregate -------------------------


def _share(numerator: str, denominator: str | None = None):
    """numerator / denominator in %, over the cohort when no denominator is named."""

    def compute(c: Cohort) -> dict:
        num, den = c.a[numerator], c.n if denominator is None else c.a[denominator]
        return _result(_rate(num, den), num, den)

    return compute


def _timely(numerator: str, wait: str):
    """The share of the cohort that reached a step within its delay: n/a until every member had it."""

    def compute(c: Cohort) -> dict:
        return c.delay(_rate(c.a[numerator], c.n), c.a[numerator], c.n, wait)

    return compute


def _mean_days(total: str, count: str, wait: str):
    def compute(c: Cohort) -> dict:
        n = c.a[count]
        return c.delay(round(c.a[total] / n, 1) if n else None, c.a[total] or 0, n, wait)

    return compute


def _among_oriented(compute):
    """Orientation figures: "n/a" under an organisation filter (the never oriented belong to none)."""

    def among(c: Cohort) -> dict:
        if c.by_organisation:
            return _result(None, compute(c)["numerator"], c.n, NA, c.by_organisation)
        return compute(c)

    return among


def _orientation_mean(c: Cohort) -> dict:
    avg = c.a["orientation_days_avg"]
    value = round(float(avg), 1) if avg is not None else None
    return c.delay(value, c.a["orientation_days_sum"] or 0, c.a["oriented"], "orientation")


def _orientation_median(c: Cohort) -> dict:
    oriented = c.a["oriented"]
    ready = oriented and not c.waits["orientation"]
    return c.delay(_median(c.entries, "orientation_days", oriented) if ready else None, None, oriented, "orientation")


def _hours_met(c: Cohort) -> dict:
    met, target = float(c.a["hours_met"] or 0), float(c.a["hours_target"] or 0)
    if not target:
        return _result(
            None, met, 0, NA, "Aucune semaine d'activité terminée avec des heures réalisées dans la cohorte."
        )
    return _result(_rate(met, target), round(met, 2), round(target, 2))


INDICATORS = {
    "cohort_size": lambda c: _result(c.n, c.n, c.n),
    "orientation_rate": _among_oriented(_share("oriented")),
    "oriented_within_6_weeks": _among_oriented(_timely("oriented_6w", "orientation")),
    "days_to_orientation_mean": _orientation_mean,
    "days_to_orientation_median": _orientation_median,
    "social_track_share": _share("social", "oriented"),
    "contract_rate": _share("contracted"),
    "contract_within_1_month": _timely("contracted_1m", "contract"),
    "reorientation_rate": _share("reoriented", "oriented"),
    "reorientation_decision_days_mean": _mean_days("reorientation_days_sum", "reorientation_decided", "reorientation"),
    "first_appointment_within_15_days": _timely("first_15d", "appointment"),
    "days_to_first_appointment_mean": _mean_days("first_days_sum", "first_held", "appointment"),
    "exits_to_job_or_training": _share("exited_to_job", "exited"),
    "breaches_recorded": lambda c: _result(c.a["breaches"], c.a["breaches"], c.n),
    "breach_decisions_no_sanction": _share("breach_no_sanction", "breach_decided"),
    "breach_decisions_suspension": _share("breach_suspended", "breach_decided"),
    "remobilised_during_suspension": lambda c: c.delay(
        _rate(c.a["breach_remobilised"], c.a["breach_suspended"]),
        c.a["breach_remobilised"],
        c.a["breach_suspended"],
        "suspension",
    ),
    "breach_decision_days_mean": _mean_days("breach_days_sum", "breach_decided", "breach_decision"),
    "engagement_contract_share": _share("engaged"),
    "engagement_within_delay": _timely("engaged_in_delay", "contract"),
    "activity_hours_met": _hours_met,
}
assert list(INDICATORS) == INDICATOR_CODES, "one computation per written definition, in the same order"
