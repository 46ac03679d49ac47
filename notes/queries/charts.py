"""Server-rendered bar charts: annotations per year, stacked by party or by body.

The geometry is computed here and drawn by notes/web/chart_html.py as inline SVG, so
the charts need no JavaScript and no inline style (the colours come from parties.css
classes). Every chart is paired with a table of the same numbers as its text alternative.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Sum
from django.utils.translation import gettext as _

from notes.models import Body, FacetCount, Party
from notes.queries import colours

WIDTH, HEIGHT = 640, 260
MARGIN_LEFT, MARGIN_BOTTOM, MARGIN_TOP = 72, 34, 14
# More series than this cannot be told apart: the largest MAX_SERIES - 1 are kept and the
# rest summed as one ("Övriga"). Nine: the eight parties of the Riksdag and the rest.
MAX_SERIES = 9
OTHER_KEY = "_other"
STACK_ORDER = ("S", "M", "C", "SD", "V", "KD", "MP", "L")


def swedish_order(name: str) -> tuple:
    """Sort key in Swedish alphabetical order: å, ä and ö after z."""
    return tuple(SWEDISH_LETTERS.get(c, (0, c)) for c in name.casefold())


SWEDISH_LETTERS = {"å": (1, "å"), "ä": (2, "ä"), "ö": (3, "ö")}


@dataclass
class Segment:
    key: str
    label: str
    count: int
    y: float
    height: float
    colour: str


@dataclass
class Bar:
    year: int
    total: int
    x: float
    width: float
    segments: list[Segment] = field(default_factory=list)

    @property
    def label_x(self) -> float:
        return self.x + self.width / 2


@dataclass
class Chart:
    title: str
    series: list[tuple[str, str, str]]  # key, label, colour (#rrggbb)
    bars: list[Bar]
    ticks: list[tuple[float, int]]
    table: list[tuple[int, list[int], int]]  # year, counts per series, total
    width: int = WIDTH
    height: int = HEIGHT
    baseline: float = HEIGHT - MARGIN_BOTTOM
    left: int = MARGIN_LEFT

    @property
    def empty(self) -> bool:
        return not self.bars


def _nice_max(value: int) -> int:
    for step in (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 5:
            return max(step * ((value + step - 1) // step), step)
    return value


def _group_the_rest(rows, series, other_label: str):
    """At most MAX_SERIES series: the largest by total, then the rest as one."""
    totals: dict[str, int] = {}
    for _year, key, count in rows:
        totals[key] = totals.get(key, 0) + count
    used = [s for s in series if totals.get(s[0])]
    if len(used) <= MAX_SERIES:
        return rows, used
    kept = sorted(used, key=lambda s: -totals[s[0]])[: MAX_SERIES - 1]
    kept_keys = {s[0] for s in kept}
    grouped = [(year, key if key in kept_keys else OTHER_KEY, n) for year, key, n in rows]
    other = (OTHER_KEY, other_label, colours.OTHER)
    return grouped, [s for s in used if s[0] in kept_keys] + [other]


def build_chart(
    title: str, rows, series: list[tuple[str, str, str | None]], other_label=""
) -> Chart:
    """rows: (year, series key, count). series: (key, label, preferred colour or None) in
    stacking order. Each series gets a colour at least colours.MIN_DELTA_E from the others."""
    rows, used = _group_the_rest(list(rows), series, other_label)
    counts: dict[int, dict[str, int]] = {}
    for year, key, count in rows:
        year_counts = counts.setdefault(int(year), {})
        year_counts[key] = year_counts.get(key, 0) + count
    # Every year from the first to the last, empty ones too: the axis keeps its rhythm.
    years = list(range(min(counts), max(counts) + 1)) if counts else []
    chosen = colours.assign([preferred for _, _, preferred in used])
    used = [(key, label, colour) for (key, label, _c), colour in zip(used, chosen, strict=True)]
    top = _nice_max(max((sum(c.values()) for c in counts.values()), default=0))
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    slot = (WIDTH - MARGIN_LEFT) / max(len(years), 1)
    bars = []
    for index, year in enumerate(years):
        bar = Bar(year=year, total=sum(counts.get(year, {}).values()), x=0, width=0)
        bar.x = round(MARGIN_LEFT + index * slot + slot * 0.15, 1)
        bar.width = round(slot * 0.7, 1)
        y: float = HEIGHT - MARGIN_BOTTOM
        for key, label, colour in used:
            count = counts.get(year, {}).get(key, 0)
            if not count:
                continue
            height = plot_height * count / top
            y -= height
            bar.segments.append(Segment(key, label, count, round(y, 1), round(height, 1), colour))
        bars.append(bar)
    ticks = [
        (round(HEIGHT - MARGIN_BOTTOM - plot_height * value / top, 1), value)
        for value in range(0, top + 1, max(top // 5, 1))
    ]
    table = [
        (y, [counts[y].get(key, 0) for key, _, _ in used], sum(counts[y].values()))
        for y in years
        if y in counts
    ]
    return Chart(title=title, series=used, bars=bars, ticks=ticks, table=table)


def per_party_per_year(title: str, only_party=None) -> Chart:
    """Public annotations per year, stacked by party (a joint annotation counts for each
    party), or only `only_party`'s: summed from the kept counts (FacetCount)."""

    kept = FacetCount.objects.exclude(party_id=0).filter(co_party_id=0).exclude(n=0)
    if only_party is not None:
        kept = kept.filter(party_id=only_party.pk)
    totals = list(kept.values("year", "party_id").annotate(count=Sum("n")).order_by())
    parties = {
        p.pk: p
        for p in Party.objects.filter(pk__in={row["party_id"] for row in totals}).order_by("name")
    }
    rows = [
        (row["year"], parties[row["party_id"]].abbreviation, row["count"])
        for row in totals
        if row["count"] and row["party_id"] in parties
    ]
    # Stacked so that neighbours differ in hue (red, blue, green, yellow, then the darker or
    # lighter of each), the rest alphabetically after them.
    order = {abbreviation: i for i, abbreviation in enumerate(STACK_ORDER)}
    ordered = sorted(parties.values(), key=lambda p: (order.get(p.abbreviation, 99), p.name))
    series = [(p.abbreviation, p.name, colours.PARTY_COLOURS.get(p.abbreviation)) for p in ordered]
    return build_chart(title, rows, series, _("Övriga partier"))


def per_body_per_year(title: str) -> Chart:
    """Public annotations per year, stacked by body, summed from the kept counts (FacetCount)."""

    totals = (
        FacetCount.objects.filter(party_id=0, co_party_id=0)
        .exclude(n=0)
        .values("year", "body_id")
        .annotate(count=Sum("n"))
        .order_by()
    )
    slugs_by_id = dict(Body.objects.values_list("pk", "slug"))
    rows = [
        (row["year"], slugs_by_id[row["body_id"]], row["count"])
        for row in totals
        if row["count"] and row["body_id"] in slugs_by_id
    ]
    names = dict(
        Body.objects.filter(slug__in={key for _, key, _ in rows}).values_list("slug", "name")
    )
    slugs = sorted(names, key=lambda slug: swedish_order(names[slug]))
    series: list[tuple[str, str, str | None]] = [
        (slug, names.get(slug, slug), None) for slug in slugs
    ]
    return build_chart(title, rows, series, _("Övriga organ"))
