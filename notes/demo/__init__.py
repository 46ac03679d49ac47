"""Demo data: a deterministic, invented archive for trying the site and measuring it.

Invented people and texts only: demo rows are flagged `is_demo`, and the pages say so.

The modules, in the order a run uses them:

- vocabulary: the word lists and weights, read from vocabulary.toml
- rng: the seeded random source every choice comes from
- people: the invented people who sign demo annotations
- plan: which body meets when, with how many annotations; the chunks of meetings
- texts: agenda item titles and annotation texts
- rows: a chunk's items, annotations and links, generated in memory
- writer: COPY of the rows, with the search vectors from a second session
- generator: generate() and delete_demo_data(), the public API (with errors.DemoDataError)
"""

from notes.demo.generator import (
    DemoDataError,
    delete_demo_data,
    demo_data_counts,
    generate,
    has_demo_data,
)

__all__ = ["DemoDataError", "delete_demo_data", "demo_data_counts", "generate", "has_demo_data"]
