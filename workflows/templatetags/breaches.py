"""`{% pathway_breaches pathway %}`: the pathway page's section on breaches (one line in its template)."""

from __future__ import annotations

from django import template

from casework.models import Breach
from casework.permissions import can_record_breach

register = template.Library()


@register.inclusion_tag("breaches/_pathway_section.html", takes_context=True)
def pathway_breaches(context, pathway) -> dict:
    user = context["request"].user
    return {
        "pathway": pathway,
        "breaches": list(Breach.objects.filter(pathway=pathway).order_by("-occurred_on", "-id")[:20]),
        "may_record": can_record_breach(pathway, user),
    }
