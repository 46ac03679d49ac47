"""What a protocol's paragraph holds besides its decision: annotations (reservations,
protokollsanteckningar, särskilda yttranden, ersättaryttranden, in blocks or in one line)
and votes (counts per side, parties per side, named ballots). Plain Python but for the
report's translations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from notes.ingest.parsing import (
    KIND_ERSATTARYTTRANDE,
    KIND_PROTOKOLLSANTECKNING,
    KIND_RESERVATION,
    KIND_SARSKILT_YTTRANDE,
)
from notes.ingest.vote_tables import is_table_head
from notes.parties import find_party

YES, NO, ABSTAIN = "ja", "nej", "avstar"


@dataclass
class Note:
    kind: str
    parties: list[str]  # abbreviations, in order of mention
    signatories: list[tuple[str, str | None]]  # (name, party abbreviation)
    text: str
    page: int
    appendix: str | None = None  # "3" for "bilaga 3", to be filled from the appendix


@dataclass
class Vote:
    page: int
    question: str = ""
    counts: dict[str, int | None] = field(
        default_factory=lambda: {YES: None, NO: None, ABSTAIN: None}
    )
    parties: dict[str, list[str]] = field(default_factory=dict)  # choice → abbreviations
    ballots: list[tuple[str, str, str | None]] = field(default_factory=list)  # choice, name, party
    absent: list[str] = field(default_factory=list)  # "Name (P)" marked absent in a vote table
    result: str = ""
    open_sentence: str = ""  # "question" or "result" while its sentence runs on to the next line

    @property
    def empty(self) -> bool:
        return not (
            any(v is not None for v in self.counts.values()) or self.parties or self.ballots
        )


_KIND_WORDS = {
    "reservation": KIND_RESERVATION,
    "reservationer": KIND_RESERVATION,
    "protokollsanteckning": KIND_PROTOKOLLSANTECKNING,
    "protokollsanteckningar": KIND_PROTOKOLLSANTECKNING,
    "särskilt yttrande": KIND_SARSKILT_YTTRANDE,
    "särskilda yttranden": KIND_SARSKILT_YTTRANDE,
    "ersättaryttrande": KIND_ERSATTARYTTRANDE,
    "ersättaryttranden": KIND_ERSATTARYTTRANDE,
}
_KIND = (
    r"(protokollsanteckning(?:ar)?|särskil(?:t|da)\s+yttranden?|ersättaryttranden?"
    r"|reservation(?:er)?)"
)
NOTE_WORD = re.compile(_KIND, re.IGNORECASE)
# "Sara Heelge Vikmång (S) reserverar sig till förmån för eget yrkande."
RESERVES = re.compile(r"(?P<who>.+?)\s+reserverar\s+sig\b.*", re.IGNORECASE)
# "S-gruppen lämnar en protokollsanteckning, bilaga 3." / "(SD) anmäler särskilt yttrande"
LEAVES = re.compile(
    r"(?P<who>.+?)\s+(?:lämnar|anmäler|avger|inkommer\s+med|lägger\s+till)\s+"
    r"(?:en\s+|ett\s+|följande\s+|gemensam(?:t|ma)?\s+|skriftlig(?:t|a)?\s+)*" + _KIND + r"\b.*",
    re.IGNORECASE,
)
APPENDIX = re.compile(r"bilaga\s+(\d+[a-z]?)", re.IGNORECASE)
PERSON = re.compile(
    r"([A-ZÅÄÖÉ][\wåäöéü'.-]*(?:\s+[A-ZÅÄÖÉ][\wåäöéü'.-]*){1,4})\s*\(([^()]{1,25})\)"
)
PARENTHESISED = re.compile(r"\(([^()]{1,40})\)")
GROUP = re.compile(r"\b([A-ZÅÄÖ]{1,3})-(?:gruppen|ledamöterna|ledamoten|representanterna)\b")


LABELS = {
    KIND_RESERVATION: gettext_lazy("reservation"),
    KIND_PROTOKOLLSANTECKNING: gettext_lazy("protokollsanteckning"),
    KIND_SARSKILT_YTTRANDE: gettext_lazy("särskilt yttrande"),
    KIND_ERSATTARYTTRANDE: gettext_lazy("ersättaryttrande"),
}
SIDE_LABELS = {YES: gettext_lazy("ja"), NO: gettext_lazy("nej"), ABSTAIN: gettext_lazy("avstår")}


def describe_vote(vote: Vote) -> str:
    """`omröstning ja 7 (M, L), nej 3, avstår 0` for the report."""
    sides = []
    for choice, label in SIDE_LABELS.items():
        count, parties = vote.counts[choice], vote.parties.get(choice)
        if count is None and not parties:
            continue
        text = f"{label} {count if count is not None else '?'}"
        sides.append(text + (f" ({', '.join(parties)})" if parties else ""))
    named = (
        ", " + _("%(count)s namngivna röster") % {"count": len(vote.ballots)}
        if vote.ballots
        else ""
    )
    absent = ", " + _("%(count)s frånvarande") % {"count": len(vote.absent)} if vote.absent else ""
    return _("omröstning") + " " + ", ".join(sides) + named + absent


def kind_of(word: str) -> str:
    """The kind a heading or phrase names, in any of its forms ("särskilda yttrande")."""
    word = " ".join(word.casefold().split())
    for prefix, kind in (
        ("reservation", KIND_RESERVATION),
        ("protokollsanteckning", KIND_PROTOKOLLSANTECKNING),
        ("särskil", KIND_SARSKILT_YTTRANDE),
        ("ersättaryttrande", KIND_ERSATTARYTTRANDE),
    ):
        if word.startswith(prefix):
            return kind
    raise KeyError(word)


def parties_in(text: str) -> list[str]:
    """Party abbreviations named in ``text``: (S), (S, V), S-gruppen, Socialdemokraterna."""
    found: list[str] = []

    def add(token: str) -> None:
        info = find_party(token)
        if info and info.abbreviation not in found:
            found.append(info.abbreviation)

    for group in PARENTHESISED.findall(text):
        for token in re.split(r",|\boch\b|/|&", group):
            add(token)
    for token in GROUP.findall(text):
        add(token)
    for word in re.findall(r"[A-ZÅÄÖ][\wåäö]+(?:\s+i\s+\w+)?", text):
        add(word)
    for word in re.findall(r"\b[A-ZÅÄÖ]{1,3}\b", text):
        if word not in ("I", "A", "EU", "KS", "KF"):
            add(word)
    return found


# Words before a name that are not part of it: "För Socialdemokraterna Bo Berg (S)".
NOT_NAMES = frozenset(
    {
        "för", "ersättaren", "ersättare", "ledamoten", "ledamot", "ordföranden", "ordförande",
        "vice", "tjänstgörande", "närvarande", "beslutande", "justerare", "sekreterare",
    }
)  # fmt: skip


def people_in(text: str) -> list[tuple[str, str | None]]:
    """ "Name Surname (S)" pairs; the party as its abbreviation when it is a known one."""
    people: list[tuple[str, str | None]] = []
    for name, party in PERSON.findall(text):
        info = find_party(party)
        words = name.split()
        while words and (words[0].casefold() in NOT_NAMES or find_party(words[0])):
            words.pop(0)
        if info is not None and len(words) >= 2:
            people.append((" ".join(words), info.abbreviation))
    return people


def one_line_note(line: str, page: int) -> Note | None:
    """A reservation or annotation announced in one sentence, or None."""
    match = RESERVES.fullmatch(line)
    kind = KIND_RESERVATION if match else None
    if match is None:
        match = LEAVES.fullmatch(line)
        if match is None:
            return None
        kind = kind_of(match.group(2))
    assert kind is not None
    who = match.group("who")
    parties = parties_in(who)
    if not parties:
        return None
    appendix = APPENDIX.search(line)
    return Note(
        kind=kind,
        parties=parties,
        signatories=people_in(who),
        text=line,
        page=page,
        appendix=appendix.group(1) if appendix else None,
    )


def block_notes(kind: str, lines: list[tuple[int, str]]) -> list[Note]:
    """The annotations under a heading: each one-line announcement starts one (and the lines
    after it are its text); without any, the block is one annotation of ``kind``."""
    notes: list[Note] = []
    loose: list[tuple[int, str]] = []
    following: list[list[str]] = []  # each note's lines after its first, blank lines kept
    for page, line in lines:
        note = one_line_note(line, page) if line else None
        if note is not None:
            notes.append(note)
            following.append([])
        elif notes:
            following[-1].append(line)
        elif line:
            loose.append((page, line))
    for note, more in zip(notes, following, strict=True):
        # The same text however it was broken into lines: paragraphs, not line ends.
        note.text = _paragraphs([note.text, *more])
        note.signatories = note.signatories or people_in(" ".join(more[-3:]))
    if loose and not notes:
        text = _paragraphs([line for _page, line in lines])
        # The signature ("För Socialdemokraterna", "Anna Ek (S)") or the opening names the
        # party; the text in between may name any party it argues with.
        written = [line for _page, line in loose]
        parties = parties_in(" ".join(written[-3:])) or parties_in(written[0]) or parties_in(text)
        if parties:
            appendix = APPENDIX.search(text)
            notes.append(
                Note(
                    kind=kind,
                    parties=parties,
                    signatories=people_in(" ".join(written[-3:])),
                    text=text,
                    page=loose[0][0],
                    appendix=appendix.group(1) if appendix and len(text) < 200 else None,
                )
            )
    return notes


def _paragraphs(lines: list[str]) -> str:
    """Lines joined into paragraphs (a blank line parts them)."""
    paragraphs, current = [], []
    for line in lines:
        if line:
            current.append(line)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return "\n\n".join(paragraphs)


_SIDE = {"ja": YES, "nej": NO, "avstår": ABSTAIN, "avstod": ABSTAIN, "avstående": ABSTAIN,
         "avstar": ABSTAIN, "avstående röster": ABSTAIN}  # fmt: skip
# "Ja-röster: 7 (M, L, KD, C)" / "Nej 6" / "Avstår: 0"
SIDE_COUNT = re.compile(
    r"(ja|nej|avstår|avstod|avstående)(?:-?röster)?\s*:?\s*(\d+)\s*(?:st\.?|röster)?\s*(?:\((.*)\))?\s*",
    re.IGNORECASE,
)
# "Ja: Anna Ek (M), Bo Ros (L)" / "Nej: S, V, MP"
SIDE_LIST = re.compile(r"(ja|nej|avstår|avstod|avstående)(?:-?röster)?\s*:\s*(\D.*)", re.IGNORECASE)
# "Med 7 ja-röster mot 6 nej-röster (0 avstår) beslutar ..."
SENTENCE = re.compile(
    r".*?(\d+)\s+ja-?röster?\s+(?:mot|och)\s+(\d+)\s+nej-?röster?"
    r"(?:\D{0,20}?(\d+)\s+(?:som\s+)?(?:avst\w*|ledamöter\s+avst\w*))?.*",
    re.IGNORECASE,
)
# "Anna Ek (M)   Ja"
NAMED_BALLOT = re.compile(r"(.+?\([^()]{1,25}\))\s+(ja|nej|avstår|avstod)", re.IGNORECASE)
RESULT = re.compile(r"(?:resultat|omröstningen\s+utf[aö]ll|ordföranden\s+finner)", re.IGNORECASE)
QUESTION = re.compile(r".*\bja-?röst\b.*\bnej-?röst\b.*", re.IGNORECASE)


def side(word: str) -> str:
    return _SIDE[word.casefold()]


def read_vote_line(vote: Vote, line: str) -> bool:
    """Add what ``line`` says to ``vote``; whether it said anything about it. A sentence
    wrapped over lines ("Med 7 ja-röster mot 6 nej-röster beslutar nämnden att bifalla" /
    "förvaltningens förslag.") is read whole."""
    running, vote.open_sentence = vote.open_sentence, ""
    if _read_vote_line(vote, line):
        for name in ("question", "result"):
            if getattr(vote, name) == line and not line.endswith((".", "!", "?")):
                vote.open_sentence = name
        return True
    if running:
        joined = f"{getattr(vote, running)} {line}"
        setattr(vote, running, joined)
        vote.open_sentence = running if not line.endswith((".", "!", "?")) else ""
        return True
    return False


ABSENT = re.compile(r"(.+?\([^()]{1,25}\))\s+frånvarande", re.IGNORECASE)


def _read_vote_line(vote: Vote, line: str) -> bool:
    if match := ABSENT.fullmatch(line):
        vote.absent.append(match.group(1))
        return True
    if match := SIDE_COUNT.fullmatch(line):
        choice = side(match.group(1))
        vote.counts[choice] = int(match.group(2))
        if match.group(3):
            vote.parties[choice] = parties_in("(" + match.group(3) + ")")
        return True
    if match := SENTENCE.fullmatch(line):
        vote.counts[YES], vote.counts[NO] = int(match.group(1)), int(match.group(2))
        if match.group(3):
            vote.counts[ABSTAIN] = int(match.group(3))
        vote.result = line
        return True
    if match := SIDE_LIST.fullmatch(line):
        choice, listed = side(match.group(1)), match.group(2)
        named = people_in(listed)
        if named:
            vote.ballots += [(choice, name, party) for name, party in named]
        else:
            vote.parties[choice] = parties_in("(" + listed + ")")
        return True
    if match := NAMED_BALLOT.fullmatch(line):
        for name, party in people_in(match.group(1)):
            vote.ballots.append((side(match.group(2)), name, party))
        return True
    if QUESTION.fullmatch(line):
        vote.question = line
        return True
    if RESULT.match(line):
        vote.result = line
        return True
    return is_table_head(line)  # its rows were read by notes.ingest.vote_tables


def check_vote(vote: Vote, voters: int | None) -> list[str]:
    """What does not add up in a vote: named ballots against the counts, the counts against
    the number of members who decide."""
    problems = []
    for choice in (YES, NO, ABSTAIN):
        named = sum(1 for c, _name, _party in vote.ballots if c == choice)
        count = vote.counts[choice]
        if vote.ballots and count is not None and named != count:
            problems.append(
                _("%(side)s: %(count)s röster enligt räkningen men %(named)s namngivna")
                % {"side": SIDE_LABELS[choice], "count": count, "named": named}
            )
        if count is None and vote.ballots:
            vote.counts[choice] = named
    total = sum(v or 0 for v in vote.counts.values())
    if voters and total > voters:
        problems.append(
            _("%(total)s röster men bara %(voters)s beslutande")
            % {"total": total, "voters": voters}
        )
    return problems
