"""Vote tables with crosses: a row per member and a cross under Ja, Nej or Avstår.

    Ledamot              Ja   Nej   Avstår
    Anna Alm (M)         X
    Bo Berg (S)                X
    Summa                1     1     0

A text layer keeps the cross but not its column, so the column is found from where the cross
stands: the x position of its character on the PDF page (pypdfium2's character boxes), or its
column in a laid-out text file (pdftotext -layout). Each row becomes a line the protocol parser
reads like any named vote ("Anna Alm (M) Ja"); a sum row becomes counts ("Ja 1"). Pure Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from notes.parties import find_party

# The words that head a side's column, and what they are called in a named vote line.
COLUMNS = {
    "ja": "Ja",
    "nej": "Nej",
    "avstår": "Avstår",
    "avstod": "Avstår",
    "avstående": "Avstår",
    "frånvarande": "",  # a column whose crosses are not votes
    "frånvarande/ej": "",
}
MARKS = frozenset("XxX×✕✗✘✓✔•")
SUM_ROW = re.compile(r"(?:summa|totalt|antal(?:\s+röster)?|resultat)\b", re.IGNORECASE)
MEMBER = re.compile(r"[^()]{3,60}\([^()]{1,25}\)(?:,?\s*[\wåäö]+)?")
# A short line with the words Ja and Nej in it, in either order.
HEAD_HINT = re.compile(
    r"^(?=[^\n]*(?<![\w-])ja(?![\w-]))(?=[^\n]*(?<![\w-])nej(?![\w-]))[^\n]{0,160}$",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class Glyph:
    char: str
    x: float  # the centre of the character, in any unit (points, or columns in a text file)


def may_hold_a_table(text: str) -> bool:
    """Cheap test before the character boxes are read: a line heads columns Ja and Nej."""
    return HEAD_HINT.search(text.replace("\r", "")) is not None


def is_table_head(line: str) -> bool:
    """ "Ledamot Parti Ja Nej Avstår": the head of a vote table, as a line of its own."""
    return _header(_words(text_glyphs(line))) is not None


def _words(glyphs: list[Glyph]) -> list[tuple[str, float]]:
    """The words of a line with the centre of each."""
    words: list[tuple[str, float]] = []
    current: list[Glyph] = []
    for glyph in [*glyphs, Glyph(" ", 0.0)]:
        if glyph.char.isspace():
            if current:
                text = "".join(g.char for g in current)
                words.append((text, (current[0].x + current[-1].x) / 2))
                current = []
        else:
            current.append(glyph)
    return words


def _header(words: list[tuple[str, float]]) -> list[tuple[str, float]] | None:
    """The side columns (label, x) when the line heads a vote table, else None."""
    columns = [(COLUMNS[word.casefold()], x) for word, x in words if word.casefold() in COLUMNS]
    labels = [label for label, _ in columns]
    if "Ja" in labels and "Nej" in labels and len(words) <= len(columns) + 4:
        return columns
    return None


def _nearest(columns: list[tuple[str, float]], x: float) -> str:
    return min(columns, key=lambda column: abs(column[1] - x))[0]


def _row(words: list[tuple[str, float]], columns: list[tuple[str, float]]) -> list[str] | None:
    """A table row rewritten as lines the parser reads, or None when the row is not one."""
    marks = [(word, x) for word, x in words if len(word) == 1 and word in MARKS]
    rest = [word for word, x in words if (word, x) not in marks]
    if SUM_ROW.match(" ".join(rest)):
        numbers = [(word, x) for word, x in words if word.isdigit()]
        if not numbers:
            return None
        return [f"{_nearest(columns, x)} {word}" for word, x in numbers if _nearest(columns, x)]
    if not rest:
        return None
    if "(" not in " ".join(rest) and len(rest) >= 3 and find_party(rest[-1]):
        # "Anna Alm M X": the party in a column of its own.
        rest = [*rest[:-1], f"({rest[-1]})"]
    if not marks:  # a member without a cross (absent), or the table has ended
        return [] if MEMBER.fullmatch(" ".join(rest)) else None
    sides = {_nearest(columns, x) for _, x in marks}
    if sides == {""}:
        return [f"{' '.join(rest)} frånvarande"]  # a cross under "Frånvarande"
    if len(sides - {""}) != 1:
        return [" ".join(word for word, _ in words) + " (kryss i flera kolumner)"]
    return [f"{' '.join(rest)} {(sides - {''}).pop()}"]


def resolve_crosses(lines: list[list[Glyph]]) -> list[str]:
    """The page's lines, with each vote table's rows made into named vote lines."""
    out: list[str] = []
    columns: list[tuple[str, float]] | None = None
    for glyphs in lines:
        text = "".join(g.char for g in glyphs)
        words = _words(glyphs)
        header = _header(words)
        if header is not None:
            columns = header
            out.append(text)
            continue
        if columns is not None and words:
            row = _row(words, columns)
            if row is not None:
                out += row
                continue
            columns = None
        out.append(text)
    return out


def text_glyphs(line: str) -> list[Glyph]:
    """A laid-out text line's characters, each at its column."""
    return [Glyph(char, float(index)) for index, char in enumerate(line)]


def page_glyphs(chars: list[tuple[str, float, float, float, float]]) -> list[list[Glyph]]:
    """Characters with their boxes (char, left, bottom, right, top) grouped into lines from
    the top of the page down, each read left to right, with a space where there is a gap."""
    boxes = [c for c in chars if c[0] not in "\r\n" and c[4] > c[2]]
    boxes.sort(key=lambda c: -(c[2] + c[4]) / 2)
    rows: list[list[tuple[str, float, float, float, float]]] = []
    for box in boxes:
        centre, height = (box[2] + box[4]) / 2, box[4] - box[2]
        if rows:
            last = rows[-1][0]
            if abs((last[2] + last[4]) / 2 - centre) < max(height, last[4] - last[2]) * 0.6:
                rows[-1].append(box)
                continue
        rows.append([box])
    lines = []
    for row in rows:
        row.sort(key=lambda c: c[1])
        glyphs: list[Glyph] = []
        for index, (char, left, bottom, right, top) in enumerate(row):
            if index and left - row[index - 1][3] > (top - bottom) * 0.15:
                glyphs.append(Glyph(" ", left))
            glyphs.append(Glyph(char, (left + right) / 2))
        lines.append(glyphs)
    return lines
