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

Not in the document: the search vector, the search vocabulary (`SearchWord`) and the
annotation fingerprint — all derived, and rebuilt on import — and user accounts.

Importing
---------
One transaction: a file with any error saves nothing. Rows are upserted by primary key:

- a row that is missing is inserted with the file's primary key;
- a row that exists and is identical is left untouched (importing twice changes nothing);
- a row that exists but differs is overwritten by the file's version. No new history row is
  written for that: the history rows come from the file too, and are upserted the same way;
- rows in the database that are not in the file are kept (an import merges, it never deletes);
- an annotation's parties and signatories become exactly the file's lists;
- `history_user` is looked up by username; a username with no account here becomes null;
- a row that clashes with a *different* row on a unique value (two bodies with the same
  name, two meetings of a body on one day) stops the import with an error.

Afterwards the id sequences are moved past the highest ids, and the search vectors of the
imported annotations are recomputed where they are out of date.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.postgres.expressions import ArraySubquery
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.models import OuterRef

from notes.models import AgendaItem, Annotation, Body, Meeting, Party, Person
from notes.queries.search import defer_search_vectors, refresh_search_vectors

FORMAT = "huddinge-archive"
FORMAT_VERSION = 1
HISTORY_USER = "history_user"
BATCH_SIZE = 500
CHUNK_SIZE = 2000
KIND_TEXT = ("kind", "text")


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
        return [_key(f) for f in self.fields] + list(self.m2m)


def _key(f: models.Field) -> str:
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
            # Derived: the vector is rebuilt by the search SQL, the fingerprint from the text.
            exclude=frozenset({"search_vector", "fingerprint"}),
            m2m=("parties", "signatories"),
        ),
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
        through = model._meta.get_field(name).remote_field.through
        source = model._meta.get_field(name).m2m_field_name()
        target = model._meta.get_field(name).m2m_reverse_field_name()
        alias = f"archive_{name}_ids"
        queryset = queryset.annotate(
            **{
                alias: ArraySubquery(
                    through.objects.filter(**{f"{source}_id": OuterRef("pk")})
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


# --- Import ----------------------------------------------------------------------------------


@dataclass
class SectionResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportResult:
    sections: dict[str, SectionResult] = field(default_factory=dict)
    links_replaced: int = 0
    vectors_refreshed: int = 0
    unknown_users: set[str] = field(default_factory=set)

    @property
    def changed(self) -> int:
        return sum(r.inserted + r.updated for r in self.sections.values()) + self.links_replaced


def read_document(path: str | Path) -> dict[str, Any]:
    """Parse and check the document's outline (format, version, lists of objects)."""
    try:
        with open(path, encoding="utf-8") as handle:
            document = json.load(handle)
    except OSError as exc:
        raise ArchiveError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise ArchiveError(f"{path} is not UTF-8 text: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise ArchiveError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    check_document(document)
    return document


def check_document(document: Any) -> None:
    if not isinstance(document, dict):
        raise ArchiveError("the document must be a JSON object")
    if document.get("format") != FORMAT:
        raise ArchiveError(
            f"not an archive export: 'format' is {document.get('format')!r}, expected {FORMAT!r}"
        )
    if document.get("version") != FORMAT_VERSION:
        raise ArchiveError(
            f"unsupported format version {document.get('version')!r} "
            f"(this program reads version {FORMAT_VERSION})"
        )
    expected = {s.key for s in sections()} | {"format", "version"}
    missing = sorted(expected - document.keys())
    if missing:
        raise ArchiveError(f"missing key(s): {', '.join(missing)}")
    unknown = sorted(document.keys() - expected)
    if unknown:
        raise ArchiveError(f"unknown key(s): {', '.join(unknown)}")
    for section in sections():
        rows = document[section.key]
        if not isinstance(rows, list):
            raise ArchiveError(f"'{section.key}' must be a list")
        keys = set(section.keys)
        for index, row in enumerate(rows):
            where = f"{section.key}[{index}]"
            if not isinstance(row, dict):
                raise ArchiveError(f"{where} must be an object")
            if missing := sorted(keys - row.keys()):
                raise ArchiveError(f"{where} is missing key(s): {', '.join(missing)}")
            if unknown := sorted(row.keys() - keys):
                raise ArchiveError(f"{where} has unknown key(s): {', '.join(unknown)}")


def _decode(f: models.Field, value: Any, where: str) -> Any:
    """The file's value for a column, checked and converted for the database."""
    if value is None:
        return None
    target = f.target_field if f.is_relation else f
    if isinstance(target, models.DateTimeField):
        try:
            parsed = datetime.datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.tzinfo is None:
            raise ArchiveError(f"{where}: {value!r} is not an ISO datetime with a UTC offset")
        return parsed
    if isinstance(target, models.DateField):
        try:
            return datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise ArchiveError(f"{where}: {value!r} is not an ISO date") from None
    if isinstance(target, models.BooleanField):
        if not isinstance(value, bool):
            raise ArchiveError(f"{where}: {value!r} is not true or false")
        return value
    if isinstance(target, models.IntegerField):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ArchiveError(f"{where}: {value!r} is not a whole number")
        return value
    if isinstance(target, models.CharField | models.TextField):
        if not isinstance(value, str):
            raise ArchiveError(f"{where}: {value!r} is not a string")
        return value
    try:
        return target.get_db_prep_save(target.to_python(value), connection)
    except Exception as exc:
        raise ArchiveError(f"{where}: {value!r} is not valid: {exc}") from None


def _id_list(value: Any, where: str) -> list[int]:
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        raise ArchiveError(f"{where} must be a list of ids")
    if len(set(value)) != len(value):
        raise ArchiveError(f"{where} lists an id twice")
    return value


def _batches(items: list, size: int = BATCH_SIZE) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _upsert(cursor, model, columns: list[str], rows: list[list[Any]]) -> dict[Any, bool]:
    """Insert or overwrite rows by primary key; return {pk: inserted} for rows written.

    A row that is already identical is not written at all (no trigger fires, nothing changes).
    """
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    pk = qn(model._meta.pk.column)
    quoted = [qn(c) for c in columns]
    others = [c for c in quoted if c != pk]
    placeholders = "(" + ", ".join(["%s"] * len(columns)) + ")"
    written: dict[Any, bool] = {}
    for batch in _batches(rows):
        sql = (
            f"INSERT INTO {table} AS t ({', '.join(quoted)}) "
            f"VALUES {', '.join([placeholders] * len(batch))} "
            f"ON CONFLICT ({pk}) DO UPDATE SET "
            + ", ".join(f"{c} = EXCLUDED.{c}" for c in others)
            + f" WHERE ({', '.join(f't.{c}' for c in others)}) IS DISTINCT FROM "
            f"({', '.join(f'EXCLUDED.{c}' for c in others)}) "
            f"RETURNING t.{pk}, (t.xmax = 0)"
        )
        cursor.execute(sql, [value for row in batch for value in row])
        written.update(cursor.fetchall())
    return written


def _replace_links(cursor, model, name: str, links: dict[int, list[int]]) -> set[int]:
    """Make each annotation's links exactly the file's list; return the annotations changed."""
    m2m = model._meta.get_field(name)
    through = m2m.remote_field.through
    qn = connection.ops.quote_name
    table = qn(through._meta.db_table)
    source = qn(m2m.m2m_column_name())
    target = qn(m2m.m2m_reverse_name())
    changed: set[int] = set()
    for batch in _batches(list(links)):
        existing: dict[int, list[int]] = {pk: [] for pk in batch}
        cursor.execute(
            f"SELECT {source}, {target} FROM {table} WHERE {source} = ANY(%s) "
            f"ORDER BY {source}, {qn(through._meta.pk.column)}",
            [batch],
        )
        for owner, other in cursor.fetchall():
            existing[owner].append(other)
        differing = [pk for pk in batch if existing[pk] != links[pk]]
        if not differing:
            continue
        changed.update(differing)
        cursor.execute(f"DELETE FROM {table} WHERE {source} = ANY(%s)", [differing])
        pairs = [(pk, other) for pk in differing for other in links[pk]]
        for chunk in _batches(pairs):
            cursor.execute(
                f"INSERT INTO {table} ({source}, {target}) VALUES "
                + ", ".join(["(%s, %s)"] * len(chunk)),
                [value for pair in chunk for value in pair],
            )
    return changed


def load_document(document: dict[str, Any]) -> ImportResult:
    """Upsert a checked document into the database, in one transaction (see the module)."""
    check_document(document)
    result = ImportResult()
    user_model = get_user_model()
    usernames = {
        row[HISTORY_USER]
        for s in sections()
        if HISTORY_USER in s.keys
        for row in document[s.key]
        if row[HISTORY_USER] is not None
    }
    for name in usernames:
        if not isinstance(name, str):
            raise ArchiveError(f"history_user {name!r} is not a username")
    users = dict(
        user_model._default_manager.filter(
            **{f"{user_model.USERNAME_FIELD}__in": usernames}
        ).values_list(user_model.USERNAME_FIELD, "pk")
    )
    result.unknown_users = usernames - users.keys()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('notes.defer_search_vector', true)")
        previous_defer = cursor.fetchone()[0] or ""
        defer_search_vectors()
        annotation_ids: list[int] = []
        for section in sections():
            model = section.model
            fields = section.fields
            rows = []
            seen = set()
            links: dict[str, dict[int, list[int]]] = {name: {} for name in section.m2m}
            for index, item in enumerate(document[section.key]):
                where = f"{section.key}[{index}]"
                row = []
                for f in fields:
                    value = item[_key(f)]
                    if f.name == HISTORY_USER:
                        row.append(users.get(value))
                    else:
                        row.append(_decode(f, value, f"{where}.{_key(f)}"))
                pk = row[fields.index(model._meta.pk)]
                if pk is None:
                    raise ArchiveError(f"{where}: the primary key must not be null")
                if pk in seen:
                    raise ArchiveError(f"{where}: id {pk} appears twice in '{section.key}'")
                seen.add(pk)
                for name in section.m2m:
                    links[name][pk] = _id_list(item[name], f"{where}.{name}")
                if model is Annotation:
                    kind, text = (row[fields.index(model._meta.get_field(n))] for n in KIND_TEXT)
                    if kind is None or text is None:
                        raise ArchiveError(f"{where}: kind and text must not be null")
                    row.append(Annotation.compute_fingerprint(kind, text))
                rows.append(row)
            columns = [f.column for f in fields]
            if model is Annotation:
                columns.append(model._meta.get_field("fingerprint").column)
            written = _upsert(cursor, model, columns, rows)
            inserted = sum(written.values())
            result.sections[section.key] = SectionResult(
                inserted=inserted,
                updated=len(written) - inserted,
                unchanged=len(rows) - len(written),
            )
            for name in section.m2m:
                result.links_replaced += len(_replace_links(cursor, model, name, links[name]))
            if model is Annotation:
                annotation_ids = sorted(seen)

        # References (foreign keys) are checked now rather than at commit, to report them here.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")

        for statement in connection.ops.sequence_reset_sql(
            no_style(), [s.model for s in sections()]
        ):
            cursor.execute(statement)
        # Nor may a new row take the id of a deleted one that still has history.
        for model in (Meeting, AgendaItem, Annotation):
            table = connection.ops.quote_name(model._meta.db_table)
            history = connection.ops.quote_name(model.history.model._meta.db_table)
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence(%s, 'id'), m) FROM "
                f"(SELECT GREATEST((SELECT max(id) FROM {table}), "
                f"(SELECT max(id) FROM {history})) AS m) AS highest WHERE m IS NOT NULL",
                [model._meta.db_table],
            )

        # Vectors that the load left out of date (new or changed rows, links, titles, names).
        stale = []
        for batch in _batches(annotation_ids, 10_000):
            cursor.execute(
                "SELECT id FROM notes_annotation WHERE id = ANY(%s) AND search_vector "
                "IS DISTINCT FROM notes_annotation_vector(id, item_id, text) ORDER BY id",
                [batch],
            )
            stale.extend(pk for (pk,) in cursor.fetchall())
        if stale:
            refresh_search_vectors(stale)
        result.vectors_refreshed = len(stale)
        cursor.execute("SELECT set_config('notes.defer_search_vector', %s, true)", [previous_defer])
    return result


def import_archive(path: str | Path) -> ImportResult:
    """Read and import a document; ArchiveError (nothing saved) if anything is wrong."""
    document = read_document(path)
    try:
        return load_document(document)
    except DatabaseError as exc:
        detail = " ".join(str(exc).split())
        raise ArchiveError(f"the database refused the data: {detail}") from exc
