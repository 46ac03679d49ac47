"""Records from notes.ingest.parsing → rows. Idempotent, one transaction per file.

Used by the `import_notes` command and by anything else that imports texts, so that every
route into the archive follows the same rules.
"""

from __future__ import annotations

import datetime
import enum
import functools
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from notes.ingest.parsing import NoteRecord, ParseError, parse_bytes
from notes.models import AgendaItem, Annotation, Body, Meeting, Party, Person
from notes.parties import PARTIES, PartyInfo, find_party

# Huddinge's bodies: name, short name, kind. Other names found in texts are added as nämnder.
KNOWN_BODIES: tuple[tuple[str, str, str], ...] = (
    ("Kommunfullmäktige", "KF", Body.Kind.COUNCIL),
    ("Kommunstyrelsen", "KS", Body.Kind.EXECUTIVE),
    ("Kommunstyrelsens arbetsutskott", "KSAU", Body.Kind.SUBCOMMITTEE),
    ("Barn- och ungdomsnämnden", "BUN", Body.Kind.COMMITTEE),
    ("Förskolenämnden", "FN", Body.Kind.COMMITTEE),
    ("Grundskolenämnden", "GSN", Body.Kind.COMMITTEE),
    ("Gymnasie- och arbetsmarknadsnämnden", "GAN", Body.Kind.COMMITTEE),
    ("Socialnämnden", "SN", Body.Kind.COMMITTEE),
    ("Äldreomsorgsnämnden", "ÄON", Body.Kind.COMMITTEE),
    ("Natur- och byggnadsnämnden", "NBN", Body.Kind.COMMITTEE),
    ("Kultur- och fritidsnämnden", "KFN", Body.Kind.COMMITTEE),
    ("Miljö- och samhällsbyggnadsnämnden", "MSN", Body.Kind.COMMITTEE),
    ("Tillsynsnämnden", "TN", Body.Kind.COMMITTEE),
    ("Valnämnden", "VN", Body.Kind.COMMITTEE),
)


def _body_kind(name: str) -> str:
    lowered = name.lower()
    if "fullmäktige" in lowered:
        return Body.Kind.COUNCIL
    if "utskott" in lowered:
        return Body.Kind.SUBCOMMITTEE
    if "styrelse" in lowered:
        return Body.Kind.EXECUTIVE
    if "nämnd" in lowered:
        return Body.Kind.COMMITTEE
    return Body.Kind.OTHER


def ensure_body(name: str) -> Body:
    """The body with this name (any letter case), created with its known short name if new."""
    name = " ".join(name.split())
    body = Body.objects.filter(name__iexact=name).first()
    if body is not None:
        return body
    known = {n.lower(): (n, short, kind) for n, short, kind in KNOWN_BODIES}
    canonical, short, kind = known.get(name.lower(), (name, "", _body_kind(name)))
    body, _ = Body.objects.get_or_create(
        name=canonical, defaults={"short_name": short, "kind": kind, "slug": slugify(canonical)}
    )
    return body


def ensure_party(info: PartyInfo) -> Party:
    """The party with this abbreviation, created from the parser's party table if new."""
    party, _ = Party.objects.get_or_create(
        abbreviation=info.abbreviation,
        defaults={"name": info.name, "slug": slugify(info.name), "colour": info.colour},
    )
    return party


def ensure_all_parties() -> list[Party]:
    return [ensure_party(info) for info in PARTIES]


def ensure_person(name: str, party: Party | None) -> Person:
    """The signatory with this name (and party, where both are known), created if new."""
    name = " ".join(name.split())
    candidates = list(Person.objects.filter(name__iexact=name).select_related("party"))
    for person in candidates:
        if party is None or person.party_id in (None, party.pk):
            if person.party_id is None and party is not None:
                person.party = party
                person.save(update_fields=["party"])
            return person
    base = slugify(name) or "person"
    slug, n = base, 2
    while Person.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return Person.objects.create(name=name, slug=slug, party=party)


def _item_fields(record: NoteRecord, item) -> list[tuple[str, object]]:
    """What the item row lacks and the record has: filled in, never overwriting what a clerk
    has entered. ``item`` is an AgendaItem or a mapping of its fields."""
    get = item.get if isinstance(item, dict) else lambda field: getattr(item, field)
    return [
        (field, value)
        for field, value in (
            ("title", record.item_title),
            ("case_number", record.case_number),
            ("paragraph", record.paragraph_number),
        )
        if value and not get(field)
    ]


def _create_item(meeting_id: int, record: NoteRecord) -> AgendaItem:
    return AgendaItem.objects.create(
        meeting_id=meeting_id,
        number=record.item_number,
        paragraph=record.paragraph_number,
        title=record.item_title,
        case_number=record.case_number,
    )


def _fill_item(item: AgendaItem, record: NoteRecord) -> AgendaItem:
    changed = _item_fields(record, item)
    for field, value in changed:
        setattr(item, field, value)
    if changed:
        item.save(update_fields=[field for field, _ in changed])
    return item


def _ensure_item(meeting: Meeting, record: NoteRecord) -> AgendaItem:
    if record.item_number is not None:
        lookup = {"meeting": meeting, "number": record.item_number}
    else:
        lookup = {"meeting": meeting, "paragraph": record.paragraph_number}
    item = AgendaItem.objects.filter(**lookup).first()
    if item is None:
        return _create_item(meeting.pk, record)
    return _fill_item(item, record)


# The rows ensure_body(), the meeting's get_or_create(), _ensure_item() and the check for an
# existing annotation read, in one query: no row when the body or the meeting is new.
_FIND_SQL = """
SELECT m.id AS meeting_id, m.published_at, i.id AS item_id, i.title, i.case_number,
       i.paragraph, a.id AS existing_id
FROM (
    SELECT id FROM notes_body WHERE UPPER(name::text) = UPPER(%(body)s) ORDER BY name LIMIT 1
) AS b
JOIN notes_meeting AS m ON m.body_id = b.id AND m.date = %(date)s
LEFT JOIN LATERAL (
    SELECT id, title, case_number, paragraph FROM notes_agendaitem
    WHERE meeting_id = m.id AND {item}
    ORDER BY number, paragraph
    LIMIT 1
) AS i ON true
LEFT JOIN notes_annotation AS a ON a.item_id = i.id AND a.fingerprint = %(fingerprint)s
"""
_FIND_BY_NUMBER = _FIND_SQL.format(item="number = %(number)s")
_FIND_BY_PARAGRAPH = _FIND_SQL.format(item="paragraph IS NOT DISTINCT FROM %(paragraph)s")


def _find(record: NoteRecord, fingerprint: str) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(
            _FIND_BY_PARAGRAPH if record.item_number is None else _FIND_BY_NUMBER,
            {
                "body": " ".join(record.body_name.split()),
                "date": record.date,
                "number": record.item_number,
                "paragraph": record.paragraph_number,
                "fingerprint": fingerprint,
            },
        )
        row = cursor.fetchone()
        return dict(zip([c.name for c in cursor.description], row, strict=True)) if row else None


def save_record(
    record: NoteRecord, *, source: str = "", publish: bool = True
) -> tuple[Annotation, bool]:
    """Save one parsed record; return the annotation and whether it was new.

    With `publish`, the meeting is published (texts from minutes already made public);
    without it, a new meeting stays a draft for a clerk to review.

    The caller owns the transaction: a failure part-way leaves nothing behind only if the
    caller wraps the call in `transaction.atomic()` (import_file does).
    """
    fingerprint = Annotation.compute_fingerprint(record.kind, record.text)
    found = _find(record, fingerprint)
    if found is not None and (found["published_at"] is not None or not publish):
        # The meeting exists (and needs no publishing): its item as _ensure_item() would.
        if found["item_id"] is None:
            item_id = _create_item(found["meeting_id"], record).pk
        elif _item_fields(record, found):
            item_id = _fill_item(AgendaItem.objects.get(pk=found["item_id"]), record).pk
        else:
            item_id = found["item_id"]
        existing_id = found["existing_id"]
    else:
        meeting, _ = Meeting.objects.get_or_create(
            body=ensure_body(record.body_name), date=record.date
        )
        if publish and meeting.published_at is None:
            meeting.published_at = timezone.now()
            meeting.save(update_fields=["published_at", "updated_at"])
        item_id = _ensure_item(meeting, record).pk
        existing = Annotation.objects.filter(item_id=item_id, fingerprint=fingerprint).first()
        existing_id = existing.pk if existing is not None else None
    if existing_id is not None:
        return Annotation.objects.get(pk=existing_id), False

    parties = {}
    for abbreviation in record.parties:
        info = find_party(abbreviation)
        if info is None:  # the parser only returns known parties; guard against misuse
            raise ValueError(f"unknown party {abbreviation!r}")
        parties[abbreviation] = ensure_party(info)
    # A signatory's own party, if given, else the annotation's only party.
    default_party = next(iter(parties.values())) if len(parties) == 1 else None
    people = []
    for signatory in record.signatories:
        info = find_party(signatory.party) if signatory.party else None
        party = ensure_party(info) if info else default_party
        people.append(ensure_person(signatory.name, party))
    annotation = _create_annotation(
        Annotation(
            item_id=item_id,
            kind=record.kind,
            text=record.text,
            source=source or record.source,
            date=record.date,  # the meeting's
            fingerprint=fingerprint,
        ),
        list(parties.values()),
        people,
    )
    return annotation, True


# --------------------------------------------------------------------------- writing


def _added_ids(objects) -> list[int]:
    """The ids that a many-to-many ``add(*objects)`` inserts, in the order it inserts them
    (Django collects them in a set first)."""
    ids: set[int] = set()
    for obj in objects:
        ids.add(obj.pk)
    return list(ids.difference(()))


@functools.cache
def _history_models():
    """HistoricalAnnotation and its many-to-many history models (looking them up through
    the ``history`` descriptor builds a manager each time)."""
    history = Annotation.history.model
    return history, history.parties.model, history.signatories.model


def _history_user():
    """The author django-simple-history records: the request's user, when there is one."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _insert(model, fields: list[str], rows: list[tuple]) -> tuple[str, list]:
    """An ``INSERT … VALUES`` of ``rows`` (values in the order of the ``fields`` attnames)."""
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES " + ", ".join(
        [placeholders] * len(rows)
    )
    params = [
        meta.get_field(f).get_db_prep_save(value, connection)
        for row in rows
        for f, value in zip(fields, row, strict=True)
    ]
    return sql, params


def _create_annotation(annotation: Annotation, parties: list[Party], people: list[Person]):
    """Insert a new annotation with its parties and signatories, and return it.

    The rows are those that ``annotation.save()``, ``parties.set(parties)`` and
    ``signatories.set(people)`` write with django-simple-history: the annotation, its links,
    and a history record after each of the three steps (a "+" without links, a "~" with the
    party links, and when there are signatories a "~" with both), each with the links of
    its moment. Written here in two round trips instead of about twenty (through the ORM and
    the history signals, that was two thirds of an import's time); tests/test_importing.py
    compares the two.

    The links go in before the annotation (the foreign keys are checked at commit), so the
    search trigger computes the vector once, as the annotation is inserted, instead of once
    for each of the three statements.
    """
    history, party_history, person_history = _history_models()
    party_link = Annotation.parties.through
    person_link = Annotation.signatories.through
    party_ids = _added_ids(parties)
    person_ids = _added_ids(people)
    steps = 3 if person_ids else 2

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')), ARRAY("
            "  SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)"
            "), ARRAY("
            "  SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)"
            "), ARRAY("
            "  SELECT nextval(pg_get_serial_sequence(%s, 'history_id')) "
            "  FROM generate_series(1, %s)"
            ")",
            [
                Annotation._meta.db_table,
                party_link._meta.db_table,
                len(party_ids),
                person_link._meta.db_table,
                len(person_ids),
                history._meta.db_table,
                steps,
            ],
        )
        pk, party_link_ids, person_link_ids, history_ids = cursor.fetchone()

    annotation.pk = pk
    for field in Annotation._meta.concrete_fields:
        field.pre_save(annotation, add=True)  # created_at and updated_at
    party_links = list(zip(party_link_ids, party_ids, strict=True))
    person_links = list(zip(person_link_ids, person_ids, strict=True))

    copied = [
        f.attname
        for f in history._meta.concrete_fields
        if f.attname not in ("history_id", "history_date", "history_change_reason", "history_type")
        and f.name != "history_user"
    ]
    values = tuple(getattr(annotation, name) for name in copied)
    user = _history_user()
    records = []
    for step, (history_id, history_type) in enumerate(zip(history_ids, "+~~", strict=False)):
        if step:  # strictly after the one before, as with the statements in between
            previous = records[-1][1]
            moment = max(timezone.now(), previous + datetime.timedelta(microseconds=1))
        else:
            moment = timezone.now()
        records.append((history_id, moment, None, history_type, user, *values))

    statements = [
        _insert(
            party_link, ["id", "annotation_id", "party_id"], [(i, pk, p) for i, p in party_links]
        ),
        _insert(
            Annotation,
            [f.attname for f in Annotation._meta.concrete_fields if f.attname != "search_vector"],
            [
                tuple(
                    getattr(annotation, f.attname)
                    for f in Annotation._meta.concrete_fields
                    if f.attname != "search_vector"
                )
            ],
        ),
        _insert(
            history,
            [
                "history_id",
                "history_date",
                "history_change_reason",
                "history_type",
                "history_user_id",
                *copied,
            ],
            records,
        ),
        _insert(
            party_history,
            ["id", "annotation_id", "party_id", "history_id"],
            [(i, pk, p, h) for h, *_ in records[1:] for i, p in party_links],
        ),
    ]
    if person_links:
        statements[1:1] = [
            _insert(
                person_link,
                ["id", "annotation_id", "person_id"],
                [(i, pk, p) for i, p in person_links],
            )
        ]
        statements.append(
            _insert(
                person_history,
                ["id", "annotation_id", "person_id", "history_id"],
                [(i, pk, p, records[2][0]) for i, p in person_links],
            )
        )
    # Errors surface when the pipeline ends: translated there into Django's, such as the
    # IntegrityError that import_bytes() reports.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        connection.connection.pipeline(),
    ):
        for sql, params in statements:
            cursor.execute(sql, params)
    annotation._state.adding = False
    annotation._state.db = connection.alias
    return annotation


class Outcome(enum.StrEnum):
    IMPORTED = "imported"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True)
class FileResult:
    source: str
    outcome: Outcome
    message: str = ""
    annotation_id: int | None = None


class _DryRunRollback(Exception):
    pass


def import_bytes(
    data: bytes,
    source: str,
    *,
    dry_run: bool = False,
    stored_source: str | None = None,
    publish: bool = True,
) -> FileResult:
    """Parse and save one file's content in its own transaction; never raises for bad input.

    `source` names the file in messages; `stored_source` (default: the same) is kept on the row.
    """
    try:
        record = parse_bytes(data, source=source)
    except ParseError as error:
        return FileResult(source, Outcome.FAILED, str(error))
    try:
        with transaction.atomic():
            annotation, created = save_record(
                record, source=stored_source or source, publish=publish
            )
            if dry_run:
                # Roll back, but still report what would have happened.
                result = FileResult(
                    source, Outcome.IMPORTED if created else Outcome.UNCHANGED, "", None
                )
                raise _DryRunRollback
    except _DryRunRollback:
        return result
    except IntegrityError as error:
        return FileResult(source, Outcome.FAILED, f"{source}: could not be saved: {error}")
    outcome = Outcome.IMPORTED if created else Outcome.UNCHANGED
    return FileResult(source, outcome, "", annotation.pk)


def import_file(path: Path, *, dry_run: bool = False, publish: bool = True) -> FileResult:
    try:
        data = path.read_bytes()
    except OSError as error:
        return FileResult(str(path), Outcome.FAILED, f"{path}: cannot read: {error.strerror}")
    return import_bytes(data, str(path), dry_run=dry_run, stored_source=path.name, publish=publish)


def collect_files(paths: list[Path]) -> tuple[list[Path], list[Path]]:
    """Files named and .txt files under folders named, sorted; and paths that do not exist."""
    files: list[Path] = []
    missing: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.txt") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            missing.append(path)
    return files, missing
