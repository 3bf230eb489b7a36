"""`{% partner_request_form pathway %}`: the short form that sends a request to a partner."""

from django import template
from django.utils import timezone

from casework.models import Organisation, PartnerRequest

register = template.Library()


@register.inclusion_tag("notifications/_partner_request_form.html")
def partner_request_form(pathway):
    organisations = Organisation.objects.filter(territories=pathway.territory_id).exclude(pk=pathway.organisation_id)
    requests = PartnerRequest.objects.filter(pathway=pathway).select_related("organisation").order_by("-sent_on")[:5]
    return {
        "pathway": pathway,
        "organisations": organisations.order_by("name"),
        "kinds": PartnerRequest.Kind.choices,
        "requests": requests,
        "today": timezone.localdate(),
    }
