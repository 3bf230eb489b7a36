"""Small display filters shared by every page: names written one way, roles, deadline phrases."""

from __future__ import annotations

import datetime as dt

from django import template
from django.contrib.auth import get_user_model

from casework.audit import EMPTY, audit_datetime
from casework.enums import PathwayState
from casework.names import user_name
from workflows.pages.roles import has_caseload, role_labels
from workflows.pages.selectors import transition_title

register = template.Library()


@register.filter
def person(obj) -> str:
    """ "Inès SIMON" for a login account, a professional or a beneficiary (casework.names)."""
    if obj is None or obj == "":
        return ""
    if isinstance(obj, get_user_model()):
        return user_name(obj)
    return str(obj)


register.filter("has_caseload", has_caseload)


@register.filter
def roles(user) -> str:
    """ "Responsable d'équipe · Chargé·e d'orientation": every role of the signed-in person."""
    return " · ".join(role_labels(user))


@register.filter
def due_phrase(due_on: dt.date | None, today: dt.date) -> str:
    """ "en retard de 3 j", "aujourd'hui", "dans 1 j" ("j" stays as is in the plural)."""
    if due_on is None or today is None:
        return ""
    days = (due_on - today).days
    if days < 0:
        return f"en retard de {-days} j"
    if days == 0:
        return "aujourd'hui"
    return f"dans {days} j"


@register.filter
def fr_date(value) -> str:
    """A date or an ISO string (the subject-access document) as "02/12/2026", a moment as "02/12/2026 à 19:29"."""
    if value in (None, ""):
        return EMPTY
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value) if "T" in value else dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        return audit_datetime(value)
    return value.strftime("%d/%m/%Y")


register.filter("transition_label", transition_title)


@register.filter
def state_label(value: str) -> str:
    if not value:
        return EMPTY
    return PathwayState(value).label if value in PathwayState.values else value
