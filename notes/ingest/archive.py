"""The whole archive as one portable JSON document, and back (`export_archive`, `import_archive`).

The document
------------
One JSON object, UTF-8, keys sorted, one row per line, rows ordered by primary key, so the
same database always gives the same bytes::

    {"agenda_items": [...], "annotations": [...], "bodies": [...], "format": "huddinge-archive",
     "historical_agenda_items": [...], "historical_annotation_parties": [...],
     "historical_annotation_signatories": [...], "historical_annotations": [...],
     "historical_meetings": [...], "meetings": [...], "parties": [...], "people": [...],
     "version": 1}

A row holds every stored column of its table under the column's name (`body_id`, `item_id`,
…). Dates are ISO 8601 (`2021-05-05`), datetimes UTC with microseconds
(`2021-05-19T12:00:00.000000+00:00`). Annotations also carry `parties` and `signatories`:
the linked ids in the order they were linked. History rows keep their `history_id` (and the
m2m history rows their `m2m_history_id`); `history_user` is the username, or null.

Not in the document: the search vector, the search vocabulary (`SearchWord`), the
annotation fingerprint and its copies of publication, body and parties — all derived, and
rebuilt on import — and user accounts.

The import is in :mod:`notes.ingest.archive_import`.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection, models, transaction
from django.db.models import OuterRef

from notes.models import (
    COPIES,
    AgendaItem,
    Annotation,
    Attendance,
    Ballot,
    Body,
    Meeting,
    Party,
    Person,
    Vote,
)

FORMAT = "huddinge-archive"
FORMAT_VERSION = 1
HISTORY_USER = "history_user"
CHUNK_SIZE = 2000


class ArchiveError(Exception):
    """The file cannot be imported; the message says why (and where)."""


@dataclass(frozen=True)
class Section:
    """One list in the document: the rows of one table."""

    key: str
    model: type[models.Model]
    exclude: frozenset[str] = frozenset()
    # Many-to-many fields written as lists of ids on the row (in link order).
    m2m: tuple[str, ...] = ()

    @property
    def fields(self) -> list[models.Field]:
        return [f for f in self.model._meta.concrete_fields if f.name not in self.exclude]

    @property
    def keys(self) -> list[str]:
        return [row_key(f) for f in self.fields] + list(self.m2m)


def row_key(f: models.Field) -> str:
    """A column's key in a row of the document."""
    return HISTORY_USER if f.name == HISTORY_USER else f.attname


def sections() -> list[Section]:
    """The document's lists, parents before children (the order of an import)."""
    return [
        Section("bodies", Body),
        Section("parties", Party),
        Section("people", Person),
        Section("meetings", Meeting),
        Section("agenda_items", AgendaItem),
        Section(
            "annotations",
            Annotation,
            # Derived: the vector is rebuilt by the search SQL, the fingerprint from the text,
            # the copies of publication, body and parties by triggers (migration 0024).
            exclude=frozenset({"search_vector", "fingerprint", *COPIES}),
            m2m=("parties", "signatories"),
        ),
        Section("votes", Vote),
        Section("ballots", Ballot),
        Section("attendance", Attendance),
        Section("historical_meetings", Meeting.history.model),
        Section("historical_agenda_items", AgendaItem.history.model),
        Section("historical_annotations", Annotation.history.model),
        Section(
            "historical_annotation_parties", apps.get_model("notes", "HistoricalAnnotation_parties")
        ),
        Section(
            "historical_annotation_signatories",
            apps.get_model("notes", "HistoricalAnnotation_signatories"),
        ),
    ]


# --- Export ----------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:  # pragma: no cover - USE_TZ gives aware datetimes
            value = value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return value


def _rows(section: Section) -> Iterator[dict[str, Any]]:
    """The section's rows as JSON-ready dicts, by primary key, read in chunks."""
    model = section.model
    columns: list[str] = []
    queryset = model._base_manager.order_by("pk")
    for f in section.fields:
        columns.append(f"{f.name}__username" if f.name == HISTORY_USER else f.attname)
    for name in section.m2m:
        m2m_field = model._meta.get_field(name)
        assert isinstance(m2m_field, models.ManyToManyField)  # Section.m2m names forward m2m
        through = m2m_field.remote_field.through
        assert through is not None  # resolved to a model once the app registry is ready
        source = m2m_field.m2m_field_name()
        target = m2m_field.m2m_reverse_field_name()
        alias = f"archive_{name}_ids"
        queryset = queryset.annotate(
            **{
                alias: ArraySubquery(
                    through._default_manager.filter(**{f"{source}_id": OuterRef("pk")})
                    .order_by("pk")
                    .values(f"{target}_id")
                )
            }
        )
        columns.append(alias)
    keys = section.keys
    for values in queryset.values_list(*columns).iterator(chunk_size=CHUNK_SIZE):
        yield {key: _encode(value) for key, value in zip(keys, values, strict=True)}


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def write_archive(out: IO[str]) -> dict[str, int]:
    """Write the document to a text stream; return the number of rows per list."""
    counts: dict[str, int] = {}
    parts: dict[str, Any] = {"format": FORMAT, "version": FORMAT_VERSION}
    parts.update({s.key: s for s in sections()})
    with _snapshot():
        out.write("{")
        for index, key in enumerate(sorted(parts)):
            out.write(",\n" if index else "\n")
            out.write(f"{_dumps(key)}:")
            part = parts[key]
            if not isinstance(part, Section):
                out.write(_dumps(part))
                continue
            count = 0
            for row in _rows(part):
                out.write(",\n" if count else "[\n")
                out.write(_dumps(row))
                count += 1
            out.write("\n]" if count else "[]")
            counts[key] = count
        out.write("\n}\n")
    return counts


class _snapshot:
    """One consistent view of the database for the whole export, when we own the transaction."""

    def __enter__(self):
        self._atomic = transaction.atomic()
        outermost = not connection.in_atomic_block
        self._atomic.__enter__()
        if outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return self

    def __exit__(self, *exc):
        return self._atomic.__exit__(*exc)


def export_archive(path: str | Path) -> dict[str, int]:
    """Write the document to ``path`` ("-" for standard output), replacing it only when done."""
    if str(path) == "-":
        return write_archive(sys.stdout)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as out:
            counts = write_archive(out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return counts
