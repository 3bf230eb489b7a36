"""Texts of notifications. They never carry personal data: a pathway number and a link.

A notification has a title (the in-app inbox shows it as is; `Notification.subject` holds it)
and a body. The product name is added to e-mail subjects only (`email_subject`), so the inbox
does not repeat "Fil rouge — " on every line.

An alert says what is to be done and when, worked out from the day it is written, not from
its level: an alert of a level the sweep found already past (a back-dated entry) says
"en retard de 5 j", never "au plus tard le …" for a day gone by.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django.conf import settings
from django.urls import reverse
from django.utils.translation import ngettext

from casework.enums import AlertLevel, RuleCode

PRODUCT_NAME = "Fil rouge"

EVENT_TEXTS = {
    "assigned": ("Un parcours vous est confié", "Vous êtes désormais le référent unique du parcours n° {id}."),
    "queued": (
        "Un parcours attend la désignation d'un référent",
        "Le parcours n° {id} a été orienté vers votre organisation : désignez son référent unique.",
    ),
    "handover_proposed": (
        "Un passage de relais vous est proposé",
        "Un collègue vous propose de devenir le référent du parcours n° {id}. Lisez sa note et répondez.",
    ),
    "handover_accepted": (
        "Passage de relais accepté",
        "Le passage de relais du parcours n° {id} a été accepté : vous n'en êtes plus le référent.",
    ),
    "break_glass": (
        "Accès d'urgence au diagnostic",
        "Un professionnel a consulté en urgence le diagnostic du parcours n° {id}, hors du cercle du secret "
        "partagé. Sa justification figure au journal des accès du parcours : vérifiez-la.",
    ),
    "handover_refused": (
        "Passage de relais refusé",
        "Le passage de relais du parcours n° {id} a été refusé : vous en restez le référent.",
    ),
    "activity_shortfall": (
        "Heures d'activité en deçà de la durée prévue",
        "Le parcours n° {id} est en deçà de sa durée hebdomadaire d'activité plusieurs semaines de suite : "
        "faites le point avec la personne. Ce signal n'est pas une sanction.",
    ),
    # Partner contacts have no account: these go by e-mail only, and name no pathway.
    "partner_request": (
        "Une demande vous est adressée",
        "Une demande vous a été adressée. Merci d'en accuser réception avec le lien ci-dessous.",
    ),
    "partner_reminder": (
        "Relance : merci d'accuser réception d'une demande",
        "Une demande vous a été adressée et attend votre accusé de réception.",
    ),
    # To the offer's provider (no account): the person is named only behind the signed link.
    "prescription": (
        "Une personne vous est adressée sur une de vos offres",
        "Un référent vous adresse une personne. Merci d'accepter (avec une date de début) ou de refuser "
        "(avec un motif) avec le lien ci-dessous.",
    ),
    "prescription_answered": (
        "Le prestataire a répondu à votre prescription",
        "Le prestataire a répondu à une prescription du parcours n° {id}.",
    ),
}

# What the deadline asks for, to be followed by when: "Orientation à décider au plus tard le …".
RULE_ACTIONS = {
    RuleCode.ORIENTATION: "Orientation à décider",
    RuleCode.REFERENT_ASSIGNMENT: "Référent unique à désigner",
    RuleCode.FIRST_APPOINTMENT: "Premier rendez-vous à tenir",
    RuleCode.CONTRACT: "Contrat à signer",
    RuleCode.CONTRACT_RENEWAL: "Contrat à renouveler",
    RuleCode.SOCIAL_TRACK_REVIEW: "Parcours social à réexaminer",
    RuleCode.CONTACT_GAP: "Contact à reprendre",
    RuleCode.ASPIR_CADENCE: "Entretien ASPIR à tenir",
    RuleCode.HANDOVER_ACCEPTANCE: "Passage de relais à accepter ou refuser",
    RuleCode.IN_WORK_CHECKIN: "Point de suivi dans l'emploi à faire",
    RuleCode.PARTNER_ACK: "Accusé de réception du partenaire attendu",
    RuleCode.SUSPENSION_END: "Reprise du parcours suspendu à préparer",
    RuleCode.PRESCRIPTION_ANSWER: "Réponse du prestataire à une prescription attendue",
    RuleCode.BREACH_OBSERVATIONS: "Manquement : délai d'observations écoulé, décision à prendre",
}

# The escalation goes to someone who was not asked to act until now: say why they hear of it.
LEVEL_NOTES = {
    AlertLevel.DUE_SOON: "",
    AlertLevel.DUE: "",
    AlertLevel.OVERDUE: " Alerte d'escalade : le délai de relance après l'échéance est écoulé.",
}


_SENTINEL = 987654321


@lru_cache(maxsize=4)
def _pathway_link_template(site_url: str) -> str:
    return site_url + reverse("workspace:pathway", args=[_SENTINEL])


def pathway_link(pathway_id: int) -> str:
    """The absolute link to a pathway page; `reverse()` runs once, not once per notification."""
    return _pathway_link_template(settings.SITE_URL).replace(str(_SENTINEL), str(int(pathway_id)))


def email_subject(title: str) -> str:
    """The e-mail subject of a notification: its title, with the product's name before it."""
    return f"{PRODUCT_NAME} — {title}"


def event_message(event: str, pathway_id: int | None = None) -> tuple[str, str]:
    """(title, body) of a notification that is not a deadline alert."""
    title, body = EVENT_TEXTS[event]
    return title, body.format(id=pathway_id)


def when_phrase(due_on: dt.date, today: dt.date) -> str:
    """ "au plus tard le 12/12/2026 (dans 3 jours)", "au plus tard aujourd'hui", "en retard de 5 j"."""
    due = f"{due_on:%d/%m/%Y}"
    days = (due_on - today).days
    if days > 0:
        within = ngettext("dans %(n)d jour", "dans %(n)d jours", days) % {"n": days}
        return f"au plus tard le {due} ({within})"
    if days == 0:
        return f"au plus tard aujourd'hui ({due})"
    return f"en retard de {-days} j (échéance du {due})"


def alert_message(rule_code: str, level: str, due_on: dt.date, pathway_id: int, *, today: dt.date) -> tuple[str, str]:
    """(title, body) of an alert written on `today`."""
    action = RULE_ACTIONS[RuleCode(rule_code)]
    when = when_phrase(due_on, today)
    separator = " " if due_on >= today else ", "
    title = f"{action}{separator}{when}"
    if level == AlertLevel.OVERDUE:
        title = f"Escalade : {title[0].lower()}{title[1:]}"
    body = f"Parcours n° {pathway_id} : {action[0].lower()}{action[1:]}{separator}{when}.{LEVEL_NOTES[level]}"
    return title, body
