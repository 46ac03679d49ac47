"""Agenda item titles and annotation texts, and the parties that write them.

Pure functions of the random source and the vocabulary (no database access).
"""

from __future__ import annotations

import random

from notes.demo.vocabulary import (
    _PARTY_CODES,
    _PARTY_CUM_WEIGHTS,
    CLOSERS,
    DEMAND_FORMS,
    DEMANDS,
    DISTRICTS,
    GENERIC_SENTENCES,
    MONTHS,
    OPENERS,
    PARTY_PARTNERS,
    ROADS,
    STATIONS,
    SUBJECTS,
    TITLES,
    TOPIC_SENTENCES,
)
from notes.parties import PARTIES

# Party names by abbreviation, as titles and texts give them.
PARTY_NAMES: dict[str, str] = {party.abbreviation: party.name for party in PARTIES}


def _fillers(rng: random.Random, year: int, place: str) -> dict[str, object]:
    return {
        "place": place,
        "station": rng.choice(STATIONS),
        "road": rng.choice(ROADS),
        "property": f"{rng.choice(DISTRICTS)} {rng.randint(1, 12)}:{rng.randint(1, 40)}",
        "year": year,
        "prev": year - 1,
        "next": year + 1,
        "plus3": year + 3,
        "plus4": year + 4,
        "school_year": f"{year}/{(year + 1) % 100:02d}",
        "amount": rng.randint(3, 120),
        "count": rng.randrange(40, 900, 10),
        "speed": rng.choice((30, 40)),
        "month": rng.choice(MONTHS),
    }


def _title(rng: random.Random, topic: str, code: str, year: int, place: str) -> str:
    """An agenda item title; motions and medborgarförslag mostly reach KF and KS."""
    values = _fillers(rng, year, place)
    roll = rng.random()
    motion_share = 0.3 if code in ("KF", "KS") else 0.08
    if roll < motion_share:
        subject = rng.choice(SUBJECTS[topic]).format(**values)
        party = rng.choices(_PARTY_CODES, cum_weights=_PARTY_CUM_WEIGHTS)[0]
        name = PARTY_NAMES[party]
        return rng.choice(
            (
                f"Motion från {name} om {subject}",
                f"Svar på motion från {name} om {subject}",
                f"Svar på medborgarförslag om {subject}",
            )
        )
    return rng.choice(TITLES[topic]).format(**values)


def _joined(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " och " + names[-1]


def _text(
    rng: random.Random, kind: str, topic: str, title: str, year: int, place: str, parties: list[str]
) -> str:
    """2–6 paragraphs: an opener naming the kind, arguments on the topic, a demand, a closer."""
    values = _fillers(rng, year, place)
    values["parties"] = _joined([PARTY_NAMES[p] for p in parties])
    values["title"] = title[:1].lower() + title[1:]
    paragraph_count = rng.randint(2, 6)
    topical = list(TOPIC_SENTENCES[topic])
    generic = list(GENERIC_SENTENCES)
    rng.shuffle(topical)
    rng.shuffle(generic)

    def sentence() -> str:
        pool = topical if topical and (rng.random() < 0.7 or not generic) else generic
        return pool.pop() if pool else rng.choice(GENERIC_SENTENCES)

    paragraphs = [[rng.choice(OPENERS[kind]), sentence()]]
    for _ in range(paragraph_count - 2):
        paragraphs.append([sentence() for _ in range(rng.randint(2, 4))])
    demand = rng.choice(DEMAND_FORMS[kind]).format(demand=rng.choice(DEMANDS[topic]))
    paragraphs.append([demand, rng.choice(CLOSERS[kind])])
    return "\n\n".join(" ".join(p).format(**values) for p in paragraphs)


def _pick_parties(rng: random.Random, avoid: set[str]) -> list[str]:
    """Mostly one party; sometimes a joint annotation with one or two partners."""
    first = rng.choices(_PARTY_CODES, cum_weights=_PARTY_CUM_WEIGHTS)[0]
    for _ in range(3):  # on one item, different parties usually write different annotations
        if first not in avoid:
            break
        first = rng.choices(_PARTY_CODES, cum_weights=_PARTY_CUM_WEIGHTS)[0]
    roll = rng.random()
    partners = 0 if roll < 0.78 else 1 if roll < 0.95 else 2
    chosen = [first, *rng.sample(PARTY_PARTNERS[first], min(partners, 2))]
    return chosen
