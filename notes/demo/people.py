"""The invented people who sign demo annotations (the only demo rows with slugs; bodies and
parties are the real ones, made by notes.ingest.importing)."""

from __future__ import annotations

import random

from notes.demo.vocabulary import FIRST_NAMES, LAST_NAMES
from notes.models import Party, Person, unique_slug

# Rows per INSERT statement.
BATCH_SIZE = 5_000


def _create_people(rng: random.Random, parties: dict[str, Party]) -> dict[str, list[Person]]:
    """Invent 8–15 people per party from common Swedish names; never reuse a slug."""
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    taken = set(Person.objects.values_list("slug", flat=True))
    people: dict[str, list[Person]] = {}
    rows = []
    for abbreviation, party in parties.items():
        members = []
        for _ in range(rng.randint(8, 15)):
            name = names.pop()
            slug = unique_slug(name, taken.__contains__)
            taken.add(slug)
            members.append(Person(name=name, slug=slug, party=party, is_demo=True))
        people[abbreviation] = members
        rows.extend(members)
    Person.objects.bulk_create(rows, batch_size=BATCH_SIZE)
    return people
