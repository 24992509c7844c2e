"""National administrators see every official's imports through the permission "view spreadsheet import"
(imports/roles.py), no longer through a look-up of their group on every page. An installation whose role
groups were made before this gets the permission on its "National administrator" group here (as
`manage.py setup_roles` would give it); an installation without the group is left as it is."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "National administrator"  # localities.roles.ROLE_GROUP_NAMES, as it is stored


def grant(apps, schema_editor):
    db = schema_editor.connection.alias
    Group = apps.get_model("auth", "Group")
    group = Group.objects.using(db).filter(name=GROUP).first()
    if group is None:
        return
    # the permission is created after migrations run (post_migrate): here, if it is not there yet
    config = apps.get_app_config("imports")
    config.models_module = True
    create_permissions(config, apps=apps, verbosity=0, using=db)
    config.models_module = None
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.using(db).get(content_type__app_label="imports", codename="view_importjob")
    group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
