"""The search box's language, parsed into a tree: pure Python, no database.

Terms separated by spaces all narrow the result (`AND` in capitals says the same); `or` (also
`OR`, `eller`, `|`) between two terms widens it; `-term` (or `NOT term`, `INTE term`, in
capitals) removes; parentheses group. A term is one of

- a word (`skola`), or a "phrase in quotes";
- a reference: `ärende 22`, `§ 45`, a diarienummer `KS-2021/123` or its first parts
  (`KS-2021`, `KS-2021/12`), optionally after `dnr`;
- a party: its name in any letter case (`socialdemokraterna`), or its abbreviation in
  capitals (`S`, `SD`; a lowercase `s` is just a letter).

`parse()` never fails: stray operators and unbalanced parentheses are dropped, as a search
engine would. What each term matches is decided in `notes.queries.search`, one term at a
time, which is what makes the algebra hold: hits(A B) = hits(A) ∩ hits(B),
hits(A or B) = hits(A) ∪ hits(B), hits(A -B) = hits(A) − hits(B).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from notes.parties import find_party

# What may follow a case number's prefix: KS-2021/12, KS-2021/12.3, KS-2021/12:4.
CASE_SEPARATORS = "-/.:"
_SPACE = re.compile(r"\s+")

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<open>\()
  | (?P<close>\))
  | (?P<phrase>"[^"]*"?)
  | (?P<item>(?:ärende|arende)(?:nummer|nr)?\.?\s*(?:nr\.?\s*)?(?P<item_number>\d{1,6})(?!\w))
  | (?P<paragraph>§\s*(?P<paragraph_number>\d{1,6})(?!\w))
  | (?P<case>(?:dnr\.?:?\s*)?
        (?P<case_value>[a-zåäö]{1,10}(?:-\s*|\s+-\s+)(?:19|20)\d{2}
            (?:\s*/\s*\d{1,7}(?:[.:]\d+)*)?)(?![\w/-]))
  | (?P<minus>-(?=[^\s-]))
  | (?P<word>[^\s"()]+)
    """,
    re.IGNORECASE | re.VERBOSE,
)
_SEARCHABLE = re.compile(r"\w")
_OR_WORDS = {"or", "eller", "|"}
# Written in capitals, as search engines take them: AND is what a space means, NOT (INTE) is `-`.
_NOT_WORDS = {"NOT", "INTE"}
# Punctuation that may cling to a party's name or abbreviation: "(SD)", "S,".
_PARTY_TRIM = ",.;:!?()[]'\""


@dataclass(frozen=True)
class Term:
    """One term. kind: `text` (a word), `phrase`, `item`, `paragraph`, `case` or `party`;
    value: the words, the number, the case key (KS-2021/12) or the party's abbreviation."""

    kind: str
    value: str


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Any:
    children: tuple[Node, ...]


Node = Term | Not | All | Any


def case_key(value: str) -> str:
    """A diarienummer as the archive compares them: capitals, no white space."""
    return _SPACE.sub("", value).upper()


def _word_term(word: str) -> Term:
    bare = word.strip(_PARTY_TRIM)
    info = find_party(bare) if bare else None
    # Abbreviations only in capitals ("S", "SD"); a party's name in any case.
    if info is not None and (
        (bare.isupper() and bare == info.abbreviation) or bare.lower() == info.name.lower()
    ):
        return Term("party", info.abbreviation)
    return Term("text", word)


def tokenize(q: str) -> list:
    """The query's tokens: Terms, and the strings `(`, `)`, `or` and `-`."""
    tokens: list = []
    for match in _TOKEN.finditer(q.replace("\x00", " ")):
        kind = match.lastgroup
        if kind in (None, "space"):
            continue
        if kind == "open":
            tokens.append("(")
        elif kind == "close":
            tokens.append(")")
        elif kind == "minus":
            tokens.append("-")
        elif kind == "phrase":
            words = " ".join(match.group(0).strip('"').split())
            if words:
                tokens.append(Term("phrase", words))
        elif kind == "item" or kind == "paragraph":
            tokens.append(Term(kind, str(int(match.group(f"{kind}_number")))))
        elif kind == "case":
            tokens.append(Term("case", case_key(match.group("case_value"))))
        elif match.group(0).lower() in _OR_WORDS:
            tokens.append("or")
        elif match.group(0) == "AND":  # what spaces already mean
            continue
        elif match.group(0) in _NOT_WORDS:
            tokens.append("-")
        elif _SEARCHABLE.search(match.group(0)):  # not bare punctuation such as "-" or "&"
            tokens.append(_word_term(match.group(0)))
    return tokens


class _Parser:
    """query := conj ('or' conj)* ; conj := unary+ ; unary := '-' unary | '(' query ')' | term"""

    def __init__(self, tokens: list):
        self.tokens = tokens
        self.at = 0

    def peek(self):
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def query(self, depth: int) -> Node | None:
        alternatives = []
        while self.peek() is not None and self.peek() != ")":
            if self.peek() == "or":
                self.at += 1  # a leading or doubled `or` joins nothing
                continue
            conj = self.conj(depth)
            if conj is not None:
                alternatives.append(conj)
        return _join(Any, alternatives)

    def conj(self, depth: int) -> Node | None:
        parts = []
        while self.peek() not in (None, ")", "or"):
            node = self.unary(depth)
            if node is not None:
                parts.append(node)
        return _join(All, parts)

    def unary(self, depth: int) -> Node | None:
        token = self.peek()
        self.at += 1
        if token == "-":
            if self.peek() in (None, ")", "or"):
                return None
            child = self.unary(depth)
            return Not(child) if child is not None else None
        if token == "(":
            inner = self.query(depth + 1) if depth < 20 else None
            if self.peek() == ")":
                self.at += 1
            return inner
        return token if isinstance(token, Term) else None


def _join(kind, nodes: list) -> Node | None:
    if not nodes:
        return None
    if len(nodes) == 1:
        return nodes[0]
    flat: list = []
    for node in nodes:  # (a b) c is a b c
        flat.extend(node.children if isinstance(node, kind) else [node])
    return kind(tuple(flat))


def parse(q: str) -> Node | None:
    """The query's tree, or None when it holds no term."""
    parser = _Parser(tokenize(q))
    nodes = []
    while parser.peek() is not None:
        if parser.peek() == ")":  # a stray closing parenthesis
            parser.at += 1
            continue
        node = parser.query(0)
        if node is not None:
            nodes.append(node)
    return _join(All, nodes)


def terms(node: Node | None, negated: bool = False):
    """Every term of the tree with whether it is negated (an odd number of `-` above it)."""
    if node is None:
        return
    if isinstance(node, Term):
        yield node, negated
    elif isinstance(node, Not):
        yield from terms(node.child, not negated)
    else:
        for child in node.children:
            yield from terms(child, negated)
