"""Default rules of the breach procedure (docs/legal.md, « Manquements et suspension-remobilisation »).

Data, editable in the admin: the caps in force from 1 June 2025 (décret n° 2025-478, CASF R262-68
and R262-68-6) and the window the person has to present observations.
"""

import datetime as dt

from django.db import migrations

IN_FORCE = dt.date(2025, 6, 1)
# The right to present observations before a sanction predates the 2025 reform (R262-69, 2009).
WINDOW_FROM = dt.date(2020, 1, 1)

CAPS = dict(
    min_rate=30,
    max_rate=100,
    first_min_months=1,
    first_max_months=2,
    repeat_min_months=1,
    repeat_max_months=4,
    shared_household_max_rate=50,
    source=(
        "CASF R262-68 (décret n° 2025-478 du 30 mai 2025) : au moins 30 % pour 1 à 2 mois, 1 à 4 mois en cas de "
        "persistance ou de réitération ; R262-68-6 : 50 % au plus pour un foyer de plus d'une personne ou "
        "bénéficiant de la majoration L262-9"
    ),
)

OBSERVATIONS = dict(
    duration_value=1,
    duration_unit="months",
    due_soon_days=None,
    due_soon_recipient="",
    due_recipient="referent",
    escalation_days=15,
    overdue_recipient="team_lead",
    pauses_when_suspended=False,
    source=(
        "CASF L262-37 : la personne est mise en mesure de présenter ses observations ; délai par défaut d'un mois "
        "à compter du courrier (plafond de l'ancien R262-69), à vérifier"
    ),
)


def load_breach_defaults(apps, schema_editor):
    """Idempotent: the tests call it again after a flush (tests/conftest.py)."""
    BreachCapRule = apps.get_model("casework", "BreachCapRule")
    DelayRule = apps.get_model("casework", "DelayRule")
    BreachCapRule.objects.get_or_create(valid_from=IN_FORCE, defaults=CAPS)
    DelayRule.objects.get_or_create(
        code="breach_observations", territory=None, public="", valid_from=WINDOW_FROM, defaults=OBSERVATIONS
    )


class Migration(migrations.Migration):
    dependencies = [("casework", "0018_breach_procedure")]

    operations = [migrations.RunPython(load_breach_defaults, migrations.RunPython.noop)]
