"""A chart (notes.queries.charts) as its figure: inline SVG bars, a legend and the same numbers
as a table. Written in Python rather than as a template: a chart of thirteen years and nine
series is some thousand values, and the template engine took about 15 ms to render it, the
most of a home page made anew after a write. The markup is the one the accessibility tests
check (roles, labels, the table as the text alternative)."""

from __future__ import annotations

from django.utils import formats
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _


def grouped(value: int) -> str:
    """As the `grouped` filter: digits grouped as the language groups them."""
    return formats.number_format(value, force_grouping=True)


def _f(value: float) -> str:
    return f"{value:.1f}"


def render_chart(chart, chart_id: str) -> SafeString:
    if chart.empty:
        return mark_safe("")
    cid, title = escape(chart_id), escape(chart.title)
    many = ' class="many-years"' if len(chart.bars) > 6 else ""
    out = [
        f'<figure class="chart" aria-labelledby="{cid}-title">\n',
        f'  <figcaption id="{cid}-title">{title}</figcaption>\n',
        f'  <svg{many} viewBox="0 0 {chart.width} {chart.height}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" focusable="false">\n',
        f'    <desc id="{cid}-desc">'
        f"{escape(_('Stapeldiagram. Samma siffror finns i tabellen under diagrammet.'))}</desc>\n",
        "    ",
    ]
    for y, value in chart.ticks:
        out.append(
            f'<line class="grid" x1="{chart.left}" x2="{chart.width}" y1="{_f(y)}" '
            f'y2="{_f(y)}"></line><text class="tick" x="{chart.left - 6}" y="{_f(y)}" '
            f'text-anchor="end" dominant-baseline="middle">{escape(grouped(value))}</text>'
        )
    out.append("\n    ")
    count = len(chart.bars)
    for index, bar in enumerate(chart.bars):
        out.append("<g>\n      ")
        for segment in bar.segments:
            label = escape(f"{bar.year}, {segment.label}: {grouped(segment.count)}")
            out.append(
                f'<rect class="bar" fill="{escape(segment.colour)}" x="{_f(bar.x)}" '
                f'y="{_f(segment.y)}" width="{_f(bar.width)}" height="{_f(segment.height)}">'
                f"<title>{label}</title></rect>"
            )
        alternate = "" if (count - index - 1) % 2 == 0 else " tick-alternate"
        out.append(
            f'\n      <text class="tick{alternate}" x="{_f(bar.label_x)}" '
            f'y="{chart.height - 8}" text-anchor="middle">{bar.year}</text>\n    </g>'
        )
    out.append('\n  </svg>\n  <ul class="legend" aria-hidden="true">')
    for _key, label, colour in chart.series:
        out.append(
            '<li><svg class="swatch" viewBox="0 0 10 10" focusable="false"><rect width="10" '
            f'height="10" rx="2" fill="{escape(colour)}"></rect></svg>{escape(label)}</li>'
        )
    out.append(
        '</ul>\n  <details class="chart-table">\n'
        f"    <summary>{escape(_('Visa siffrorna som tabell'))}</summary>\n"
        f'    <div class="table-scroll" tabindex="0" role="region" '
        f'aria-labelledby="{cid}-title">\n    <table class="table">\n'
        f'      <caption class="visually-hidden">{title}</caption>\n'
        f'      <thead><tr><th scope="col">{escape(_("År"))}</th>'
    )
    for _key, label, _colour in chart.series:
        out.append(f'<th scope="col" class="num">{escape(label)}</th>')
    out.append(
        f'<th scope="col" class="num">{escape(_("Totalt"))}</th></tr></thead>\n      <tbody>'
    )
    for year, counts, total in chart.table:
        cells = "".join(f'<td class="num">{escape(grouped(n))}</td>' for n in counts)
        out.append(
            f'<tr><th scope="row">{year}</th>{cells}'
            f'<td class="num">{escape(grouped(total))}</td></tr>'
        )
    out.append("</tbody>\n    </table>\n    </div>\n  </details>\n</figure>")
    return mark_safe("".join(out))  # every value above is escaped or a number
