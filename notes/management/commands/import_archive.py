"""python manage.py import_archive FILE — load an export_archive document, all or nothing."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from notes.ingest.archive import ArchiveError
from notes.ingest.archive_import import import_archive


class Command(BaseCommand):
    help = (
        "Load a document written by export_archive, in one transaction. Rows are matched by "
        "primary key: missing rows are created, identical rows left alone, differing rows "
        "overwritten by the file (without new history rows: the history comes from the file). "
        "Rows not in the file are kept. history_user is matched by username (null if there is "
        "no such user). Sequences and search vectors are brought up to date afterwards."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="A JSON document written by export_archive.")

    def handle(self, *args, file, **options):
        try:
            result = import_archive(file)
        except ArchiveError as exc:
            raise CommandError(f"Nothing imported: {exc}") from exc
        for name in sorted(result.unknown_users):
            self.stderr.write(
                self.style.WARNING(f"No user named {name!r}: their history entries have no user.")
            )
        verbose = options["verbosity"] >= 2
        totals = {"inserted": 0, "updated": 0, "unchanged": 0}
        for key, counts in result.sections.items():
            for name in totals:
                totals[name] += getattr(counts, name)
            if verbose:
                self.stdout.write(
                    f"{key}: {counts.inserted} inserted, {counts.updated} updated, "
                    f"{counts.unchanged} unchanged"
                )
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {file}: {totals['inserted']} rows inserted, {totals['updated']} "
                f"updated, {totals['unchanged']} unchanged; {result.links_replaced} link lists "
                f"replaced; {result.vectors_refreshed} search vectors rebuilt."
            )
        )
