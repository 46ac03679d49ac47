"""python manage.py generate_demo --annotations N --seed S [--replace]"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from notes import demo
from notes.sql.bulk import compact_after_load

# Loads of this many annotations or more are compacted afterwards (notes.sql.bulk); smaller
# ones (the sample data of `make run`) are left to autovacuum.
COMPACT_FROM = 10_000


class Command(BaseCommand):
    help = (
        "Generate fictitious, clearly flagged demo data (meetings, agenda items, people and "
        "annotations, 2014–2026) for Huddinge kommun's bodies and parties. The same seed on an "
        "empty database gives the same rows. Refuses when demo data already exists unless "
        "--replace is given, which deletes the existing demo data first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--annotations",
            type=int,
            default=1_000,
            help="How many annotations to create (at least 1; default 1000).",
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="Random seed; the same seed gives the same data."
        )
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete all existing demo data before generating.",
        )

    def handle(self, *args, annotations, seed, replace, **options):
        if annotations < 1:
            raise CommandError(f"--annotations must be at least 1 (got {annotations}).")
        started = time.perf_counter()
        # One transaction: if generating fails, the old demo data is still there.
        with transaction.atomic():
            if demo.has_demo_data():
                if not replace:
                    existing = demo.demo_data_counts()
                    raise CommandError(
                        "Demo data already exists ({annotations} annotations, {meetings} "
                        "meetings, {people} people). Run again with --replace to delete it "
                        "first.".format(**existing)
                    )
                deleted = demo.delete_demo_data()
                self.stdout.write(
                    "Deleted existing demo data: {annotations} annotations, {items} items, "
                    "{meetings} meetings, {people} people.".format(**deleted)
                )
            try:
                counts = demo.generate(annotations, seed, progress=self._progress)
            except demo.DemoDataError as error:
                raise CommandError(str(error)) from error
        if counts["annotations"] >= COMPACT_FROM and compact_after_load():
            self.stdout.write("Table rewritten and vacuumed after the load.")
        elapsed = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                "Created {annotations} annotations, {items} agenda items, {meetings} meetings "
                "in {bodies} bodies and {people} people".format(**counts)
                + f" (seed {seed}) in {elapsed:.1f} s."
            )
        )

    def _progress(self, done: int, total: int) -> None:
        self.stdout.write(f"{done}/{total} annotations")
