"""Records from notes.parsing → rows. Idempotent, one transaction per file.

Used by the `import_notes` command and by anything else that imports texts, so that every
route into the archive follows the same rules.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from notes.models import AgendaItem, Annotation, Body, Meeting, Party, Person
from notes.parsing import PARTIES, NoteRecord, ParseError, PartyInfo, find_party, parse_bytes

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


def _ensure_item(meeting: Meeting, record: NoteRecord) -> AgendaItem:
    if record.item_number is not None:
        lookup = {"meeting": meeting, "number": record.item_number}
    else:
        lookup = {"meeting": meeting, "paragraph": record.paragraph_number}
    item = AgendaItem.objects.filter(**lookup).first()
    if item is None:
        return AgendaItem.objects.create(
            meeting=meeting,
            number=record.item_number,
            paragraph=record.paragraph_number,
            title=record.item_title,
            case_number=record.case_number,
        )
    # Fill in what the row lacks; never overwrite what a clerk has entered.
    changed = []
    for field, value in (
        ("title", record.item_title),
        ("case_number", record.case_number),
        ("paragraph", record.paragraph_number),
    ):
        if value and not getattr(item, field):
            setattr(item, field, value)
            changed.append(field)
    if changed:
        item.save(update_fields=changed)
    return item


def save_record(
    record: NoteRecord, *, source: str = "", publish: bool = True
) -> tuple[Annotation, bool]:
    """Save one parsed record; return the annotation and whether it was new.

    With `publish`, the meeting is published (texts from minutes already made public);
    without it, a new meeting stays a draft for a clerk to review.

    The caller owns the transaction: a failure part-way leaves nothing behind only if the
    caller wraps the call in `transaction.atomic()` (import_file does).
    """
    meeting, _ = Meeting.objects.get_or_create(body=ensure_body(record.body_name), date=record.date)
    if publish and meeting.published_at is None:
        meeting.published_at = timezone.now()
        meeting.save(update_fields=["published_at", "updated_at"])
    item = _ensure_item(meeting, record)
    fingerprint = Annotation.compute_fingerprint(record.kind, record.text)
    existing = Annotation.objects.filter(item=item, fingerprint=fingerprint).first()
    if existing is not None:
        return existing, False

    parties = {}
    for abbreviation in record.parties:
        info = find_party(abbreviation)
        if info is None:  # the parser only returns known parties; guard against misuse
            raise ValueError(f"unknown party {abbreviation!r}")
        parties[abbreviation] = ensure_party(info)
    annotation = Annotation.objects.create(
        item=item,
        kind=record.kind,
        text=record.text,
        source=source or record.source,
        date=meeting.date,
    )
    annotation.parties.set(parties.values())
    # A signatory's own party, if given, else the annotation's only party.
    default_party = next(iter(parties.values())) if len(parties) == 1 else None
    people = []
    for signatory in record.signatories:
        info = find_party(signatory.party) if signatory.party else None
        party = ensure_party(info) if info else default_party
        people.append(ensure_person(signatory.name, party))
    annotation.signatories.set(people)
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
