"""Generate deterministic, realistic-looking demo data for the archive.

Why: the real archive holds only a handful of annotations, which is too little to show what
the site is for, to try its filters, or to see how it behaves with a decade of minutes.
Everything generated here is fictitious (invented people, invented texts) and flagged with
``is_demo=True`` so that the site can say so and :func:`delete_demo_data` can remove it.

Determinism: every random choice comes from one ``random.Random(seed)``, and nothing depends
on the clock or on primary keys, so the same seed on an empty database gives identical rows.
On a database that already holds meetings, the dates already taken for a body are skipped,
so a second batch can be added without breaking the one-meeting-per-body-and-day rule.

Speed: rows are written with COPY in chunks of meetings, so memory stays bounded. Three
things run at once (see _generate_and_write()): Python generates a chunk, a second database
session computes the search vectors of the one before, and the loading session writes the
one before that. A million annotations take about five minutes on two cores.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q

from notes.demo.errors import DemoDataError
from notes.demo.people import _create_people
from notes.demo.plan import _body_plans, _chunks, _plan_meetings, _Planned
from notes.demo.rng import _Random
from notes.demo.rows import _Context, _generate_chunk
from notes.demo.vocabulary import PARTY_WEIGHTS
from notes.demo.writer import _WORK_MEM, _VectorSession, _Writer
from notes.ingest.importing import ensure_all_parties
from notes.models import AgendaItem, Annotation, Meeting, Person
from notes.sql.bulk import (
    analyze_loaded_tables,
    defer_facet_counts,
    defer_search_vectors,
    rebuild_facet_counts,
)

__all__ = ["DemoDataError", "delete_demo_data", "demo_data_counts", "generate", "has_demo_data"]

# Chunks generated but not yet written (see _generate_and_write()): with the one being
# generated, this bounds memory.
CHUNKS_IN_FLIGHT = 3

ProgressCallback = Callable[[int, int], None]


def generate(annotations: int, seed: int, *, progress: ProgressCallback | None = None) -> dict:
    """Create ``annotations`` demo annotations (with meetings, items and people) from ``seed``.

    Returns the numbers created: bodies (with demo meetings in this batch), meetings, items,
    people and annotations. All of it happens in one transaction.
    """
    if annotations < 1:
        raise DemoDataError("The number of annotations must be at least 1.")
    rng = _Random(seed)
    with transaction.atomic():
        # The vectors are computed separately and written with the rows; the kept facet
        # counts are counted once at the end.
        defer_search_vectors()
        defer_facet_counts()
        parties = {p.abbreviation: p for p in ensure_all_parties()}
        parties = {a: parties[a] for a in PARTY_WEIGHTS if a in parties}
        plans = _body_plans(annotations)
        people = _create_people(rng, parties)
        planned = _plan_meetings(rng, plans)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [_WORK_MEM])
        writer = _Writer(connection.connection)
        writer.meetings(planned)
        ctx = _Context(rng=rng, parties=parties, people=people)

        def report(written: int) -> None:
            if progress is not None:
                progress(written, annotations)

        item_total, annotation_total = _generate_and_write(ctx, planned, writer, report)
        rebuild_facet_counts()
        analyze_loaded_tables()

    return {
        "bodies": len({meeting.plan.body.pk for meeting in planned}),
        "meetings": len(planned),
        "items": item_total,
        "people": sum(len(members) for members in people.values()),
        "annotations": annotation_total,
    }


def _generate_and_write(
    ctx: _Context, planned: list[_Planned], writer: _Writer, report: Callable[[int], None]
) -> tuple[int, int]:
    """Generate and write the items and annotations of ``planned``; how many of each.

    A chunk of meetings goes through three stages at once: Python generates chunk n + 2, a
    second session computes the search vectors of chunk n + 1, and the loading session
    writes chunk n with COPY. At most CHUNKS_IN_FLIGHT chunks are held in memory. ``report``
    gets the number of annotations written so far after each chunk.
    """
    item_total = annotation_total = 0
    vector_session = _VectorSession()
    vector_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-vectors")
    write_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-writes")
    in_flight: deque[Future] = deque()

    def wait_for_oldest() -> None:
        nonlocal item_total, annotation_total
        items, written = in_flight.popleft().result()
        item_total += items
        annotation_total += written
        report(annotation_total)

    try:
        for chunk in _chunks(planned):
            rows = _generate_chunk(ctx, chunk)
            vectors = vector_pool.submit(vector_session.compute, rows)
            in_flight.append(write_pool.submit(writer.chunk, rows, vectors))
            while in_flight and (len(in_flight) >= CHUNKS_IN_FLIGHT or in_flight[0].done()):
                wait_for_oldest()
        while in_flight:
            wait_for_oldest()
    finally:
        # On an error, nothing queued may touch the connection once the exception is on its
        # way to roll the transaction back.
        for future in in_flight:
            future.cancel()
        write_pool.shutdown(wait=True, cancel_futures=True)
        vector_pool.shutdown(wait=True, cancel_futures=True)
        vector_session.close()
    return item_total, annotation_total


# --------------------------------------------------------------------------- removal


def demo_data_counts() -> dict[str, int]:
    """How many demo rows there are (all zero when there is no demo data)."""
    return {
        "meetings": Meeting.objects.filter(is_demo=True).count(),
        "people": Person.objects.filter(is_demo=True).count(),
        "annotations": Annotation.objects.filter(is_demo=True).count(),
    }


def has_demo_data() -> bool:
    return (
        Annotation.objects.filter(is_demo=True).exists()
        or Meeting.objects.filter(is_demo=True).exists()
        or Person.objects.filter(is_demo=True).exists()
    )


def _raw_delete(queryset) -> int:
    """DELETE … WHERE in one statement.

    QuerySet.delete() would load every row into memory to run the cascade collector, which
    takes minutes and gigabytes for a million annotations. delete_demo_data() removes the
    dependants explicitly, so one plain DELETE per table is safe.
    """
    return queryset._raw_delete(queryset.db)


def delete_demo_data() -> dict[str, int]:
    """Delete every demo row: annotations, the items of demo meetings, demo meetings, people.

    Annotations on demo meetings' items go too, as do signatory links to demo people, so
    that nothing is left pointing at a deleted row. Bodies and parties are real and stay.

    The annotations go before their party and signatory links (the foreign keys are checked
    at commit): the search triggers on the link tables recompute the search vector of every
    annotation whose links change, which for annotations about to vanish is minutes of
    wasted work at 100,000 rows.
    """
    party_link = Annotation.parties.through
    person_link = Annotation.signatories.through
    orphaned = ~Exists(Annotation.objects.filter(pk=OuterRef("annotation_id")))
    with transaction.atomic():
        defer_search_vectors()  # nothing left to index
        defer_facet_counts()  # counted anew below
        annotations = _raw_delete(
            Annotation.objects.filter(Q(is_demo=True) | Q(item__meeting__is_demo=True))
        )
        party_link.objects.filter(orphaned).delete()
        person_link.objects.filter(orphaned | Q(person__is_demo=True)).delete()
        items = _raw_delete(AgendaItem.objects.filter(meeting__is_demo=True))
        meetings = _raw_delete(Meeting.objects.filter(is_demo=True))
        people = _raw_delete(Person.objects.filter(is_demo=True))
        rebuild_facet_counts()
    return {"meetings": meetings, "items": items, "people": people, "annotations": annotations}
