"""Facet counts: parsing the rows both ways of counting give, and the kept counts (FacetCount,
PartySetCount).

A large result filtered only by parties, body, kind and whole years (including no filter at
all: the plain /notes/ list) is counted from the kept counts, tables of a few thousand rows
that database triggers keep in step with every write (migrations 0010, 0028): one party from
FacetCount, several from PartySetCount. Dates inside a year add their edges, counted live.
Any other large result is counted over its rows, under a timeout
(notes.queries.annotations.annotation_facets).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import models

from notes.models import (
    AnnotationKind,
    AnnotationQuerySet,
    Body,
    FacetCount,
    Party,
    PartySetCount,
    PartySetMonthCount,
)
from notes.queries.filters import is_search
from notes.queries.reading import reading

EMPTY = ("party", "body", "kind", "year")

# Table names from the models, for the SQL composed below.
BODIES = Body._meta.db_table
PARTIES = Party._meta.db_table
KEPT = FacetCount._meta.db_table
SETS = PartySetCount._meta.db_table
MONTHS = PartySetMonthCount._meta.db_table


def rows_to_facets(rows) -> dict[str, list[dict]]:
    """(dimension, key, name, slug, count) rows → the facet lists the templates and API use."""
    facets: dict[str, list[dict]] = {name: [] for name in EMPTY}
    labels = dict(AnnotationKind.choices)
    for dimension, key, name, slug, count in rows:
        count = int(count)
        if count <= 0:
            continue
        if dimension == "party":
            row = {"abbreviation": key, "name": name, "slug": slug, "count": count}
        elif dimension == "body":
            row = {"slug": key, "name": name, "count": count}
        elif dimension == "kind":
            row = {"code": key, "name": labels.get(key, key), "count": count}
        else:
            row = {"year": int(key), "count": count}
        facets[dimension].append(row)
    facets["party"].sort(key=lambda r: (-r["count"], r["name"]))
    facets["body"].sort(key=lambda r: (-r["count"], r["name"]))
    facets["kind"].sort(key=lambda r: (-r["count"], r["code"]))
    facets["year"].sort(key=lambda r: -r["year"])
    return facets


def facet_counts(queryset: AnnotationQuerySet) -> dict[str, list[dict]]:
    """Counts of this result by party, body, kind and year, for the facet lists.

    One query: the result's rows (this queryset, so the counts agree with the result for
    any combination of filters) are read once and grouped four ways (census). Counting each
    facet over its own `pk IN (result)` read the result four times, which at a million
    annotations took seconds per facet.
    """
    return census(queryset, 0)[0]


def census(queryset: AnnotationQuerySet, newest: int) -> tuple[dict[str, list[dict]], list[tuple]]:
    """The result's facet counts and its `newest` newest rows as (pk, date), newest first,
    from the same single read of its rows (facet_counts). Their kind counts sum to its exact
    size."""
    result = queryset.order_by().values(
        "id", "kind", "date", "party_ids", body_id=models.F("body_key")
    )
    try:
        inner, params = result.query.sql_with_params()
    except EmptyResultSet:  # e.g. pk__in=[]: nothing to count
        return {"party": [], "body": [], "kind": [], "year": []}, []
    # One pass over the rows, grouped four ways at once (GROUPING SETS): by kind, body, year
    # and party set; the party sets (a few dozen) are then split into parties. Reading the
    # rows into a materialized CTE and grouping it four times, each row's parties unnested one
    # by one, took twice as long. Only a census (`newest`) keeps the rows, to take its newest.
    source = "r" if newest else f"({inner}) AS r"
    kept_rows = f"r AS MATERIALIZED ({inner})," if newest else ""
    newest_rows = (
        "UNION ALL SELECT 'newest', n.id::text, n.date::text, NULL, 0 FROM ("
        "SELECT id, date FROM r ORDER BY date DESC, id DESC LIMIT %s) n"
        if newest
        else ""
    )
    sql = f"""
        WITH {kept_rows}
        g AS MATERIALIZED (
            SELECT kind, body_id, EXTRACT(YEAR FROM date)::int AS y, party_ids, count(*) AS n,
                   GROUPING(kind) = 0 AS by_kind, GROUPING(body_id) = 0 AS by_body,
                   GROUPING(EXTRACT(YEAR FROM date)::int) = 0 AS by_year
              FROM {source}
             GROUP BY GROUPING SETS ((kind), (body_id), (EXTRACT(YEAR FROM date)::int),
                                     (party_ids))
        )
        SELECT 'party', p.abbreviation, p.name, p.slug, c.n
          FROM (SELECT party_id, sum(g.n) AS n
                  FROM g, unnest(g.party_ids) AS party_id
                 WHERE NOT (g.by_kind OR g.by_body OR g.by_year)
                 GROUP BY 1) c
          JOIN {PARTIES} p ON p.id = c.party_id
        UNION ALL
        SELECT 'body', b.slug, b.name, NULL, g.n
          FROM g JOIN {BODIES} b ON b.id = g.body_id
         WHERE g.by_body
        UNION ALL
        SELECT 'kind', kind, NULL, NULL, n FROM g WHERE by_kind
        UNION ALL
        SELECT 'year', y::text, NULL, NULL, n FROM g WHERE by_year
        {newest_rows}
    """
    with reading().cursor() as cursor:
        if reading().in_atomic_block:
            # A million rows hashed and kept for four passes: in memory, not in batches
            # on disk (the default work_mem is 4 MB). For this statement's transaction only.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        cursor.execute(sql, [*params, newest] if newest else list(params))
        rows = cursor.fetchall()
    found = [
        (int(key), datetime.date.fromisoformat(day))
        for dimension, key, day, _slug, _n in rows
        if dimension == "newest"
    ]
    found.sort(reverse=True, key=lambda row: (row[1], row[0]))
    return rows_to_facets(row for row in rows if row[0] != "newest"), found


def kept_filter(cleaned: dict) -> dict | None:
    """The filter as the kept counts can answer it, or None when they cannot (words, item,
    case, or a date range that does not start on 1 January and end on 31 December). One party
    is FacetCount's; several are PartySetCount's (`parties`)."""
    if is_search(cleaned) or cleaned.get("item") is not None:
        return None
    parties = sorted(set(cleaned.get("party") or []))
    if cleaned.get("case") or cleaned.get("person"):
        return None
    after: datetime.date | None = cleaned.get("date_after")
    before: datetime.date | None = cleaned.get("date_before")
    if after and (after.month, after.day) != (1, 1):
        return None
    if before and (before.month, before.day) != (12, 31):
        return None
    return {
        "party": parties[0] if len(parties) == 1 else None,
        "parties": parties if len(parties) > 1 else None,
        "body": cleaned.get("body") or None,
        "kind": cleaned.get("kind") or None,
        "year_from": after.year if after else None,
        "year_to": before.year if before else None,
    }


def kept_split(cleaned: dict):
    """A filter the kept counts would answer but for its dates (they start or end inside a
    year): (the kept filter of the whole years inside the range, or None when there are none;
    the whole months at its edges, as Months for PartySetMonthCount, or None; what is left at
    each end, inside one month each, to count over the rows), whose counts are summed. None
    when the filter is kept whole, or cannot be kept at all (words, item, case)."""
    after: datetime.date | None = cleaned.get("date_after")
    before: datetime.date | None = cleaned.get("date_before")
    if kept_filter(cleaned) is not None or (after and before and after > before):
        return None
    if kept_filter({**cleaned, "date_after": None, "date_before": None}) is None:
        return None
    starts_inside = after is not None and (after.month, after.day) != (1, 1)
    ends_inside = before is not None and (before.month, before.day) != (12, 31)
    first = None if after is None else after.year + starts_inside
    last = None if before is None else before.year - ends_inside
    edges: list[tuple[datetime.date, datetime.date]] = []
    if after is not None and starts_inside:
        year_end = datetime.date(after.year, 12, 31)
        edges.append((after, min(before, year_end) if before else year_end))
    same_year = after is not None and before is not None and after.year == before.year
    if before is not None and ends_inside and not (starts_inside and same_year):
        year_start = datetime.date(before.year, 1, 1)
        edges.append((max(after, year_start) if after else year_start, before))
    whole = None
    if first is None or last is None or first <= last:
        whole = kept_filter(
            {
                **cleaned,
                "date_after": datetime.date(first, 1, 1) if first else None,
                "date_before": datetime.date(last, 12, 31) if last else None,
            }
        )
    base = kept_filter({**cleaned, "date_after": None, "date_before": None})
    spans, rest = [], []
    for start, end in edges:
        span, left = _whole_months(start, end)
        if span is not None:
            spans.append(span)
        rest += left
    months = Months(base, spans) if spans else None  # type: ignore[arg-type]
    return whole, months, rest


@dataclass(frozen=True)
class Months:
    """Whole months of one filter, for PartySetMonthCount: (year, first month, last month)."""

    where: dict
    spans: list[tuple[int, int, int]]


def _month_end(day: datetime.date) -> datetime.date:
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def _whole_months(start: datetime.date, end: datetime.date):
    """A range inside one year: (its whole months as (year, first, last), or None; the parts
    left at either end, inside one month each)."""
    first = start.month if start.day == 1 else start.month + 1
    last = end.month if end == _month_end(end) else end.month - 1
    if first > last:  # no whole month: one month, or the ends of two that follow each other
        if start.month == end.month:
            return None, [(start, end)]
        return None, [(start, _month_end(start)), (end.replace(day=1), end)]
    left = []
    if start.day != 1:
        left.append((start, _month_end(start)))
    if end != _month_end(end):
        left.append((end.replace(day=1), end))
    return (start.year, first, last), left


def in_edges(edges) -> models.Q:
    """Rows dated inside any of these (from, to) ranges."""
    q = models.Q()
    for start, end in edges:
        q |= models.Q(date__gte=start, date__lte=end)
    return q


def merged(*facet_sets) -> dict[str, list[dict]]:
    """Facet lists of disjoint parts of one result, added up."""
    rows = []
    for part in facet_sets:
        for row in part.get("party", []):
            rows.append(("party", row["abbreviation"], row["name"], row["slug"], row["count"]))
        for row in part.get("body", []):
            rows.append(("body", row["slug"], row["name"], None, row["count"]))
        for row in part.get("kind", []):
            rows.append(("kind", row["code"], None, None, row["count"]))
        for row in part.get("year", []):
            rows.append(("year", str(row["year"]), None, None, row["count"]))
    summed: dict[tuple, int] = {}
    for dimension, key, name, slug, count in rows:
        summed[(dimension, key, name, slug)] = summed.get((dimension, key, name, slug), 0) + count
    return rows_to_facets([(*key, count) for key, count in summed.items()])


def _body_kind_years(where: dict, table: str, body: str) -> tuple[list[str], list]:
    """The kept filter's body, kind and years as conditions on a kept table (alias `table`,
    its body column `body`)."""
    conditions, params = [], []
    if where["body"]:
        conditions.append(f"{table}.{body} = (SELECT id FROM {BODIES} WHERE slug = %s)")
        params.append(where["body"])
    for column, value, operator in (
        ("kind", where["kind"], "="),
        ("year", where["year_from"], ">="),
        ("year", where["year_to"], "<="),
    ):
        if value:
            conditions.append(f"{table}.{column} {operator} %s")
            params.append(value)
    return conditions, params


def _kept_conditions(where: dict) -> tuple[list[str], list]:
    conditions, params = _body_kind_years(where, "f", "body_id")
    conditions.insert(0, "f.n <> 0")
    if where.get("party"):
        conditions.append(f"f.party_id = (SELECT id FROM {PARTIES} WHERE abbreviation = %s)")
        params.append(where["party"])
    return conditions, params


def kept_count(where: dict) -> int:
    """The exact size of the result for a filter from kept_filter(): one small sum."""
    if where.get("parties"):
        return set_count(where)
    conditions, params = _kept_conditions(where)
    if not where.get("party"):
        conditions.append("f.party_id = 0")
    conditions.append("f.co_party_id = 0")
    with reading().cursor() as cursor:
        where_sql = " AND ".join(conditions)
        cursor.execute(f"SELECT coalesce(sum(f.n), 0) FROM {KEPT} f WHERE {where_sql}", params)
        return int(cursor.fetchone()[0])


def kept_facets(where: dict) -> dict[str, list[dict]]:
    """Facet counts for a filter from kept_filter(), summed from FacetCount: one query.

    Without a party, the body, kind and year counts are the rows of party 0 and the party
    counts those of each party alone. With one party P, they are P's rows, and the party
    facet lists P and the parties that wrote together with P (the rows of P paired with them).
    """
    if where.get("parties"):
        return set_facets(where)
    conditions, params = _kept_conditions(where)
    if where.get("party"):
        scope = "f.co_party_id = 0"
        party_key = "CASE WHEN f.co_party_id = 0 THEN f.party_id ELSE f.co_party_id END"
        party_scope = "TRUE"
    else:
        scope = "f.party_id = 0 AND f.co_party_id = 0"
        party_key = "f.party_id"
        party_scope = "f.party_id <> 0 AND f.co_party_id = 0"
    sql = f"""
        WITH f AS (
            SELECT f.party_id, f.co_party_id, f.body_id, b.slug AS body_slug,
                   b.name AS body_name, f.kind, f.year, f.n
              FROM {KEPT} f JOIN {BODIES} b ON b.id = f.body_id
             WHERE {" AND ".join(conditions)}
        )
        SELECT 'party', p.abbreviation, p.name, p.slug, sum(f.n)
          FROM f JOIN {PARTIES} p ON p.id = {party_key} WHERE {party_scope} GROUP BY p.id
        UNION ALL
        SELECT 'body', f.body_slug, f.body_name, NULL, sum(f.n)
          FROM f WHERE {scope} GROUP BY f.body_slug, f.body_name
        UNION ALL
        SELECT 'kind', f.kind, NULL, NULL, sum(f.n) FROM f WHERE {scope} GROUP BY f.kind
        UNION ALL
        SELECT 'year', f.year::text, NULL, NULL, sum(f.n) FROM f WHERE {scope} GROUP BY f.year
    """
    with reading().cursor() as cursor:
        cursor.execute(sql, params)
        return rows_to_facets(cursor.fetchall())


def party_totals() -> dict[int, int]:
    """Public annotations per party id, from FacetCount."""
    with reading().cursor() as cursor:
        cursor.execute(
            f"SELECT party_id, sum(n) FROM {KEPT}"
            " WHERE party_id <> 0 AND co_party_id = 0 GROUP BY 1"
        )
        return {party_id: int(n) for party_id, n in cursor.fetchall()}


def _set_conditions(where: dict, months: Months | None = None) -> tuple[list[str], list]:
    """PartySetCount's (or, with `months`, PartySetMonthCount's) rows of sets that meet the
    filter's parties (any set, without a party filter), and its other filters."""
    conditions: list[str] = ["s.n <> 0"]
    params: list = []
    parties = where.get("parties") or ([where["party"]] if where.get("party") else [])
    if parties:
        conditions.append(
            f"s.party_ids && ARRAY(SELECT id FROM {PARTIES} WHERE abbreviation = ANY(%s))"
        )
        params.append(list(parties))
    if months is not None:
        spans = " OR ".join("(s.year = %s AND s.month BETWEEN %s AND %s)" for _ in months.spans)
        conditions.append(f"({spans})")
        params += [value for span in months.spans for value in span]
    more, more_params = _body_kind_years(where, "s", "body_key")
    return conditions + more, params + more_params


def set_count(where: dict, months: Months | None = None) -> int:
    """The exact size of a result of several parties (or of any parties, in whole `months`),
    summed from PartySetCount (PartySetMonthCount): each annotation is in exactly one set, so
    a sum over the sets meeting the parties counts it once."""
    conditions, params = _set_conditions(where, months)
    table = MONTHS if months is not None else SETS
    with reading().cursor() as cursor:
        cursor.execute(
            f"SELECT coalesce(sum(s.n), 0) FROM {table} s WHERE {' AND '.join(conditions)}", params
        )
        return int(cursor.fetchone()[0])


def month_count(months: Months) -> int:
    return set_count(months.where, months)


def month_facets(months: Months) -> dict[str, list[dict]]:
    return set_facets(months.where, months)


def set_facets(where: dict, months: Months | None = None) -> dict[str, list[dict]]:
    """Facet counts of a result of several parties (or of any parties, in whole `months`) from
    PartySetCount (PartySetMonthCount), in one query: the body, kind and year facets sum the
    sets meeting the parties; each party's count sums those of its sets (what counting the
    result's rows and their parties would give)."""
    conditions, params = _set_conditions(where, months)
    table = MONTHS if months is not None else SETS
    # The sets' rows summed four ways in one pass (GROUPING SETS), the party sets (a few
    # dozen) then split into parties: unnesting each of the 14 000 rows of three common
    # parties' sets first took 20 ms.
    sql = f"""
        WITH g AS (
            SELECT s.party_ids, s.body_key, s.kind, s.year, sum(s.n) AS n,
                   GROUPING(s.party_ids) = 0 AS by_set, GROUPING(s.body_key) = 0 AS by_body,
                   GROUPING(s.kind) = 0 AS by_kind
              FROM {table} s WHERE {" AND ".join(conditions)}
             GROUP BY GROUPING SETS ((s.party_ids), (s.body_key), (s.kind), (s.year))
        )
        SELECT 'party', p.abbreviation, p.name, p.slug, sum(g.n)
          FROM g, unnest(g.party_ids) AS x(party_id) JOIN {PARTIES} p ON p.id = x.party_id
         WHERE g.by_set
         GROUP BY p.id
        UNION ALL
        SELECT 'body', b.slug, b.name, NULL, g.n
          FROM g JOIN {BODIES} b ON b.id = g.body_key WHERE g.by_body
        UNION ALL
        SELECT 'kind', g.kind, NULL, NULL, g.n FROM g WHERE g.by_kind
        UNION ALL
        SELECT 'year', g.year::text, NULL, NULL, g.n
          FROM g WHERE NOT (g.by_set OR g.by_body OR g.by_kind)
    """
    with reading().cursor() as cursor:
        cursor.execute(sql, params)
        return rows_to_facets(cursor.fetchall())
