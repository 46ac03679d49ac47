"""python manage.py restore_db FILE — replace the database's contents by a backup_db dump."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from notes.ingest.backup import BackupError, restore_database


class Command(BaseCommand):
    help = (
        "Restore a backup_db dump with pg_restore --clean --if-exists --no-owner "
        "--single-transaction. Everything in the database is replaced by the dump's contents."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="A dump written by backup_db.")
        parser.add_argument(
            "--yes",
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Do not ask for confirmation.",
        )

    def handle(self, *args, file, interactive=True, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        try:
            file.open("rb").close()
        except OSError as exc:
            raise CommandError(f"{file}: cannot be read ({exc.strerror or exc}).") from exc
        name = connection.settings_dict["NAME"]
        if interactive:
            answer = input(
                f"This replaces everything in the database {name!r} with the contents of "
                f"{file}.\nType 'yes' to continue, anything else to cancel: "
            )
            if answer.strip().lower() != "yes":
                raise CommandError("Restore cancelled.")
        try:
            restore_database(file)
        except BackupError as exc:
            raise CommandError(f"Restore failed, the database is unchanged: {exc}") from exc
        self.stdout.write(self.style.SUCCESS(f"Restored {name!r} from {file}."))
