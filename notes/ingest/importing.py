"""Records from notes.ingest.parsing → rows. Idempotent, one transaction per file.

Used by the `import_notes` command and by anything else that imports texts, so that every
route into the archive follows the same rules.
"""

from __future__ import annotations

import enum
import functools
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from notes.ingest.parsing import NoteRecord, ParseError, parse_bytes
from notes.ingest.writing import create_annotation
from notes.models import AgendaItem, Annotation, Body, Meeting, Party, Person, unique_slug
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


# Parties and people looked up while one import run lasts (import_notes sets it): a file
# of 10,000 then costs no lookups for the names earlier files had. An entry is kept only
# once the transaction that read or made it has committed, so a file that fails and is
# rolled back leaves nothing behind here. Not used by the admin's imports in a server.
_looked_up: ContextVar[dict | None] = ContextVar("notes_import_looked_up", default=None)


@contextmanager
def remembering_lookups():
    token = _looked_up.set({})
    try:
        yield
    finally:
        _looked_up.reset(token)


@contextmanager
def commits_not_waiting_for_disk():
    """For a command that imports many files, one transaction each: a commit does not wait
    for the database's write-ahead log to reach the disk (`synchronous_commit` off, on this
    connection, until the block ends). Each file stays atomic, all of it or none; a crash of
    the database server can lose only the last moment's commits (under a second), which the
    next run of the same import writes again (an import is idempotent). A wait per file was
    a good part of the time of a 10 000-file import. Not for the admin's imports."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('synchronous_commit')")
        previous = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('synchronous_commit', 'off', false)")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('synchronous_commit', %s, false)", [previous])


def _recalled(key):
    known = _looked_up.get()
    return None if known is None else known.get(key)


def _remember(key, value) -> None:
    known = _looked_up.get()
    if known is not None:
        transaction.on_commit(lambda: known.__setitem__(key, value))


def ensure_party(info: PartyInfo) -> Party:
    """The party with this abbreviation, created from the parser's party table if new."""
    key = ("party", info.abbreviation)
    if (party := _recalled(key)) is not None:
        return party
    party, _ = Party.objects.get_or_create(
        abbreviation=info.abbreviation,
        defaults={"name": info.name, "slug": slugify(info.name), "colour": info.colour},
    )
    _remember(key, party)
    return party


def ensure_all_parties() -> list[Party]:
    return [ensure_party(info) for info in PARTIES]


def ensure_person(name: str, party: Party | None) -> Person:
    """The signatory with this name (and party, where both are known), created if new."""
    name = " ".join(name.split())
    key = ("person", name.casefold(), party.pk if party else None)
    if (person := _recalled(key)) is not None:
        return person
    person = _find_or_make_person(name, party)
    _remember(key, person)
    return person


def _find_or_make_person(name: str, party: Party | None) -> Person:
    candidates = list(Person.objects.filter(name__iexact=name).select_related("party"))
    for person in candidates:
        if party is None or person.party_id in (None, party.pk):
            if person.party_id is None and party is not None:
                person.party = party
                person.save(update_fields=["party"])
            return person
    # The slugs already taken with this stem, read once (one query per candidate made a text
    # of hundreds of names that share a stem, "Anna A-", "Anna A'", … take minutes).
    stem = slugify(name) or "person"
    taken = set(Person.objects.filter(slug__startswith=stem).values_list("slug", flat=True))
    slug = unique_slug(name, taken.__contains__)
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


class _Names:
    """For str.format: a model's quoted table name as text, its quoted columns as attributes."""

    def __init__(self, model):
        self._meta = model._meta

    def __str__(self) -> str:
        return connection.ops.quote_name(self._meta.db_table)

    def __getattr__(self, field: str) -> str:
        return connection.ops.quote_name(self._meta.get_field(field).column)


# The rows ensure_body(), the meeting's get_or_create(), _ensure_item() and the check for an
# existing annotation read, in one query: no row when the body or the meeting is new.
_FIND_SQL = """
SELECT m.{Meeting.id} AS meeting_id, m.{Meeting.published_at} AS published_at,
       i.{AgendaItem.id} AS item_id, i.{AgendaItem.title} AS title,
       i.{AgendaItem.case_number} AS case_number, i.{AgendaItem.paragraph} AS paragraph,
       a.{Annotation.id} AS existing_id
FROM (
    SELECT {Body.id} FROM {Body} WHERE UPPER({Body.name}::text) = UPPER(%(body)s)
    ORDER BY {Body.name} LIMIT 1
) AS b
JOIN {Meeting} AS m ON m.{Meeting.body} = b.{Body.id} AND m.{Meeting.date} = %(date)s
LEFT JOIN LATERAL (
    SELECT {AgendaItem.id}, {AgendaItem.title}, {AgendaItem.case_number}, {AgendaItem.paragraph}
    FROM {AgendaItem}
    WHERE {AgendaItem.meeting} = m.{Meeting.id} AND {item}
    ORDER BY {AgendaItem.number}, {AgendaItem.paragraph}
    LIMIT 1
) AS i ON true
LEFT JOIN {Annotation} AS a
    ON a.{Annotation.item} = i.{AgendaItem.id} AND a.{Annotation.fingerprint} = %(fingerprint)s
"""


@functools.cache
def _find_sql(by_number: bool) -> str:
    """_FIND_SQL for an item found by its number, or else by its paragraph."""
    items = _Names(AgendaItem)
    if by_number:
        item = f"{items.number} = %(number)s"
    else:
        item = f"{items.paragraph} IS NOT DISTINCT FROM %(paragraph)s"
    names = {model.__name__: _Names(model) for model in (Body, Meeting, AgendaItem, Annotation)}
    return _FIND_SQL.format(item=item, **names)


def _find(record: NoteRecord, fingerprint: str) -> dict | None:
    with connection.cursor() as cursor:
        cursor.execute(
            _find_sql(by_number=record.item_number is not None),
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
        # A new meeting of a published text is made published (one write, one history
        # record, not a draft published a moment later).
        meeting, _ = Meeting.objects.get_or_create(
            body=ensure_body(record.body_name),
            date=record.date,
            defaults={"published_at": timezone.now()} if publish else {},
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
    annotation = create_annotation(
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
