"""A protocol's ANSLAG/BEVIS block: when it was justerat, when the notice of it went up on the
anslagstavla and came down, and where the minutes are kept.

Municipalities word it differently ("Datum då anslaget sätts upp", "Anslaget uppsatt",
"Datum för anslags uppsättande"; "Justeringens plats och tid", "Protokollet justerat"), put
the value on the label's line or on the next one, and write dates as 2024-05-20 or
20 maj 2024: each label is matched on its own and its date read from the same line or the
one after. Part of notes.ingest.protocol_parse; pure Python.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from notes.ingest.headers import search_date

_ATTESTED = re.compile(
    r"justeringens\s+(?:plats\s+och\s+)?(?:tid|datum)|justeringsdatum|datum\s+för\s+justering"
    r"|(?:protokollet\s+)?justerat(?:s)?\s+(?:den|datum)\b|protokollet\s+justerades"
    r"|^\s*(?:protokollet\s+)?juster(?:at|ad|ades)\b",
    re.IGNORECASE,
)
_POSTED = re.compile(
    r"anslag(?:et|s)?\s+(?:sätts|sattes|sätts\s+upp|uppsatt|uppsättande|upp)"
    r"|datum\s+för\s+anslag(?:s|ets)?\s+uppsättande|anslagsdatum|anslaget\s+uppsatt",
    re.IGNORECASE,
)
_TAKEN_DOWN = re.compile(
    r"anslag(?:et|s)?\s+(?:tas|togs|tages)\s+(?:ned|ner)|anslag(?:et|s)?\s+nedtag(?:et|ande)"
    r"|datum\s+för\s+anslag(?:s|ets)?\s+nedtagande|anslaget\s+tas\s+bort",
    re.IGNORECASE,
)
_KEPT_AT = re.compile(r"förvaringsplats(?:\s+för\s+protokollet)?\s*:?\s*(.*)", re.IGNORECASE)
# A label line whose value is on the next line, not a sentence that happens to name the words.
_MAX_LABEL_LINE = 90


@dataclass
class Notice:
    attested_on: datetime.date | None = None
    posted_on: datetime.date | None = None
    taken_down_on: datetime.date | None = None
    kept_at: str = ""
    page: int = 0

    def __bool__(self) -> bool:
        return bool(self.attested_on or self.posted_on or self.taken_down_on or self.kept_at)


def is_notice_line(line: str) -> bool:
    """A line of the block (its dates are not the meeting's date)."""
    return bool(_POSTED.search(line) or _TAKEN_DOWN.search(line) or _KEPT_AT.match(line)) or bool(
        _ATTESTED.search(line)
    )


def _date_at(lines: list[tuple[int, str]], i: int, label: re.Match) -> datetime.date | None:
    """The date after the label on its line, else on the next line when that holds little else
    (a value column below its label)."""
    if found := search_date(lines[i][1][label.end() :]):
        return found[1]
    if i + 1 < len(lines) and len(lines[i][1]) <= _MAX_LABEL_LINE:
        following = lines[i + 1][1]
        if not is_notice_line(following) and (found := search_date(following)):
            return found[1]
    return None


def read_notice(lines: list[tuple[int, str]]) -> Notice:
    """The notice's dates and place, from anywhere in the protocol (the block stands on the
    first page in some municipalities' layouts, on the last in others). The first value found
    for each wins."""
    notice = Notice()
    for i, (page, line) in enumerate(lines):
        for name, pattern in (
            ("taken_down_on", _TAKEN_DOWN),
            ("posted_on", _POSTED),
            ("attested_on", _ATTESTED),
        ):
            if getattr(notice, name) is None and (match := pattern.search(line)):
                if day := _date_at(lines, i, match):
                    setattr(notice, name, day)
                    notice.page = notice.page or page
                break  # one label a line: "anslaget tas ned" also says "anslag"
        if not notice.kept_at and (match := _KEPT_AT.match(line)):
            place = match.group(1).strip(" :")
            if not place and i + 1 < len(lines) and not is_notice_line(lines[i + 1][1]):
                place = lines[i + 1][1].strip()
            notice.kept_at = " ".join(place.split())[:200]
            notice.page = notice.page or page
    return notice
