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
things run at once (see generate()): Python generates a chunk, a second database session
computes the search vectors of the one before, and the loading session writes the one
before that. A million annotations take about five minutes on two cores.
"""

from __future__ import annotations

import datetime
import random
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import psycopg
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.text import slugify

from notes.demo.vocabulary import (
    _COUNCIL_KINDS,
    _KINDS,
    _PARTY_CODES,
    _PARTY_CUM_WEIGHTS,
    BODY_TOPICS,
    BODY_WEIGHTS,
    CLOSERS,
    DEMAND_FORMS,
    DEMANDS,
    DISTRICTS,
    FIRST_NAMES,
    GENERIC_SENTENCES,
    LAST_NAMES,
    MONTHS,
    OPENERS,
    PARTY_PARTNERS,
    PARTY_WEIGHTS,
    PLACES,
    ROADS,
    STATIONS,
    SUBJECTS,
    TITLES,
    TOPIC_SENTENCES,
)
from notes.ingest.importing import KNOWN_BODIES, ensure_all_parties, ensure_body
from notes.ingest.parsing import PARTIES
from notes.models import AgendaItem, Annotation, Body, Meeting, Party, Person
from notes.queries.facets import defer_facet_counts, rebuild_facet_counts
from notes.queries.search import defer_search_vectors

FIRST_DATE = datetime.date(2014, 1, 1)
LAST_DATE = datetime.date(2026, 12, 31)

# Rows per INSERT statement.
BATCH_SIZE = 5_000
# Meetings are generated and written in chunks of about this many annotations, which bounds
# memory and sets the rhythm of the progress reports.
CHUNK_ANNOTATIONS = 10_000
# Chunks generated but not yet written (see generate()): with the one being generated, this
# bounds memory.
CHUNKS_IN_FLIGHT = 3

ProgressCallback = Callable[[int, int], None]


class DemoDataError(Exception):
    """The demo data cannot be generated as asked (the command turns this into an error)."""


# --------------------------------------------------------------------------- vocabulary

# The word lists and weights are in vocabulary.toml (see notes.demo.vocabulary).
PARTY_NAMES: dict[str, str] = {party.abbreviation: party.name for party in PARTIES}


# --------------------------------------------------------------------------- plan


class _Random(random.Random):
    """``random.Random`` with quicker ``choice()``, ``randint()`` and ``shuffle()``.

    They draw the same numbers as the originals (the algorithms of CPython's random.py, with
    ``getrandbits`` called directly instead of through three layers of Python calls), so
    the data are the same, generated about 10 % faster.
    """

    def _below(self, n: int) -> int:
        k = n.bit_length()
        r = self.getrandbits(k)
        while r >= n:
            r = self.getrandbits(k)
        return r

    def choice(self, seq):
        if not seq:
            raise IndexError("Cannot choose from an empty sequence")
        return seq[self._below(len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + self._below(b - a + 1)

    def shuffle(self, x) -> None:
        getrandbits = self.getrandbits
        for i in reversed(range(1, len(x))):
            n = i + 1
            k = n.bit_length()
            j = getrandbits(k)
            while j >= n:
                j = getrandbits(k)
            x[i], x[j] = x[j], x[i]


@dataclass
class _BodyPlan:
    body: Body
    code: str  # the short name in KNOWN_BODIES: the key for weights and topics
    index: int  # position in KNOWN_BODIES: a stable tie-break for meetings on the same day
    annotations: int = 0


@dataclass
class _Context:
    """Everything the generator carries between chunks of meetings."""

    rng: random.Random
    parties: dict[str, Party]
    people: dict[str, list[Person]]
    paragraph: dict[tuple[int, int], int] = field(default_factory=dict)  # (body pk, year)
    case_serial: dict[tuple[str, int], int] = field(default_factory=dict)  # (prefix, year)
    # Cases on their way up, nämnd → KS → KF: (year, case number, title, topic, place).
    pending: dict[str, list[tuple[int, str, str, str, str]]] = field(
        default_factory=lambda: {"KS": [], "KF": []}
    )
    # "name abbreviation" per party, as the search vector has it.
    party_names: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.party_names = {a: f"{p.name} {p.abbreviation}" for a, p in self.parties.items()}


_PENDING_LIMIT = 200


def _weekdays() -> list[datetime.date]:
    """Possible meeting days: weekdays outside July and the Christmas/New Year break."""
    days = []
    day = FIRST_DATE
    while day <= LAST_DATE:
        holiday = (
            day.month == 7 or (day.month, day.day) >= (12, 22) or (day.month == 1 and day.day <= 6)
        )
        if day.weekday() < 5 and not holiday:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _split(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), exactly."""
    weight_sum = sum(weights)
    shares = [total * w // weight_sum for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _meeting_sizes(rng: random.Random, annotations: int, meetings: int) -> list[int]:
    """How many annotations each meeting gets: about equal, with some variation, all ≥ 1."""
    base, extra = divmod(annotations, meetings)
    sizes = [base] * meetings
    for i in rng.sample(range(meetings), extra):
        sizes[i] += 1
    for _ in range(meetings // 2):
        giver, taker = rng.randrange(meetings), rng.randrange(meetings)
        moved = rng.randint(0, max(0, min(sizes[giver] - 1, base // 2)))
        sizes[giver] -= moved
        sizes[taker] += moved
    return sizes


def _unique_slug(name: str, taken: set[str]) -> str:
    base = slugify(name) or "person"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _create_people(rng: random.Random, parties: dict[str, Party]) -> dict[str, list[Person]]:
    """Invent 8–15 people per party from common Swedish names; never reuse a slug."""
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    taken = set(Person.objects.values_list("slug", flat=True))
    people: dict[str, list[Person]] = {}
    rows = []
    for abbreviation, party in parties.items():
        members = []
        for _ in range(rng.randint(8, 15)):
            name = names.pop()
            members.append(
                Person(name=name, slug=_unique_slug(name, taken), party=party, is_demo=True)
            )
        people[abbreviation] = members
        rows.extend(members)
    Person.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return people


# --------------------------------------------------------------------------- items and texts


def _fillers(rng: random.Random, year: int, place: str) -> dict[str, object]:
    return {
        "place": place,
        "station": rng.choice(STATIONS),
        "road": rng.choice(ROADS),
        "property": f"{rng.choice(DISTRICTS)} {rng.randint(1, 12)}:{rng.randint(1, 40)}",
        "year": year,
        "prev": year - 1,
        "next": year + 1,
        "plus3": year + 3,
        "plus4": year + 4,
        "school_year": f"{year}/{(year + 1) % 100:02d}",
        "amount": rng.randint(3, 120),
        "count": rng.randrange(40, 900, 10),
        "speed": rng.choice((30, 40)),
        "month": rng.choice(MONTHS),
    }


def _title(rng: random.Random, topic: str, code: str, year: int, place: str) -> str:
    """An agenda item title; motions and medborgarförslag mostly reach KF and KS."""
    values = _fillers(rng, year, place)
    roll = rng.random()
    motion_share = 0.3 if code in ("KF", "KS") else 0.08
    if roll < motion_share:
        subject = rng.choice(SUBJECTS[topic]).format(**values)
        party = rng.choices(_PARTY_CODES, cum_weights=_PARTY_CUM_WEIGHTS)[0]
        name = PARTY_NAMES[party]
        return rng.choice(
            (
                f"Motion från {name} om {subject}",
                f"Svar på motion från {name} om {subject}",
                f"Svar på medborgarförslag om {subject}",
            )
        )
    return rng.choice(TITLES[topic]).format(**values)


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def _text(
    rng: random.Random, kind: str, topic: str, title: str, year: int, place: str, parties: list[str]
) -> str:
    """2–6 paragraphs: an opener naming the kind, arguments on the topic, a demand, a closer."""
    values = _fillers(rng, year, place)
    values["parties"] = _joined([PARTY_NAMES[p] for p in parties])
    values["title"] = title[:1].lower() + title[1:]
    paragraph_count = rng.randint(2, 6)
    topical = list(TOPIC_SENTENCES[topic])
    generic = list(GENERIC_SENTENCES)
    rng.shuffle(topical)
    rng.shuffle(generic)

    def sentence() -> str:
        pool = topical if topical and (rng.random() < 0.7 or not generic) else generic
        return pool.pop() if pool else rng.choice(GENERIC_SENTENCES)

    paragraphs = [[rng.choice(OPENERS[kind]), sentence()]]
    for _ in range(paragraph_count - 2):
        paragraphs.append([sentence() for _ in range(rng.randint(2, 4))])
    demand = rng.choice(DEMAND_FORMS[kind]).format(demand=rng.choice(DEMANDS[topic]))
    paragraphs.append([demand, rng.choice(CLOSERS[kind])])
    return "\n\n".join(" ".join(p).format(**values) for p in paragraphs)


def _pick_parties(rng: random.Random, avoid: set[str]) -> list[str]:
    """Mostly one party; sometimes a joint annotation with one or two partners."""
    first = rng.choices(_PARTY_CODES, cum_weights=_PARTY_CUM_WEIGHTS)[0]
    for _ in range(3):  # on one item, different parties usually write different annotations
        if first not in avoid:
            break
        first = rng.choices(_PARTY_CODES, cum_weights=_PARTY_CUM_WEIGHTS)[0]
    roll = rng.random()
    partners = 0 if roll < 0.78 else 1 if roll < 0.95 else 2
    chosen = [first, *rng.sample(PARTY_PARTNERS[first], min(partners, 2))]
    return chosen


def _pick_signatories(rng: random.Random, ctx: _Context, parties: list[str]) -> list[Person]:
    """1–3 people, taken in turn from the annotation's parties."""
    chosen: list[Person] = []
    for i in range(rng.randint(1, 3)):
        member = rng.choice(ctx.people[parties[i % len(parties)]])
        if member not in chosen:
            chosen.append(member)
    return chosen


def _case(ctx: _Context, code: str, prefix: str, year: int, title: str, topic: str, place: str):
    """The item's case number and title; some cases come up from a nämnd or from KS."""
    rng = ctx.rng
    take_share = {"KS": 0.35, "KF": 0.5}.get(code, 0.0)
    pending = ctx.pending.get(code)
    if pending:
        # A case takes months, not years, to travel on: forget what has gone stale.
        pending[:] = [case for case in pending if case[0] >= year - 1]
    if pending and rng.random() < take_share:
        _, case_number, title, topic, place = pending.pop(rng.randrange(len(pending)))
    else:
        serial = ctx.case_serial.get((prefix, year), rng.randint(1, 60)) + rng.randint(1, 9)
        ctx.case_serial[(prefix, year)] = serial
        case_number = f"{prefix}-{year}/{serial}"
    send_to = "KF" if code == "KS" else None if code == "KF" else "KS"
    if send_to and rng.random() < 0.3:
        queue = ctx.pending[send_to]
        queue.append((year, case_number, title, topic, place))
        del queue[:-_PENDING_LIMIT]
    return case_number, title, topic, place


# --------------------------------------------------------------------------- generating


@dataclass
class _Planned:
    """A meeting to create: its day, its body and how many annotations; its id once written."""

    date: datetime.date
    plan: _BodyPlan
    size: int
    pk: int | None = None


@dataclass
class _Rows:
    """The rows of a chunk of meetings, generated but not yet written.

    Items and annotations refer to each other by their position in these lists: primary keys
    are reserved only when the chunk is written.
    """

    # (meeting id, number, paragraph, title, case number)
    items: list[tuple[int, int, int, str, str]] = field(default_factory=list)
    # (item position, kind, text, date, fingerprint)
    annotations: list[tuple[int, str, str, datetime.date, str]] = field(default_factory=list)
    # Per annotation, its parties' and signatories' names as its search vector has them.
    names: list[tuple[str, str]] = field(default_factory=list)
    # (annotation position, party id) and (annotation position, person id), in the order chosen
    parties: list[tuple[int, int]] = field(default_factory=list)
    signatories: list[tuple[int, int]] = field(default_factory=list)


def _generate_chunk(ctx: _Context, chunk: list[_Planned]) -> _Rows:
    """The items and annotations of some meetings (no database access)."""
    rng = ctx.rng
    rows = _Rows()
    for meeting in chunk:
        plan, size, year = meeting.plan, meeting.size, meeting.date.year
        item_count = max(1, min(size, round(size / rng.uniform(1.1, 2.0))))
        per_item = [1] * item_count
        for _ in range(size - item_count):
            per_item[rng.randrange(item_count)] += 1
        key = (plan.body.pk, year)
        paragraph = ctx.paragraph.get(key, 0)
        prefix = plan.body.short_name or "KS"
        kinds, kind_cum_weights = _COUNCIL_KINDS if plan.code == "KF" else _KINDS
        for number, count in enumerate(per_item, start=1):
            paragraph += rng.randint(1, 4)
            topic = rng.choice(BODY_TOPICS[plan.code])
            place = rng.choice(PLACES)
            title = _title(rng, topic, plan.code, year, place)
            case_number, title, topic, place = _case(
                ctx, plan.code, prefix, year, title, topic, place
            )
            item = len(rows.items)
            rows.items.append((meeting.pk, number, paragraph, title, case_number))
            fingerprints: set[str] = set()
            used_parties: set[str] = set()
            for _ in range(count):
                kind = rng.choices(kinds, cum_weights=kind_cum_weights)[0]
                parties = _pick_parties(rng, used_parties)
                used_parties.update(parties)
                text = _text(rng, kind, topic, title, year, place, parties)
                fingerprint = Annotation.compute_fingerprint(kind, text)
                while fingerprint in fingerprints:  # (item, fingerprint) is unique
                    text += "\n\n" + rng.choice(GENERIC_SENTENCES).format(
                        **_fillers(rng, year, place)
                    )
                    fingerprint = Annotation.compute_fingerprint(kind, text)
                fingerprints.add(fingerprint)
                signatories = _pick_signatories(rng, ctx, parties)
                annotation = len(rows.annotations)
                rows.annotations.append((item, kind, text, meeting.date, fingerprint))
                rows.names.append(
                    (
                        " ".join(ctx.party_names[p] for p in parties),
                        " ".join(person.name for person in signatories),
                    )
                )
                rows.parties.extend((annotation, ctx.parties[p].pk) for p in parties)
                rows.signatories.extend((annotation, person.pk) for person in signatories)
        ctx.paragraph[key] = paragraph
    return rows


# --------------------------------------------------------------------------- writing

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


# The columns of the annotations' COPY, for its binary format. The vector's bytes are passed
# as they are (the "bytea" dumper does not change them) and read by the tsvector column.
_ANNOTATION_TYPES = (
    "int8", "int8", "text", "text", "text", "date", "text", "bool",
    "timestamptz", "timestamptz", "int4", "text", "bytea",
)  # fmt: skip


class _Writer:
    """Writes generated rows with COPY, on the psycopg connection under Django's.

    Primary keys are reserved from the tables' sequences, so items, annotations and links are
    written without reading anything back. generate() calls chunk() from a worker thread;
    the main thread does not use the connection meanwhile.
    """

    def __init__(self, pg):
        self.pg = pg
        self.sequences: dict[str, str] = {}

    def _reserve(self, cursor, table: str, count: int) -> range | list[int]:
        """``count`` fresh primary keys of ``table``: a range unless another session took
        some of the sequence's values in between."""
        if table not in self.sequences:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            self.sequences[table] = cursor.fetchone()[0]
        taken = "SELECT nextval(%s) AS pk FROM generate_series(1, %s)"
        cursor.execute(
            f"SELECT min(pk), max(pk) FROM ({taken}) AS taken", [self.sequences[table], count]
        )
        first, last = cursor.fetchone()
        if last - first + 1 == count:
            return range(first, last + 1)
        # Interleaved: take a fresh set one by one (rare; the values above are just skipped).
        cursor.execute(taken, [self.sequences[table], count])
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
            pks = self._reserve(cursor, "notes_meeting", len(planned))
            for meeting, pk in zip(planned, pks, strict=True):
                meeting.pk = pk
            self._copy(
                cursor,
                "notes_meeting (id, body_id, date, published_at, is_demo, created_at, "
                "updated_at, version)",
                (
                    (m.pk, m.plan.body.pk, m.date, _published(m.date), True, now, now, 1)
                    for m in planned
                ),
            )

    def chunk(self, rows: _Rows, vectors: Future) -> tuple[int, int]:
        """Write a chunk's items, links and annotations (with ``vectors``' result)."""
        now = timezone.now()
        with self.pg.cursor() as cursor:
            item_ids = self._reserve(cursor, "notes_agendaitem", len(rows.items))
            ids = self._reserve(cursor, "notes_annotation", len(rows.annotations))
            self._copy(
                cursor,
                "notes_agendaitem (id, meeting_id, number, paragraph, title, case_number, version)",
                ((pk, *item, 1) for pk, item in zip(item_ids, rows.items, strict=True)),
            )
            self._copy(
                cursor,
                "notes_annotation_parties (annotation_id, party_id)",
                ((ids[a], party) for a, party in rows.parties),
            )
            self._copy(
                cursor,
                "notes_annotation_signatories (annotation_id, person_id)",
                ((ids[a], person) for a, person in rows.signatories),
            )
            # With the search triggers deferred, the vectors are stored as given and the
            # vocabulary is added here. Binary COPY: the vectors are in binary already.
            search_vectors, words = vectors.result()
            with cursor.copy(
                "COPY notes_annotation (id, item_id, kind, text, source, date, fingerprint, "
                "is_demo, created_at, updated_at, version, withdrawal_reason, search_vector) "
                "FROM STDIN (FORMAT BINARY)"
            ) as copy:
                copy.set_types(_ANNOTATION_TYPES)
                for pk, (item, kind, text, day, fingerprint), vector in zip(
                    ids, rows.annotations, search_vectors, strict=True
                ):
                    row = (pk, item_ids[item], kind, text, "demo", day, fingerprint, True)
                    copy.write_row((*row, now, now, 1, "", vector))
            cursor.execute(
                "INSERT INTO notes_searchword (word) SELECT unnest(%s::text[]) "
                "ON CONFLICT DO NOTHING",
                [words],
            )
            # The foreign keys are checked at commit: check this chunk's now, while the next
            # one is generated, instead of queueing millions of checks for the commit (every
            # deferrable constraint of the schema is initially deferred, so back to that).
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        return len(rows.items), len(rows.annotations)


def _published(day: datetime.date) -> datetime.datetime:
    """Minutes are approved (justerade) and published about two weeks after the meeting."""
    return datetime.datetime.combine(
        day + datetime.timedelta(days=14), datetime.time(12), tzinfo=datetime.UTC
    )


def _plan_meetings(rng: random.Random, plans: list[_BodyPlan]) -> list[_Planned]:
    """Pick free weekdays per body and size each meeting; about 8–12 annotations a meeting."""
    weekdays = _weekdays()
    planned = []
    for plan in plans:
        if plan.annotations == 0:
            continue
        taken = set(Meeting.objects.filter(body=plan.body).values_list("date", flat=True))
        free = [day for day in weekdays if day not in taken]
        if not free:
            raise DemoDataError(f"{plan.body.name} has no free meeting days left in 2014–2026.")
        wanted = max(1, round(plan.annotations / rng.uniform(8, 12)))
        dates = sorted(rng.sample(free, min(wanted, len(free), plan.annotations)))
        sizes = _meeting_sizes(rng, plan.annotations, len(dates))
        planned.extend(
            _Planned(date=day, plan=plan, size=size) for day, size in zip(dates, sizes, strict=True)
        )
    # Oldest first, so that paragraph numbers grow through each year and cases travel
    # forward in time from nämnd to KS to KF.
    planned.sort(key=lambda meeting: (meeting.date, meeting.plan.index))
    return planned


def _chunks(planned: list[_Planned]) -> Iterator[list[_Planned]]:
    """Consecutive meetings with about CHUNK_ANNOTATIONS annotations in all."""
    start = 0
    while start < len(planned):
        end, size = start, 0
        while end < len(planned) and size < CHUNK_ANNOTATIONS:
            size += planned[end].size
            end += 1
        yield planned[start:end]
        start = end


def generate(annotations: int, seed: int, *, progress: ProgressCallback | None = None) -> dict:
    """Create ``annotations`` demo annotations (with meetings, items and people) from ``seed``.

    Returns the numbers created: bodies (with demo meetings in this batch), meetings, items,
    people and annotations. All of it happens in one transaction.

    A chunk of meetings goes through three stages at once: Python generates chunk n + 2, a
    second session computes the search vectors of chunk n + 1, and this transaction's
    session writes chunk n with COPY. At most CHUNKS_IN_FLIGHT chunks are held in memory.
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
        plans = [
            _BodyPlan(body=ensure_body(name), code=code, index=index)
            for index, (name, code, _) in enumerate(KNOWN_BODIES)
        ]
        shares = _split(annotations, [BODY_WEIGHTS.get(p.code, 1) for p in plans])
        for plan, share in zip(plans, shares, strict=True):
            plan.annotations = share

        people = _create_people(rng, parties)
        planned = _plan_meetings(rng, plans)
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, true)", [_WORK_MEM])
        writer = _Writer(connection.connection)
        writer.meetings(planned)

        ctx = _Context(rng=rng, parties=parties, people=people)
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
            if progress is not None:
                progress(annotation_total, annotations)

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
            # On an error, nothing queued may touch the connection once the exception is on
            # its way to roll the transaction back.
            for future in in_flight:
                future.cancel()
            write_pool.shutdown(wait=True, cancel_futures=True)
            vector_pool.shutdown(wait=True, cancel_futures=True)
            vector_session.close()
        rebuild_facet_counts()

    return {
        "bodies": len({meeting.plan.body.pk for meeting in planned}),
        "meetings": len(planned),
        "items": item_total,
        "people": sum(len(members) for members in people.values()),
        "annotations": annotation_total,
    }


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
