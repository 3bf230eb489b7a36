"""The offers' French full-text search (PostgreSQL) and the default prescription answer delay.

On PostgreSQL: the `unaccent` extension, a `french_unaccent` text search configuration (the
French stemmer after removing accents: "équipe", "equipe" and "Équipes" meet), a generated,
stored `search_vector` on the offers (title weighted A, description B, conditions and address
C) and its GIN index, and a GIN index on the barriers (`@>`). Both without GIN's pending list
(`fastupdate = off`): a catalogue is written rarely and read all day, and entries waiting in
that list are scanned on every search (measured: 36 ms instead of 8 for one word at 10,000
offers, until a vacuum merged them). SQLite (`make run`) gets none of it: `casework.vendor_sql.offer_text_match`
searches there with plain `LIKE`s.

The default rule is data, editable in the admin like the others.
"""

import datetime as dt

from django.db import migrations

SEARCH_SQL = """
CREATE EXTENSION IF NOT EXISTS unaccent;
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'french_unaccent') THEN
        CREATE TEXT SEARCH CONFIGURATION french_unaccent (COPY = french);
        ALTER TEXT SEARCH CONFIGURATION french_unaccent
            ALTER MAPPING FOR hword, hword_part, word WITH unaccent, french_stem;
    END IF;
END
$$;
ALTER TABLE casework_offer ADD COLUMN search_vector tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('french_unaccent'::regconfig, coalesce(title, '')), 'A')
    || setweight(to_tsvector('french_unaccent'::regconfig, coalesce(description, '')), 'B')
    || setweight(to_tsvector('french_unaccent'::regconfig, coalesce(eligibility, '') || ' ' || coalesce(address, '')), 'C')
) STORED;
CREATE INDEX casework_offer_search_gin ON casework_offer USING gin (search_vector) WITH (fastupdate = off);
CREATE INDEX casework_offer_barriers_gin ON casework_offer USING gin (barriers jsonb_path_ops) WITH (fastupdate = off);
"""
SEARCH_REVERSE_SQL = """
DROP INDEX IF EXISTS casework_offer_search_gin;
DROP INDEX IF EXISTS casework_offer_barriers_gin;
ALTER TABLE casework_offer DROP COLUMN IF EXISTS search_vector;
"""

# code, value, unit, due_soon_days, due_soon_to, due_to, escalation_days, overdue_to, pauses, source
PRESCRIPTION_RULE = (
    "prescription_answer", 10, "working_days", None, "", "referent", 5, "team_lead", False,
    "Défaut convenu : réponse du prestataire sous 10 jours ouvrés, escalade au responsable 5 jours après",
)  # fmt: skip


def search_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEARCH_SQL, params=None)


def search_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(SEARCH_REVERSE_SQL, params=None)


def load_prescription_rule(apps, schema_editor):
    DelayRule = apps.get_model("casework", "DelayRule")
    code, value, unit, soon, soon_to, due_to, esc, over_to, pauses, source = PRESCRIPTION_RULE
    DelayRule.objects.get_or_create(
        code=code,
        territory=None,
        public="",
        valid_from=dt.date(2020, 1, 1),
        defaults=dict(
            duration_value=value,
            duration_unit=unit,
            due_soon_days=soon,
            due_soon_recipient=soon_to,
            due_recipient=due_to,
            escalation_days=esc,
            overdue_recipient=over_to,
            pauses_when_suspended=pauses,
            source=source,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("casework", "0016_offers_catalogue")]

    operations = [
        migrations.RunPython(search_create, search_drop),
        migrations.RunPython(load_prescription_rule, migrations.RunPython.noop),
    ]
