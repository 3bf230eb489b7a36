"""`{% form_token %}`: the hidden one-time token of a state-changing form (`workflows.pages.form_tokens`).

`{% form_token value %}` carries a token already issued (the confirmation step re-posts the token
of the form it confirms); without a value, a fresh one is issued for each rendered form.
"""

from django import template
from django.utils.html import format_html

from workflows.pages.form_tokens import FIELD, form_token_new

register = template.Library()


@register.simple_tag
def form_token(value: str = ""):
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, value or form_token_new())
