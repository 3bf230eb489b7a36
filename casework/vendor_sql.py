"""Where PostgreSQL and SQLite differ, each difference one function that picks its path.

Business code calls these and never reads `connection.vendor` itself. PostgreSQL is the
production database; SQLite is the embedded default of `make run`, so every path has a
portable twin giving the same rows (tests run both on PostgreSQL).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models
from django.db.models import BooleanField, DateField, FloatField, Func, IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL


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
    """Insert many rows given as {column attname: value} (all with the same keys), the values
    written as given (an `auto_now` field keeps the time the caller passed, as COPY does):
    `COPY … FROM STDIN` on PostgreSQL, batched `executemany` INSERTs elsewhere — the same rows,
    no signal either way. Returns the number of rows written."""
    if not rows:
        return 0
    attnames = list(rows[0])
    fields = [model._meta.get_field(a) for a in attnames]
    q = connection.ops.quote_name
    target = f"{q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)})"
    if is_postgresql():
        with connection.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(tuple(row[a] for a in attnames))
        return len(rows)
    sql = f"INSERT INTO {target} VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cur:
        for start in range(0, len(rows), batch_size):
            batch = rows[start : start + batch_size]
            cur.executemany(
                sql,
                [
                    [f.get_db_prep_save(row[a], connection) for f, a in zip(fields, attnames, strict=True)]
                    for row in batch
                ],
            )
    return len(rows)


# --- the offers' text search ------------------------------------------------------------------

_OFFER_QUERY = "websearch_to_tsquery('french_unaccent'::regconfig, %s)"
_OFFER_TEXT_FIELDS = ("title", "description", "eligibility", "address")


def offer_text_match(offers: QuerySet, text: str) -> QuerySet:
    """The offers matching the words of `text`, best first.

    PostgreSQL: French full-text search, accents ignored, on the generated `search_vector`
    through its GIN index (migration `offers_search_and_rule`), ranked by `ts_rank` (the
    title weighs most). SQLite (`make run`) has neither: every word must appear, as typed,
    in one of the same fields, and the offers come by title.
    """
    if is_postgresql():
        vector = '"casework_offer"."search_vector"'
        return offers.filter(RawSQL(f"{vector} @@ {_OFFER_QUERY}", (text,), output_field=BooleanField())).annotate(
            text_rank=RawSQL(f"ts_rank({vector}, {_OFFER_QUERY})", (text,), output_field=FloatField())
        )
    for word in text.split():
        any_field = Q()
        for field in _OFFER_TEXT_FIELDS:
            any_field |= Q(**{f"{field}__icontains": word})
        offers = offers.filter(any_field)
    return offers.annotate(text_rank=RawSQL("0.0", (), output_field=FloatField()))


# --- date arithmetic: Django picks `as_sqlite` on SQLite, `as_sql` elsewhere ------------------


class DaysBetween(Func):
    """Whole days from `start` to `end` (end - start), as an integer."""

    output_field = IntegerField()

    def __init__(self, end, start):
        super().__init__(end, start)

    def as_sql(self, compiler, conn, **extra):  # PostgreSQL: date - date is an integer
        return self.as_sql_template(compiler, conn, "(%(expressions)s)", " - ")

    def as_sqlite(self, compiler, conn, **extra):
        return self.as_sql_template(compiler, conn, "CAST(julianday(%(expressions)s) AS INTEGER)", ") - julianday(")

    def as_sql_template(self, compiler, conn, template, arg_joiner):
        return super().as_sql(compiler, conn, template=template, arg_joiner=arg_joiner)


class AddMonths(Func):
    """`date` plus `months` calendar months, clamped to the end of the month (31/01 + 1 = 28/02)."""

    output_field = DateField()

    def __init__(self, expression, months: int):
        self.months = int(months)
        super().__init__(expression)

    def as_sql(self, compiler, conn, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"CAST(({sql} + INTERVAL '{self.months} months') AS date)", params

    def as_sqlite(self, compiler, conn, **extra):
        sql, params = compiler.compile(self.source_expressions[0])
        m = self.months
        return (
            f"MIN(date({sql}, '+{m} months'), date({sql}, 'start of month', '+{m + 1} months', '-1 day'))",
            params * 2,
        )
