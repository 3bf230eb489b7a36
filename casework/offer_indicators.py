"""The prescriptions' indicators: how many were sent, how fast providers answer, how many people
entered the offer, how many completed it — and the count per barrier and territory.

Same filters, same shape and same cohort rule as `casework.indicators` (served beside them by
the API, the dashboard page and its CSV):

The cohort
    The prescriptions *sent* in the period [`entered_from`, `entered_to`] and on or before
    `as_of`, on the pathways of the caller's scope, filtered by the pathway's territory and
    organisation and the person's public. Every fact is read as it stood on `as_of` (an
    answer, an entry or an exit dated after it has not happened yet), so a past day replays.

The cohort rule
    A delay or an outcome is "n/a" with its reason while a member of the cohort has not had it
    yet — a prescription still waiting for its answer, an accepted person whose start has not
    come, a person still in the action —, never a partial 0 % or 100 %.
"""

from __future__ import annotations

from django.db.models import Count, F, Max, Q, QuerySet, Sum

from casework.enums import BarrierKind, PrescriptionStatus
from casework.indicator_definitions import Definition
from casework.indicator_table import NA, OK, _rate, _result
from casework.indicators import Filters
from casework.models import Pathway, Prescription
from casework.vendor_sql import DaysBetween, json_list_contains

PS = PrescriptionStatus
COHORT = "les prescriptions envoyées pendant la période, au plus tard à la date de calcul"

OFFER_DEFINITIONS: dict[str, Definition] = {
    "prescriptions_sent": Definition(
        "Prescriptions vers une offre",
        "prescriptions",
        "Prescriptions envoyées à un prestataire (le détail par frein et territoire est dans l'export "
        "« prescriptions »).",
        f"Idem : {COHORT}.",
    ),
    "prescription_answer_days_mean": Definition(
        "Délai moyen de réponse du prestataire",
        "jours",
        "Somme des jours calendaires entre l'envoi de la prescription et la réponse (acceptation ou refus).",
        "Prescriptions ayant reçu leur réponse (la valeur est la moyenne).",
        delay="n.d. tant qu'une prescription de la cohorte attend sa réponse.",
    ),
    "prescription_entered_share": Definition(
        "Part des prescriptions suivies d'une entrée",
        "%",
        "Prescriptions dont la personne est entrée dans l'action au plus tard à la date de calcul.",
        f"Toutes {COHORT}, y compris les refusées.",
        delay="n.d. tant qu'une prescription attend sa réponse ou qu'une personne acceptée attend sa date de début.",
    ),
    "prescription_completion_rate": Definition(
        "Actions menées à leur terme",
        "%",
        "Personnes entrées qui ont terminé l'action (sans sortie anticipée).",
        "Personnes entrées dans l'action et qui en sont sorties (terminée ou sortie anticipée).",
        delay="n.d. tant qu'une personne entrée de la cohorte est encore dans l'action.",
    ),
}


def prescription_cohort(f: Filters, pathways: QuerySet[Pathway] | None = None) -> QuerySet[Prescription]:
    prescriptions = Prescription.objects.filter(sent_on__lte=f.as_of)
    if f.entered_from:
        prescriptions = prescriptions.filter(sent_on__gte=f.entered_from)
    if f.entered_to:
        prescriptions = prescriptions.filter(sent_on__lte=f.entered_to)
    if f.territory_id:
        prescriptions = prescriptions.filter(pathway__territory_id=f.territory_id)
    if f.organisation_id:
        prescriptions = prescriptions.filter(pathway__organisation_id=f.organisation_id)
    if f.public:
        prescriptions = prescriptions.filter(json_list_contains("pathway__beneficiary__publics", f.public))
    if pathways is not None:
        prescriptions = prescriptions.filter(pathway_id__in=pathways.values("pk"))
    return prescriptions


def _aggregate(prescriptions: QuerySet[Prescription], as_of) -> dict:
    answered = Q(answered_on__lte=as_of)
    accepted = answered & ~Q(status=PS.REFUSED)
    entered = Q(entered_on__lte=as_of)
    ended = entered & Q(ended_on__lte=as_of)
    return prescriptions.aggregate(
        total=Count("id"),
        answered=Count("id", filter=answered),
        answer_days=Sum(DaysBetween(F("answered_on"), F("sent_on")), filter=answered),
        awaiting_start=Count("id", filter=accepted & ~entered & Q(start_on__gte=as_of)),
        entered=Count("id", filter=entered),
        ended=Count("id", filter=ended),
        completed=Count("id", filter=ended & Q(status=PS.COMPLETED)),
        last_sent=Max("sent_on"),
    )


def _waiting(reason: str, count: int) -> str:
    return f"{reason} ({count} au jour du calcul)." if count else ""


def prescription_indicators_compute(
    *,
    as_of,
    pathways: QuerySet[Pathway] | None = None,
    territory_id: int | None = None,
    organisation_id: int | None = None,
    public: str | None = None,
    entered_from=None,
    entered_to=None,
) -> dict[str, dict]:
    """The prescriptions' indicators for the cohort the filters select (see the module)."""
    f = Filters(as_of, territory_id, organisation_id, public, entered_from, entered_to)
    a = _aggregate(prescription_cohort(f, pathways), as_of)
    total, answered, entered, ended = a["total"], a["answered"], a["entered"], a["ended"]
    unanswered = _waiting("Des prescriptions de la cohorte attendent leur réponse", total - answered)
    not_started = _waiting("Des personnes acceptées attendent leur date de début", a["awaiting_start"])
    in_action = _waiting("Des personnes entrées sont encore dans l'action", entered - ended)

    def delay(value, num, den, reason):
        return _result(value, num, den, NA if reason else OK, reason)

    mean = round(a["answer_days"] / answered, 1) if answered else None
    result = {
        "prescriptions_sent": _result(total, total, total),
        "prescription_answer_days_mean": delay(mean, a["answer_days"] or 0, answered, unanswered),
        "prescription_entered_share": delay(_rate(entered, total), entered, total, unanswered or not_started),
        "prescription_completion_rate": delay(_rate(a["completed"], ended), a["completed"], ended, in_action),
    }
    return {
        code: {**r, **OFFER_DEFINITIONS[code].meta(), "source": "live", "figures_as_of": None}
        for code, r in result.items()
    }


def prescriptions_by_barrier_territory(f: Filters, pathways: QuerySet[Pathway] | None = None) -> list[dict]:
    """Prescriptions of the cohort per (territory, barrier aimed at), with how many entered."""
    rows = (
        prescription_cohort(f, pathways)
        .values("pathway__territory__name", "barrier")
        .annotate(sent=Count("id"), entered=Count("id", filter=Q(entered_on__lte=f.as_of)))
        .order_by("pathway__territory__name", "barrier")
    )
    labels = dict(BarrierKind.choices)
    return [
        {
            "territory": r["pathway__territory__name"],
            "barrier": labels.get(r["barrier"], "Sans frein précisé"),
            "sent": r["sent"],
            "entered": r["entered"],
        }
        for r in rows
    ]
