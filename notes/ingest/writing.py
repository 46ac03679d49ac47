"""A new annotation with its parties, signatories and history, written in two round trips.

The rows are those that ``annotation.save()``, ``parties.set(parties)`` and
``signatories.set(people)`` write with django-simple-history: the annotation, its links, and a
history record after each of the three steps (a "+" without links, a "~" with the party links,
and when there are signatories a "~" with both), each with the links of its moment. Written
here in two round trips instead of about twenty (through the ORM and the history signals,
that was two thirds of an import's time); tests/test_importing.py compares the two.
"""

from __future__ import annotations

import datetime
import functools

from django.db import connection
from django.utils import timezone
from simple_history.models import HistoricalRecords

from notes.models import Annotation, Party, Person

# The columns of a history record that describe the change rather than copy the annotation.
_HISTORY_OWN = ("history_id", "history_date", "history_change_reason", "history_type")
# The history record types of the three steps: created, parties set, signatories set.
_HISTORY_TYPES = "+~~"


def _added_ids(objects) -> list[int]:
    """The ids of ``objects`` once each, in the order the text gives them: the order of the
    link rows is the order the archive shows (a plain ``add(*objects)`` would insert them in
    an order of its own)."""
    return list(dict.fromkeys(obj.pk for obj in objects))


@functools.cache
def _history_models():
    """HistoricalAnnotation and its many-to-many history models (looking them up through
    the ``history`` descriptor builds a manager each time)."""
    history = Annotation.history.model
    return history, history.parties.model, history.signatories.model


def _history_user():
    """The author django-simple-history records: the request's user, when there is one."""
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user.pk if user is not None and user.is_authenticated else None


def _insert(model, fields: list[str], rows: list[tuple]) -> tuple[str, list]:
    """An ``INSERT … VALUES`` of ``rows`` (values in the order of the ``fields`` attnames)."""
    meta = model._meta
    columns = ", ".join(connection.ops.quote_name(meta.get_field(f).column) for f in fields)
    placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({columns}) VALUES " + ", ".join(
        [placeholders] * len(rows)
    )
    params = [
        meta.get_field(f).get_db_prep_save(value, connection)
        for row in rows
        for f, value in zip(fields, row, strict=True)
    ]
    return sql, params


def _reserve_ids(
    party_count: int, person_count: int, steps: int
) -> tuple[int, list[int], list[int], list[int]]:
    """In one query: the annotation's id and those of its party links, its signatory links
    and its ``steps`` history records, drawn from their sequences."""
    history = _history_models()[0]
    sequences = [
        (model._meta.db_table, model._meta.pk.column)
        for model in (
            Annotation,
            Annotation.parties.through,
            Annotation.signatories.through,
            history,
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)), ARRAY("
            "  SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
            "), ARRAY("
            "  SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)"
            "), ARRAY("
            "  SELECT nextval(pg_get_serial_sequence(%s, %s)) "
            "  FROM generate_series(1, %s)"
            ")",
            [
                *sequences[0],
                *sequences[1],
                party_count,
                *sequences[2],
                person_count,
                *sequences[3],
                steps,
            ],
        )
        return cursor.fetchone()


@functools.cache
def _copied_fields() -> tuple[str, ...]:
    """The attnames of the history record's copy of the annotation."""
    return tuple(
        f.attname
        for f in _history_models()[0]._meta.concrete_fields
        if f.attname not in _HISTORY_OWN and f.name != "history_user"
    )


def _history_records(annotation: Annotation, history_ids: list[int]) -> list[tuple]:
    """One history row per id, in the order of ``_HISTORY_OWN``, the user and the copied
    fields; each strictly later than the one before, as with the statements in between."""
    values = tuple(getattr(annotation, name) for name in _copied_fields())
    user = _history_user()
    records: list[tuple] = []
    for step, (history_id, history_type) in enumerate(
        zip(history_ids, _HISTORY_TYPES, strict=False)
    ):
        if step:
            previous = records[-1][1]
            moment = max(timezone.now(), previous + datetime.timedelta(microseconds=1))
        else:
            moment = timezone.now()
        records.append((history_id, moment, None, history_type, user, *values))
    return records


def _statements(
    annotation: Annotation,
    party_links: list[tuple[int, int]],
    person_links: list[tuple[int, int]],
    records: list[tuple],
) -> list[tuple[str, list]]:
    """The INSERTs, links first: the foreign keys are checked at commit, and the search
    trigger then computes the vector once, as the annotation is inserted."""
    history, party_history, person_history = _history_models()
    pk = annotation.pk
    stored = [f.attname for f in Annotation._meta.concrete_fields if f.attname != "search_vector"]
    statements = [
        _insert(
            Annotation.parties.through,
            ["id", "annotation_id", "party_id"],
            [(i, pk, p) for i, p in party_links],
        ),
        _insert(Annotation, stored, [tuple(getattr(annotation, name) for name in stored)]),
        _insert(history, [*_HISTORY_OWN, "history_user_id", *_copied_fields()], records),
        _insert(
            party_history,
            ["id", "annotation_id", "party_id", "history_id"],
            [(i, pk, p, h) for h, *_ in records[1:] for i, p in party_links],
        ),
    ]
    if person_links:
        statements[1:1] = [
            _insert(
                Annotation.signatories.through,
                ["id", "annotation_id", "person_id"],
                [(i, pk, p) for i, p in person_links],
            )
        ]
        statements.append(
            _insert(
                person_history,
                ["id", "annotation_id", "person_id", "history_id"],
                [(i, pk, p, records[2][0]) for i, p in person_links],
            )
        )
    return statements


def _execute_pipelined(statements: list[tuple[str, list]]) -> None:
    """Send the statements in one round trip. Errors surface when the pipeline ends:
    translated there into Django's, such as the IntegrityError that import_bytes() reports."""
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        connection.connection.pipeline(),
    ):
        for sql, params in statements:
            cursor.execute(sql, params)


def create_annotation(
    annotation: Annotation, parties: list[Party], people: list[Person]
) -> Annotation:
    """Insert a new (unsaved) annotation with its parties and signatories, and return it."""
    party_ids = _added_ids(parties)
    person_ids = _added_ids(people)
    pk, party_link_ids, person_link_ids, history_ids = _reserve_ids(
        len(party_ids), len(person_ids), 3 if person_ids else 2
    )
    annotation.pk = pk
    for field in Annotation._meta.concrete_fields:
        field.pre_save(annotation, add=True)  # created_at and updated_at
    party_links = list(zip(party_link_ids, party_ids, strict=True))
    person_links = list(zip(person_link_ids, person_ids, strict=True))
    records = _history_records(annotation, history_ids)
    _execute_pipelined(_statements(annotation, party_links, person_links, records))
    annotation._state.adding = False
    annotation._state.db = connection.alias
    return annotation
