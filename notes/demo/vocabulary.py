"""The demo generator's vocabulary, read once from ``vocabulary.toml`` next to this module.

The values keep the shapes the generator draws from: tuples for the lists, dicts in the
file's order (``tomllib`` keeps it), kinds of annotation as ``AnnotationKind`` members. The
draws pick by position, so the file's order is part of what a seed generates.
"""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path

from notes.models import AnnotationKind

PATH = Path(__file__).with_name("vocabulary.toml")


def _load(path: Path) -> dict:
    with path.open("rb") as file:
        return tomllib.load(file)


def _tuples(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in table.items()}


def _per_kind(table: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {AnnotationKind(key): tuple(values) for key, values in table.items()}


def _kind_weights(table: dict[str, int]) -> tuple[tuple[AnnotationKind, int], ...]:
    return tuple((AnnotationKind(key), weight) for key, weight in table.items())


_DATA = _load(PATH)

TOPICS: tuple[str, ...] = tuple(_DATA["topics"])

BODY_WEIGHTS: dict[str, int] = dict(_DATA["bodies"]["weights"])
BODY_TOPICS: dict[str, tuple[str, ...]] = _tuples(_DATA["bodies"]["topics"])

PARTY_WEIGHTS: dict[str, int] = dict(_DATA["parties"]["weights"])
PARTY_PARTNERS: dict[str, tuple[str, ...]] = _tuples(_DATA["parties"]["partners"])

KIND_WEIGHTS = _kind_weights(_DATA["kinds"]["weights"])
COUNCIL_KIND_WEIGHTS = _kind_weights(_DATA["kinds"]["council_weights"])

FIRST_NAMES: tuple[str, ...] = tuple(_DATA["names"]["first"])
LAST_NAMES: tuple[str, ...] = tuple(_DATA["names"]["last"])

PLACES: tuple[str, ...] = tuple(_DATA["fillers"]["places"])
DISTRICTS: tuple[str, ...] = tuple(_DATA["fillers"]["districts"])
STATIONS: tuple[str, ...] = tuple(_DATA["fillers"]["stations"])
ROADS: tuple[str, ...] = tuple(_DATA["fillers"]["roads"])
MONTHS: tuple[str, ...] = tuple(_DATA["fillers"]["months"])

TITLES: dict[str, tuple[str, ...]] = _tuples(_DATA["titles"])
SUBJECTS: dict[str, tuple[str, ...]] = _tuples(_DATA["subjects"])
OPENERS: dict[str, tuple[str, ...]] = _per_kind(_DATA["openers"])
CLOSERS: dict[str, tuple[str, ...]] = _per_kind(_DATA["closers"])
TOPIC_SENTENCES: dict[str, tuple[str, ...]] = _tuples(_DATA["sentences"]["topic"])
GENERIC_SENTENCES: tuple[str, ...] = tuple(_DATA["sentences"]["generic"])
DEMANDS: dict[str, tuple[str, ...]] = _tuples(_DATA["demands"])
DEMAND_FORMS: dict[str, tuple[str, ...]] = _per_kind(_DATA["demand_forms"])


def _check() -> None:
    """Fail on import, not halfway through a million rows, when the file lacks something."""
    kinds = {kind for kind, _ in KIND_WEIGHTS} | {kind for kind, _ in COUNCIL_KIND_WEIGHTS}
    missing = [
        f"{name}[{key!r}]"
        for name, table, keys in (
            ("titles", TITLES, TOPICS),
            ("subjects", SUBJECTS, TOPICS),
            ("sentences.topic", TOPIC_SENTENCES, TOPICS),
            ("demands", DEMANDS, TOPICS),
            ("openers", OPENERS, kinds),
            ("closers", CLOSERS, kinds),
            ("demand_forms", DEMAND_FORMS, kinds),
            ("parties.partners", PARTY_PARTNERS, PARTY_WEIGHTS),
        )
        for key in keys
        if not table.get(key)
    ]
    missing += [
        f"topics[{topic!r}] (bodies.topics.{code})"
        for code, topics in BODY_TOPICS.items()
        for topic in topics
        if topic not in TOPICS
    ]
    if missing:
        raise ValueError(f"{PATH} lacks: {', '.join(missing)}")


_check()


def _cumulative(pairs) -> tuple[tuple, tuple[int, ...]]:
    """Choices and cumulative weights for ``random.choices(…, cum_weights=…)``, which draws
    exactly what ``weights=`` would, without adding the weights up on every call."""
    choices, weights = zip(*pairs, strict=True)
    return choices, tuple(itertools.accumulate(weights))


_KINDS = _cumulative(KIND_WEIGHTS)
_COUNCIL_KINDS = _cumulative(COUNCIL_KIND_WEIGHTS)
_PARTY_CODES, _PARTY_CUM_WEIGHTS = _cumulative(PARTY_WEIGHTS.items())
