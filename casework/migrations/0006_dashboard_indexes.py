"""Partial covering index for the team lead's overdue board (PostgreSQL only).

`deadline_open_rule_due`: open deadlines of one rule by due day, carrying the pathway (contact
gaps: a semi-join on the expired `contact_gap` deadlines instead of a probe per open pathway;
a rule's list behind a board count). A (due_on) INCLUDE (rule_code, pathway_id) index for the
counts was tried and left out: the planner prefers `deadline_open_due` (bitmap scan) and the
time goes into the join to the pathways, not into reading the deadlines.

SQL, not `Meta.indexes`: INCLUDE columns have no SQLite equivalent and the board does not need
them there. Not CONCURRENTLY (migrations run in a transaction); on a large live table create
them by hand with CONCURRENTLY first, this migration then finds them (IF NOT EXISTS).
"""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS deadline_open_rule_due ON casework_deadline (rule_code, due_on) "
    "INCLUDE (pathway_id) WHERE status = 'open'",
]
DROP = ["DROP INDEX IF EXISTS deadline_open_rule_due"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("casework", "0005_indicator_facts")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
