"""python manage.py create_clerk USERNAME [--email ADDRESS]: a working clerk in one step."""

from __future__ import annotations

import getpass
import os

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from notes.clerks import CLERK_GROUP, ensure_clerk_group

PASSWORD_VARIABLE = "DJANGO_CLERK_PASSWORD"


class Command(BaseCommand):
    help = (
        "Create a clerk (a staff user in the group Clerk) who can sign in at /admin/, or make "
        "an existing user one. Asks for the password twice; with --no-input it is read from "
        f"the environment variable {PASSWORD_VARIABLE}."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="", help="The clerk's email address.")
        parser.add_argument(
            "--no-input",
            action="store_false",
            dest="interactive",
            help=f"Do not ask: take the password from {PASSWORD_VARIABLE}.",
        )

    def handle(self, *args, username, email, interactive, **options):
        user_model = get_user_model()
        user = user_model.objects.filter(username=username).first()
        password = None
        if user is None or not user.has_usable_password():
            password = self._password(username, interactive)
        with transaction.atomic():
            created = user is None
            if user is None:
                user = user_model(username=username, email=email)
            elif email:
                user.email = email
            if password is not None:
                user.set_password(password)
            user.is_staff = True
            user.is_active = True
            user.save()
            user.groups.add(ensure_clerk_group())
        verb = "Created" if created else "Updated"
        self.stdout.write(
            f"{verb} the clerk {username!r} (staff, group {CLERK_GROUP}): "
            "they can sign in at /admin/."
        )

    def _password(self, username: str, interactive: bool) -> str:
        if not interactive:
            password = os.environ.get(PASSWORD_VARIABLE, "")
            if not password:
                raise CommandError(f"--no-input needs the password in {PASSWORD_VARIABLE}.")
            return self._valid(password, username)
        for _attempt in range(3):
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                self.stderr.write("The passwords do not match; try again.")
                continue
            try:
                return self._valid(password, username)
            except CommandError as exc:
                self.stderr.write(str(exc))
        raise CommandError("No password was set; the clerk was not created.")

    @staticmethod
    def _valid(password: str, username: str) -> str:
        user_model = get_user_model()
        try:
            validate_password(password, user_model(username=username))
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        return password
