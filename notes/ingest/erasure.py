"""Erasing an annotation's text (a court order, a request under the GDPR).

A public record otherwise stays: the annotation keeps its place (meeting, item, kind,
parties, signatories) and its text becomes a notice that the text was removed and when. The
text is also removed from every version in the history, and the words only it had leave the
search vocabulary; feeds, exports and the API then carry the notice. An Erasure row records
which annotation, when, why and on whose request. Backups made before the erasure still hold
the text: after restoring one, erase again (`manage.py erase_text --reapply`).
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from notes.models import Annotation, Erasure, SearchWord


class ErasureError(ValueError):
    pass


def erased_text(annotation_id: int, when) -> str:
    # Unique per annotation, as the (item, kind and text) fingerprint must be.
    return f"[Texten togs bort ur arkivet {when:%Y-%m-%d} (anteckning {annotation_id}).]"


def erase_text(annotation_id: int, reason: str, requested_by: str = "") -> Erasure:
    """Erase the annotation's text everywhere the archive keeps it; the Erasure recorded."""
    reason = reason.strip()
    if not reason:
        raise ErasureError("An erasure needs a reason.")
    with transaction.atomic():
        annotation = Annotation.objects.select_for_update().filter(pk=annotation_id).first()
        if annotation is None:
            raise ErasureError(f"No annotation {annotation_id}.")
        erasure = Erasure.objects.create(
            annotation=annotation, reason=reason, requested_by=requested_by.strip()
        )
        _erase(annotation, erased_text(annotation.pk, erasure.erased_at))
    return erasure


def reapply_erasures() -> int:
    """After a backup is restored: erase again every text the Erasure rows name (those rows
    come back with the backup only if it was made after them; keep a copy of them)."""
    count = 0
    with transaction.atomic():
        for erasure in Erasure.objects.select_related("annotation").order_by("erased_at"):
            text = erased_text(erasure.annotation_id, erasure.erased_at)
            if erasure.annotation.text != text:
                _erase(erasure.annotation, text)
                count += 1
    return count


def _erase(annotation: Annotation, notice: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT array(SELECT unnest(tsvector_to_array(search_vector))) "
            f"FROM {Annotation._meta.db_table} WHERE id = %s",
            [annotation.pk],
        )
        words = cursor.fetchone()[0] or []
    annotation.text = notice
    annotation.version += 1
    annotation.updated_at = timezone.now()
    annotation.save()
    # Every version in the history, this one included.
    Annotation.history.model.objects.filter(id=annotation.pk).update(text=notice)
    # The words that no annotation has any more (the vector was rebuilt by its trigger).
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {SearchWord._meta.db_table} AS w WHERE w.word = ANY(%s) "
            f"AND NOT EXISTS (SELECT 1 FROM {Annotation._meta.db_table} AS a "
            "WHERE a.search_vector @@ to_tsquery('simple', quote_literal(w.word)))",
            [list(words)],
        )
