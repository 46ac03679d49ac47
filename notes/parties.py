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
    party = _PARTY_INDEX.get(key)
    if party is None:
        without_place = re.sub(r"\s+i\s+\w+$", "", key)
        party = _PARTY_INDEX.get(without_place)
    return party
