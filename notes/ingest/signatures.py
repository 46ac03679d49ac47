"""Lines as the annotation parser reads them: white space collapsed, lists split, and the
signature block ("För Socialdemokraterna", "Anna Andersson (S)") found at the end.
Part of notes.ingest.parsing, which uses these; nothing here knows the whole layout.
"""

from __future__ import annotations

import re

from notes.parties import find_party


def shape(line: str) -> str:
    r"""A line as the layout's patterns read it: stripped, each run of white space one space.

    Header, item and signature lines are matched in this form only. Besides making "Ärende
    22 :  Budget" read as "Ärende 22 : Budget", it keeps every pattern's `\s*` to at most one
    character, so no pattern can try the splits of a long run of spaces between two `\s*`
    (which took seconds for a few kilobytes): matching is linear in the line's length. The
    annotation's text itself is kept as written.
    """
    return " ".join(line.split())


_LIST_SEPARATOR = re.compile(r"\s*,\s*|\s+och\s+|\s+samt\s+|\s*&\s*", re.IGNORECASE)


def split_list(text: str) -> list[str]:
    """Split "A, B och C" into ["A", "B", "C"] (empty pieces are kept, to be reported)."""
    return [piece.strip() for piece in _LIST_SEPARATOR.split(text.strip())]


_NAME_PARTICLES = frozenset(
    {"af", "av", "von", "van", "de", "der", "den", "da", "di", "du", "la", "le", "el", "al"}
)
_NAME_WORD = re.compile(r"[A-ZÅÄÖÆØÉÈÜ][^\W\d_]*(?:[-'’.][^\W\d_]*)*")
_NAME_WITH_PARTY = re.compile(r"(.+?)\s*\(([^()]+)\)")


def split_name(piece: str) -> tuple[str, str | None] | None:
    """Split "Anna Andersson (V)" into ("Anna Andersson", "V"); None if not name-like."""
    match = _NAME_WITH_PARTY.fullmatch(piece)
    name, party = (match.group(1), match.group(2).strip()) if match else (piece, None)
    words = name.split()
    if not 1 <= len(words) <= 6 or name.endswith((".", "!", "?", ":", ";")):
        return None
    if not _NAME_WORD.fullmatch(words[0]):
        return None
    for word in words[1:]:
        if not (_NAME_WORD.fullmatch(word) or word.casefold() in _NAME_PARTICLES):
            return None
    return name, party


def name_line(line: str) -> list[tuple[str, str | None]] | None:
    """Return the names (with written party) on a signature line, None if it is not one.
    "Lena Lax, V" is one name with its party, as "Lena Lax (V)" is."""
    names: list[tuple[str, str | None]] = []
    for piece in split_list(line):
        split = split_name(piece)
        if split is None:
            return None
        if names and names[-1][1] is None and split[1] is None and find_party(split[0]):
            names[-1] = (names[-1][0], split[0])
            continue
        names.append(split)
    return names


def is_for_line(line: str) -> bool:
    """Is this shaped like "För <parties>" (a short line, not a sentence starting "För att")?"""
    stripped = line.strip()
    if not (stripped.startswith(("För ", "FÖR ")) and len(stripped.split()) <= 16):
        return False
    rest = stripped[4:].lstrip()
    return (
        bool(rest) and (rest[0].isupper() or rest[0] == "(") and not rest.endswith((".", "!", "?"))
    )


def find_signature_start(lines: list[tuple[int, str]]) -> tuple[int, bool]:
    """Return (index in ``lines`` where the signature block starts, has a För-line).

    The index is ``len(lines)`` when there is no signature block.  With a "För …" line, every
    non-blank line after it must be a name line; without one, the block is the trailing run of
    name lines in which every name carries "(party)".
    """
    for index in range(len(lines) - 1, -1, -1):
        line = shape(lines[index][1])
        if not line:
            continue
        if is_for_line(line):
            return index, True
        if name_line(line) is None:
            break
    start = len(lines)
    for index in range(len(lines) - 1, -1, -1):
        line = shape(lines[index][1])
        if not line:
            continue
        names = name_line(line)
        if names is None or any(party is None for _, party in names):
            break
        start = index
    return start, False


def trailing_names_start(lines: list[tuple[int, str]]) -> int:
    """Where a block of at most three lines of bare names ("Karl Kvist") starts, after a
    blank line at the end of the text; ``len(lines)`` if there is none. Their party is the
    annotation's (written in its header or its first sentence)."""
    index = len(lines)
    while index > 0 and len(lines) - index < 3:
        line = shape(lines[index - 1][1])
        if not line or name_line(line) is None:
            break
        index -= 1
    blank_before = index > 0 and not lines[index - 1][1].strip()
    return index if index < len(lines) and blank_before else len(lines)
