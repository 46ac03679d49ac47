"""A whole protocol, read: the meeting (body, date, time, place), who attended, every
paragraph (§, title, diarienummer, decision) with its annotations and votes, the appendices
the annotations point to, and a report per page of what was found and what was not.

Plain Python but for the report's translations (notes.ingest.protocol_save writes the result).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from notes.appeals import appeal_deadline
from notes.ingest import protocol_parts as parts
from notes.ingest.announcement import BLOCK_HEAD, Notice, is_notice_line, read_notice
from notes.ingest.headers import search_date
from notes.ingest.protocol_text import Page, ProtocolUnreadable

_SUFFIX = r"(?:nämnden|styrelsen|fullmäktige|utskottet|beredningen|nämnd)"
BODY_WORD = re.compile(
    r"((?:[A-ZÅÄÖ][\wåäö]*-\s+och\s+[\wåäö]*" + _SUFFIX + r")"  # Barn- och utbildningsnämnden
    r"|(?:[A-ZÅÄÖ][\wåäö]+a\s+nämnden)"  # Tekniska nämnden
    r"|(?:[A-ZÅÄÖ][\wåäö-]*" + _SUFFIX + r"(?:s\s+arbetsutskott)?))\b"
)
PLACE_TIME = re.compile(r"(?:plats\s+och\s+tid|sammanträdesplats|plats)\s*:?\s*(.+)", re.IGNORECASE)
TIME_ONLY = re.compile(r"(?:tid|klockan)\s*:?\s*(.+)", re.IGNORECASE)
CLOCK = re.compile(
    r",?\s*(?:kl\.?|klockan)?\s*(\d{1,2}[.:]\d{2}(?:\s*[-–]\s*\d{1,2}[.:]\d{2})?)\s*$"
)
PARAGRAPH = re.compile(r"§\s*(\d{1,4})\b(?!\s*[-–]\s*\d)\s*[:.\-–]?\s*(.*)")  # not "§ 61–80"
ITEM = re.compile(r"ärende\s+(?:nr\.?\s*)?(\d{1,4})\b\s*[:.\-–]?\s*(.*)", re.IGNORECASE)
DNR = re.compile(r"(?:dnr|diarienr|diarienummer)\.?\s*:?\s*(.+)", re.IGNORECASE)
APPENDIX_HEAD = re.compile(r"bilaga\s+(\d+[a-z]?)\b\s*[:.\-–]?\s*(.*)", re.IGNORECASE)
ROLES = (
    (
        "beslutande",
        re.compile(r"(?:närvarande\s+)?beslutande(?:\s+ledamöter)?\s*:?\s*(.*)", re.IGNORECASE),
    ),
    (
        "tjanstgorande_ersattare",
        re.compile(r"tjänstgörande\s+ersättare\s*:?\s*(.*)", re.IGNORECASE),
    ),
    ("ersattare", re.compile(r"(?:icke\s+tjänstgörande\s+)?ersättare\s*:?\s*(.*)", re.IGNORECASE)),
)
HEADER_END = re.compile(
    r"(?:övriga\s+(?:närvarande|deltagande)|utses\s+att\s+justera|justerare|justeringens|"
    r"underskrifter|sekreterare|ordförande\s*$|paragrafer)",
    re.IGNORECASE,
)
DECISION = re.compile(r"(?:[\wåäö]+s\s+)?beslut\s*:?", re.IGNORECASE)
VOTE_HEAD = re.compile(r"(?:omröstning(?:sresultat)?|votering)\s*:?", re.IGNORECASE)
NOTE_HEAD = re.compile(parts._KIND + r"\s*:?", re.IGNORECASE)
OTHER_HEAD = re.compile(
    r"(?:ärendet|ärendebeskrivning|sammanfattning|bakgrund|beslutsunderlag|yrkanden?|"
    r"propositionsordning|beslutsgång|jäv|expedieras\s+till|förslag\s+till\s+beslut|"
    r"handläggning|skickas\s+till|beslutet\s+skickas\s+till)\s*:?",
    re.IGNORECASE,
)


# "KS-2024/123", "BUN 2024/311", "TN 2024/77": the series, the year, the number.
CASE = re.compile(r"\b([A-ZÅÄÖ]{1,6})\s*-?\s*(\d{4})\s*/\s*(\d+(?:[./:-]\d+)*)")


def case_number(text: str) -> str:
    """A diarienummer as the archive writes it (KS-2024/123), or "" if there is none."""
    match = CASE.search(text)
    return f"{match.group(1)}-{match.group(2)}/{match.group(3)}" if match else ""


@dataclass
class Paragraph:
    number: int  # §
    page: int
    title: str = ""
    item_number: int | None = None  # "Ärende 7", where the protocol gives one
    case_number: str = ""
    decision: str = ""
    notes: list[parts.Note] = field(default_factory=list)
    votes: list[parts.Vote] = field(default_factory=list)


@dataclass
class Protocol:
    body: str
    date: datetime.date
    time: str = ""
    place: str = ""
    attendance: list[tuple[str, str | None, str]] = field(default_factory=list)  # name, party, role
    paragraphs: list[Paragraph] = field(default_factory=list)
    notice: Notice = field(default_factory=Notice)  # justering and anslag (ANSLAG/BEVIS)
    report: list[tuple[int, str, str]] = field(default_factory=list)  # page, level, message

    def note(self, page: int, level: str, message: str) -> None:
        self.report.append((page, level, message))


def parse_protocol(pages: list[Page]) -> Protocol:
    lines = [(page.number, line) for page in pages for line in page.lines]
    first_paragraph = next(
        (i for i, (_, line) in enumerate(lines) if PARAGRAPH.fullmatch(line)), len(lines)
    )
    # The running head may be the only place the body is named: read it too, after the rest.
    head = [(pages[0].number, line) for line in pages[0].furniture] if pages else []
    protocol = _header(lines[:first_paragraph], head)
    bodies, appendices = _split(lines[first_paragraph:])
    voters = sum(1 for _, _, role in protocol.attendance if role != "ersattare") or None
    for head, body in bodies:
        protocol.paragraphs.append(_paragraph(protocol, head, body, voters))
    _fill_appendices(protocol, appendices)
    _read_notice(protocol, lines)
    if not protocol.paragraphs:
        protocol.note(1, "fel", "Inga paragrafer (§) hittades.")
    return protocol


def _read_notice(protocol: Protocol, lines: list[tuple[int, str]]) -> None:
    """The ANSLAG/BEVIS block's dates, reported; a date that cannot be right (a justering
    before the meeting, a notice before the justering) is reported and left out."""
    notice = read_notice(lines)
    checks = (
        (
            "attested_on",
            protocol.date,
            _("justeringsdatumet %(date)s är före sammanträdet och sparas inte"),
        ),
        (
            "posted_on",
            notice.attested_on,
            _("anslaget %(date)s sattes upp före justeringen och sparas inte"),
        ),
        (
            "taken_down_on",
            notice.posted_on,
            _("anslaget %(date)s togs ned innan det sattes upp och sparas inte"),
        ),
    )
    for name, earliest, message in checks:
        day = getattr(notice, name)
        if day is not None and earliest is not None and day < earliest:
            protocol.note(notice.page, "varning", message % {"date": day.isoformat()})
            setattr(notice, name, None)
    protocol.notice = notice
    if notice.block and notice.posted_on is None:
        protocol.note(
            notice.page or 1,
            "saknas",
            _("Anslag/bevis: ingen dag då anslaget sattes upp hittades; ange den i admin"),
        )
    if notice.appeal_until and notice.posted_on:
        counted = appeal_deadline(notice.posted_on)
        if counted != notice.appeal_until:
            protocol.note(
                notice.page,
                "varning",
                _(
                    "protokollet anger sista dag för överklagande %(stated)s, men tre veckor "
                    "från anslaget %(posted)s ger %(counted)s"
                )
                % {
                    "stated": notice.appeal_until.isoformat(),
                    "posted": notice.posted_on.isoformat(),
                    "counted": counted.isoformat(),
                },
            )
    if notice:
        found = [
            label % {"date": day.isoformat()}
            for label, day in (
                (_("justerat %(date)s"), notice.attested_on),
                (_("anslaget uppsatt %(date)s"), notice.posted_on),
                (_("nedtaget %(date)s"), notice.taken_down_on),
            )
            if day is not None
        ]
        if notice.kept_at:
            found.append(_("förvaras: %(place)s") % {"place": notice.kept_at})
        protocol.note(
            notice.page, "hittat", _("Anslag/bevis: %(found)s") % {"found": ", ".join(found)}
        )


def _find_date(lines: list[tuple[int, str]]) -> datetime.date | None:
    """The meeting's date: on a line that says "datum" if one does, else the first date."""
    # Not the dates of the ANSLAG/BEVIS block (justering, notice), wherever it stands.
    candidates = [line for _page, line in lines if not is_notice_line(line)]
    preferred = [line for line in candidates if "datum" in line.casefold()]
    for line in preferred + candidates:
        if found := search_date(line):
            return found[1]
    return None


def _header(lines: list[tuple[int, str]], head: list[tuple[int, str]]) -> Protocol:
    body = next((m.group(1) for _page, line in lines + head if (m := BODY_WORD.search(line))), None)
    date = _find_date(lines + head)
    if body is None or date is None:
        missing = _(" och ").join(
            what
            for what, value in ((_("organ"), body), (_("sammanträdesdatum"), date))
            if value is None
        )
        raise ProtocolUnreadable(
            _("Protokollets huvud saknar %(missing)s (före första §).") % {"missing": missing}
        )
    protocol = Protocol(body=" ".join(body.split()), date=date)
    role = None
    for _page, line in lines:
        if match := PLACE_TIME.fullmatch(line):
            rest = match.group(1)
            clock = CLOCK.search(rest)
            protocol.place = rest[: clock.start()].strip(" ,") if clock else rest
            protocol.time = clock.group(1) if clock else protocol.time
            continue
        if (match := TIME_ONLY.fullmatch(line)) and CLOCK.search(match.group(1)):
            protocol.time = CLOCK.search(match.group(1)).group(1)  # type: ignore[union-attr]
            continue
        started = next(((name, m) for name, rx in ROLES if (m := rx.fullmatch(line))), None)
        if started:
            role, line = started[0], started[1].group(1)
        elif HEADER_END.match(line):
            role = None
        if role:
            # "Anna Alm (C) för Bo Berg (C)": the one serving, not the one absent.
            serving = re.split(r"\s+för\s+(?=[A-ZÅÄÖ])", line)[0]
            for name, party in parts.people_in(serving):
                protocol.attendance.append((name, party, role))
    protocol.note(
        1,
        "hittat",
        _("Sammanträde: %(body)s %(date)s")
        % {"body": protocol.body, "date": protocol.date.isoformat()},
    )
    if protocol.attendance:
        protocol.note(
            1,
            "hittat",
            _("Närvaro: %(count)s personer med parti") % {"count": len(protocol.attendance)},
        )
    return protocol


def _split(lines):
    """The paragraphs (their first line and the rest) and the appendices after them."""
    paragraphs: list[tuple[tuple[int, str], list[tuple[int, str]]]] = []
    appendices: dict[str, list[tuple[int, str]]] = {}
    current: list[tuple[int, str]] | None = None
    for page, line in lines:
        if PARAGRAPH.fullmatch(line):
            current = []
            paragraphs.append(((page, line), current))
        elif BLOCK_HEAD.fullmatch(line):  # ANSLAG/BEVIS after the last paragraph ends it
            current = None  # the block is read on its own (notes.ingest.announcement)
        elif (match := APPENDIX_HEAD.fullmatch(line)) and _is_appendix_start(line):
            current = appendices.setdefault(match.group(1), [])
        elif current is not None:
            current.append((page, line))
    return paragraphs, appendices


def _is_appendix_start(line: str) -> bool:
    """An appendix's heading ("Bilaga 3", "Bilaga 3 – Protokollsanteckning (S)"), not prose."""
    return line[:1] == "B" and len(line) < 80


def _paragraph(protocol: Protocol, head, body, voters: int | None) -> Paragraph:
    page, line = head
    match = PARAGRAPH.fullmatch(line)
    assert match is not None
    paragraph = Paragraph(number=int(match.group(1)), page=page, title=match.group(2).strip())
    if item := ITEM.fullmatch(paragraph.title):  # "§ 12 Ärende 4: Riktlinjer …"
        paragraph.item_number, paragraph.title = int(item.group(1)), item.group(2).strip()
    rest = _title_and_case(paragraph, body)
    _case_in_title(paragraph)
    section, block = "beskrivning", []
    for where, text in [*rest, (page, "§END")]:
        heading = _heading(text)
        if heading is None:
            block.append((where, text))
            continue
        _close(protocol, paragraph, section, block, voters)
        section, block = heading, []
    if not paragraph.title:
        missing = _("§ %(number)s har ingen rubrik") % {"number": paragraph.number}
        protocol.note(paragraph.page, "saknas", missing)
    found = [f"§ {paragraph.number} {paragraph.title[:60]}".rstrip()]
    found += [f"{parts.LABELS[n.kind]} ({', '.join(n.parties)})" for n in paragraph.notes]
    found += [parts.describe_vote(v) for v in paragraph.votes]
    protocol.note(paragraph.page, "hittat", "; ".join(found))
    return paragraph


CASE_IN_TITLE = re.compile(
    r"\s*(?:\(([^()]*\d{4}\s*/\s*\d+[^()]*)\)|,?\s*dnr\.?:?\s*(\S+\s*\S*))\s*$", re.IGNORECASE
)


def _case_in_title(paragraph: Paragraph) -> None:
    """ "Taxor 2025 (TN 2024/77)", "Budget, dnr KS-2024/130": the diarienummer out of the title."""
    match = CASE_IN_TITLE.search(paragraph.title)
    if match and not paragraph.case_number and (case := case_number(match.group(0))):
        paragraph.case_number = case
        paragraph.title = paragraph.title[: match.start()].strip(" ,")


def _title_and_case(paragraph: Paragraph, body):
    """Read the lines after "§ N": the ärende number, the title, the diarienummer."""
    index = 0
    while index < len(body) and index < 6:
        _, text = body[index]
        if not text:
            index += 1
            continue
        if match := ITEM.fullmatch(text):
            paragraph.item_number = int(match.group(1))
            paragraph.title = paragraph.title or match.group(2).strip()
        elif match := DNR.fullmatch(text):
            paragraph.case_number = case_number(match.group(1))
        elif not paragraph.title and _heading(text) is None:
            paragraph.title = text
        else:
            break
        index += 1
    return body[index:]


def _heading(line: str) -> str | None:
    if line == "§END":
        return "slut"
    if DECISION.fullmatch(line):
        return "beslut"
    if VOTE_HEAD.fullmatch(line):
        return "omröstning"
    if match := NOTE_HEAD.fullmatch(line):
        return "anteckning:" + parts.kind_of(match.group(1))
    if OTHER_HEAD.fullmatch(line):
        return "övrigt"
    return None


def _close(protocol: Protocol, paragraph: Paragraph, section: str, block, voters) -> None:
    """Take what a section holds: a decision, annotations, a vote; one-line annotations and
    vote lines wherever they stand."""
    if section.startswith("anteckning:"):
        found = parts.block_notes(section.split(":", 1)[1], block)
        written = [(where, line) for where, line in block if line]
        if not found and written:
            where, line = written[0]
            kind = parts.LABELS[section.split(":", 1)[1]]
            protocol.note(
                where,
                "oplacerat",
                _("§ %(number)s: %(kind)s utan parti som kunde läsas: %(line)s")
                % {"number": paragraph.number, "kind": kind, "line": line[:80]},
            )
        paragraph.notes += found
        return
    # An annotation announced in a sentence ("S lämnar följande särskilda yttrande:") ends
    # the section: it and the lines after it are the annotation, not the decision.
    start = next(
        (i for i, (where, line) in enumerate(block) if parts.one_line_note(line, where)), None
    )
    if start is not None:
        paragraph.notes += parts.block_notes("", block[start:])
        block = block[:start]
    if section == "beslut":
        paragraph.decision = parts._paragraphs([line for _page, line in block])
    vote = parts.Vote(page=block[0][0] if block else paragraph.page)
    unplaced = []
    for where, line in block:
        if line and not parts.read_vote_line(vote, line) and section == "omröstning":
            unplaced.append((where, line))
    if not vote.empty:
        for problem in parts.check_vote(vote, voters):
            protocol.note(
                vote.page,
                "fel",
                _("§ %(number)s: omröstningen går inte ihop: %(problem)s")
                % {"number": paragraph.number, "problem": problem},
            )
        paragraph.votes.append(vote)
    for where, line in unplaced:
        protocol.note(where, "oplacerat", f"§ {paragraph.number}: {line[:100]}")


def _fill_appendices(protocol: Protocol, appendices: dict[str, list[tuple[int, str]]]) -> None:
    """An annotation announced as "bilaga 3" takes its text from the appendix, if it is there;
    an appendix that holds an annotation no paragraph points to is reported."""
    wanted = {n.appendix for p in protocol.paragraphs for n in p.notes}
    for number, lines in appendices.items():
        written = " ".join(line for _page, line in lines[:3])
        if number not in wanted and lines and parts.NOTE_WORD.search(written):
            protocol.note(
                lines[0][0],
                "oplacerat",
                _("bilaga %(number)s ser ut som en anteckning men ingen paragraf hänvisar till den")
                % {"number": number},
            )
    for paragraph in protocol.paragraphs:
        for note in paragraph.notes:
            if note.appendix is None:
                continue
            appendix = appendices.get(note.appendix)
            if appendix:
                note.text = parts._paragraphs([line for _page, line in appendix])
                note.signatories = note.signatories or parts.people_in(
                    " ".join(text for _page, text in appendix[-3:])
                )
            else:
                protocol.note(
                    note.page,
                    "saknas",
                    _(
                        "§ %(number)s: bilaga %(appendix)s finns inte i protokollet; "
                        "anteckningen sparas med meningen som text"
                    )
                    % {"number": paragraph.number, "appendix": note.appendix},
                )
