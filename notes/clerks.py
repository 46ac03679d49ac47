"""Clerks: the *Clerk* group, its permissions, and membership that makes a working account.

A clerk is a staff user in the group *Clerk*. Adding a user to the group (in the admin's user
page, or with `manage.py create_clerk`) also gives the staff status the admin's login asks
for, so that membership alone gives a working clerk; `ensure_clerk_group()` (re)creates the
group with exactly the permissions below.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings

CLERK_GROUP = "Clerk"
# Clerks keep the records: no deleting (public records are kept), no users, groups or bodies.
# Migration 0002 created the group; 0017 added the held texts.
CLERK_PERMISSIONS = {
    "meeting": ["add", "change", "view"],
    "agendaitem": ["add", "change", "view"],
    "annotation": ["add", "change", "view"],
    "party": ["add", "change", "view"],
    "person": ["add", "change", "view"],
    "body": ["view"],
    # Votes and attendance read from protocols (0021).
    "vote": ["add", "change", "view"],
    "ballot": ["add", "change", "view"],
    "attendance": ["add", "change", "view"],
    # Texts held as drafts for published meetings: never public, so clerks may discard them.
    "heldtext": ["add", "change", "view", "delete"],
}


def ensure_clerk_group():
    """The Clerk group, created if it is missing, with exactly the clerks' permissions."""
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    group, _ = group_model.objects.get_or_create(name=CLERK_GROUP)
    codenames = [
        f"{action}_{model}" for model, actions in CLERK_PERMISSIONS.items() for action in actions
    ]
    group.permissions.set(
        permission_model.objects.filter(content_type__app_label="notes", codename__in=codenames)
    )
    return group


def staff_with_group(sender, instance, action, reverse, pk_set, **kwargs):
    """m2m_changed: a user added to the Clerk group gets staff status (the admin's login
    requires it); removing them from the group leaves the flag to whoever manages users."""
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    if action != "post_add" or sender is not user_model.groups.through or not pk_set:
        return
    group_model = apps.get_model("auth", "Group")
    if reverse:  # group.user_set.add(users)
        if instance.name == CLERK_GROUP:
            user_model.objects.filter(pk__in=pk_set, is_staff=False).update(is_staff=True)
    elif (
        not instance.is_staff
        and group_model.objects.filter(pk__in=pk_set, name=CLERK_GROUP).exists()
    ):
        instance.is_staff = True
        user_model.objects.filter(pk=instance.pk).update(is_staff=True)
