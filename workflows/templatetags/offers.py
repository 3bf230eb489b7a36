"""`{% pathway_prescriptions pathway %}`: the pathway page's prescriptions panel (the offers the
person was sent to, the providers' answers, the outcome form) and the way to the catalogue."""

from django import template
from django.utils import timezone

from casework.offers import pathway_prescriptions as prescriptions_of
from casework.permissions import can_prescribe
from workflows.inputs.offer_forms import OutcomeForm

register = template.Library()


@register.inclusion_tag("offers/_pathway_prescriptions.html", takes_context=True)
def pathway_prescriptions(context, pathway):
    user = context["request"].user
    may = can_prescribe(pathway, user)
    return {
        "pathway": pathway,
        "prescriptions": list(prescriptions_of(pathway)[:20]),
        "can_prescribe": may,
        "outcome_form": OutcomeForm(today=timezone.localdate()) if may else None,
        "csrf_token": context.get("csrf_token"),
    }
