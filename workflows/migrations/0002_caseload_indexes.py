"""Partial index for the caseload queue's "next open deadline" per pathway (PostgreSQL only).

`deadline_open_next_by_pathway`: the queue reads, for each of a referent's ~80 pathways, its
first open deadline (`ORDER BY due_on, id LIMIT 1`, plus its rule). With only the
(pathway_id, status) index each probe read every deadline of the pathway, closed ones
included (about 2.6 closed for 1.8 open), then sorted them; this one answers with the first
index entry and carries the rule code (index-only).

SQL, not `Meta.indexes` (the model lives in casework; INCLUDE has no SQLite equivalent). Not
CONCURRENTLY (migrations run in a transaction): on a large live table create it by hand with
CONCURRENTLY first; this migration then finds it (IF NOT EXISTS).
"""

from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS deadline_open_next_by_pathway ON casework_deadline (pathway_id, due_on, id) "
    "INCLUDE (rule_code) WHERE status = 'open'",
]
DROP = ["DROP INDEX IF EXISTS deadline_open_next_by_pathway"]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("workflows", "0001_pathway_process"), ("casework", "0003_secrecy_audit")]

    operations = [migrations.RunPython(_run(CREATE), _run(DROP))]
