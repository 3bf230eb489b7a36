"""Every hand-built statement a transition runs, in one place, each beside the ORM query it replaces.

The Django ORM compiles a statement each time a queryset or a save runs: for a transition,
which makes about ten small statements, that compiling was most of the client's CPU (bench,
issue 7: 0.3–1 ms per statement, against 0.1 ms for the round trip of a prepared statement).
The statements here build their SQL once, from the models' own metadata (a new field is carried
without editing SQL), pass values through each field's `pre_save` / `get_db_prep_save` and
load rows through each field's database converters and `Model.from_db`, as the ORM does.
Each says which ORM query it stands for; tests run both and compare the rows
(`tests/casework/test_statements.py`, `tests/casework/test_journal.py`).

- `RowsSelect`, `RowsInsert`, `RowUpdate`, `RowsUpdate`: a model's rows read, inserted, updated
  by key or by equality;
- `deadlines_close`: a pathway's live clocks met or cancelled;
- `OpenUnderClosedUpdate`: the rows left open under a closed parent (an alert whose deadline closed);
- `pathway_transition_record`: the pathway's new columns, its audit row and its journal row —
  one statement on PostgreSQL, the ORM elsewhere (the only vendor choice of this module).

Set-based batch statements live in modules named for them (`notifications/services/sweep_sql.py`,
`casework/services/facts.py`, `casework/services/board_summary.py`), and the few differences
between PostgreSQL and SQLite in `casework/vendor_sql.py`.

Like `bulk_create` and `QuerySet.update`, they send no save signal: they are for models that
have no save receiver, which a test checks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.utils import timezone
from django_fsm import ConcurrentTransition

from casework.enums import DeadlineStatus
from casework.models import Deadline, Pathway, TransitionLog
from casework.models.audit import audit_records


def _default():
    """The default connection itself: `django.db.connection` is a proxy that looks the
    connection up again on every attribute read (a tenth of these statements' CPU)."""
    return connections[DEFAULT_DB_ALIAS]


class RowsSelect:
    """SELECT a model's rows by equality on some of its columns, with forward relations loaded
    as `select_related(*related)` loads them, optionally `FOR UPDATE OF` the model's own rows.

    `related` takes paths like `select_related` ("outgoing", "outgoing__user"); `where` takes
    attnames ("pathway_id", "status"), matched in order to the parameters of `all` / `get`.
    Rows come in no particular order (no ORDER BY: the model's `Meta.ordering` is not applied).
    """

    def __init__(
        self, model: type[models.Model], *, related: Sequence[str] = (), where: Sequence[str] = (), lock=False
    ):
        self.model, self.related, self.where, self.lock = model, tuple(related), tuple(where), lock

    def all(self, *params) -> list[models.Model]:
        sql, parts = self._plan
        conn = _default()
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return [self._load(row, parts, conn) for row in cursor.fetchall()]

    def get(self, *params) -> models.Model:
        """The one row; the model's DoesNotExist / MultipleObjectsReturned otherwise."""
        found = self.all(*params)
        if not found:
            raise self.model.DoesNotExist(f"{self.model._meta.object_name} matching query does not exist.")
        if len(found) > 1:
            raise self.model.MultipleObjectsReturned(f"get() returned more than one {self.model._meta.object_name}.")
        return found[0]

    @staticmethod
    def _load(row, parts, conn) -> models.Model:
        instances: dict[str, models.Model | None] = {}
        start = 0
        for path, model, parent, field, attnames, columns in parts:
            values = list(row[start : start + len(attnames)])
            start += len(attnames)
            for i, (column, converters) in enumerate(columns):
                for converter in converters:
                    values[i] = converter(values[i], column, conn)
            empty = field is not None and (instances[parent] is None or values[0] is None)  # LEFT JOIN, nothing
            instance = instances[path] = None if empty else model.from_db(conn.alias, attnames, values)
            if field is not None and instances[parent] is not None:
                field.set_cached_value(instances[parent], instance)
        return instances[""]

    @functools.cached_property
    def _plan(self):
        q = connection.ops.quote_name
        parts, selected, joins = [], [], []
        aliases, nullable = {"": "t0"}, {"": False}
        for path in ("", *self.related):
            parent, _, name = path.rpartition("__")
            if path:
                parent_model = next(p[1] for p in parts if p[0] == parent)
                field = parent_model._meta.get_field(name)
                model = field.related_model
                alias = aliases[path] = f"t{len(aliases)}"
                nullable[path] = nullable[parent] or field.null
                on = f"{q(aliases[parent])}.{q(field.column)} = {q(alias)}.{q(field.target_field.column)}"
                kind = "LEFT OUTER JOIN" if nullable[path] else "INNER JOIN"
                joins.append(f"{kind} {q(model._meta.db_table)} {q(alias)} ON {on}")
            else:
                model, field, alias = self.model, None, "t0"
            columns = []
            for f in model._meta.concrete_fields:
                column = f.get_col(alias)
                converters = [*connection.ops.get_db_converters(column), *column.get_db_converters(connection)]
                columns.append((column, converters))
                selected.append(f"{q(alias)}.{q(f.column)}")
            attnames = [f.attname for f in model._meta.concrete_fields]
            parts.append((path, model, parent, field, attnames, columns))
        meta = self.model._meta
        conditions = " AND ".join(f"{q('t0')}.{q(meta.get_field(a).column)} = %s" for a in self.where) or "TRUE"
        lock = ""
        if self.lock and connection.features.has_select_for_update_of:
            lock = f" FOR UPDATE OF {q('t0')}"
        elif self.lock and connection.features.has_select_for_update:
            lock = " FOR UPDATE"
        # SQLite has no row locks: its writers are serialised anyway.
        source = f"{q(meta.db_table)} {q('t0')} {' '.join(joins)}"
        return f"SELECT {', '.join(selected)} FROM {source} WHERE {conditions}{lock}", parts


class RowsInsert:
    """INSERT new instances of a model and set their primary keys, as `bulk_create` would
    (fields' `pre_save` for defaults and `auto_now_add`, `get_db_prep_save` for values)."""

    def __init__(self, model: type[models.Model]):
        self.model = model
        self._sql_by_count: dict[int, str] = {}

    def save(self, objs: Iterable[models.Model]) -> list[models.Model]:
        objs = list(objs)
        if not objs:
            return objs
        fields, pk = self._fields
        conn = _default()
        params = [f.get_db_prep_save(f.pre_save(obj, True), conn) for obj in objs for f in fields]
        with conn.cursor() as cursor:
            cursor.execute(self._sql_by_count.get(len(objs)) or self._sql(len(objs)), params)
            rows = cursor.fetchall()
        for obj, (value,) in zip(objs, rows, strict=True):
            setattr(obj, pk.attname, value)
            obj._state.adding, obj._state.db = False, conn.alias
        return objs

    @functools.cached_property
    def _fields(self):
        meta = self.model._meta
        return [f for f in meta.concrete_fields if not f.primary_key], meta.pk

    def _sql(self, count: int) -> str:
        q = connection.ops.quote_name
        fields, pk = self._fields
        row = f"({', '.join(['%s'] * len(fields))})"
        sql = self._sql_by_count[count] = (
            f"INSERT INTO {q(self.model._meta.db_table)} ({', '.join(q(f.column) for f in fields)}) "
            f"VALUES {', '.join([row] * count)} RETURNING {q(pk.column)}"
        )
        return sql


class RowUpdate:
    """UPDATE some columns of one row by primary key, as `save(update_fields=...)` would
    (fields' `pre_save`, so `auto_now` moves), without the save signals."""

    def __init__(self, model: type[models.Model], fields: Sequence[str]):
        self.model, self.names = model, tuple(fields)

    def save(self, obj: models.Model) -> int:
        fields, sql = self._plan
        conn = _default()
        params = [f.get_db_prep_save(f.pre_save(obj, False), conn) for f in fields]
        with conn.cursor() as cursor:
            cursor.execute(sql, [*params, obj.pk])
            return cursor.rowcount

    @functools.cached_property
    def _plan(self):
        q = connection.ops.quote_name
        meta = self.model._meta
        fields = [meta.get_field(name) for name in self.names]
        assignments = ", ".join(f"{q(f.column)} = %s" for f in fields)
        return fields, f"UPDATE {q(meta.db_table)} SET {assignments} WHERE {q(meta.pk.column)} = %s"


class RowsUpdate:
    """UPDATE some columns of the rows equal on `where` (attnames, matched in order to the
    parameters of `update`) and null on `where_null`, built once. The ORM query it replaces
    (`auto_now` untouched, as `QuerySet.update` leaves it)::

        model.objects.filter(**{w: param for w in where}, **{n + "__isnull": True for n in where_null})
                     .update(**values)

    A closure ends the referent's period and cancels a proposed handover: compiling those two
    UPDATEs was a third of its client CPU when the payers' flux closes thousands.
    """

    def __init__(self, model: type[models.Model], fields: Sequence[str], *, where: Sequence[str], where_null=()):
        self.model, self.names, self.where, self.where_null = model, tuple(fields), tuple(where), tuple(where_null)

    def update(self, *params, **values) -> int:
        fields, where, sql = self._plan
        conn = _default()
        args = [f.get_db_prep_save(values[f.name], conn) for f in fields]
        args += [f.get_db_prep_value(value, conn) for f, value in zip(where, params, strict=True)]
        with conn.cursor() as cursor:
            cursor.execute(sql, args)
            return cursor.rowcount

    @functools.cached_property
    def _plan(self):
        q = connection.ops.quote_name
        meta = self.model._meta
        by_attname = {f.attname: f for f in meta.concrete_fields}
        fields = [meta.get_field(name) for name in self.names]
        where = [by_attname[name] for name in self.where]
        conditions = [f"{q(f.column)} = %s" for f in where]
        conditions += [f"{q(by_attname[name].column)} IS NULL" for name in self.where_null]
        assignments = ", ".join(f"{q(f.column)} = %s" for f in fields)
        return fields, where, f"UPDATE {q(meta.db_table)} SET {assignments} WHERE {' AND '.join(conditions)}"


# --- a pathway's live clocks closed ------------------------------------------------------------

DEADLINES_LIVE = (DeadlineStatus.OPEN, DeadlineStatus.SUSPENDED)


def deadlines_close(pathway_id: int, codes: Iterable[str] | None, status: str, on, ref: str | None) -> int:
    """Close a pathway's live deadlines (of these codes — all when None —, of this ref when given).

    The ORM query it replaces (`updated_at` untouched, as `QuerySet.update` leaves it)::

        Deadline.objects.filter(pathway_id=pathway_id, status__in=DEADLINES_LIVE,
                                [rule_code__in=codes], [ref=ref])
                        .update(status=status, closed_on=on, suspended_on=None)

    Every transition closes some clocks; compiling that UPDATE was 0.5 ms of its CPU.
    """
    codes = None if codes is None else list(codes)
    conn = _default()
    params = [
        str(status),
        Deadline._meta.get_field("closed_on").get_db_prep_save(on, conn),
        pathway_id,
        *map(str, DEADLINES_LIVE),
        *map(str, codes or ()),
        *([] if ref is None else [ref]),
    ]
    with conn.cursor() as cursor:
        cursor.execute(_deadlines_close_sql(None if codes is None else len(codes), ref is not None), params)
        return cursor.rowcount


@functools.cache
def _deadlines_close_sql(codes: int | None, by_ref: bool) -> str:
    q = connection.ops.quote_name

    def col(name: str) -> str:
        return q(Deadline._meta.get_field(name).column)

    conditions = [f"{col('pathway')} = %s", f"{col('status')} IN ({', '.join(['%s'] * len(DEADLINES_LIVE))})"]
    if codes is not None:
        conditions.append(f"{col('rule_code')} IN ({', '.join(['%s'] * codes)})" if codes else "FALSE")
    if by_ref:
        conditions.append(f"{col('ref')} = %s")
    return (
        f"UPDATE {q(Deadline._meta.db_table)} SET {col('status')} = %s, {col('closed_on')} = %s, "
        f"{col('suspended_on')} = NULL WHERE {' AND '.join(conditions)}"
    )


# --- rows left open under a closed parent ------------------------------------------------------


class OpenUnderClosedUpdate:
    """UPDATE a pathway's rows of `model` in one status whose parent row (the foreign key `parent`)
    is no longer in a given status — an alert still open whose deadline was met or cancelled.

    The ORM query it replaces::

        model.objects.filter(pathway_id=pathway_id, status=status)
                     .exclude(**{f"{parent}__status": parent_status}).update(**values)

    The model is given by its app (notifications' `Alert`): this module imports no app above casework.
    """

    def __init__(self, model: type[models.Model], parent: str, fields: Sequence[str]):
        self.model, self.parent, self.names = model, parent, tuple(fields)

    def update(self, pathway_id: int, status: str, parent_status: str, /, **values) -> int:
        fields, sql = self._plan
        conn = _default()
        params = [f.get_db_prep_save(values[f.name], conn) for f in fields]
        with conn.cursor() as cursor:
            cursor.execute(sql, [*params, pathway_id, str(status), pathway_id, str(parent_status)])
            return cursor.rowcount

    @functools.cached_property
    def _plan(self):
        q = connection.ops.quote_name
        meta = self.model._meta
        fk = meta.get_field(self.parent)
        parent = fk.related_model._meta
        fields = [meta.get_field(name) for name in self.names]

        def col(m, name: str) -> str:
            return q(m.get_field(name).column)

        return fields, (
            f"UPDATE {q(meta.db_table)} SET {', '.join(f'{q(f.column)} = %s' for f in fields)} "
            f"WHERE {col(meta, 'pathway')} = %s AND {col(meta, 'status')} = %s AND {q(fk.column)} IN "
            f"(SELECT {q(parent.pk.column)} FROM {q(parent.db_table)} "
            f"WHERE {col(parent, 'pathway')} = %s AND {col(parent, 'status')} <> %s)"
        )


# --- the transition's own rows: pathway, audit, journal ----------------------------------------

# "~" is simple-history's history_type for a change.
_CHANGED = "~"


def pathway_transition_record(pathway: Pathway, changed: list[str], log: TransitionLog) -> TransitionLog:
    """Save the `changed` fields of a locked, transitioned pathway with its audit and journal rows.

    `log` is the unsaved journal row; its `from_state` is the state the pathway was read in.
    Raises `ConcurrentTransition` when the row is no longer in that state (django-fsm's check).

    The ORM path it replaces (and takes on other databases: SQLite under `make run`)::

        pathway.save(update_fields=[*changed, "updated_at"])  # fsm check, simple-history's row
        log.save()

    Through the ORM these are three statements and most of a transition's Python: `Pathway.save`
    runs django-fsm's concurrent-update check, the save signals and simple-history's recorder,
    then the journal's INSERT is compiled. On PostgreSQL one data-modifying statement (UPDATE …
    RETURNING feeding both INSERTs) writes the same rows; the audit row takes simple-history's
    user, date and change reason (`audit_records`). No save signal is sent: the pathway's only
    receiver is simple-history, whose row this writes, and nothing listens to the journal's.
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
    conn = _default()
    params = [
        *(f.get_db_prep_save(getattr(pathway, f.attname), conn) for f in fields),
        pathway.pk,
        log.from_state,  # the state it was read in: django-fsm's concurrent-update check
        *history,
        *(f.get_db_prep_save(f.pre_save(log, True), conn) for f in _log_fields()),
    ]
    with conn.cursor() as cursor:
        cursor.execute(_transition_record_sql(tuple(f.column for f in fields)), params)
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
    return _default().vendor == "postgresql"


@functools.cache
def _log_fields() -> tuple:
    return tuple(f for f in TransitionLog._meta.concrete_fields if not f.primary_key)


@functools.cache
def _transition_record_sql(set_columns: tuple[str, ...]) -> str:
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
