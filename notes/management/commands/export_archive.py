"""python manage.py export_archive FILE — the whole archive as one portable JSON document."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from notes.ingest.archive import FORMAT_VERSION, export_archive


class Command(BaseCommand):
    help = (
        "Write the whole archive (bodies, parties, people, meetings, items, annotations and "
        "their full history) to FILE as deterministic JSON; '-' writes to standard output. "
        "Search vectors and fingerprints are left out: import_archive rebuilds them."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Where to write the JSON document ('-' for stdout).")

    def handle(self, *args, file, **options):
        try:
            counts = export_archive(file)
        except OSError as exc:
            raise CommandError(f"cannot write {file}: {exc.strerror or exc}") from exc
        if file != "-":
            summary = ", ".join(f"{n} {key.replace('_', ' ')}" for key, n in counts.items())
            self.stdout.write(
                self.style.SUCCESS(f"Wrote {file} (format version {FORMAT_VERSION}): {summary}.")
            )
