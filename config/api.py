"""API query parameters shared by every app's API: bounded limit/offset pagination and
filter sets that refuse what their schema refuses.

DRF's limit/offset pagination silently replaces an invalid `limit` (`limit=false` is the
default page) and passes a huge one to the database (`limit=10^20` overflows PostgreSQL's
bigint: 500). django-filter ignores an empty `?level=`. Here each is a 400 with a French
message, as the OpenAPI schema says (tests/security/test_api_contract.py holds us to it).
"""

from __future__ import annotations

import django_filters
from django import forms
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import LimitOffsetPagination

API_MAX_LIMIT = 500
API_MAX_OFFSET = 10**9


def _errors(form) -> dict:
    return {name: [str(e) for e in errors] for name, errors in form.errors.items()}


class LimitOffsetForm(forms.Form):
    limit = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=API_MAX_LIMIT,
        error_messages={
            "invalid": "Nombre entier attendu.",
            "min_value": "Au moins 1 résultat par page.",
            "max_value": f"Au plus {API_MAX_LIMIT} résultats par page.",
        },
    )
    offset = forms.IntegerField(
        required=False,
        min_value=0,
        max_value=API_MAX_OFFSET,
        error_messages={
            "invalid": "Nombre entier attendu.",
            "min_value": "Le décalage ne peut pas être négatif.",
            "max_value": f"Décalage trop grand (au plus {API_MAX_OFFSET}).",
        },
    )

    def clean(self) -> dict:
        # `offset=` (present, empty) is not "no offset": the schema says an integer, so say so.
        cleaned = super().clean()
        for name in ("limit", "offset"):
            if name in self.data and not str(self.data.get(name)).strip():
                self.add_error(name, "Valeur vide : un nombre entier est attendu (ou retirez le paramètre).")
        return cleaned


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    """DRF's limit/offset pagination, with both parameters validated: `limit=false`,
    `limit=10^20` or `offset=-1` answer 400 with a French message instead of being silently
    replaced (DRF's default) or overflowing the database."""

    max_limit = API_MAX_LIMIT

    def paginate_queryset(self, queryset, request, view=None):
        form = LimitOffsetForm(request.query_params)
        if not form.is_valid():
            raise ValidationError(_errors(form))
        return super().paginate_queryset(queryset, request, view)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {"limit": (1, API_MAX_LIMIT), "offset": (0, API_MAX_OFFSET)}
        for parameter in parameters:
            low, high = bounds[parameter["name"]]
            parameter["schema"] = {**parameter["schema"], "minimum": low, "maximum": high}
        return parameters


class StrictFilterSet(django_filters.FilterSet):
    """A filter set where an empty value of a typed filter (`?level=`, `?referent=`) is an
    error, not "no filter": the schema declares an enum or an integer, and "" is neither."""

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, declared in self.filters.items():
            if isinstance(declared, django_filters.CharFilter):
                continue  # free text: "" is a valid string
            if name in self.data and self.data.get(name) == "" and name not in self.form.errors:
                self.form.add_error(name, "Valeur vide : donnez une valeur ou omettez ce paramètre.")
                valid = False
        return valid
