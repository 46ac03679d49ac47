"""The political parties that write annotations in Huddinge: the table and a lookup by name.

Pure Python, no Django: the bottom of the import graph, used by the parser, the importer,
the search queries and the demo data alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class PartyInfo:
    """A political party: canonical abbreviation and name, a text-safe colour, aliases."""

    abbreviation: str
    name: str
    colour: str
    aliases: tuple[str, ...]


PARTIES: tuple[PartyInfo, ...] = (
    PartyInfo(
        "S",
        "Socialdemokraterna",
        "#b5121b",
        ("socialdemokraternas", "socialdemokratiska arbetarepartiet", "sap"),
    ),
    PartyInfo("M", "Moderaterna", "#1a4f9c", ("moderaternas", "moderata samlingspartiet")),
    PartyInfo("SD", "Sverigedemokraterna", "#004f7c", ("sverigedemokraternas",)),
    PartyInfo("C", "Centerpartiet", "#00693e", ("centerpartiets", "centern", "centerns")),
    PartyInfo("V", "Vänsterpartiet", "#a3141c", ("vänsterpartiets", "vänstern")),
    PartyInfo(
        "KD",
        "Kristdemokraterna",
        "#00316e",
        ("kristdemokraternas", "kristdemokratiska samhällspartiet", "kds"),
    ),
    PartyInfo(
        "L",
        "Liberalerna",
        "#005a9c",
        (
            "liberalernas",
            "folkpartiet",
            "folkpartiets",
            "folkpartiet liberalerna",
            "folkpartiet liberalernas",
            "fp",
        ),
    ),
    PartyInfo(
        "MP",
        "Miljöpartiet",
        "#2e6b1f",
        (
            "miljöpartiets",
            "miljöpartiet de gröna",
            "miljöpartiet de grönas",
            "mp",
        ),
    ),
    PartyInfo("DP", "Drevvikenpartiet", "#0e5f66", ("drevvikenpartiets", "dvp")),
    PartyInfo("HP", "Huddingepartiet", "#5b2d8e", ("huddingepartiets", "hup")),
)


def _normalise_party_token(token: str) -> str:
    """Lower-case, collapse whitespace and drop surrounding parentheses and punctuation."""
    token = " ".join(token.split()).strip(" .,:;")
    while token.startswith("(") and token.endswith(")"):
        token = token[1:-1].strip()
    return token.casefold()


def _build_party_index() -> dict[str, PartyInfo]:
    index: dict[str, PartyInfo] = {}
    for party in PARTIES:
        for key in (party.abbreviation, party.name, *party.aliases):
            index[key.casefold()] = party
    return index


_PARTY_INDEX = _build_party_index()


def find_party(token: str) -> PartyInfo | None:
    """Return the party named by ``token`` (abbreviation, name or alias, any case), or None.

    Surrounding parentheses are ignored, so "(S)" finds Socialdemokraterna, and so is a
    trailing place such as "Socialdemokraterna i Huddinge".
    """
    key = _normalise_party_token(token)
    if not key:
        return None
    # "S-gruppen", "V-ledamöterna": the party's group.
    key = re.sub(r"-(?:gruppen|ledamöterna|ledamoten|representanterna)$", "", key)
    party = _PARTY_INDEX.get(key)
    if party is None:
        without_place = re.sub(r"\s+i\s+\w+$", "", key)
        party = _PARTY_INDEX.get(without_place)
    return party


_PARENTHESISED = re.compile(r"\(([^()]{1,40})\)")
_SAYS = re.compile(
    r"(?:\bvi\s+i\s+|\bvi\s+från\s+|\bför\s+)?"
    r"([A-ZÅÄÖ][\wåäö-]*(?:\s+i\s+[A-ZÅÄÖ]\w+)?)"
    r"(?=\s+(?:reserverar|lämnar|anmäler|vill|yrkar|anser|har|kan|menar|föreslår))"
)


def parties_named_in(text: str) -> list[str]:
    """The parties a sentence speaks for: "(S, V)", "S-gruppen", "Vi i Miljöpartiet …",
    "Sverigedemokraterna reserverar sig …". Abbreviations, in order of mention."""
    found: list[str] = []

    def add(token: str) -> None:
        party = find_party(token)
        if party is not None and party.abbreviation not in found:
            found.append(party.abbreviation)

    for group in _PARENTHESISED.findall(text):
        for token in re.split(r",|\boch\b|/|&", group):
            add(token)
    for token in re.findall(r"\b[A-ZÅÄÖ]{1,3}-(?:gruppen|ledamöterna)\b", text):
        add(token)
    for match in re.finditer(r"\bvi\s+(?:i|från)\s+([A-ZÅÄÖ][\wåäö-]*)", text, re.IGNORECASE):
        add(match.group(1))
    for match in _SAYS.finditer(text):
        add(match.group(1))
    return found
