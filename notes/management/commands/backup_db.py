"""python manage.py backup_db [--output PATH] — pg_dump --format=custom of the database."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from notes.ingest.backup import BackupError, backup_database


class Command(BaseCommand):
    help = (
        "Back up the configured database with pg_dump --format=custom, by default to "
        "backups/archive-<UTC timestamp>.dump. Restore it with restore_db."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output", "-o", type=Path, help="The dump file (default: backups/archive-….dump)."
        )

    def handle(self, *args, output=None, **options):
        try:
            path = backup_database(output)
        except (BackupError, OSError) as exc:
            raise CommandError(f"Backup failed: {exc}") from exc
        self.stdout.write(str(path))
