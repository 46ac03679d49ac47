"""A whole protocol into the archive, in one transaction: the meeting (a draft when new,
merged item by item when it exists), its attendance, its items, their annotations and votes.

Importing the same protocol again changes nothing: items are found by § (or ärende number),
annotations by their fingerprint, votes by their place on the item, attendance by person.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop

from notes.ingest.importing import ensure_body, ensure_party, ensure_person, save_record
from notes.ingest.parsing import NoteRecord, Signatory
from notes.ingest.protocol_parse import Paragraph, Protocol, parse_protocol
from notes.ingest.protocol_parts import ABSTAIN, NO, YES
from notes.ingest.protocol_text import ProtocolUnreadable, read_pages
from notes.models import AgendaItem, Annotation, Attendance, Ballot, Body, Meeting, Party, Vote
from notes.parties import find_party


@dataclass
class ProtocolResult:
    source: str
    protocol: Protocol | None = None
    error: str = ""
    meeting_id: int | None = None
    meeting_created: bool = False
    meeting_published: bool = False
    body_created: bool = False
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


PUBLISHED_REFUSAL = gettext_noop(
    "Sammanträdet är redan publicerat och protokollet har nytt innehåll: ingenting sparades, "
    "eftersom det nya skulle bli offentligt direkt."
)


def import_protocol(
    data: bytes, source: str, *, dry_run: bool = False, into_published: bool = False
) -> ProtocolResult:
    """Read, report and (unless ``dry_run``) save one protocol; never raises for bad input.

    A meeting that is already published is public with all it holds; so what a protocol adds
    to it is saved only with ``into_published`` (the clerk's explicit choice), otherwise
    nothing is saved and the result says why (a dry run reports it)."""
    result = ProtocolResult(source=source)
    if source.casefold().endswith(".pdf") and data.lstrip()[:5] != b"%PDF-":
        result.error = _("Filen heter .pdf men är ingen PDF (den börjar inte med %PDF-).")
        return result
    try:
        result.protocol = parse_protocol(read_pages(data))
    except ProtocolUnreadable as error:
        result.error = str(error)
        return result
    if not result.protocol.paragraphs:
        result.error = _("Inga paragrafer (§) hittades: protokollet sparades inte.")
        return result
    try:
        with transaction.atomic():
            _save(result.protocol, source, result)
            if dry_run:
                raise _DryRun
            if result.meeting_published and has_news(result) and not into_published:
                raise _HeldBack
        result.saved = True
    except _DryRun:
        pass
    except _HeldBack:
        result.error = _(PUBLISHED_REFUSAL)
    except IntegrityError as error:
        result.error = _("Protokollet kunde inte sparas: %(error)s") % {"error": error}
    return result


def _party(abbreviation: str | None) -> Party | None:
    info = find_party(abbreviation) if abbreviation else None
    return ensure_party(info) if info else None


def _save(protocol: Protocol, source: str, result: ProtocolResult) -> None:
    name = " ".join(protocol.body.split())
    result.body_created = not Body.objects.filter(name__iexact=name).exists()
    body = ensure_body(protocol.body)
    meeting, created = Meeting.objects.get_or_create(body=body, date=protocol.date)
    result.meeting_id, result.meeting_created = meeting.pk, created
    result.meeting_published = meeting.published_at is not None
    blanks = _blanks(meeting, protocol)
    if blanks:  # fill what the meeting lacks; never overwrite what a clerk entered
        # A new version, so a clerk's form opened before the import cannot save over it
        # unknowingly (notes.admin.record_forms), and a history record of the change.
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        for name, value in blanks.items():
            setattr(meeting, name, value)
        meeting.version += 1
        meeting.save(update_fields=[*blanks, "version", "updated_at"])
        result.created["sammanträdet"] += len(blanks)
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
            if _same_text_there(item, note):
                result.unchanged["anteckningar"] += 1
                continue
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


# Each notice date and the date it may not come before.
NOTICE_ORDER = (
    ("attested_on", "date"),
    ("posted_on", "attested_on"),
    ("taken_down_on", "posted_on"),
)


def _blanks(meeting: Meeting, protocol: Protocol) -> dict:
    """What the protocol gives that the meeting lacks (never what a clerk entered). A date of
    the notice that differs from the one the meeting has, or that would stand in the wrong
    order beside the meeting's own dates, is reported and left out."""
    notice = protocol.notice
    given = (
        ("time", protocol.time),
        ("location", protocol.place),
        ("attested_on", notice.attested_on),
        ("posted_on", notice.posted_on),
        ("taken_down_on", notice.taken_down_on),
        ("minutes_kept_at", notice.kept_at),
    )
    blanks = {name: value for name, value in given if value and not getattr(meeting, name)}
    for name, value in given:
        kept = getattr(meeting, name)
        if value and kept and kept != value and name in dict(NOTICE_ORDER):
            protocol.note(
                notice.page,
                "varning",
                _("%(field)s: protokollet anger %(new)s, sammanträdet har %(old)s, som behålls")
                % {"field": _label(name), "new": value, "old": kept},
            )
    for name, earlier in NOTICE_ORDER:
        day, before = blanks.get(name), blanks.get(earlier) or getattr(meeting, earlier)
        if isinstance(day, datetime.date) and isinstance(before, datetime.date) and day < before:
            del blanks[name]
            protocol.note(
                notice.page,
                "varning",
                _("%(field)s %(date)s är före %(earlier)s %(before)s och sparas inte")
                % {
                    "field": _label(name),
                    "date": day.isoformat(),
                    "earlier": _label(earlier),
                    "before": before.isoformat(),
                },
            )
    return blanks


def _label(name: str) -> str:
    field = Meeting._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def _words(text: str) -> str:
    return " ".join(text.split())


def _same_text_there(item: AgendaItem, note) -> bool:
    """The annotation is on the item already, its words the same though its lines were
    broken otherwise (a PDF's text layer keeps no blank lines; a text file does)."""
    words = _words(note.text)
    return any(
        _words(text) == words
        for text in Annotation.objects.filter(item=item, kind=note.kind).values_list(
            "text", flat=True
        )
    )


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


# What the report counts (the keys of ProtocolResult.created/unchanged) and its levels.
COUNTED = {
    "ärenden": gettext_lazy("ärenden"),
    "anteckningar": gettext_lazy("anteckningar"),
    "omröstningar": gettext_lazy("omröstningar"),
    "närvaro": gettext_lazy("närvaro"),
    # Blanks of the meeting filled: time, place, justering, the notice's dates and place.
    "sammanträdet": gettext_lazy("uppgifter om sammanträdet"),
}
LEVELS = {
    "hittat": gettext_lazy("hittat"),
    "saknas": gettext_lazy("saknas"),
    "oplacerat": gettext_lazy("oplacerat"),
    "varning": gettext_lazy("varning"),
    "fel": gettext_lazy("fel"),
}


def has_news(result: ProtocolResult) -> bool:
    return sum(result.created.values()) > 0


def _meeting_state(result: ProtocolResult) -> str:
    if result.meeting_created:
        return _("nytt, blir ett utkast tills det publiceras")
    if result.meeting_published and has_news(result):
        return _(
            "finns redan och är PUBLICERAT: det som är nytt blir offentligt direkt, "
            "och sparas bara om du väljer det"
        )
    if result.meeting_published:
        return _("finns redan och är publicerat; protokollet har inget nytt")
    return _("finns redan (utkast); slås ihop ärende för ärende")


def report_lines(result: ProtocolResult, *, with_error: bool = True) -> list[str]:
    """The report a clerk reads before confirming (and --dry-run prints); the error last,
    unless the caller shows it on its own."""
    if result.error and result.protocol is None:
        return [f"{result.source}: {result.error}"]
    assert result.protocol is not None
    protocol = result.protocol
    lines = [
        f"{result.source}: {protocol.body} {protocol.date.isoformat()}"
        + (f", {protocol.place}" if protocol.place else "")
        + (", " + _("kl. %(time)s") % {"time": protocol.time} if protocol.time else "")
    ]
    for page, level, message in sorted(protocol.report, key=lambda r: r[0]):
        label = LEVELS.get(level, level)
        lines.append("  " + _("sida %(page)s") % {"page": page} + f": [{label}] {message}")
    if result.body_created:
        lines.append(
            "  " + _("organet: %(body)s finns inte i arkivet och skapas") % {"body": protocol.body}
        )
    lines.append("  " + _("sammanträdet: %(state)s") % {"state": _meeting_state(result)})
    for what in sorted(set(result.created) | set(result.unchanged)):
        new, old = result.created[what], result.unchanged[what]
        lines.append(
            f"  {COUNTED.get(what, what)}: "
            + _("nya %(new)s, fanns redan %(old)s") % {"new": new, "old": old}
        )
    if result.error and with_error:
        lines.append(f"  {result.error}")
    return lines
