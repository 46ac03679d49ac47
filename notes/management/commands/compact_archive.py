"""Rewrite the annotation table in date order and vacuum what a bulk load writes.

For after a large import (or once after migration 0031, which applies to rows written
since): the rewrite drops dead row versions, puts rows in the order a search walks them
and keeps each search vector in its row. It locks the annotation table while it runs
(about a minute at a million annotations): run it in a quiet hour.
"""

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from notes.sql.bulk import compact_after_load


class Command(BaseCommand):
    help = (
        "Rewrite the annotation table in date order (CLUSTER) and vacuum the tables a bulk "
        "load writes. Locks the annotation table while it runs (about a minute at a million "
        "annotations)."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        if not compact_after_load():
            raise CommandError("Cannot compact inside a transaction.")
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_size_pretty(pg_total_relation_size('notes_annotation'))")
            size = cursor.fetchone()[0]
        self.stdout.write(
            f"Compacted the annotation table ({size}) in {time.monotonic() - started:.1f} s."
        )
