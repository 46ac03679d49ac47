"""Header lines as municipalities write them besides Huddinge's one-field-a-line layout: the
body and the town together ("Socialnämnden i Nacka kommun", "Kommunfullmäktige, Salems
kommun"), the body, date and item on one line ("Kommunstyrelsen 2022-03-14, ärende 7"),
dates as 12.10.2021 or 5/5 2021. Part of notes.ingest.parsing; pure Python.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "febr": 2, "mars": 3, "mar": 3,
    "april": 4, "apr": 4, "maj": 5, "juni": 6, "jun": 6, "juli": 7, "jul": 7,
    "augusti": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9, "oktober": 10, "okt": 10,
    "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip

_WEEKDAY = r"(?:\b(?:mån|tis|ons|tors|fre|lör|sön)dag(?:en)?,?\s+)?(?:\bden\s+)?"
_DATES = (
    ("ymd", re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")),
    ("dmy", re.compile(_WEEKDAY + r"(\d{1,2})\.(\d{1,2})\.(\d{4})")),
    ("dmy", re.compile(_WEEKDAY + r"(\d{1,2})/(\d{1,2})\s+(\d{4})")),
    ("dmy", re.compile(_WEEKDAY + r"(\d{1,2})/(\d{1,2})-(\d{4})")),
    ("dMy", re.compile(_WEEKDAY + r"(\d{1,2})\s+([a-zåäö]+)\.?\s+(\d{4})", re.IGNORECASE)),
)
_LABEL = re.compile(
    r"^(?:sammanträdes(?:datum)?|sammanträde(?:t)?|datum|möte)\s*:?\s*|"
    r"\s*(?:,|–|—|-|:)?\s*(?:sammanträdes(?:datum)?|sammanträde(?:t)?|datum)\s*:?\s*$",
    re.IGNORECASE,
)
_SEPARATORS = " ,;:–—-"
_TOWN = re.compile(r"(?P<town>[A-ZÅÄÖ][\wåäö-]*(?:\s+[A-ZÅÄÖ][\wåäö-]*)?\s+[Kk]ommun)\b")
ITEM_WORDS = re.compile(r"(?:ärende|punkt|paragraf|§)", re.IGNORECASE)


def _date(kind: str, groups: tuple[str, ...]) -> datetime.date | None:
    try:
        if kind == "ymd":
            return datetime.date(int(groups[0]), int(groups[1]), int(groups[2]))
        if kind == "dmy":
            return datetime.date(int(groups[2]), int(groups[1]), int(groups[0]))
        month = MONTHS.get(groups[1].casefold())
        return datetime.date(int(groups[2]), month, int(groups[0])) if month else None
    except ValueError:
        return None


def full_date(line: str) -> tuple[bool, datetime.date | None]:
    """(is the line a date line, its date or None when it names no real day)."""
    text = _LABEL.sub("", line.strip()).strip()
    for kind, pattern in _DATES:
        if match := pattern.fullmatch(text):
            return True, _date(kind, match.groups())
    return False, None


def search_date(text: str) -> tuple[re.Match, datetime.date] | None:
    """The first real date written anywhere in ``text``, in any of the forms above."""
    for kind, pattern in _DATES:
        for match in pattern.finditer(text):
            if day := _date(kind, match.groups()):
                return match, day
    return None


@dataclass(frozen=True)
class HeaderLine:
    body: str = ""
    municipality: str = ""
    date: datetime.date | None = None
    item: str = ""  # "ärende 7", "§ 88 Motion om solceller"


def split_town(text: str) -> tuple[str, str]:
    """("Socialnämnden", "Nacka kommun") from "Socialnämnden i Nacka kommun", "Socialnämnden,
    Nacka kommun" or "Nacka kommun – Socialnämnden"; (text, "") when no town is named."""
    match = _TOWN.search(text)
    if match is None:
        return text.strip(_SEPARATORS), ""
    body = (text[: match.start()] + " " + text[match.end() :]).strip()
    body = re.sub(r"\s+i$", "", body.strip(_SEPARATORS)).strip(_SEPARATORS)
    return body, match.group("town")


def read_header_line(line: str) -> HeaderLine | None:
    """The fields of a line holding more than one of body, town, date and item; None for a
    line that holds only a body (or nothing the header knows)."""
    found = search_date(line)
    before, after, day = line, "", None
    if found:
        match, day = found
        before, after = line[: match.start()], line[match.end() :]
    before = _LABEL.sub("", before.strip()).strip(_SEPARATORS)
    after = after.strip(_SEPARATORS)
    item = after if ITEM_WORDS.match(after) else ""
    if not item and (split := ITEM_WORDS.search(before)) and split.start() > 0 and not found:
        before, item = before[: split.start()].strip(_SEPARATORS), before[split.start() :]
    body, town = split_town(before)
    if day is None and not town and not item:
        return None
    return HeaderLine(body=body, municipality=town, date=day, item=item)
