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
from django.utils import timezone
from django.views.decorators.http import require_safe

from notes.models import Annotation
from notes.queries.annotations import filtered_annotations
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


def stream_rows(queryset):
    """At most MAX_ROWS annotations, then a final `None` if there were more.

    `iterator(chunk_size=...)` keeps the prefetches of parties and signatories working, one
    query per chunk, so the number of queries grows with chunks, not rows.
    """
    for index, annotation in enumerate(
        export_queryset(queryset)[: MAX_ROWS + 1].iterator(chunk_size=CHUNK_SIZE)
    ):
        if index == MAX_ROWS:
            yield None
            return
        yield annotation


def site_prefix(request) -> str:
    """`https://host` once per export, so rows need no build_absolute_uri each."""
    return request.build_absolute_uri("/").rstrip("/")


def kind_labels() -> dict[str, str]:
    """Kind code to label, translated once per export instead of once per row."""
    return {code: str(label) for code, label in Annotation.Kind.choices}


def row_values(annotation, prefix: str, labels: dict[str, str]) -> dict:
    """One annotation as the plain values both exports share."""
    item = annotation.item
    return {
        "id": annotation.pk,
        "url": prefix + annotation.get_absolute_url(),
        "kind": labels.get(annotation.kind, annotation.kind),
        "kind_code": annotation.kind,
        "date": annotation.date.isoformat(),
        "body": item.meeting.body.name,
        "item_number": item.number,
        "paragraph": item.paragraph,
        "item_title": item.title,
        "case_number": item.case_number,
        "parties": [
            {"abbreviation": p.abbreviation, "name": p.name} for p in annotation.parties.all()
        ],
        "signatories": [person.name for person in annotation.signatories.all()],
        "text": annotation.text,
        "source": public_source(annotation.source),
        "source_url": item.meeting.source_url,  # the official minutes, where known
        # When a clerk corrected what the public reads, after publication (else null).
        "corrected_at": annotation.corrected_at.isoformat() if annotation.corrected_at else None,
    }


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
    labels = kind_labels()
    yield "\ufeff" + writer.writerow(CSV_COLUMNS)
    for annotation in stream_rows(queryset):
        if annotation is None:
            return
        yield writer.writerow(csv_cells(row_values(annotation, prefix, labels)))


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
        SlotStream(csv_lines(result, site_prefix(request)), slot),
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
    count, truncated, labels = 0, False, kind_labels()
    for annotation in stream_rows(queryset):
        if annotation is None:
            truncated = True
            break
        yield ("\n" if count == 0 else ",\n") + dumps(row_values(annotation, prefix, labels))
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
        SlotStream(json_chunks(result, head, site_prefix(request)), slot),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'inline; filename="{export_filename("json")}"'
    response["X-Export-Row-Limit"] = str(MAX_ROWS)
    return response
