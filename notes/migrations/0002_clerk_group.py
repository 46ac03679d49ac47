"""The Clerk group: exactly the permissions that entering and correcting records needs."""

from django.db import migrations

CLERK_GROUP = "Clerk"
# Clerks keep the records: no deleting (public records are kept), no users, groups or bodies.
CLERK_PERMISSIONS = {
    "meeting": ["add", "change", "view"],
    "agendaitem": ["add", "change", "view"],
    "annotation": ["add", "change", "view"],
    "party": ["add", "change", "view"],
    "person": ["add", "change", "view"],
    "body": ["view"],
}


def create_clerk_group(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrations; make sure they exist now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=CLERK_GROUP)
    codenames = [
        f"{action}_{model}" for model, actions in CLERK_PERMISSIONS.items() for action in actions
    ]
    permissions = Permission.objects.filter(content_type__app_label="notes", codename__in=codenames)
    group.permissions.set(permissions)


def remove_clerk_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=CLERK_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notes", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_clerk_group, remove_clerk_group)]
