"""Writing a chunk's rows: COPY on the loading session (``_Writer``), search vectors
computed in parallel on a second session (``_VectorSession``)."""

from __future__ import annotations

import datetime
from concurrent.futures import Future

import psycopg
from django.db import connection, models
from django.utils import timezone

from notes.appeals import appeal_deadline, next_weekday
from notes.demo.plan import _Planned
from notes.demo.rows import _Rows
from notes.models import AgendaItem, Annotation, Meeting, SearchWord

# The search vector of notes_annotation_vector() (migration 0003), computed from the values
# instead of from the tables, for a chunk at a time: "title", "case_number", "text", "parties"
# (each "name abbreviation") and "people" (names) are the columns of ``s``. The function
# leaves the order of the names to the query plan; here they come in the order written.
_VECTOR = """
    setweight(to_tsvector('swedish', coalesce(s.title, '')), 'A')
    || setweight(to_tsvector('simple', coalesce(s.case_number, '')), 'A')
    || setweight(to_tsvector('swedish', coalesce(s.text, '')), 'B')
    || setweight(to_tsvector('swedish', coalesce(s.parties, '')), 'C')
    || setweight(to_tsvector('swedish', coalesce(s.people, '')), 'C')
"""

# The vector session's own temporary table of a chunk's values (no model's table).
_VECTOR_INPUT = "notes_demo_vector_input"

# For both sessions: a chunk's vectors (in the vector session) and its inserted rows (which
# the search triggers' transition tables hold, even when deferred) then stay in memory
# instead of going through temporary files.
_WORK_MEM = "64MB"

# The vectors in order, then the chunk's vocabulary (notes_vocabulary_add() of migration
# 0003 adds every lexeme of every vector).
_VECTORS_SQL = f"""
WITH v AS MATERIALIZED (SELECT s.n, {_VECTOR} AS vector FROM {_VECTOR_INPUT} AS s)
SELECT n, vector, NULL::text FROM v
UNION ALL
SELECT NULL, NULL, word FROM (SELECT DISTINCT unnest(tsvector_to_array(vector)) AS word FROM v) w
"""


class _VectorSession:
    """A second database session that computes search vectors, in parallel with the writes.

    Computing the vectors is the biggest part of a bulk load, and PostgreSQL runs a statement
    on one core: this session computes them from the values alone (it reads no table, so it
    does not matter that it cannot see the loading transaction's rows) while the loading
    session writes the previous chunk and Python generates the next. The vectors travel in
    PostgreSQL's binary format, which saves printing and parsing them.
    """

    def __init__(self):
        params = connection.get_connection_params()
        # psycopg's own cursors (server-side binding: binary results); Django's bind on the
        # client side.
        params.pop("cursor_factory", None)
        self.pg = psycopg.connect(**params, autocommit=True)
        self.pg.execute(f"SET work_mem = '{_WORK_MEM}'")
        self.pg.execute(
            f"CREATE TEMPORARY TABLE {_VECTOR_INPUT} (n integer, title text, case_number text, "
            "text text, parties text, people text)"
        )

    def close(self) -> None:
        self.pg.close()  # and its temporary table with it

    def compute(self, rows: _Rows) -> tuple[list[bytes], list[str]]:
        """Each annotation's vector (binary) and the chunk's distinct lexemes."""
        items = rows.items
        with self.pg.cursor() as cursor:
            cursor.execute(f"TRUNCATE {_VECTOR_INPUT}")
            with cursor.copy(f"COPY {_VECTOR_INPUT} FROM STDIN") as copy:
                for n, ((item, _, text, _, _), (parties, people)) in enumerate(
                    zip(rows.annotations, rows.names, strict=True)
                ):
                    copy.write_row((n, items[item][3], items[item][4], text, parties, people))
        with self.pg.cursor(binary=True) as cursor:
            cursor.execute(_VECTORS_SQL)
            found = cursor.fetchall()
        vectors: list[bytes] = [b""] * len(rows.annotations)
        words = []
        for n, vector, word in found:
            if n is None:
                words.append(word)
            else:
                vectors[n] = vector
        return vectors, words


def _column(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field) and field.column is not None  # a concrete column
    return field.column


def _target(model: type[models.Model], *fields: str) -> str:
    """``table (column, …)`` of a COPY: the model's table and the columns of ``fields``."""
    columns = ", ".join(_column(model, name) for name in fields)
    return f"{model._meta.db_table} ({columns})"


# What _Writer writes, with the names of tables and columns taken from the models.
_MEETINGS = _target(
    Meeting, "id", "body", "date", "published_at", "is_demo", "created_at", "updated_at", "version",
    "attested_on", "posted_on", "taken_down_on", "minutes_kept_at",
)  # fmt: skip
DEMO_MINUTES_KEPT_AT = "Kommunledningsförvaltningen"
_ITEMS = _target(
    AgendaItem, "id", "meeting", "number", "paragraph", "title", "case_number", "version"
)
_PARTY_LINKS = _target(Annotation.parties.through, "annotation", "party")
_SIGNATORY_LINKS = _target(Annotation.signatories.through, "annotation", "person")
_ANNOTATIONS = _target(
    Annotation, "id", "item", "kind", "text", "source", "date", "fingerprint", "is_demo",
    "created_at", "updated_at", "version", "withdrawal_reason", "search_vector",
)  # fmt: skip
# The types of _ANNOTATIONS' columns, for the binary format of its COPY. The vector's bytes
# are passed as they are (the "bytea" dumper does not change them) and read by the tsvector
# column.
_ANNOTATION_TYPES = (
    "int8", "int8", "text", "text", "text", "date", "text", "bool",
    "timestamptz", "timestamptz", "int4", "text", "bytea",
)  # fmt: skip
_ADD_WORDS = (
    f"INSERT INTO {SearchWord._meta.db_table} ({SearchWord._meta.get_field('word').column}) "
    "SELECT unnest(%s::text[]) ON CONFLICT DO NOTHING"
)


class _Writer:
    """Writes generated rows with COPY, on the psycopg connection under Django's.

    Primary keys are reserved from the tables' sequences, so items, annotations and links are
    written without reading anything back. generate() calls chunk() from a worker thread;
    the main thread does not use the connection meanwhile.
    """

    def __init__(self, pg):
        self.pg = pg
        self.sequences: dict[type[models.Model], str] = {}

    def _reserve(self, cursor, model: type[models.Model], count: int) -> range | list[int]:
        """``count`` fresh primary keys of ``model``'s table: a range unless another session
        took some of the sequence's values in between."""
        if model not in self.sequences:
            cursor.execute(
                "SELECT pg_get_serial_sequence(%s, %s)",
                [model._meta.db_table, model._meta.pk.column],
            )
            self.sequences[model] = cursor.fetchone()[0]
        taken = "SELECT nextval(%s) AS pk FROM generate_series(1, %s)"
        cursor.execute(
            f"SELECT min(pk), max(pk) FROM ({taken}) AS taken", [self.sequences[model], count]
        )
        first, last = cursor.fetchone()
        if last - first + 1 == count:
            return range(first, last + 1)
        # Interleaved: take a fresh set one by one (rare; the values above are just skipped).
        cursor.execute(taken, [self.sequences[model], count])
        return [pk for (pk,) in cursor.fetchall()]

    @staticmethod
    def _copy(cursor, target: str, rows) -> None:
        with cursor.copy(f"COPY {target} FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def meetings(self, planned: list[_Planned]) -> None:
        """Write the meetings and set their ``pk``."""
        now = timezone.now()
        with self.pg.cursor() as cursor:
            pks = self._reserve(cursor, Meeting, len(planned))
            for meeting, pk in zip(planned, pks, strict=True):
                meeting.pk = pk
            self._copy(
                cursor,
                _MEETINGS,
                (
                    (
                        m.pk,
                        m.plan.body.pk,
                        m.date,
                        min(_published(m.date), now),
                        True,
                        now,
                        now,
                        1,
                        *_notice(m.date, timezone.localdate()),
                    )
                    for m in planned
                ),
            )

    def chunk(self, rows: _Rows, vectors: Future) -> tuple[int, int]:
        """Write a chunk's items, links and annotations (with ``vectors``' result)."""
        now = timezone.now()
        with self.pg.cursor() as cursor:
            item_ids = self._reserve(cursor, AgendaItem, len(rows.items))
            ids = self._reserve(cursor, Annotation, len(rows.annotations))
            self._copy(
                cursor,
                _ITEMS,
                ((pk, *item, 1) for pk, item in zip(item_ids, rows.items, strict=True)),
            )
            self._copy(
                cursor,
                _PARTY_LINKS,
                ((ids[a], party) for a, party in rows.parties),
            )
            self._copy(
                cursor,
                _SIGNATORY_LINKS,
                ((ids[a], person) for a, person in rows.signatories),
            )
            # With the search triggers deferred, the vectors are stored as given and the
            # vocabulary is added here. Binary COPY: the vectors are in binary already.
            search_vectors, words = vectors.result()
            with cursor.copy(f"COPY {_ANNOTATIONS} FROM STDIN (FORMAT BINARY)") as copy:
                copy.set_types(_ANNOTATION_TYPES)
                for pk, (item, kind, text, day, fingerprint), vector in zip(
                    ids, rows.annotations, search_vectors, strict=True
                ):
                    row = (pk, item_ids[item], kind, text, "demo", day, fingerprint, True)
                    # Entered with the minutes: public when they were published, as a feed says.
                    entered = min(_published(day), now)
                    copy.write_row((*row, entered, entered, 1, "", vector))
            cursor.execute(_ADD_WORDS, [words])
            # The foreign keys are checked at commit: check this chunk's now, while the next
            # one is generated, instead of queueing millions of checks for the commit (every
            # deferrable constraint of the schema is initially deferred, so back to that).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return len(rows.items), len(rows.annotations)


def _notice(day: datetime.date, today: datetime.date) -> tuple:
    """Justerat a week after the meeting, the notice up the weekday after, taken down after the
    appeal period: each only once that day has come (the latest meetings are not justerade)."""
    attested = next_weekday(day + datetime.timedelta(days=7))
    if attested > today:
        return None, None, None, ""
    posted = next_weekday(attested + datetime.timedelta(days=1))
    if posted > today:
        return attested, None, None, DEMO_MINUTES_KEPT_AT
    taken_down = next_weekday(appeal_deadline(posted) + datetime.timedelta(days=1))
    return attested, posted, taken_down, DEMO_MINUTES_KEPT_AT


def _published(day: datetime.date) -> datetime.datetime:
    """Minutes are approved (justerade) and published about two weeks after the meeting."""
    return datetime.datetime.combine(
        day + datetime.timedelta(days=14), datetime.time(12), tzinfo=datetime.UTC
    )
