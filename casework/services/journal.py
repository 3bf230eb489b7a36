"""A transition's own rows — the pathway's new columns, its audit row, its journal row —
written together.

Through the ORM they are three statements and most of a transition's Python:
`Pathway.save` runs django-fsm's concurrent-update check, the save signals and
simple-history's recorder, then `TransitionLog.objects.create` compiles its INSERT. On
PostgreSQL one data-modifying statement (UPDATE … RETURNING feeding both INSERTs) writes
the same rows. Its text is built once per set of changed columns from the models' own
metadata, so a new field is carried without editing SQL, and the values go through the
fields' own `get_db_prep_save`. The audit row takes simple-history's user, date and change
reason (`audit_records`). No save signal is sent: the pathway's only receiver is
simple-history, whose row this writes, and nothing listens to the journal's (what follows a
transition is an explicit step of `pathway_transition`).

Other databases (SQLite under `make run`) take the ORM path; a test checks that both paths
write the same rows.
"""

from __future__ import annotations

import functools

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django_fsm import ConcurrentTransition

from casework.models import Pathway, TransitionLog
from casework.models.audit import audit_records

# "~" is simple-history's history_type for a change.
_CHANGED = "~"


def pathway_transition_record(pathway: Pathway, changed: list[str], log: TransitionLog) -> TransitionLog:
    """Save the `changed` fields of a locked, transitioned pathway with its audit and journal rows.

    `log` is the unsaved journal row; its `from_state` is the state the pathway was read in.
    Raises `ConcurrentTransition` when the row is no longer in that state (django-fsm's check).
    """
    if not single_statement():
        pathway.save(update_fields=[*changed, "updated_at"])
        log.save()
        return log
    fields = [Pathway._meta.get_field(name) for name in (*changed, "updated_at")]
    updated_at = Pathway._meta.get_field("updated_at")
    setattr(pathway, updated_at.attname, updated_at.pre_save(pathway, False))  # auto_now, as save() does
    records = audit_records(Pathway)
    user = records.get_history_user(pathway)
    history = [
        getattr(pathway, "_history_date", None) or timezone.now(),
        records.get_change_reason_for_object(pathway, _CHANGED, None),
        getattr(user, "pk", None),
    ]
    conn = connections[DEFAULT_DB_ALIAS]  # not the `connection` proxy, read again at each use
    params = [
        *(f.get_db_prep_save(getattr(pathway, f.attname), conn) for f in fields),
        pathway.pk,
        log.from_state,  # the state it was read in: django-fsm's concurrent-update check
        *history,
        *(f.get_db_prep_save(f.pre_save(log, True), conn) for f in _log_fields()),
    ]
    with conn.cursor() as cursor:
        cursor.execute(_statement(tuple(f.column for f in fields)), params)
        row = cursor.fetchone()
    if row is None:
        raise ConcurrentTransition("Cannot save object! The state has been changed since fetched from the database!")
    pathway._update_initial_state()
    log.pk = row[0]
    log._state.adding = False
    log._state.db = conn.alias
    return log


def single_statement() -> bool:
    """Whether this database writes the three rows in one statement (data-modifying CTEs)."""
    return connection.vendor == "postgresql"


@functools.cache
def _log_fields() -> tuple:
    return tuple(f for f in TransitionLog._meta.concrete_fields if not f.primary_key)


@functools.cache
def _statement(set_columns: tuple[str, ...]) -> str:
    """UPDATE the pathway; from the row it returns, INSERT the audit row and the journal row."""
    q = connection.ops.quote_name
    pathway_table = q(Pathway._meta.db_table)
    history_model = Pathway.audit.model
    audited = audit_records(Pathway).fields_included(Pathway)
    source = [q(f.column) for f in audited]
    target = [q(history_model._meta.get_field(f.attname).column) for f in audited]
    history_extra = [
        q(history_model._meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_user")
    ]
    log_columns = [q(f.column) for f in _log_fields()]
    state = q(Pathway._meta.get_field("state").column)
    pk = q(Pathway._meta.pk.column)
    history_type = q(history_model._meta.get_field("history_type").column)
    return (
        f"WITH changed AS (UPDATE {pathway_table} SET {', '.join(f'{q(c)} = %s' for c in set_columns)} "
        f"WHERE {pk} = %s AND {state} = %s RETURNING *), "
        f"audit AS (INSERT INTO {q(history_model._meta.db_table)} ({', '.join(target)}, {', '.join(history_extra)}, "
        f"{history_type}) SELECT {', '.join(source)}, %s, %s, %s, '{_CHANGED}' FROM changed) "
        f"INSERT INTO {q(TransitionLog._meta.db_table)} ({', '.join(log_columns)}) "
        f"SELECT {', '.join(['%s'] * len(log_columns))} FROM changed RETURNING {q(TransitionLog._meta.pk.column)}"
    )
