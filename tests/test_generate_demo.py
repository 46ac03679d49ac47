"""The demo data generator (notes.demo) and its `generate_demo` command."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.utils import timezone

from notes import demo
from notes.demo import plan, writer
from notes.models import AgendaItem, Annotation, Body, Meeting, Party, Person
from notes.parties import PARTIES
from notes.queries.search import search
from notes.sql.bulk import compact_after_load

N = 400


def run(*args: str) -> str:
    out = StringIO()
    call_command("generate_demo", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list[tuple]:
    """What must come out identical for the same seed (no primary keys, no timestamps)."""
    rows = Annotation.objects.select_related("item__meeting__body").prefetch_related(
        "parties", "signatories"
    )
    return sorted(
        (
            a.date,
            a.item.meeting.body.name,
            a.item.number,
            a.item.paragraph,
            a.item.title,
            a.item.case_number,
            a.kind,
            a.text,
            tuple(sorted(p.abbreviation for p in a.parties.all())),
            tuple(sorted(p.name for p in a.signatories.all())),
        )
        for a in rows
    )


def delete_everything() -> None:
    demo.delete_demo_data()
    Body.objects.all().delete()
    Party.objects.all().delete()


@pytest.mark.django_db
def test_counts_match_and_everything_is_flagged():
    counts = demo.generate(N, seed=3)

    assert counts["annotations"] == N == Annotation.objects.count()
    assert counts["meetings"] == Meeting.objects.count()
    assert counts["items"] == AgendaItem.objects.count()
    assert counts["people"] == Person.objects.count()
    assert counts["bodies"] == Body.objects.filter(meetings__isnull=False).distinct().count()
    # About one meeting per 8–12 annotations, several items per meeting.
    assert N / 13 <= counts["meetings"] <= N / 7
    assert counts["items"] >= 2 * counts["meetings"]
    assert not Meeting.objects.filter(is_demo=False).exists()
    assert not Person.objects.filter(is_demo=False).exists()
    assert not Annotation.objects.filter(is_demo=False).exists()
    assert set(Annotation.objects.values_list("source", flat=True)) == {"demo"}


@pytest.mark.django_db
def test_same_seed_same_rows_other_seed_other_rows():
    demo.generate(300, seed=7)
    first = snapshot()
    delete_everything()
    demo.generate(300, seed=7)
    assert snapshot() == first
    delete_everything()
    demo.generate(300, seed=8)
    assert snapshot() != first


@pytest.mark.django_db
def test_rows_are_consistent():
    demo.generate(N, seed=11)
    annotations = Annotation.objects.select_related("item__meeting").prefetch_related(
        "parties", "signatories__party"
    )
    for annotation in annotations:
        parties = set(annotation.parties.all())
        assert 1 <= len(parties) <= 3
        signatories = list(annotation.signatories.all())
        assert 1 <= len(signatories) <= 3
        assert {person.party for person in signatories} <= parties
        meeting = annotation.item.meeting
        assert annotation.date == meeting.date
        assert datetime.date(2014, 1, 1) <= annotation.date <= timezone.localdate()
        assert annotation.date.weekday() < 5
        assert annotation.fingerprint == Annotation.compute_fingerprint(
            annotation.kind, annotation.text
        )
        assert 2 <= len(annotation.text.split("\n\n")) <= 6

    # Items are numbered 1..N in each meeting; paragraphs grow through a body's year.
    numbers = defaultdict(list)
    paragraphs = defaultdict(list)
    for item in AgendaItem.objects.select_related("meeting").order_by("meeting__date", "number"):
        numbers[item.meeting_id].append(item.number)
        paragraphs[(item.meeting.body_id, item.meeting.date.year)].append(item.paragraph)
    for found in numbers.values():
        assert found == list(range(1, len(found) + 1))
    for found in paragraphs.values():
        assert found == sorted(found) and len(set(found)) == len(found)


@pytest.mark.django_db
def test_realistic_mix():
    demo.generate(N, seed=5)
    kinds = Counter(Annotation.objects.values_list("kind", flat=True))
    assert set(kinds) == set(Annotation.Kind.values)
    assert kinds.most_common(1)[0][0] == Annotation.Kind.PROTOKOLLSANTECKNING
    by_body = Counter(Annotation.objects.values_list("item__meeting__body__short_name", flat=True))
    assert by_body["KF"] > by_body["TN"] and by_body["KS"] > by_body["VN"]
    assert Annotation.objects.filter(parties__isnull=False).count() > N  # some joint ones
    # 8–15 people per party, slugs unique.
    for party in Party.objects.all():
        assert 8 <= party.people.count() <= 15
    assert len(set(Person.objects.values_list("slug", flat=True))) == Person.objects.count()


@pytest.mark.django_db
def test_some_cases_pass_through_several_bodies():
    demo.generate(N, seed=2)
    bodies_per_case = defaultdict(set)
    for case_number, body_id in AgendaItem.objects.values_list("case_number", "meeting__body_id"):
        assert case_number
        bodies_per_case[case_number].add(body_id)
    assert any(len(bodies) > 1 for bodies in bodies_per_case.values())


@pytest.mark.django_db
def test_second_batch_avoids_taken_days_and_slugs():
    real_body = Body.objects.create(name="Kommunfullmäktige", short_name="KF", slug="kf")
    Meeting.objects.create(body=real_body, date=datetime.date(2020, 3, 2))
    Person.objects.create(name="Anna Andersson", slug="anna-andersson")

    demo.generate(N, seed=1)
    demo.generate(N, seed=1)

    assert Annotation.objects.filter(is_demo=True).count() == 2 * N
    assert Meeting.objects.filter(is_demo=False).count() == 1
    assert len(set(Person.objects.values_list("slug", flat=True))) == Person.objects.count()


@pytest.mark.django_db
def test_command_refuses_then_replaces():
    output = run("--annotations", "200", "--seed", "1")
    assert "200/200 annotations" in output
    assert "Created 200 annotations" in output

    with pytest.raises(CommandError, match="--replace"):
        run("--annotations", "200", "--seed", "1")
    assert Annotation.objects.count() == 200

    output = run("--annotations", "150", "--seed", "2", "--replace")
    assert "Deleted existing demo data: 200 annotations" in output
    assert Annotation.objects.count() == 150
    assert Meeting.objects.count() == Meeting.objects.filter(is_demo=True).count()
    assert Person.objects.count() == demo.demo_data_counts()["people"] <= 15 * len(PARTIES)


@pytest.mark.django_db
def test_delete_leaves_real_rows():
    party = Party.objects.create(name="Socialdemokraterna", abbreviation="S", slug="s")
    body = Body.objects.create(name="Kommunstyrelsen", short_name="KS", slug="ks")
    meeting = Meeting.objects.create(body=body, date=datetime.date(2021, 5, 5))
    item = AgendaItem.objects.create(meeting=meeting, number=22, title="Riktig")
    real = Annotation.objects.create(item=item, kind="reservation", text="Riktig text.")
    real.parties.add(party)

    demo.generate(100, seed=4)
    demo.delete_demo_data()

    assert list(Annotation.objects.all()) == [real]
    assert list(Meeting.objects.all()) == [meeting]
    assert not Person.objects.filter(is_demo=True).exists()
    assert not demo.has_demo_data()


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["0", "-5"])
def test_command_rejects_bad_counts(value):
    with pytest.raises(CommandError, match="at least 1"):
        run("--annotations", value)
    assert not Annotation.objects.exists()


@pytest.mark.django_db
def test_demo_annotations_are_searchable():
    """Bulk loading defers the search triggers; every row must still get its vector."""
    from notes.models import SearchWord

    call_command("generate_demo", annotations=60, seed=3, stdout=StringIO())
    assert not Annotation.objects.filter(search_vector__isnull=True).exists()
    annotation = Annotation.objects.filter(is_demo=True).select_related("item").first()
    word = annotation.item.title.split()[0]
    assert annotation in search(Annotation.objects.all(), word)
    assert SearchWord.objects.exists()
    person = annotation.signatories.first()
    assert annotation in search(Annotation.objects.all(), person.name.split()[-1])


@pytest.mark.django_db
def test_vectors_and_vocabulary_are_those_of_the_database_function():
    """The generator computes the search vectors itself, a chunk at a time: they must be what
    notes_annotation_vector() (migration 0003) gives, and the vocabulary must hold exactly
    their lexemes, as the search triggers would have left it."""
    from django.db import connection

    demo.generate(N, seed=6)
    with connection.cursor() as cursor:
        # Lexemes, weights and counts everywhere; positions too where the order of the names
        # cannot differ (the function leaves it to the query plan).
        cursor.execute(
            """
            WITH v AS (
                SELECT a.search_vector AS stored,
                       notes_annotation_vector(a.id, a.item_id, a.text) AS computed,
                       (SELECT count(*) FROM notes_annotation_parties p
                        WHERE p.annotation_id = a.id) = 1
                       AND (SELECT count(*) FROM notes_annotation_signatories s
                            WHERE s.annotation_id = a.id) = 1 AS one_name_each
                FROM notes_annotation a
            )
            SELECT count(*),
                   count(*) FILTER (WHERE one_name_each),
                   count(*) FILTER (WHERE one_name_each AND stored IS DISTINCT FROM computed),
                   count(*) FILTER (WHERE (
                       SELECT array_agg((lexeme, weights, cardinality(positions)) ORDER BY lexeme)
                       FROM unnest(stored)
                   ) IS DISTINCT FROM (
                       SELECT array_agg((lexeme, weights, cardinality(positions)) ORDER BY lexeme)
                       FROM unnest(computed)
                   ))
            FROM v
            """
        )
        total, exact, exact_differ, differ = cursor.fetchone()
        cursor.execute(
            """
            SELECT (SELECT array_agg(word ORDER BY word) FROM notes_searchword)
                 = (SELECT array_agg(DISTINCT w ORDER BY w) FROM notes_annotation,
                           unnest(tsvector_to_array(search_vector)) AS w)
            """
        )
        (same_vocabulary,) = cursor.fetchone()
    assert total == N and exact > N / 5
    assert exact_differ == 0
    assert differ == 0
    assert same_vocabulary


@pytest.mark.django_db
def test_a_failure_while_writing_leaves_nothing(monkeypatch):
    """Chunks are written from a worker thread: its error still reaches the caller, and the
    transaction (rows written by earlier chunks included) is rolled back."""
    written = []
    write = writer._Writer.chunk

    def failing(self, rows, vectors):
        if written:
            raise RuntimeError("disk full")
        written.append(rows)
        return write(self, rows, vectors)

    monkeypatch.setattr(writer._Writer, "chunk", failing)
    monkeypatch.setattr(plan, "CHUNK_ANNOTATIONS", 50)
    with pytest.raises(RuntimeError, match="disk full"):
        demo.generate(N, seed=9)
    assert written
    assert not demo.has_demo_data()
    assert not AgendaItem.objects.exists()


@pytest.mark.django_db
def test_no_demo_meeting_after_the_day_it_is_generated(monkeypatch):
    today = datetime.date(2015, 3, 2)
    monkeypatch.setattr("notes.demo.plan.timezone.localdate", lambda: today)
    demo.generate(200, seed=3)
    latest = Meeting.objects.filter(is_demo=True).latest("date").date
    assert datetime.date(2014, 1, 1) <= latest <= today


@pytest.mark.django_db
def test_demo_texts_were_entered_when_their_minutes_were_published():
    """So a feed's `published` is the meeting's publication, not the moment of the demo run."""
    demo.generate(60, seed=5)
    now = timezone.now()
    for annotation in Annotation.objects.select_related("item__meeting")[:60]:
        published = annotation.item.meeting.published_at
        assert published is not None and published <= now
        assert annotation.created_at == published


@pytest.mark.django_db(transaction=True)
def test_a_bulk_load_is_compacted_and_its_pages_marked_all_visible():
    """After a load: one version per row and every page all-visible, so the covering
    indexes answer lists and facets without fetching rows (index-only scans)."""
    demo.generate(300, seed=5)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM notes_annotation")
        rows = cursor.fetchone()[0]
    assert compact_after_load() is True
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relpages, relallvisible FROM pg_class WHERE relname = 'notes_annotation'"
        )
        pages, visible = cursor.fetchone()
    assert pages > 0 and visible == pages
    with transaction.atomic():
        assert compact_after_load() is False, "VACUUM cannot run in a transaction"
    assert Annotation.objects.count() == rows
    assert physical_dates() == sorted(physical_dates(), reverse=True), "rows in date order"


def physical_dates() -> list:
    with connection.cursor() as cursor:
        cursor.execute("SELECT date FROM notes_annotation ORDER BY ctid")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db(transaction=True)
def test_compact_archive_puts_rows_written_in_any_order_in_date_order():
    demo.generate(120, seed=9)
    # Rows rewritten newest-last, as an import of old minutes after new ones leaves them.
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notes_annotation SET version = version WHERE date < %s", ["2020-01-01"]
        )
    assert physical_dates() != sorted(physical_dates(), reverse=True)
    out = StringIO()
    call_command("compact_archive", stdout=out)
    assert "Compacted the annotation table" in out.getvalue()
    assert physical_dates() == sorted(physical_dates(), reverse=True)


@pytest.mark.django_db
def test_search_vectors_are_kept_in_their_rows():
    """Migration 0031: a long text is moved out of the row before its vector is (a search
    reads the vector of every row it walks, the text only of those it shows)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attstorage FROM pg_attribute WHERE attrelid = "
            "'notes_annotation'::regclass AND attname IN ('search_vector', 'text')"
        )
        assert dict(cursor.fetchall()) == {"search_vector": "m", "text": "x"}
