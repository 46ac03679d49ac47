"""CSV and JSON exports of exactly what /notes/ lists for the same query string.

Both stream: rows are read from the database in chunks (a server-side cursor plus one prefetch
per chunk) and written as they come, so memory stays the same for ten rows or a hundred
thousand. The filter, its validation and its order are the list page's own (AnnotationFilter
via `filtered_annotations`), so an export can never disagree with the page it was taken from.
"""

from __future__ import annotations

import csv
import datetime
import json
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from notes.models import Annotation
from notes.queries.annotations import filtered_annotations
from notes.queries.reading import reading_alias
from notes.values import public_source
from notes.web.errors import bad_filter
from notes.web.ratelimit import ExportSlot, SlotStream, too_many_exports

# Hard cap on rows per export. Larger archives are fetched in parts with date_after/date_before.
# The check is free: the query is sliced to MAX_ROWS + 1 rows and the extra row, if it comes,
# is not written but tells the JSON export to say `"truncated": true` (no COUNT(*) beforehand).
MAX_ROWS = 100_000
CHUNK_SIZE = 2000

CSV_COLUMNS = [
    "id",
    "url",
    "kind",
    "kind_code",
    "date",
    "body",
    "item_number",
    "paragraph",
    "item_title",
    "case_number",
    "parties",
    "signatories",
    "text",
    "source",
    "source_url",
    "corrected_at",
]

# Cells starting with these are formulas to Excel and LibreOffice (CSV injection, OWASP).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def export_queryset(queryset):
    """The result without the columns only the list page needs.

    A search adds `snippet` (ts_headline over the whole text, and `title_snippet` over the
    title), which is costly per row and
    useless in an export that carries the whole text; it is masked out of the SELECT while
    `rank` stays available to ORDER BY, so the order is unchanged. The search vector is
    never shown.
    """
    queryset = queryset.defer("search_vector")
    query = queryset.query
    if "snippet" in query.annotations:
        query.set_annotation_mask(set(query.annotation_select) - {"snippet", "title_snippet"})
    return queryset


# What an export reads of each annotation: plain values, no model instances (a tenth of the
# time per row at 10,000 rows); the order stays the result's own.
VALUE_FIELDS = (
    "id", "kind", "date", "text", "source", "corrected_at", "item__number", "item__paragraph",
    "item__title", "item__case_number", "item__meeting__body__name", "item__meeting__source_url",
)  # fmt: skip


def _chunks(rows, size: int):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _links(through, target: str, ids: list[int], alias: str, *fields: str) -> dict[int, list]:
    """Each annotation's linked parties or people, in the order entered (link ids)."""
    linked: dict[int, list] = {}
    rows = through.objects.using(alias).filter(annotation_id__in=ids).order_by("id")
    for annotation_id, *values in rows.values_list(
        "annotation_id", *(f"{target}__{f}" for f in fields)
    ):
        linked.setdefault(annotation_id, []).append(values)
    return linked


def bound_to_request(queryset):
    """The result bound to the database this request reads (a replica for a public read):
    its rows are streamed after the view has returned, when the request's choice is gone."""
    return queryset.using(reading_alias())


def stream_rows(queryset, prefix: str):
    """At most MAX_ROWS annotations as export rows (dicts), then a final `None` if there
    were more. Read with a server-side cursor in chunks; each chunk's parties and signatories
    in one query each, so the queries grow with chunks, not rows."""
    labels = kind_labels()
    url = reverse("notes:annotation_detail", args=[987654321])
    head, tail = (prefix + url).split("987654321")
    rows = export_queryset(queryset)[: MAX_ROWS + 1].values_list(*VALUE_FIELDS)
    alias = queryset.db  # the database the view bound it to (bound_to_request)
    written = 0
    for chunk in _chunks(rows.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
        ids = [row[0] for row in chunk]
        parties = _links(Annotation.parties.through, "party", ids, alias, "abbreviation", "name")
        people = _links(Annotation.signatories.through, "person", ids, alias, "name")
        for row in chunk:
            if written == MAX_ROWS:
                yield None
                return
            written += 1
            yield _row(row, head, tail, labels, parties, people)


def _row(row, head: str, tail: str, labels, parties, people) -> dict:
    (pk, kind, date, text, source, corrected, number, paragraph, title, case, body,
     minutes) = row  # fmt: skip
    return {
        "id": pk,
        "url": f"{head}{pk}{tail}",
        "kind": labels.get(kind, kind),
        "kind_code": kind,
        "date": date.isoformat(),
        "body": body,
        "item_number": number,
        "paragraph": paragraph,
        "item_title": title,
        "case_number": case,
        "parties": [{"abbreviation": a, "name": n} for a, n in parties.get(pk, [])],
        "signatories": [name for (name,) in people.get(pk, [])],
        "text": text,
        "source": public_source(source),
        "source_url": minutes,  # the official minutes, where known
        # When a clerk corrected what the public reads, after publication (else null).
        "corrected_at": corrected.isoformat() if corrected else None,
    }


def site_prefix(request) -> str:
    """`https://host` once per export, so rows need no build_absolute_uri each."""
    return request.build_absolute_uri("/").rstrip("/")


def kind_labels() -> dict[str, str]:
    """Kind code to label, translated once per export instead of once per row."""
    return {code: str(label) for code, label in Annotation.Kind.choices}


def neutralise_formula(value):
    """Prefix a cell that a spreadsheet would run as a formula with `'`, so it shows as text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_cells(values: dict) -> list:
    """The CSV row: lists joined with ", ", empty cells for missing numbers."""
    flat = {
        **values,
        "parties": ", ".join(p["abbreviation"] for p in values["parties"]),
        "signatories": ", ".join(values["signatories"]),
    }
    return [neutralise_formula("" if flat[c] is None else flat[c]) for c in CSV_COLUMNS]


class LineBuffer:
    """A file-like object whose write() returns the line, for csv.writer in a generator."""

    def write(self, value):
        return value


def export_filename(extension: str) -> str:
    """`anteckningar-20240131.csv`: the date tells apart files saved on different days."""
    return f"anteckningar-{timezone.localdate():%Y%m%d}.{extension}"


def csv_lines(queryset, prefix: str):
    """BOM (Excel reads UTF-8 only with it), header, then one CRLF-terminated line per row."""
    writer = csv.writer(LineBuffer(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for values in stream_rows(queryset, prefix):
        if values is None:
            return
        yield writer.writerow(csv_cells(values))


@require_safe
def export_csv(request):
    """The current filter as semicolon-separated UTF-8, as Swedish Excel expects."""
    annotation_filter, result = filtered_annotations(request.GET)
    if result is None:
        return bad_filter(annotation_filter)
    slot = ExportSlot(request)
    if not slot.take():
        return too_many_exports(request)
    response = StreamingHttpResponse(
        SlotStream(csv_lines(bound_to_request(result), site_prefix(request)), slot),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{export_filename("csv")}"'
    response["X-Export-Row-Limit"] = str(MAX_ROWS)
    return response


def json_scalar(value):
    """Cleaned form values as JSON: dates as YYYY-MM-DD, whole Decimals as integers."""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, list | tuple):
        return [json_scalar(v) for v in value]
    return value


def cleaned_filter(annotation_filter) -> dict:
    """The filter as understood (normalised, empty fields left out), for the export's header."""
    return {
        name: json_scalar(value)
        for name, value in annotation_filter.form.cleaned_data.items()
        if value not in (None, "", [])
    }


def json_chunks(queryset, head: dict, prefix: str):
    """`{"filter":…, "permalink":…, "results": [ … ], "count_exported": n, "truncated": b}`.

    Written piece by piece; count and truncation come last because they are only known then.
    """
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    opening = dumps(head)[:-1]  # the object without its closing brace
    yield opening + ', "results": ['
    count, truncated = 0, False
    for values in stream_rows(queryset, prefix):
        if values is None:
            truncated = True
            break
        yield ("\n" if count == 0 else ",\n") + dumps(values)
        count += 1
    yield f'\n], "count_exported": {count}, "truncated": {dumps(truncated)}}}\n'


@require_safe
def export_json(request):
    """The current filter as one JSON document, with the filter and this export's address."""
    annotation_filter, result = filtered_annotations(request.GET)
    if result is None:
        return bad_filter(annotation_filter, as_json=True)
    head = {
        "filter": cleaned_filter(annotation_filter),
        "permalink": request.build_absolute_uri(),
        "row_limit": MAX_ROWS,
    }
    slot = ExportSlot(request)
    if not slot.take():
        return too_many_exports(request)
    response = StreamingHttpResponse(
        SlotStream(json_chunks(bound_to_request(result), head, site_prefix(request)), slot),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{export_filename("json")}"'
    response["X-Export-Row-Limit"] = str(MAX_ROWS)
    return response
