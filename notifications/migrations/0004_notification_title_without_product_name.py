"""Notifications written before the in-app title and the e-mail subject were told apart held
the e-mail subject ("Fil rouge — Un parcours vous est confié"): keep only the title, as new
rows do, capitalised (the e-mail adds the product's name when it is sent)."""

from django.db import migrations
from django.db.models.functions import Concat, Substr, Upper

PREFIX = "Fil rouge — "


def strip_product_name(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    start = len(PREFIX) + 1
    Notification.objects.filter(subject__startswith=PREFIX).update(
        subject=Concat(Upper(Substr("subject", start, 1)), Substr("subject", start + 1))
    )


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_pathway_index_covered_by_pathway_status"),
    ]

    operations = [migrations.RunPython(strip_product_name, migrations.RunPython.noop)]
