"""The group whose members may run the payers' flux imports (`casework.run_flux_import`)."""

from django.db import migrations

GROUP = "Fil rouge — imports des flux"


def group_create(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type, _ = ContentType.objects.get_or_create(app_label="casework", model="fluximport")
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type,
        codename="run_flux_import",
        defaults={"name": "Peut importer les flux des organismes payeurs"},
    )
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("casework", "0024_flux_import"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(group_create, migrations.RunPython.noop)]
