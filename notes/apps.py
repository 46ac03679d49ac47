from django.apps import AppConfig
from django.db.models.signals import m2m_changed
from django.utils.translation import gettext_lazy as _

from notes import clerks


class NotesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "notes"
    verbose_name = _("Protokollsarkivet")

    def ready(self):
        # Membership of the Clerk group gives the staff status the admin's login asks for.
        m2m_changed.connect(clerks.staff_with_group, dispatch_uid="notes.clerks.staff_with_group")
