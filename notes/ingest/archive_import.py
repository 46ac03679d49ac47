"""Loading an archive document (`import_archive`); the document is described in
:mod:`notes.ingest.archive`.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.color import no_style
from django.db import DatabaseError, connection, models, transaction
from django.db.models.fields.related import RelatedField

from notes.ingest.archive import (
    FORMAT,
    FORMAT_VERSION,
    HISTORY_USER,
    ArchiveError,
    Section,
    row_key,
    sections,
)
from notes.models import AgendaItem, Annotation, Meeting
from notes.sql.bulk import defer_search_vectors, refresh_search_vectors

BATCH_SIZE = 500
KIND_TEXT = ("kind", "text")


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
    for key in LATER_SECTIONS:  # a file written before these existed has none of them
        document.setdefault(key, [])
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
        later = {key: value for key, value in LATER_COLUMNS.items() if key in keys}
        for index, row in enumerate(rows):
            where = f"{section.key}[{index}]"
            if not isinstance(row, dict):
                raise ArchiveError(f"{where} must be an object")
            for key, value in later.items():  # written before the column existed
                row.setdefault(key, value)
            if missing := sorted(keys - row.keys()):
                raise ArchiveError(f"{where} is missing key(s): {', '.join(missing)}")
            if unknown := sorted(row.keys() - keys):
                raise ArchiveError(f"{where} has unknown key(s): {', '.join(unknown)}")


# Columns added to the format after its version 1 was first written, with the value a row
# from an older file gets (the model's default): such a file still imports.
LATER_COLUMNS: dict[str, Any] = {"location": "", "source_url": "", "time": "", "decision": ""}
LATER_SECTIONS = ("votes", "ballots", "attendance")


def _decode(f: models.Field, value: Any, where: str) -> Any:
    """The file's value for a column, checked and converted for the database."""
    if value is None:
        return None
    target = f.target_field if isinstance(f, RelatedField) else f  # the relations' fields
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


def _column(f: models.Field | models.ForeignObjectRel) -> str:
    """The database column of a concrete field (Django's test for concrete: it has one)."""
    assert isinstance(f, models.Field) and f.column is not None, f
    return f.column


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


def _history_users(document: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    """The accounts the history rows name: ({username: id}, usernames without an account)."""
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
    return users, usernames - users.keys()


@dataclass
class _SectionRows:
    """One list of the document, checked and converted: the rows to upsert (in the order of
    the section's columns), their primary keys and their many-to-many lists."""

    rows: list[list[Any]] = field(default_factory=list)
    seen: set[Any] = field(default_factory=set)
    links: dict[str, dict[int, list[int]]] = field(default_factory=dict)


def _section_rows(section: Section, items: list[dict], users: dict[str, Any]) -> _SectionRows:
    model = section.model
    fields = section.fields
    result = _SectionRows(links={name: {} for name in section.m2m})
    for index, item in enumerate(items):
        where = f"{section.key}[{index}]"
        row = []
        for f in fields:
            value = item[row_key(f)]
            if f.name == HISTORY_USER:
                row.append(users.get(value))
            else:
                row.append(_decode(f, value, f"{where}.{row_key(f)}"))
        pk = row[fields.index(model._meta.pk)]
        if pk is None:
            raise ArchiveError(f"{where}: the primary key must not be null")
        if pk in result.seen:
            raise ArchiveError(f"{where}: id {pk} appears twice in '{section.key}'")
        result.seen.add(pk)
        for name in section.m2m:
            result.links[name][pk] = _id_list(item[name], f"{where}.{name}")
        if model is Annotation:
            names = [f.name for f in fields]
            kind, text = (row[names.index(n)] for n in KIND_TEXT)
            if kind is None or text is None:
                raise ArchiveError(f"{where}: kind and text must not be null")
            row.append(Annotation.compute_fingerprint(kind, text))
        result.rows.append(row)
    return result


def _load_section(cursor, section: Section, loaded: _SectionRows, result: ImportResult) -> None:
    """Upsert one list's rows and replace its links, counting what changed in ``result``."""
    model = section.model
    columns = [_column(f) for f in section.fields]
    if model is Annotation:
        columns.append(_column(model._meta.get_field("fingerprint")))
    written = _upsert(cursor, model, columns, loaded.rows)
    inserted = sum(written.values())
    result.sections[section.key] = SectionResult(
        inserted=inserted,
        updated=len(written) - inserted,
        unchanged=len(loaded.rows) - len(written),
    )
    for name in section.m2m:
        result.links_replaced += len(_replace_links(cursor, model, name, loaded.links[name]))


def _move_sequences(cursor) -> None:
    """Move the id sequences past the highest ids, of the rows and of their history."""
    for statement in connection.ops.sequence_reset_sql(no_style(), [s.model for s in sections()]):
        cursor.execute(statement)
    # Nor may a new row take the id of a deleted one that still has history.
    qn = connection.ops.quote_name
    for model in (Meeting, AgendaItem, Annotation):
        pk = model._meta.pk
        history = model.history.model._meta
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence(%s, %s), m) FROM "
            f"(SELECT GREATEST((SELECT max({qn(_column(pk))}) FROM {qn(model._meta.db_table)}), "
            f"(SELECT max({qn(history.get_field(pk.name).column)}) FROM {qn(history.db_table)})"
            f") AS m) AS highest WHERE m IS NOT NULL",
            [model._meta.db_table, pk.column],
        )


def _refresh_stale_vectors(cursor, annotation_ids: list[int]) -> int:
    """Recompute the vectors that the load left out of date (new or changed rows, links,
    titles, names) among ``annotation_ids``; return how many."""
    qn = connection.ops.quote_name
    meta = Annotation._meta
    table, pk = qn(meta.db_table), qn(_column(meta.pk))
    item, text, vector = (qn(_column(meta.get_field(n))) for n in ("item", "text", "search_vector"))
    stale: list[int] = []
    for batch in _batches(annotation_ids, 10_000):
        cursor.execute(
            f"SELECT {pk} FROM {table} WHERE {pk} = ANY(%s) AND {vector} "
            f"IS DISTINCT FROM notes_annotation_vector({pk}, {item}, {text}) ORDER BY {pk}",
            [batch],
        )
        stale.extend(found for (found,) in cursor.fetchall())
    if stale:
        refresh_search_vectors(stale)
    return len(stale)


def load_document(document: dict[str, Any]) -> ImportResult:
    """Upsert a checked document into the database, in one transaction (see the module)."""
    check_document(document)
    result = ImportResult()
    users, result.unknown_users = _history_users(document)

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('notes.defer_search_vector', true)")
        previous_defer = cursor.fetchone()[0] or ""
        defer_search_vectors()
        annotation_ids: list[int] = []
        for section in sections():
            loaded = _section_rows(section, document[section.key], users)
            _load_section(cursor, section, loaded, result)
            if section.model is Annotation:
                annotation_ids = sorted(loaded.seen)

        # References (foreign keys) are checked now rather than at commit, to report them here.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        _move_sequences(cursor)
        result.vectors_refreshed = _refresh_stale_vectors(cursor, annotation_ids)
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
