"""The facet lists beside a result (`<nav class="facets">`), each row a link that narrows the
result to it. Written in Python rather than as a template: four lists of up to some forty
rows, each with its own query string, took the template engine (a `{% querystring %}` per
row) about a tenth of a list page's time. The markup is what includes/facets.html was."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.http import QueryDict
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from notes.web.chart_html import grouped

# Paging starts over when a facet narrows the result.
_PAGING = ("page", "after", "before")


class _Links:
    """Query strings that differ from the request's (`base`) only in a row's keys. The other
    pairs are encoded once per set of keys, as QueryDict.urlencode() would, and the row's
    own values put where its keys stand (or at the end): the same string as copying `base`,
    setting the keys and encoding it, which for each of some forty rows took a tenth of a
    list page's time."""

    def __init__(self, base: QueryDict):
        self.lists = list(base.lists())
        self.templates: dict[tuple[str, ...], list[str | None]] = {}

    @staticmethod
    def _pair(key: str, value: str) -> str:
        return urlencode({key: value})

    def __call__(self, changes: dict[str, str]) -> str:
        keys = tuple(changes)
        template = self.templates.get(keys)
        if template is None:
            template = []  # encoded pairs, and None where the next changed key goes
            for key, values in self.lists:
                if key in changes:
                    template.append(None)
                else:
                    template.extend(self._pair(key, value) for value in values)
            template += [None] * (len(keys) - template.count(None))
            self.templates[keys] = template
        placed = [key for key, _values in self.lists if key in changes]
        placed += [key for key in keys if key not in placed]
        filled = iter(self._pair(key, changes[key]) for key in placed)
        return escape("?" + "&".join(next(filled) if part is None else part for part in template))


def _row(href: str, current: bool, label: str, count: int) -> str:
    marked = ' aria-current="true"' if current else ""
    return (
        f'<li><a href="{href}"{marked}>{label}</a> '
        f'<span class="count">{escape(grouped(count))}</span></li>'
    )


def _party_row(row: dict, parties: list[str], link: _Links) -> str:
    label = f"{escape(row['name'])} ({escape(row['abbreviation'])})"
    if parties and row["abbreviation"] not in parties:
        count = escape(grouped(row["count"]))
        return f'<li><span>{label}</span> <span class="count">{count}</span></li>'
    current = row["abbreviation"] in parties and len(parties) == 1
    return _row(link({"party": row["abbreviation"]}), current, label, row["count"])


def _year_range(year: int, cleaned: dict) -> dict[str, str]:
    """The year as a date range, inside the range already chosen: the link narrows to the
    rows its count counted, never to the rest of the year."""
    start, end = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    after, before = cleaned.get("date_after"), cleaned.get("date_before")
    if after and start < after <= end:
        start = after
    if before and start <= before < end:
        end = before
    return {"date_after": start.isoformat(), "date_before": end.isoformat()}


def render_facets(facets: dict, cleaned: dict, query: QueryDict) -> SafeString:
    """`facets` (notes.queries.facets.rows_to_facets) as links from the request's `query`;
    `cleaned`: the filter's cleaned data, which tells the row now chosen."""
    base = query.copy()
    for key in _PAGING:
        base.pop(key, None)
    link = _Links(base)
    parties = cleaned.get("party") or []
    out = [
        '<nav class="facets" aria-labelledby="facets-heading">\n',
        f'  <h2 id="facets-heading">{escape(_("Avgränsa resultatet"))}</h2>\n',
    ]

    def section(heading: str, rows: list[str]) -> None:
        if rows:
            out.append(f"  <h3>{escape(heading)}</h3>\n")
            out.append(f'  <ul class="facet-list">{"".join(rows)}</ul>\n')

    section(_("Parti"), [_party_row(row, parties, link) for row in facets.get("party", [])])
    if parties and any(row["abbreviation"] not in parties for row in facets.get("party", [])):
        # A party not chosen counts the chosen parties' annotations it shares: no filter
        # opens exactly those, so it is not a link (its own list would count far more).
        note = _("Övriga partier: hur många av dessa anteckningar de också står bakom.")
        out.insert(-1, f'  <p class="facet-note">{escape(note)}</p>\n')
    for heading, dimension, key in ((_("Organ"), "body", "slug"), (_("Typ"), "kind", "code")):
        section(
            heading,
            [
                _row(
                    link({dimension: row[key]}),
                    cleaned.get(dimension) == row[key],
                    escape(row["name"]),
                    row["count"],
                )
                for row in facets.get(dimension, [])
            ],
        )
    section(
        _("År"),
        [
            _row(
                link(_year_range(row["year"], cleaned)),
                False,
                str(row["year"]),
                row["count"],
            )
            for row in facets.get("year", [])
        ],
    )
    out.append("</nav>")
    return mark_safe("".join(out))
