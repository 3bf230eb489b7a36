"""`{% person_space_panel pathway appointment_form contact_details_form %}`: the pathway page's
block for the person's appointments and contact details (the forms given are bound ones with
their errors; otherwise fresh ones)."""

from django import template
from django.utils import timezone

from casework.phones import french_mobile_display
from workflows.inputs.person_forms import AppointmentForm, ContactDetailsForm

register = template.Library()


@register.inclusion_tag("workspace/_person_space_panel.html", takes_context=True)
def person_space_panel(context, pathway, appointment_form=None, contact_details_form=None):
    now = timezone.now()
    person = pathway.beneficiary
    return {
        "pathway": pathway,
        "person": person,
        "mobile": french_mobile_display(person.mobile_phone),
        "appointments": pathway.appointments.filter(starts_at__gt=now).order_by("starts_at", "id")[:5],
        "appointment_form": appointment_form or AppointmentForm(now=now),
        "contact_details_form": contact_details_form or ContactDetailsForm(person=person),
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
