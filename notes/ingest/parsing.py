"""Parse one published annotation (protokollsanteckning, reservation, särskilt yttrande,
ersättaryttrande) from Huddinge kommun's minutes into a :class:`NoteRecord`.

Pure functions only: no Django, no database.  The layout is line based::

    Huddinge kommun                  optional municipality line
    Kommunstyrelsen                  body line (required)
    2021-05-05                       date line, ISO or "5 maj 2021" (may precede the body)

    PROTOKOLLSANTECKNING             kind header, optionally "… från (S) och (V)"

    Ärende 22: Title                 item line(s): "Ärende N", "§ N", an optional Dnr line

    Paragraphs of text, kept verbatim …

    För Socialdemokraterna           signature block: "För <parties>" then names,
    Sara Heelge Vikmång              or only names each followed by "(X)"

Anything that does not fit raises :class:`ParseError` naming the 1-based line.
"""

from __future__ import annotations

import datetime
import re
import time
from dataclasses import dataclass, field

from notes.ingest.decoding import decode_bytes, normalise_newlines
from notes.ingest.headers import HeaderLine, full_date, read_header_line, split_town
from notes.ingest.signatures import (
    find_signature_start,
    name_line,
    shape,
    split_list,
    trailing_names_start,
)
from notes.parties import find_party, parties_named_in

KIND_PROTOKOLLSANTECKNING = "protokollsanteckning"
KIND_RESERVATION = "reservation"
KIND_SARSKILT_YTTRANDE = "sarskilt_yttrande"
KIND_ERSATTARYTTRANDE = "ersattaryttrande"

END_OF_TEXT = "<end of text>"

EXPECTED_BODY = "a body line (the name of a political body, e.g. Kommunstyrelsen)"
EXPECTED_DATE = "a date line (YYYY-MM-DD, D månad YYYY, D.M.YYYY or D/M YYYY)"
EXPECTED_VALID_DATE = "a valid date"
EXPECTED_KIND = (
    "a kind header (PROTOKOLLSANTECKNING, RESERVATION, SÄRSKILT YTTRANDE or ERSÄTTARYTTRANDE)"
)
EXPECTED_ITEM = "an item line (Ärende N: title or § N title)"
EXPECTED_CASE_NUMBER = "a case number (e.g. KS-2021/123)"
EXPECTED_PARTY = "a known party"
EXPECTED_ANY_PARTY = "a party (in the header or a 'För …' line)"
EXPECTED_TEXT = "annotation text"
# The longest annotation text accepted (the admin's upload limit is the same).
MAX_TEXT_BYTES = 1024 * 1024
EXPECTED_SMALLER = f"a text of at most {MAX_TEXT_BYTES // 1024} KB"
# A text that takes longer than this to read is refused (parsing is linear in the text, so
# only a machine under heavy load or a text of a kind never seen gets near it).
PARSE_BUDGET_SECONDS = 5.0
# More signatories than a kommunfullmäktige has members is not an annotation: refused before
# each name costs the importer a lookup.
MAX_SIGNATORIES = 101
EXPECTED_FEWER_SIGNATORIES = f"at most {MAX_SIGNATORIES} signatories"
EXPECTED_IN_TIME = f"a text that can be read within {PARSE_BUDGET_SECONDS:g} s"


# The separators of a list of parties or names: "A, B och C", "A samt B", "A & B".
def _parse_party_list(text: str, line: int, source: str) -> list[str]:
    """Parse a list of parties; every piece must be a known party or ParseError is raised.
    "(S, V, MP)" is read as "S, V, MP"."""
    if text.startswith("(") and text.endswith(")") and text.count("(") == 1:
        text = text[1:-1]
    abbreviations: list[str] = []
    for piece in split_list(text):
        party = find_party(piece)
        if party is None:
            raise ParseError(line, EXPECTED_PARTY, piece or text, source)
        abbreviations.append(party.abbreviation)
    return abbreviations


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Signatory:
    """A person who signed the annotation, with the party written after the name if any."""

    name: str
    party: str | None


@dataclass(frozen=True)
class NoteRecord:
    """One parsed annotation.  ``text`` is the body verbatim (see :func:`parse_note`)."""

    municipality: str
    body_name: str
    date: datetime.date
    kind: str
    item_number: int | None
    paragraph_number: int | None
    item_title: str
    case_number: str
    parties: tuple[str, ...]
    signatories: tuple[Signatory, ...]
    text: str
    source: str


class ParseError(ValueError):
    """The text does not follow the layout; ``line`` is 1-based."""

    def __init__(self, line: int, expected: str, found: str, source: str = ""):
        self.line = line
        self.expected = expected
        self.found = found
        self.source = source
        shown = found if len(found) <= 60 else found[:57] + "..."
        super().__init__(f"{source or '<text>'}:{line}: expected {expected}, found {shown!r}")

    def __reduce__(self):
        return (type(self), (self.line, self.expected, self.found, self.source))


# --------------------------------------------------------------------------- header lines

_MUNICIPALITY = re.compile(r"\w[\w -]* kommun", re.IGNORECASE)
_KIND_HEADER = re.compile(
    r"(protokollsanteckning|reservation|s[äa]rskilt\s+yttrande|ers[äa]ttaryttrande)"
    r"(?![\w])\s*[:.\-–]?\s*(.*)",
    re.IGNORECASE,
)
_KINDS = {
    "protokollsanteckning": KIND_PROTOKOLLSANTECKNING,
    "reservation": KIND_RESERVATION,
    "särskilt yttrande": KIND_SARSKILT_YTTRANDE,
    "sarskilt yttrande": KIND_SARSKILT_YTTRANDE,
    "ersättaryttrande": KIND_ERSATTARYTTRANDE,
    "ersattaryttrande": KIND_ERSATTARYTTRANDE,
}
_KIND_PARTY_INTRO = re.compile(r"(?:från|av|för)\s+", re.IGNORECASE)
_SEP = r"\s*(?:[:.,\-–]\s*)?"
_ARENDE_LINE = re.compile(
    r"(?:ärende|punkt)\s+(?:nr\.?\s*)?(\d+)" + _SEP + r"(?:§\s*(\d+)" + _SEP + r")?(.*)",
    re.IGNORECASE,
)
_PARAGRAPH_LINE = re.compile(
    r"(?:§|paragraf)\s*(\d+)" + _SEP + r"(?:ärende\s+(?:nr\.?\s*)?(\d+)" + _SEP + r")?(.*)",
    re.IGNORECASE,
)
# "Ärende 3 (KS-2021/12) Budget 2022": the diarienummer in parentheses before the title.
_CASE_FIRST = re.compile(r"\(([^()]{3,40})\)\s*(.*)")
_DNR_LINE = re.compile(r"(?:dnr|diarienr|diarienummer)\.?\s*:?\s*(.*)", re.IGNORECASE)
_CASE_NUMBER = re.compile(r"([A-Za-zÅÄÖåäö]+)(\s*-\s*\d{4}\s*/\s*\d+(?:[./:-]\d+)*)")


def _parse_date(line: str, lineno: int, source: str) -> datetime.date | None:
    """Return the date on a date-shaped line, None if the line is not a date at all.

    A date-shaped line with an impossible date or unknown month raises ParseError.
    """
    is_date, day = full_date(line)
    if not is_date:
        return None
    if day is None:
        raise ParseError(lineno, EXPECTED_VALID_DATE, line, source)
    return day


@dataclass
class _KindHeader:
    kind: str
    parties: list[str]
    signatories: list[Signatory] = field(default_factory=list)
    header: HeaderLine | None = None  # body, date, item written on the kind's line


def _parse_kind_header(line: str, lineno: int, source: str) -> _KindHeader | None:
    """The kind header, None if the line is not one. After the kind may stand its parties
    ("från (S) och (V)"), its author ("Ida Ilm (KD)") or the rest of the header
    ("– Kommunfullmäktige 2019-06-17 – § 88 …")."""
    match = _KIND_HEADER.fullmatch(line)
    if not match:
        return None
    kind = _KINDS[" ".join(match.group(1).split()).casefold()]
    rest = _KIND_PARTY_INTRO.sub("", match.group(2).strip(" –—-:"), count=1).strip()
    if not rest:
        return _KindHeader(kind, [])
    names = name_line(rest)
    if names and all(party is not None and find_party(party) for _, party in names):
        signatories = [Signatory(name, find_party(party).abbreviation) for name, party in names]  # type: ignore[arg-type,union-attr]
        return _KindHeader(kind, [s.party for s in signatories if s.party], signatories)
    header = read_header_line(rest)
    if header is not None and header.date is not None:
        return _KindHeader(kind, [], header=header)
    return _KindHeader(kind, _parse_party_list(rest, lineno, source))


def _parse_case_number(text: str, lineno: int, line: str, source: str) -> str:
    match = _CASE_NUMBER.fullmatch(text.strip())
    if not match:
        raise ParseError(lineno, EXPECTED_CASE_NUMBER, line, source)
    return match.group(1).upper() + match.group(2)


# --------------------------------------------------------------------------- parsing


def _paragraphs(lines: list[tuple[int, str]]) -> list[str]:
    """Group lines into paragraphs separated by blank lines."""
    paragraphs: list[list[str]] = [[]]
    for _, line in lines:
        if line.strip():
            paragraphs[-1].append(line)
        elif paragraphs[-1]:
            paragraphs.append([])
    return ["\n".join(paragraph) for paragraph in paragraphs if paragraph]


def _add_unique(target: list[str], items: list[str]) -> None:
    for item in items:
        if item not in target:
            target.append(item)


class _Lines:
    """The text's lines, numbered from 1 and without trailing whitespace, read front to back."""

    def __init__(self, text: str):
        self.lines = [
            (number, line.rstrip())
            for number, line in enumerate(
                normalise_newlines(text).removeprefix("\ufeff").split("\n"), start=1
            )
        ]
        self.last_line = self.lines[-1][0]
        self.position = 0  # index in ``lines`` of the next line to read
        self.deadline = time.monotonic() + PARSE_BUDGET_SECONDS

    def within_budget(self, source: str) -> None:
        """Raise ParseError once the text has taken longer than PARSE_BUDGET_SECONDS."""
        if time.monotonic() > self.deadline:
            lineno = self.lines[min(self.position, len(self.lines) - 1)][0]
            raise ParseError(lineno, EXPECTED_IN_TIME, "…", source)

    def next_content(self) -> tuple[int, str] | None:
        """Skip blank lines; return (line number, stripped line) or None at the end."""
        while self.position < len(self.lines) and not self.lines[self.position][1].strip():
            self.position += 1
        if self.position == len(self.lines):
            return None
        return self.lines[self.position][0], shape(self.lines[self.position][1])


@dataclass
class _Header:
    municipality: str = ""
    body_name: str = ""
    date: datetime.date | None = None
    kind: str = ""
    parties: list[str] = field(default_factory=list)
    signatories: list[Signatory] = field(default_factory=list)
    item: str = ""  # an item written on a header line ("Kommunstyrelsen 2022-03-14, ärende 7")

    @property
    def complete(self) -> bool:
        return bool(self.kind and self.body_name and self.date)

    def take(self, line: HeaderLine) -> None:
        self.body_name = self.body_name or line.body
        self.municipality = self.municipality or line.municipality
        self.date = self.date or line.date
        self.item = self.item or line.item


def _missing(header: _Header) -> str:
    if not header.body_name:
        return EXPECTED_BODY
    return EXPECTED_DATE if header.date is None else EXPECTED_KIND


def _check_header_before_item(
    lines: _Lines, header: _Header, lineno: int, line: str, source: str
) -> None:
    """After the kind header the body or date may still follow; if the item comes instead,
    the one missing is reported at the kind header, where it was due."""
    following = lines.next_content()
    if header.complete or following is None:
        return
    if _ARENDE_LINE.fullmatch(following[1]) or _PARAGRAPH_LINE.fullmatch(following[1]):
        raise ParseError(lineno, _missing(header), line, source)


def _parse_header(lines: _Lines, source: str) -> _Header:
    """Municipality, body, date and kind header, in any order (the kind may come first, and
    several may share a line), up to the line that completes them."""
    header = _Header()
    while not header.complete:
        lines.within_budget(source)
        current = lines.next_content()
        if current is None:
            raise ParseError(lines.last_line, _missing(header), END_OF_TEXT, source)
        lineno, line = current
        lines.position += 1
        kind = None if header.kind else _parse_kind_header(line, lineno, source)
        if kind is not None:
            header.kind, header.parties, header.signatories = (
                kind.kind, kind.parties, kind.signatories
            )  # fmt: skip
            if kind.header is not None:
                header.take(kind.header)
            _check_header_before_item(lines, header, lineno, line, source)
            continue  # done if body and date came before it; else they follow
        line_date = None if header.date else _parse_date(line, lineno, source)
        if line_date is not None:
            header.date = line_date
        elif not header.body_name and not header.municipality and _MUNICIPALITY.fullmatch(line):
            body, town = split_town(line)  # "Socialnämnden i Nacka kommun": both
            header.body_name, header.municipality = body, (town if body else line)
        elif not header.body_name:
            written = read_header_line(line)
            if written is None:
                header.body_name = line
            else:
                header.take(written)
        else:
            raise ParseError(lineno, _missing(header), line, source)
    return header


@dataclass
class _Item:
    number: int | None = None
    paragraph: int | None = None
    title: str = ""
    case_number: str = ""


def _parse_item_lines(lines: _Lines, source: str, first: str = "") -> _Item:
    """Item lines: "Ärende N[: title]", "§ N[ title]", "Dnr …", a title after a bare number;
    ``first``: an item written on a header line, read before them."""
    item = _Item()
    pending = [(0, shape(first))] if first else []
    while True:
        from_header = bool(pending)
        current = pending.pop() if pending else lines.next_content()
        if current is None:
            break
        lineno, line = current
        arende = _ARENDE_LINE.fullmatch(line)
        paragraph = _PARAGRAPH_LINE.fullmatch(line)
        dnr = _DNR_LINE.fullmatch(line)
        if arende and item.number is None:
            item.number = int(arende.group(1))
            if arende.group(2) and item.paragraph is None:
                item.paragraph = int(arende.group(2))
            item.title = arende.group(3).strip() or item.title
        elif paragraph and item.paragraph is None:
            item.paragraph = int(paragraph.group(1))
            if paragraph.group(2) and item.number is None:
                item.number = int(paragraph.group(2))
            item.title = paragraph.group(3).strip() or item.title
        elif dnr and not item.case_number:
            item.case_number = _parse_case_number(dnr.group(1), lineno, line, source)
        elif (item.number is not None or item.paragraph is not None) and not item.title:
            item.title = line
        else:
            break
        if (case := _CASE_FIRST.fullmatch(item.title)) and _CASE_NUMBER.fullmatch(case.group(1)):
            item.case_number = _parse_case_number(case.group(1), lineno, line, source)
            item.title = case.group(2)
        if not from_header:
            lines.position += 1
    if item.number is None and item.paragraph is None:
        position = lines.position
        found = lines.lines[position][1].strip() if position < len(lines.lines) else END_OF_TEXT
        raise ParseError(min(position + 1, lines.last_line), EXPECTED_ITEM, found, source)
    return item


def _parse_signature_block(
    block: list[tuple[int, str]], has_for_line: bool, parties: list[str], source: str
) -> list[Signatory]:
    """The signatories of the signature block; their parties are added to ``parties``."""
    signatories: list[Signatory] = []
    for index, (lineno, raw) in enumerate(block):
        line = shape(raw)
        if not line:
            continue
        if index == 0 and has_for_line:
            _add_unique(parties, _parse_party_list(line[4:], lineno, source))
            continue
        for name, written_party in name_line(line) or []:
            abbreviation = None
            if written_party is not None:
                party = find_party(written_party)
                if party is None:
                    raise ParseError(lineno, EXPECTED_PARTY, written_party, source)
                abbreviation = party.abbreviation
                _add_unique(parties, [abbreviation])
            signatories.append(Signatory(name, abbreviation))
            if len(signatories) > MAX_SIGNATORIES:
                raise ParseError(lineno, EXPECTED_FEWER_SIGNATORIES, line, source)
    return signatories


def parse_note(text: str, source: str = "") -> NoteRecord:
    """Parse one annotation; raise :class:`ParseError` on anything that does not fit.

    The returned ``text`` is the paragraphs between the item header and the signature block,
    joined with a blank line; lines keep their characters, only trailing whitespace is removed.
    """
    lines = _Lines(text)
    if not text.strip():
        raise ParseError(1, EXPECTED_BODY, text, source)
    header = _parse_header(lines, source)
    assert header.date is not None  # _parse_header only returns once it has read a date
    item = _parse_item_lines(lines, source, header.item)
    lines.within_budget(source)

    # Body text and the signature block.
    rest = lines.lines[lines.position :]
    while rest and not rest[-1][1].strip():
        rest.pop()
    start, has_for_line = find_signature_start(rest)
    if start == len(rest):  # no För-line and no "Name (X)": names alone at the very end
        start = trailing_names_start(rest)
    lines.within_budget(source)
    parties = list(header.parties)
    signatories = header.signatories + _parse_signature_block(
        rest[start:], has_for_line, parties, source
    )
    body = _paragraphs(rest[:start])
    if not body:
        lineno, found = rest[start] if start < len(rest) else (lines.last_line, END_OF_TEXT)
        raise ParseError(lineno, EXPECTED_TEXT, found.strip(), source)
    if not parties:  # "Vi i Miljöpartiet …", "Sverigedemokraterna reserverar sig …"
        parties = parties_named_in(body[0].split(". ")[0])
    if not parties:
        raise ParseError(rest[-1][0], EXPECTED_ANY_PARTY, rest[-1][1].strip(), source)

    return NoteRecord(
        municipality=header.municipality,
        body_name=header.body_name,
        date=header.date,
        kind=header.kind,
        item_number=item.number,
        paragraph_number=item.paragraph,
        item_title=item.title,
        case_number=item.case_number,
        parties=tuple(parties),
        signatories=tuple(signatories),
        text="\n\n".join(body),
        source=source,
    )


def parse_bytes(data: bytes, source: str = "") -> NoteRecord:
    """Decode ``data`` with :func:`decode_bytes` and parse it with :func:`parse_note`.

    A text over MAX_TEXT_BYTES is refused before it is decoded or parsed: no annotation is
    that long, and the work is bounded by the size (parsing is linear in it).
    """
    if len(data) > MAX_TEXT_BYTES:
        raise ParseError(1, EXPECTED_SMALLER, f"{len(data)} bytes", source)
    return parse_note(decode_bytes(data), source)
