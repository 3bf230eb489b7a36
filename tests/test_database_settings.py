"""The PostgreSQL connection prepares the statements it repeats (see README, DATABASE_PREPARE_THRESHOLD)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_postgresql_prepares_repeated_statements(needs_postgres):
    from casework.models import Territory

    connection.ensure_connection()
    assert connection.connection.prepare_threshold == 5
    for _ in range(6):
        list(Territory.objects.filter(code="bench-prepared").values_list("id", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any('"casework_territory"' in sql and "$1" in sql for sql in prepared)


@pytest.mark.django_db
def test_the_deadline_table_is_vacuumed_early(needs_postgres):
    """Index-only scans of the board stay index-only (migration casework 0009)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'casework_deadline'")
        options = cursor.fetchone()[0]
    assert "autovacuum_vacuum_insert_scale_factor=0.002" in options
    assert "autovacuum_vacuum_scale_factor=0.002" in options
