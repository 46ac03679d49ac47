"""python manage.py erase_text ID --reason "…" [--requested-by "…"] | --reapply"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from notes.ingest.erasure import ErasureError, erase_text, reapply_erasures
from notes.models import Annotation


class Command(BaseCommand):
    help = (
        "Erase an annotation's text (a court order, a GDPR request): from the annotation, its "
        "history, the search vocabulary and every output; the annotation stays with a notice, "
        "and the erasure is recorded with its reason. --reapply erases again every recorded "
        "text (after restoring a backup)."
    )

    def add_arguments(self, parser):
        parser.add_argument("annotation_id", nargs="?", type=int)
        parser.add_argument("--reason", default="")
        parser.add_argument("--requested-by", default="")
        parser.add_argument("--reapply", action="store_true")
        parser.add_argument("--yes", action="store_true", help="Do not ask before erasing.")

    def handle(self, *args, annotation_id, reason, requested_by, reapply, yes, **options):
        if reapply:
            self.stdout.write(f"Erased again: {reapply_erasures()}")
            return
        if annotation_id is None or not reason.strip():
            raise CommandError("Give the annotation's id and --reason.")
        annotation = Annotation.objects.filter(pk=annotation_id).select_related("item").first()
        if annotation is None:
            raise CommandError(f"No annotation {annotation_id}.")
        self.stdout.write(f"{annotation}: {annotation.text[:200]!r}")
        if not yes and input("Erase this text for good? [yes/no] ").strip().lower() != "yes":
            raise CommandError("Nothing was erased.")
        try:
            erasure = erase_text(annotation_id, reason, requested_by)
        except ErasureError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Erased on {erasure.erased_at:%Y-%m-%d %H:%M}; recorded.")
