"""Query parameters and hand-posted values, parsed by form fields — never by hand.

`str.isdigit()` accepts `²`, which `int()` refuses; a page number of 10^20 overflows the
database's OFFSET; `2023-02-29` is well formed but no date. Each of them used to answer 500.
Here every such value goes through a Django form field (bounded, with a French message), so
odd input answers 400 (invalid) or 404 (no such page), and never reaches the database.
"""

from __future__ import annotations

from django import forms
from django.core.paginator import InvalidPage, Page, Paginator
from django.http import Http404

# Ids are bounded integers: 18 digits stay below PostgreSQL's bigint (and SQLite's INTEGER).
MAX_ID = 10**18 - 1
MAX_PAGE = 10**6


def id_field(label: str, *, required: bool = False) -> forms.IntegerField:
    """An id typed in a query string or a form: a positive integer of at most 18 digits."""
    return forms.IntegerField(
        label=label,
        required=required,
        min_value=1,
        max_value=MAX_ID,
        error_messages={
            "invalid": "Identifiant invalide : un nombre entier est attendu.",
            "min_value": "Identifiant invalide.",
            "max_value": "Identifiant invalide.",
        },
    )


class IdListField(forms.Field):
    """Several ids posted under one name (`?x=1&x=2`), each a bounded positive integer."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[int]:
        one = id_field(self.label or "")
        return [one.clean(v) for v in (value or [])]


def form_messages(form: forms.Form) -> list[str]:
    """`Label : message` for each error of a bound form, in French, for a page's messages."""
    out = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        out += [f"{label} : {e}" if label else str(e) for e in errors]
    return out


class PageForm(forms.Form):
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE)


def page_or_404(object_list, per_page: int, params) -> Page:
    """The requested page of `object_list` (`?page=`, 1 by default); a page number that is not
    a positive integer, or beyond the last page, is a 404 — as Django's ListView answers."""
    return paginate_or_404(Paginator(object_list, per_page), page_number(params))


def page_number(params) -> int:
    form = PageForm(params)
    if not form.is_valid():
        raise Http404("Page introuvable.")
    return form.cleaned_data["page"] or 1


def paginate_or_404(paginator: Paginator, number: int) -> Page:
    try:
        return paginator.page(number)
    except InvalidPage:
        raise Http404("Page introuvable.") from None
