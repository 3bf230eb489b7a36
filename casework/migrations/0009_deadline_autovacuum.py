"""Keep the deadline table's visibility map fresh (PostgreSQL only).

The board's counts read deadlines with index-only scans (the contact-gap count: every expired
`contact_gap` clock, 143,000 at 1M pathways). Each insert or update clears its page's
all-visible bit, and until a vacuum the scan fetches the heap for those pages: 25 ms with a
fresh map, 960 ms after 100,000 scattered inserts (bench, EXPLAIN ANALYZE). PostgreSQL's
defaults vacuum after 20 % of the table has changed — 870,000 rows at 1M pathways, weeks of
sweeps and transitions. These settings vacuum after 0.2 % (about 8,700 rows at 1M: a few
times a day); a vacuum of a mostly all-visible table reads only the pages that changed.
"""

from django.db import migrations

SETTINGS = (
    "autovacuum_vacuum_scale_factor = 0.002, "
    "autovacuum_vacuum_insert_scale_factor = 0.002, "
    "autovacuum_analyze_scale_factor = 0.01"
)


def apply(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE casework_deadline SET ({SETTINGS})")


def revert(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "ALTER TABLE casework_deadline RESET (autovacuum_vacuum_scale_factor, "
            "autovacuum_vacuum_insert_scale_factor, autovacuum_analyze_scale_factor)"
        )


class Migration(migrations.Migration):
    dependencies = [("casework", "0008_pathway_index_covered_by_pathway_status")]

    operations = [migrations.RunPython(apply, revert)]
