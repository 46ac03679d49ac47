"""The rows of a chunk of meetings (items, annotations, their links), generated in memory.

What carries over from one chunk to the next (paragraph numbers, case numbers, cases on
their way from a nämnd to KS and KF) is in a ``_Context``.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from notes.demo.plan import _Planned
from notes.demo.texts import _fillers, _pick_parties, _text, _title
from notes.demo.vocabulary import _COUNCIL_KINDS, _KINDS, BODY_TOPICS, GENERIC_SENTENCES, PLACES
from notes.models import Annotation, Party, Person


@dataclass
class _Context:
    """Everything the generator carries between chunks of meetings."""

    rng: random.Random
    parties: dict[str, Party]
    people: dict[str, list[Person]]
    paragraph: dict[tuple[int, int], int] = field(default_factory=dict)  # (body pk, year)
    case_serial: dict[tuple[str, int], int] = field(default_factory=dict)  # (prefix, year)
    # Cases on their way up, nämnd → KS → KF: (year, case number, title, topic, place).
    pending: dict[str, list[tuple[int, str, str, str, str]]] = field(
        default_factory=lambda: {"KS": [], "KF": []}
    )
    # "name abbreviation" per party, as the search vector has it.
    party_names: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.party_names = {a: f"{p.name} {p.abbreviation}" for a, p in self.parties.items()}


# Cases waiting in each of those queues at most (the oldest are dropped).
_PENDING_LIMIT = 200


@dataclass
class _Rows:
    """The rows of a chunk of meetings, generated but not yet written.

    Items and annotations refer to each other by their position in these lists: primary keys
    are reserved only when the chunk is written.
    """

    # (meeting id, number, paragraph, title, case number)
    items: list[tuple[int, int, int, str, str]] = field(default_factory=list)
    # (item position, kind, text, date, fingerprint)
    annotations: list[tuple[int, str, str, datetime.date, str]] = field(default_factory=list)
    # Per annotation, its parties' and signatories' names as its search vector has them.
    names: list[tuple[str, str]] = field(default_factory=list)
    # (annotation position, party id) and (annotation position, person id), in the order chosen
    parties: list[tuple[int, int]] = field(default_factory=list)
    signatories: list[tuple[int, int]] = field(default_factory=list)


def _pick_signatories(rng: random.Random, ctx: _Context, parties: list[str]) -> list[Person]:
    """1–3 people, taken in turn from the annotation's parties."""
    chosen: list[Person] = []
    for i in range(rng.randint(1, 3)):
        member = rng.choice(ctx.people[parties[i % len(parties)]])
        if member not in chosen:
            chosen.append(member)
    return chosen


def _case(ctx: _Context, code: str, prefix: str, year: int, title: str, topic: str, place: str):
    """The item's case number and title; some cases come up from a nämnd or from KS."""
    rng = ctx.rng
    take_share = {"KS": 0.35, "KF": 0.5}.get(code, 0.0)
    pending = ctx.pending.get(code)
    if pending:
        # A case takes months, not years, to travel on: forget what has gone stale.
        pending[:] = [case for case in pending if case[0] >= year - 1]
    if pending and rng.random() < take_share:
        _, case_number, title, topic, place = pending.pop(rng.randrange(len(pending)))
    else:
        serial = ctx.case_serial.get((prefix, year), rng.randint(1, 60)) + rng.randint(1, 9)
        ctx.case_serial[(prefix, year)] = serial
        case_number = f"{prefix}-{year}/{serial}"
    send_to = "KF" if code == "KS" else None if code == "KF" else "KS"
    if send_to and rng.random() < 0.3:
        queue = ctx.pending[send_to]
        queue.append((year, case_number, title, topic, place))
        del queue[:-_PENDING_LIMIT]
    return case_number, title, topic, place


def _generate_chunk(ctx: _Context, chunk: list[_Planned]) -> _Rows:
    """The items and annotations of some meetings (no database access)."""
    rng = ctx.rng
    rows = _Rows()
    for meeting in chunk:
        plan, size, year = meeting.plan, meeting.size, meeting.date.year
        item_count = max(1, min(size, round(size / rng.uniform(1.1, 2.0))))
        per_item = [1] * item_count
        for _ in range(size - item_count):
            per_item[rng.randrange(item_count)] += 1
        key = (plan.body.pk, year)
        paragraph = ctx.paragraph.get(key, 0)
        prefix = plan.body.short_name or "KS"
        kinds, kind_cum_weights = _COUNCIL_KINDS if plan.code == "KF" else _KINDS
        for number, count in enumerate(per_item, start=1):
            paragraph += rng.randint(1, 4)
            topic = rng.choice(BODY_TOPICS[plan.code])
            place = rng.choice(PLACES)
            title = _title(rng, topic, plan.code, year, place)
            case_number, title, topic, place = _case(
                ctx, plan.code, prefix, year, title, topic, place
            )
            item = len(rows.items)
            assert meeting.pk is not None  # meetings are written before their chunk is generated
            rows.items.append((meeting.pk, number, paragraph, title, case_number))
            fingerprints: set[str] = set()
            used_parties: set[str] = set()
            for _ in range(count):
                kind = rng.choices(kinds, cum_weights=kind_cum_weights)[0]
                parties = _pick_parties(rng, used_parties)
                used_parties.update(parties)
                text = _text(rng, kind, topic, title, year, place, parties)
                fingerprint = Annotation.compute_fingerprint(kind, text)
                while fingerprint in fingerprints:  # (item, fingerprint) is unique
                    text += "\n\n" + rng.choice(GENERIC_SENTENCES).format(
                        **_fillers(rng, year, place)
                    )
                    fingerprint = Annotation.compute_fingerprint(kind, text)
                fingerprints.add(fingerprint)
                signatories = _pick_signatories(rng, ctx, parties)
                annotation = len(rows.annotations)
                rows.annotations.append((item, kind, text, meeting.date, fingerprint))
                rows.names.append(
                    (
                        " ".join(ctx.party_names[p] for p in parties),
                        " ".join(person.name for person in signatories),
                    )
                )
                rows.parties.extend((annotation, ctx.parties[p].pk) for p in parties)
                rows.signatories.extend((annotation, person.pk) for person in signatories)
        ctx.paragraph[key] = paragraph
    return rows
