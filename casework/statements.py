"""Statements built once, for the few writes and reads every transition makes.

The Django ORM compiles a statement each time a queryset or a save runs: for a transition,
which makes about ten small statements, that compiling was most of the client's CPU (bench,
issue 7: 0.3–1 ms per statement, against 0.1 ms for the round trip of a prepared statement).
These classes build their SQL once, from the models' own metadata (a new field is carried
without editing SQL), pass values through each field's `pre_save` / `get_db_prep_save` and
load rows through each field's database converters and `Model.from_db`, as the ORM does.
Tests check each one against the ORM's own result (`tests/casework/test_statements.py`).

Like `bulk_create` and `QuerySet.update`, they send no save signal: they are for models that
have no save receiver, which a test checks.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence

from django.db import DEFAULT_DB_ALIAS, connection, connections, models


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
