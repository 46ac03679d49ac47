"""A whole protocol into the archive, in one transaction: the meeting (a draft when new,
merged item by item when it exists), its attendance, its items, their annotations and votes.

Importing the same protocol again changes nothing: items are found by § (or ärende number),
annotations by their fingerprint, votes by their place on the item, attendance by person.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from notes.ingest.importing import ensure_body, ensure_party, ensure_person, save_record
from notes.ingest.parsing import NoteRecord, Signatory
from notes.ingest.protocol_parse import Paragraph, Protocol, parse_protocol
from notes.ingest.protocol_parts import ABSTAIN, NO, YES
from notes.ingest.protocol_text import ProtocolUnreadable, read_pages
from notes.models import AgendaItem, Attendance, Ballot, Meeting, Party, Vote
from notes.parties import find_party


@dataclass
class ProtocolResult:
    source: str
    protocol: Protocol | None = None
    error: str = ""
    meeting_id: int | None = None
    meeting_created: bool = False
    meeting_published: bool = False
    created: Counter = field(default_factory=Counter)
    unchanged: Counter = field(default_factory=Counter)
    saved: bool = False

    @property
    def ok(self) -> bool:
        return not self.error


class _DryRun(Exception):
    pass


class _HeldBack(Exception):
    pass


PUBLISHED_REFUSAL = (
    "Sammanträdet är redan publicerat och protokollet har nytt innehåll: ingenting sparades, "
    "eftersom det nya skulle bli offentligt direkt. Välj att publicera det nya direkt "
    "(--into-published, eller rutan i administrationen), eller avpublicera sammanträdet, "
    "importera och granska, och publicera igen."
)


def import_protocol(
    data: bytes, source: str, *, dry_run: bool = False, into_published: bool = False
) -> ProtocolResult:
    """Read, report and (unless ``dry_run``) save one protocol; never raises for bad input.

    A meeting that is already published is public with all it holds; so what a protocol adds
    to it is saved only with ``into_published`` (the clerk's explicit choice), otherwise
    nothing is saved and the result says why (a dry run reports it)."""
    result = ProtocolResult(source=source)
    try:
        result.protocol = parse_protocol(read_pages(data))
    except ProtocolUnreadable as error:
        result.error = str(error)
        return result
    if not result.protocol.paragraphs:
        result.error = "Inga paragrafer (§) hittades: protokollet sparades inte."
        return result
    try:
        with transaction.atomic():
            _save(result.protocol, source, result)
            if dry_run:
                raise _DryRun
            if result.meeting_published and sum(result.created.values()) and not into_published:
                raise _HeldBack
        result.saved = True
    except _DryRun:
        pass
    except _HeldBack:
        result.error = PUBLISHED_REFUSAL
    except IntegrityError as error:
        result.error = f"Protokollet kunde inte sparas: {error}"
    return result


def _party(abbreviation: str | None) -> Party | None:
    info = find_party(abbreviation) if abbreviation else None
    return ensure_party(info) if info else None


def _save(protocol: Protocol, source: str, result: ProtocolResult) -> None:
    body = ensure_body(protocol.body)
    meeting, created = Meeting.objects.get_or_create(body=body, date=protocol.date)
    result.meeting_id, result.meeting_created = meeting.pk, created
    result.meeting_published = meeting.published_at is not None
    blanks = {
        name: value
        for name, value in (("time", protocol.time), ("location", protocol.place))
        if value and not getattr(meeting, name)
    }
    if blanks:  # fill what the meeting lacks; never overwrite what a clerk entered
        Meeting.objects.filter(pk=meeting.pk).update(**blanks)
    for name, party, role in protocol.attendance:
        person = ensure_person(name, _party(party))
        _, new = Attendance.objects.get_or_create(
            meeting=meeting, person=person, defaults={"role": role}
        )
        (result.created if new else result.unchanged)["närvaro"] += 1
    for paragraph in protocol.paragraphs:
        item, new = _item(meeting, paragraph)
        (result.created if new else result.unchanged)["ärenden"] += 1
        for note in paragraph.notes:
            record = NoteRecord(
                municipality="",
                body_name=body.name,
                date=protocol.date,
                kind=note.kind,
                item_number=item.number,
                paragraph_number=item.paragraph,
                item_title=item.title,
                case_number=item.case_number,
                parties=tuple(note.parties),
                signatories=tuple(Signatory(name, party) for name, party in note.signatories),
                text=note.text,
                source=source,
            )
            _, new = save_record(record, source=source, publish=False)
            (result.created if new else result.unchanged)["anteckningar"] += 1
        for position, vote in enumerate(paragraph.votes, start=1):
            new = _vote(item, position, vote)
            (result.created if new else result.unchanged)["omröstningar"] += 1


def _item(meeting: Meeting, paragraph: Paragraph) -> tuple[AgendaItem, bool]:
    items = AgendaItem.objects.filter(meeting=meeting)
    item = items.filter(paragraph=paragraph.number).first()
    if item is None and paragraph.item_number is not None:
        item = items.filter(number=paragraph.item_number, paragraph__isnull=True).first()
    if item is None:
        item = AgendaItem.objects.create(
            meeting=meeting,
            paragraph=paragraph.number,
            number=paragraph.item_number,
            title=paragraph.title,
            case_number=paragraph.case_number,
            decision=paragraph.decision,
        )
        return item, True
    changed = []
    for name, value in (
        ("paragraph", paragraph.number),
        ("title", paragraph.title),
        ("case_number", paragraph.case_number),
        ("decision", paragraph.decision),
    ):
        if value and not getattr(item, name):
            setattr(item, name, value)
            changed.append(name)
    if changed:
        item.save(update_fields=changed)
    return item, False


def _vote(item: AgendaItem, position: int, vote) -> bool:
    if Vote.objects.filter(item=item, position=position).exists():
        return False
    row = Vote.objects.create(
        item=item,
        position=position,
        question=vote.question,
        yes=vote.counts[YES],
        no=vote.counts[NO],
        abstain=vote.counts[ABSTAIN],
        result=vote.result,
    )
    ballots = [
        Ballot(vote=row, choice=choice, party=_party(abbreviation))
        for choice, abbreviations in vote.parties.items()
        for abbreviation in abbreviations
    ]
    for choice, name, abbreviation in vote.ballots:
        party = _party(abbreviation)
        ballots.append(
            Ballot(vote=row, choice=choice, party=party, person=ensure_person(name, party))
        )
    Ballot.objects.bulk_create(ballots)
    return True


def report_lines(result: ProtocolResult) -> list[str]:
    """The report a clerk reads before confirming (and --dry-run prints)."""
    if result.error and result.protocol is None:
        return [f"{result.source}: {result.error}"]
    assert result.protocol is not None
    protocol = result.protocol
    lines = [
        f"{result.source}: {protocol.body} {protocol.date.isoformat()}"
        + (f", {protocol.place}" if protocol.place else "")
        + (f", kl. {protocol.time}" if protocol.time else "")
    ]
    for page, level, message in sorted(protocol.report, key=lambda r: r[0]):
        lines.append(f"  sida {page}: [{level}] {message}")
    if result.meeting_created:
        state = "nytt, blir ett utkast tills det publiceras"
    elif result.meeting_published and sum(result.created.values()):
        state = (
            "finns redan och är PUBLICERAT: det som är nytt blir offentligt direkt, "
            "och sparas bara om du väljer det"
        )
    elif result.meeting_published:
        state = "finns redan och är publicerat; protokollet har inget nytt"
    else:
        state = "finns redan (utkast); slås ihop ärende för ärende"
    lines.append(f"  sammanträdet: {state}")
    for what in sorted(set(result.created) | set(result.unchanged)):
        new, old = result.created[what], result.unchanged[what]
        lines.append(f"  {what}: nya {new}, fanns redan {old}")
    if result.error:
        lines.append(f"  {result.error}")
    return lines
