"""What the person's own space shows, in plain words for a low reading level.

Only what the person may read: where they are and what comes next, the next appointment, the
referent's name and the organisation's phone and e-mail, the contract's dates. Never the
diagnostic, the notes, a suspension's or a closure's reason, nor any professional but the
referent.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone

from casework.enums import PathwayState
from casework.models import Appointment, Beneficiary, Contract, Pathway

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


def space_page(person: Beneficiary, *, now: dt.datetime) -> dict:
    today = timezone.localdate(now)
    pathway = person_pathway(person)
    where, next_step = STATE_WORDS[pathway.state] if pathway else STATE_WORDS[S.ORIENTATION]
    open_pathway = pathway is not None and pathway.state != S.CLOSED
    return {
        "person": person,
        "pathway": pathway,
        "where": where,
        "next_step": next_step,
        "appointment": next_appointment(pathway, now=now),
        "referent": pathway.referent if open_pathway else None,
        "organisation": pathway.organisation if open_pathway else None,
        "contract": current_contract(pathway, today=today),
        "today": today,
    }
