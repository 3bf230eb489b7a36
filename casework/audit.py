"""The audit trail: who is acting when the change does not come from a web request, and how
its changes read for people.

In a request, `simple_history.middleware.HistoryRequestMiddleware` gives the audit trail its
user (for the API, DRF's authentication sets it on the same request). Services called from
Celery tasks, commands or tests name their actor explicitly: `with acting_as(user): ...`.

The historical rows hold field names and raw values (ids, choice codes, booleans, ISO dates);
`audit_changes_display` turns them into what a person reads: "Référent : — → Inès SIMON",
"Parcours social → Accompagnement professionnel", "oui", "02/12/2026 à 19:29".
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import defaultdict
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst
from simple_history.models import HistoricalRecords

from casework.enums import Public
from casework.names import user_name

_MISSING = object()


@contextlib.contextmanager
def acting_as(user):
    """Attribute the audited changes made inside the block to `user` (None: the system)."""
    context = HistoricalRecords.context
    previous = getattr(context, "request", _MISSING)
    current_user = getattr(previous, "user", None) if previous is not _MISSING else None
    if getattr(current_user, "is_authenticated", False) or user is None or not getattr(user, "pk", None):
        # A real request already names the user (or there is nobody to name): leave it.
        yield
        return
    context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is _MISSING:
            del context.request
        else:
            context.request = previous


# How each kind of historical row is named in the "Action" column.
HISTORY_TYPES = {"+": "Création", "~": "Modification", "-": "Suppression"}
# Bookkeeping columns that change on every save and tell a reader nothing.
HIDDEN_FIELDS = frozenset({"id", "created_at", "updated_at"})
# Labels of the audited fields that have no French verbose_name of their own (giving them one
# would be a migration of five models and their history tables for a display string).
FIELD_LABELS = {
    "beneficiary": "personne",
    "territory": "territoire",
    "organisation": "organisation",
    "referent": "référent",
    "handover_to": "relais proposé à",
    "resume_state": "état à la reprise",
    "suspension_reason": "motif de suspension",
    "suspended_on": "suspendu le",
    "expected_resume_on": "reprise prévue le",
    "job_kind": "type d'emploi",
    "job_started_on": "emploi commencé le",
    "previous": "parcours précédent",
    "suggested_referent": "référent suggéré",
    "pathway": "parcours",
    "withdrawn_by": "retiré par",
    "author": "rédigé par",
    "updated_by": "modifié par",
}
EMPTY = "—"


def field_label(model: type[models.Model], name: str) -> str:
    """The field's French label: its verbose_name, or FIELD_LABELS where it has none of its own."""
    try:
        field = model._meta.get_field(name)
    except Exception:  # a field since removed from the model: its name is all there is
        return capfirst(FIELD_LABELS.get(name, name.replace("_", " ")))
    verbose = str(field.verbose_name)
    if verbose == name.replace("_", " ") and name in FIELD_LABELS:
        verbose = FIELD_LABELS[name]
    return capfirst(verbose)


def audit_datetime(value: dt.datetime) -> str:
    """ "02/12/2026 à 19:29", in Europe/Paris."""
    return timezone.localtime(value).strftime("%d/%m/%Y à %H:%M")


def display_value(field, value) -> str:
    """A field's value for people: oui/non, French dates, choice labels, publics' labels."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dt.datetime):
        return audit_datetime(value)
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, list):
        labels = dict(Public.choices) if field is not None and field.name == "publics" else {}
        return ", ".join(str(labels.get(item, item)) for item in value)
    return str(value)


def _related_names(wanted: dict[type[models.Model], set]) -> dict[tuple[type[models.Model], object], str]:
    """One query per related model for all the ids the changes mention."""
    user_model = get_user_model()
    names = {}
    for model, ids in wanted.items():
        queryset = model._default_manager.all()
        if any(f.name == "user" and f.is_relation for f in model._meta.concrete_fields):
            queryset = queryset.select_related("user")
        for pk, obj in queryset.in_bulk(list(ids)).items():
            names[(model, pk)] = user_name(obj) if isinstance(obj, user_model) else str(obj)
    return names


def audit_changes_display(changes: list[list[tuple]]) -> list[list[tuple[str, str, str]]]:
    """Rows of raw changes `(model, field name, old, new)` as `(label, old, new)` texts.

    A change whose model is None is already written for people (e.g. protected content) and
    passes through. Related ids become names with one query per related model for the whole
    page; an id no longer found stays "n° id".
    """
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for row in changes:
        for model, name, old, new in row:
            field = _field(model, name)
            if field is not None and field.is_relation:
                wanted[field.related_model].update(v for v in (old, new) if v is not None)
    names = _related_names(wanted)

    def text(field, value) -> str:
        if field is not None and field.is_relation and value is not None:
            return names.get((field.related_model, value), f"n° {value}")
        return display_value(field, value)

    out = []
    for row in changes:
        rendered = []
        for model, name, old, new in row:
            if model is None:
                rendered.append((name, old, new))
                continue
            if name in HIDDEN_FIELDS:
                continue
            field = _field(model, name)
            rendered.append((field_label(model, name), text(field, old), text(field, new)))
        out.append(rendered)
    return out


def _field(model, name: str):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except Exception:
        return None
