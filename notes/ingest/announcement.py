"""A protocol's ANSLAG/BEVIS block: when it was justerat, when the notice of it went up on the
anslagstavla and came down, where the minutes are kept, and the last day to appeal where the
protocol states it.

Municipalities word it differently ("Datum då anslaget sätts upp", "Anslaget uppsatt",
"Datum för anslags uppsättande", "Anslaget publicerat på kommunens digitala anslagstavla";
"Justeringens plats och tid", "Protokollet har justerats"), put the value beside its label or
on the next line, set two labels side by side with their values below them (a table as
pdftotext writes it), and write dates as 2024-05-20, 20 maj 2024 or 20/5-2024. Every label on
a line is found with its place: its value is the date after it on the same line, before the
next label, or else the date below it on the next line, taken in the same order. Part of
notes.ingest.protocol_parse; pure Python.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from notes.ingest.headers import search_date

# Each field's labels. Those marked same-line are sentences ("Justeringen har tillkännagetts
# genom anslag"), whose date, if any, stands in the sentence: the next line is not theirs.
_LABELS = {
    "attested_on": (
        r"justeringens\s+(?:plats\s+och\s+)?(?:tid|datum)|justeringsdatum|datum\s+för\s+justering"
        r"|(?:protokollet\s+)?justerat(?:s)?\s+(?:den|datum)\b|protokollet\s+justerades"
        r"|protokollet\s+har\s+justerats|^\s*(?:protokollet\s+)?juster(?:at|ad|ades)\b"
    ),
    "posted_on": (
        r"anslag(?:et|s)?\s+(?:sätts\s+upp|sattes\s+upp|sätts|sattes|uppsatt|uppsättande)"
        r"|datum\s+för\s+anslag(?:s|ets)?\s+uppsättande|anslagsdatum"
        r"|anslag(?:et)?\s+publicera(?:t|s|des)|datum\s+för\s+publicering"
        r"|datum\s+för\s+tillkännagivande|tillkännagivande(?:t)?\s+(?:på|om)\s+anslagstavlan"
    ),
    "taken_down_on": (
        r"anslag(?:et|s)?\s+(?:tas|togs|tages)\s+(?:ned|ner|bort)"
        r"|anslag(?:et|s)?\s+(?:nedtag(?:et|ande|s)|nedtas|nertas)"
        r"|datum\s+för\s+anslag(?:s|ets)?\s+nedtagande"
    ),
    "appeal_until": (
        r"sista\s+dag(?:en)?\s+för\s+(?:att\s+)?överklag(?:ande|a)"
        r"|överklagandetiden\s+(?:går|gick)\s+ut"
    ),
}
_SAME_LINE = re.compile(
    r"(?:justeringen|protokollets?\s+justering)\s+har\s+tillkännag(?:ivits|etts)"
    r"(?:\s+genom\s+anslag|\s+på\s+(?:kommunens\s+)?(?:digitala\s+)?anslagstavla)",
    re.IGNORECASE,
)
_PATTERNS = {name: re.compile(rx, re.IGNORECASE) for name, rx in _LABELS.items()}
_KEPT_AT = re.compile(r"förvaringsplats(?:\s+för\s+protokollet)?\s*:?\s*(.*)", re.IGNORECASE)
# The block's heading: that it is there, whatever it holds.
BLOCK_HEAD = re.compile(
    r"(?:anslag\s*/\s*bevis|anslag\s+och\s+bevis|bevis\s+om\s+justering)\s*:?", re.IGNORECASE
)
# A label line whose value is on the next line, not a sentence that happens to name the words.
_MAX_LABEL_LINE = 120


@dataclass
class Notice:
    attested_on: datetime.date | None = None
    posted_on: datetime.date | None = None
    taken_down_on: datetime.date | None = None
    appeal_until: datetime.date | None = None  # the last day to appeal, as the protocol says
    kept_at: str = ""
    page: int = 0
    block: bool = False  # the ANSLAG/BEVIS heading was found

    def __bool__(self) -> bool:
        return bool(self.attested_on or self.posted_on or self.taken_down_on or self.kept_at)


def _labels(line: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, field, same-line only) of every label on the line, left to right; where
    two overlap, the one found first in _LABELS' order wins."""
    found: list[tuple[int, int, str, bool]] = []
    for name, pattern in _PATTERNS.items():
        for match in pattern.finditer(line):
            if not any(s < match.end() and match.start() < e for s, e, _n, _o in found):
                found.append((match.start(), match.end(), name, False))
    for match in _SAME_LINE.finditer(line):
        if not any(s < match.end() and match.start() < e for s, e, _n, _o in found):
            found.append((match.start(), match.end(), "posted_on", True))
    return sorted(found)


def is_notice_line(line: str) -> bool:
    """A line of the block (its dates are not the meeting's date)."""
    return bool(_labels(line) or _KEPT_AT.match(line))


def _dates(text: str) -> list[datetime.date]:
    dates = []
    while found := search_date(text):
        match, day = found
        dates.append((match.start(), day))
        text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    return [day for _start, day in sorted(dates)]


def _values(lines: list[tuple[int, str]], i: int, labels) -> dict[str, datetime.date]:
    """Each label's date: after it on its line and before the next label, else from the next
    line, in order, when that line holds as many dates as the labels still wanting one."""
    line = lines[i][1]
    values: dict[str, datetime.date] = {}
    wanting = []
    for index, (_start, end, name, same_line) in enumerate(labels):
        stop = labels[index + 1][0] if index + 1 < len(labels) else len(line)
        if found := search_date(line[end:stop]):
            values.setdefault(name, found[1])
        elif not same_line:
            wanting.append(name)
    if wanting and i + 1 < len(lines) and len(line) <= _MAX_LABEL_LINE:
        below = lines[i + 1][1]
        if not is_notice_line(below):
            dates = _dates(below)
            if len(dates) == len(wanting):
                for name, day in zip(wanting, dates, strict=True):
                    values.setdefault(name, day)
    return values


def read_notice(lines: list[tuple[int, str]]) -> Notice:
    """The notice's dates and place, from anywhere in the protocol (the block stands on the
    first page in some municipalities' layouts, on the last in others). The first value found
    for each wins."""
    notice = Notice()
    for i, (page, line) in enumerate(lines):
        if BLOCK_HEAD.fullmatch(line.strip()):
            notice.block = True
        if labels := _labels(line):
            for name, day in _values(lines, i, labels).items():
                if getattr(notice, name) is None:
                    setattr(notice, name, day)
                    notice.page = notice.page or page
        if not notice.kept_at and (match := _KEPT_AT.match(line)):
            place = match.group(1).strip(" :")
            if not place and i + 1 < len(lines) and not is_notice_line(lines[i + 1][1]):
                place = lines[i + 1][1].strip()
            notice.kept_at = " ".join(place.split())[:200]
            notice.page = notice.page or page
    return notice
