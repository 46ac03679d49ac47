"""What a bulk writer calls around the triggers (see README.md: which trigger keeps what).

Inside the bulk load's transaction: `defer_search_vectors()` and `defer_facet_counts()`
first; before committing, `refresh_search_vectors(ids)` for every annotation written or
relinked and `rebuild_facet_counts()`. The archive version needs nothing: its triggers run.
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Model

from notes.models import (
    AgendaItem,
    Annotation,
    Meeting,
    PartySetCount,
    PartySetMonthCount,
    Person,
    SearchWord,
)

ANNOTATIONS = Annotation._meta.db_table
# The index the table is ordered by when it is rewritten (Annotation.Meta.indexes).
DATE_INDEX = "annotation_date_id_idx"


def defer_search_vectors() -> None:
    """For a bulk load, inside its transaction: the search triggers skip until it ends.

    The loader must call refresh_search_vectors() for the rows it wrote before committing.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('notes.defer_search_vector', 'on', true)")


def refresh_search_vectors(annotation_ids) -> None:
    """Compute the vectors (and grow the vocabulary) for these annotations in one statement."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('notes.defer_search_vector', 'off', true)")
        cursor.execute(
            f"UPDATE {ANNOTATIONS} SET search_vector = "
            "notes_annotation_vector(id, item_id, text) WHERE id = ANY(%s)",
            [list(annotation_ids)],
        )
        cursor.execute("SELECT set_config('notes.defer_search_vector', 'on', true)")


def defer_facet_counts() -> None:
    """For a bulk load, inside its transaction: the FacetCount triggers skip until it ends.
    The loader must call rebuild_facet_counts() before committing."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('notes.defer_facet_counts', 'on', true)")


def rebuild_facet_counts() -> None:
    """Count FacetCount and PartySetCount anew from the archive (seconds at a million
    annotations), and set
    the annotations' own copies of their publication and body (Annotation.is_public,
    body_key) where a deferred trigger left them behind."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT notes_place_rebuild()")
        cursor.execute("SELECT notes_facet_rebuild()")
        cursor.execute("SELECT notes_partyset_rebuild()")


def analyze_loaded_tables() -> None:
    """Fresh planner statistics for the tables a bulk load wrote, inside its transaction
    (ANALYZE sees the transaction's own rows).

    Without them the planner keeps whatever it last knew: after a table was emptied it
    expects one row and picks nested loops that rescan thousands of annotations per item
    (seconds per search on a few thousand rows) until autovacuum comes round.
    """
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + _names(loaded_tables()))


def loaded_tables() -> list[str]:
    """The tables a bulk load writes."""
    models: list[type[Model]] = [Annotation.parties.through, Annotation.signatories.through]
    models += [AgendaItem, Meeting, Person, SearchWord, PartySetCount, PartySetMonthCount]
    return [ANNOTATIONS, *(model._meta.db_table for model in models)]


def _names(tables: list[str]) -> str:
    return ", ".join(connection.ops.quote_name(t) for t in tables)


def compact_after_load() -> bool:
    """After a bulk load has committed: the annotation table rewritten in date order without
    the row versions the load left behind, and every table it wrote vacuumed. False (and
    nothing done) inside a transaction, where VACUUM cannot run (tests).

    A load writes each annotation, then sets its copies (is_public, body_key, party_ids,
    the search vector): two to four versions of every row, so a million annotations took
    4 GB instead of 1.4 GB and a search read three times the pages for its matches.
    Until a VACUUM has marked the pages all-visible, the covering indexes cannot answer
    alone: lists and facets fetched every row (343 ms instead of 53 ms for the facets of one
    item number at a million). The rows are written in the order of the date index
    (CLUSTER), as an archive that grows meeting by meeting has them: a search walking that
    index for its newest hits then reads neighbouring rows from the same pages. The rewrite
    also applies the column storage of migration 0031 to rows written before it. It locks
    the table (about a minute at a million): for loads into an archive nobody reads yet, or
    a quiet hour (`manage.py compact_archive`).
    """
    if connection.in_atomic_block:
        return False
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"CLUSTER {quote(ANNOTATIONS)} USING {quote(DATE_INDEX)}")
        cursor.execute("VACUUM (ANALYZE) " + _names(loaded_tables()))
    return True
