"""Default delay rules (SPEC.md "Delays"), tracks and orientation rules; append-only journal trigger.

Everything seeded here is data, editable in the admin. Figures marked (law) in SPEC.md are
the current French rules; the rest are agreed defaults.
"""

import datetime as dt

from django.db import migrations

BASE = dt.date(2020, 1, 1)

# code, value, unit, extended, due_soon_days, due_soon_to, due_to, escalation_days, overdue_to, pauses, source
DELAY_RULES = [
    ("orientation", 42, "days", None, 7, "orientation_team", "team_lead", 15, "team_lead", False,
     "CASF D262-65-2 : orientation sous 6 semaines"),
    ("referent_assignment", 7, "days", None, None, "", "team_lead", 7, "team_lead", False, "Défaut convenu"),
    ("first_appointment", 15, "days", None, 3, "referent", "referent", 7, "team_lead", True, "Défaut convenu"),
    ("contract", 1, "months", None, 7, "referent", "referent", 15, "team_lead", True,
     "Décret 2024-1244 : contrat sous 1 mois après l'orientation"),
    ("contract_renewal", 0, "days", None, 30, "referent", "referent", None, "", True,
     "Réexamen 30 jours avant la fin du contrat"),
    ("social_track_review", 6, "months", 12, 30, "referent", "referent", 30, "team_lead", True,
     "L262-31 : réexamen à 6 mois, 12 mois pour motif de santé, handicap, logement ou famille"),
    ("contact_gap", 60, "days", None, None, "", "referent", 15, "team_lead", True,
     "Risque de rupture : 60 jours sans contact honoré"),
    ("aspir_cadence", 7, "days", None, None, "", "referent", None, "", True,
     "ASPIR (pacte) : hebdomadaire 2 mois puis tous les 15 jours"),
    ("handover_acceptance", 5, "working_days", None, None, "", "incoming_referent", 2, "team_lead", False,
     "Défaut convenu : 5 jours ouvrés"),
    ("in_work_checkin", 6, "months", None, None, "", "referent", None, "", True,
     "Accompagnement dans l'emploi : points à 1, 3 et 6 mois"),
    ("partner_ack", 7, "days", None, None, "", "partner_contact", 7, "referent", False,
     "Relance partenaire à 7 jours, escalade au référent à 14"),
    ("suspension_end", 0, "days", None, None, "", "referent", None, "", False, "Date de reprise prévue"),
]

TRACKS = [
    ("social", "Parcours social", "social", False),
    ("professional", "Parcours professionnel", "professional", False),
    ("socio_professional", "Parcours socio-professionnel", "professional", True),
]

ORIENTATION_RULES = [
    (10, "registered_with_france_travail", "france_travail", "professional"),
    (20, "plie_enrolled", "plie", "professional"),
    (30, "under_26", "mission_locale", "professional"),
    (40, "self_employed", "chambre_consulaire", "professional"),
    (50, "disability_recognised", "cap_emploi", "professional"),
    (90, "default", "departement", "social"),
]

APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION casework_transitionlog_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'casework_transitionlog is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS casework_transitionlog_append_only ON casework_transitionlog;
CREATE TRIGGER casework_transitionlog_append_only
    BEFORE UPDATE OR DELETE ON casework_transitionlog
    FOR EACH ROW EXECUTE FUNCTION casework_transitionlog_append_only();
"""
APPEND_ONLY_REVERSE = """
DROP TRIGGER IF EXISTS casework_transitionlog_append_only ON casework_transitionlog;
DROP FUNCTION IF EXISTS casework_transitionlog_append_only();
"""


def load_defaults(apps, schema_editor):
    DelayRule = apps.get_model("casework", "DelayRule")
    Track = apps.get_model("casework", "Track")
    OrientationRule = apps.get_model("casework", "OrientationRule")
    for code, value, unit, ext, soon, soon_to, due_to, esc, over_to, pauses, source in DELAY_RULES:
        DelayRule.objects.get_or_create(
            code=code,
            territory=None,
            public="",
            valid_from=BASE,
            defaults=dict(
                duration_value=value,
                duration_unit=unit,
                extended_duration_value=ext,
                due_soon_days=soon,
                due_soon_recipient=soon_to,
                due_recipient=due_to,
                escalation_days=esc,
                overdue_recipient=over_to,
                pauses_when_suspended=pauses,
                source=source,
            ),
        )
    for code, label, kind, social_support in TRACKS:
        Track.objects.get_or_create(code=code, defaults=dict(label=label, kind=kind, social_support=social_support))
    for priority, condition, org_kind, track_kind in ORIENTATION_RULES:
        OrientationRule.objects.get_or_create(
            priority=priority,
            defaults=dict(condition=condition, organisation_kind=org_kind, track_kind=track_kind),
        )


def append_only_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def drop_append_only_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]

    operations = [
        migrations.RunPython(load_defaults, migrations.RunPython.noop),
        migrations.RunPython(append_only_trigger, drop_append_only_trigger),
    ]
