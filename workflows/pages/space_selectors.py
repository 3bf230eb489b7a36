"""What the person's own space shows, in plain words for a low reading level.

Only what the person may read: where they are and what comes next, the next appointment, the
referent's name and the organisation's phone and e-mail, the contract's dates. Never the
diagnostic, the notes, a suspension's or a closure's reason, nor any professional but the
referent.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.utils import timezone

from casework.engagement import duration_in_force
from casework.enums import ContractKind, PathwayState
from casework.models import Appointment, Beneficiary, Contract, OfferSession, Pathway
from casework.offers import offers_near, pathway_offer_hours_per_week, sessions_with_seats

S = PathwayState

# Per state: where the person is, and what comes next. Short sentences, everyday words.
STATE_WORDS: dict[str, tuple[str, str]] = {
    S.ORIENTATION: (
        "Nous regardons votre situation pour choisir qui va vous accompagner.",
        "Vous allez recevoir le nom de la personne qui va vous suivre : votre référent.",
    ),
    S.DIAGNOSTIC: (
        "Vous avez un référent. Vous allez faire le point ensemble.",
        "Au rendez-vous, vous parlez de votre situation. Ensuite, vous signez ensemble un contrat.",
    ),
    S.SOCIAL_TRACK: (
        "Votre référent vous accompagne. Vous avancez sur ce qui vous bloque au quotidien.",
        "Vous faites ce qui est écrit dans votre contrat. Vous venez aux rendez-vous.",
    ),
    S.PROFESSIONAL_TRACK: (
        "Votre référent vous aide à trouver un travail ou une formation.",
        "Vous faites ce qui est écrit dans votre contrat. Vous venez aux rendez-vous.",
    ),
    S.REORIENTATION: (
        "Vous allez peut-être changer d'accompagnement.",
        "Une décision va être prise. On vous dira qui vous suit ensuite.",
    ),
    S.IN_WORK_FOLLOWUP: (
        "Vous avez un travail ou une formation. Votre référent reste là pendant 6 mois.",
        "Un souci au travail ? Appelez votre référent, sans attendre.",
    ),
    S.SUSPENDED: (
        "Votre accompagnement est en pause.",
        "Il va reprendre. Votre référent vous dira quand.",
    ),
    S.CLOSED: (
        "Votre accompagnement est terminé.",
        "Votre situation change ? Contactez la CAF ou la MSA, ou votre ancien référent.",
    ),
}


def person_pathway(person: Beneficiary) -> Pathway | None:
    """The open pathway, else the last one closed."""
    closed_last = Case(When(state=S.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField())
    return (
        Pathway.objects.filter(beneficiary=person)
        .select_related("referent__user", "organisation")
        .order_by(closed_last, "-entered_on", "-id")
        .first()
    )


def next_appointment(pathway: Pathway | None, *, now: dt.datetime) -> Appointment | None:
    if pathway is None or pathway.state == S.CLOSED:
        return None
    return pathway.appointments.filter(starts_at__gt=now).order_by("starts_at", "id").first()


def current_contract(pathway: Pathway | None, *, today: dt.date) -> Contract | None:
    """The contract in force, else the last one signed."""
    if pathway is None:
        return None
    contracts = pathway.contracts.order_by("-signed_on", "-id")
    return contracts.filter(starts_on__lte=today, ends_on__gte=today).first() or contracts.first()


OFFERS_SHOWN = 10


def space_offers(pathway: Pathway | None, *, today: dt.date) -> list:
    """The offers near the person for their open barriers (none once the pathway is closed: no
    referent would hear of an interest), each with its sessions still taking people
    (`open_sessions`) and `interested` when the person already said so."""
    if pathway is None or pathway.state == S.CLOSED:
        return []
    sessions = Prefetch("sessions", sessions_with_seats(OfferSession.objects.all(), today=today), "open_sessions")
    offers = list(
        offers_near(pathway.beneficiary, today=today)
        .select_related("provider")
        .prefetch_related(sessions)[:OFFERS_SHOWN]
    )
    interested = set(pathway.offer_interests.values_list("offer_id", flat=True))
    for offer in offers:
        offer.interested = offer.pk in interested
    return offers


def contract_hours(pathway: Pathway | None, contract: Contract | None, *, today: dt.date) -> dict:
    """A contrat d'engagement's hours, in force today: the weekly duration, the action plan and
    the weekly hours of the offers the person is in. Nothing for an older kind of contract."""
    if contract is None or contract.kind != ContractKind.CONTRAT_ENGAGEMENT:
        return {}
    return {
        "duration": duration_in_force(contract, today),
        "activities": list(contract.activities.select_related("provider").order_by("starts_on", "id")),
        "offer_hours": pathway_offer_hours_per_week(pathway, on=today),
    }


def space_page(person: Beneficiary, *, now: dt.datetime) -> dict:
    today = timezone.localdate(now)
    pathway = person_pathway(person)
    where, next_step = STATE_WORDS[pathway.state] if pathway else STATE_WORDS[S.ORIENTATION]
    open_pathway = pathway is not None and pathway.state != S.CLOSED
    contract = current_contract(pathway, today=today)
    return {
        "person": person,
        "pathway": pathway,
        "where": where,
        "next_step": next_step,
        "appointment": next_appointment(pathway, now=now),
        "referent": pathway.referent if open_pathway else None,
        "organisation": pathway.organisation if open_pathway else None,
        "contract": contract,
        "hours": contract_hours(pathway, contract, today=today),
        "today": today,
    }
