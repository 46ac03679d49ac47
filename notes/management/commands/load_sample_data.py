"""python manage.py load_sample_data [--if-empty] — the real sample plus a small demo set."""

from __future__ import annotations

from pathlib import Path

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from notes.ingest.importing import Outcome, collect_files, ensure_all_parties, import_file
from notes.models import Annotation

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"


class Command(BaseCommand):
    help = (
        "Load the shipped sample annotations (real, public record) and a small generated "
        "demo set. With --if-empty, do nothing when the archive already holds annotations."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true")
        parser.add_argument(
            "--demo", type=int, default=300, help="How many demo annotations (0 for none)."
        )
        parser.add_argument("--seed", type=int, default=2021)

    def handle(self, *args, if_empty, demo, seed, **options):
        if if_empty and Annotation.objects.exists():
            self.stdout.write("The archive already holds annotations; nothing loaded.")
            return
        ensure_all_parties()
        files, _ = collect_files([SAMPLE_DIR])
        for path in files:
            result = import_file(path)
            if result.outcome is Outcome.FAILED:
                raise CommandError(result.message)
            self.stdout.write(f"{path.name}: {result.outcome}")
        if demo > 0:
            call_command(
                "generate_demo", annotations=demo, seed=seed, replace=True, stdout=self.stdout
            )
