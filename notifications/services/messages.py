"""Texts of notifications. They never carry personal data: a pathway number and a link."""

from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import reverse

from casework.enums import AlertLevel, RuleCode

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
}

LEVEL_PHRASES = {
    AlertLevel.DUE_SOON: "arrive à échéance le {due}",
    AlertLevel.DUE: "arrive à échéance le {due}",
    AlertLevel.OVERDUE: "est dépassée depuis le {due}",
}


_SENTINEL = 987654321


@lru_cache(maxsize=4)
def _pathway_link_template(site_url: str) -> str:
    return site_url + reverse("workspace:pathway", args=[_SENTINEL])


def pathway_link(pathway_id: int) -> str:
    """The absolute link to a pathway page; `reverse()` runs once, not once per notification."""
    return _pathway_link_template(settings.SITE_URL).replace(str(_SENTINEL), str(int(pathway_id)))


def event_message(event: str, pathway_id: int) -> tuple[str, str]:
    subject, body = EVENT_TEXTS[event]
    return f"Fil rouge — {subject}", body.format(id=pathway_id)


def alert_message(rule_code: str, level: str, due_on, pathway_id: int) -> tuple[str, str]:
    rule_label = RuleCode(rule_code).label
    phrase = LEVEL_PHRASES[AlertLevel(level)].format(due=due_on.strftime("%d/%m/%Y"))
    subject = "Fil rouge — un parcours a besoin de vous"
    if level == AlertLevel.OVERDUE:
        subject = "Fil rouge — échéance dépassée sur un parcours"
    body = f"L'échéance « {rule_label} » du parcours n° {pathway_id} {phrase}."
    return subject, body


def partner_ack_link(partner_request_id: int, *, now) -> str:
    from notifications.services.partners import partner_ack_token

    token = partner_ack_token(partner_request_id, now=now)
    return settings.SITE_URL + reverse("partner-ack", args=[token])
