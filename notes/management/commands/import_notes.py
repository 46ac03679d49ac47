"""python manage.py import_notes PATH... — import annotation texts, one transaction per file."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from notes.ingest.importing import (
    Outcome,
    collect_files,
    commits_not_waiting_for_disk,
    import_file,
    remembering_lookups,
)


class Command(BaseCommand):
    help = (
        "Import annotation texts (protokollsanteckningar, reservationer, särskilda yttranden) "
        "from files or folders of .txt files. Each file is saved in its own transaction; "
        "a file that is already imported is left unchanged."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", type=Path, help="Files or folders (*.txt).")
        parser.add_argument(
            "--dry-run", action="store_true", help="Parse and check everything, save nothing."
        )
        parser.add_argument(
            "--draft",
            action="store_true",
            help="Leave new meetings as drafts instead of publishing them.",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar (it goes to stderr)."
        )

    def handle(self, *args, paths, dry_run, no_progress, draft=False, **options):
        files, missing = collect_files(paths)
        for path in missing:
            self.stderr.write(self.style.ERROR(f"{path}: no such file or folder"))
        if not files and not missing:
            raise CommandError("No .txt files found in the paths given.")

        counts = dict.fromkeys(Outcome, 0)
        counts[Outcome.FAILED] += len(missing)
        # Names found once are not looked up again this run; a commit per file does not
        # wait for the disk (a crash loses under a second of them, which a rerun redoes).
        with remembering_lookups(), commits_not_waiting_for_disk():
            for result in self._import_all(files, dry_run, not draft, progress=not no_progress):
                counts[result.outcome] += 1
                if result.outcome is Outcome.FAILED:
                    self.stderr.write(self.style.ERROR(result.message))
                elif options["verbosity"] >= 2:
                    self.stdout.write(f"{result.source}: {result.outcome}")

        prefix = "Dry run, nothing saved: " if dry_run else ""
        summary = (
            f"{prefix}{counts[Outcome.IMPORTED]} imported, "
            f"{counts[Outcome.UNCHANGED]} unchanged, {counts[Outcome.FAILED]} failed."
        )
        if counts[Outcome.FAILED]:
            self.stdout.write(self.style.WARNING(summary))
            raise CommandError(f"{counts[Outcome.FAILED]} file(s) failed; see the messages above.")
        self.stdout.write(self.style.SUCCESS(summary))

    def _import_all(self, files, dry_run, publish, *, progress):
        # A bar only where it helps: many files and a terminal to draw on.
        bar = tqdm(
            files,
            unit="file",
            disable=not progress or len(files) < 10 or None,
            file=sys.stderr,
            leave=False,
        )
        for path in bar:
            yield import_file(path, dry_run=dry_run, publish=publish)
