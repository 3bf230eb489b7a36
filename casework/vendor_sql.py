"""Where PostgreSQL and SQLite differ, each difference one function that picks its path.

Business code calls these and never reads `connection.vendor` itself. PostgreSQL is the
production database; SQLite is the embedded default of `make run`, so every path has a
portable twin giving the same rows (tests run both on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from django.db.models import Q


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def set_local(setting: str, value: str) -> None:
    """`SET LOCAL setting = value` for the current transaction on PostgreSQL (a planner switch,
    a flag a trigger reads); SQLite has neither, so nothing to do there."""
    if is_postgresql():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL {setting} = {value}")


def json_list_contains(path: str, value: str) -> Q:
    """Rows whose JSON list at `path` holds `value`: `@>` on PostgreSQL; SQLite has no JSON
    containment, so the list of codes is matched as text, the quoted code inside it."""
    if is_postgresql():
        return Q(**{f"{path}__contains": [value]})
    return Q(**{f"{path}__icontains": f'"{value}"'})


def rows_copy(model: type[models.Model], rows: Sequence[dict], *, batch_size: int = 5000) -> int:
    """Insert many rows given as {column attname: value} (all with the same keys): `COPY … FROM
    STDIN` on PostgreSQL, batched `bulk_create` elsewhere — the same rows, no signal either way.
    Returns the number of rows written."""
    if not rows:
        return 0
    if is_postgresql():
        columns = list(rows[0])
        q = connection.ops.quote_name
        names = ", ".join(q(model._meta.get_field(c).column) for c in columns)
        sql = f"COPY {q(model._meta.db_table)} ({names}) FROM STDIN"
        with connection.cursor() as cur, cur.copy(sql) as copy:
            for row in rows:
                copy.write_row(tuple(row[c] for c in columns))
    else:
        model.objects.bulk_create([model(**row) for row in rows], batch_size=batch_size)
    return len(rows)
