"""Server-rendered charts: the numbers drawn equal independent counts, with a table beside."""

import datetime
import itertools
import re
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from notes.queries import charts, colours
from tests.factories import AgendaItemFactory, AnnotationFactory, BodyFactory, MeetingFactory, party

pytestmark = pytest.mark.django_db


@pytest.fixture
def spread(db):
    s, v = party("S"), party("V")
    kf = BodyFactory(name="Kommunfullmäktige", short_name="KF", kind="fullmaktige")
    plan = [(2019, [s]), (2019, [s, v]), (2020, [v]), (2021, [s]), (2021, [v]), (2021, [v])]
    for n, (year, parties) in enumerate(plan):
        body = kf if n % 2 else BodyFactory()
        meeting = MeetingFactory(body=body, date=datetime.date(year, 3, n + 1))
        AnnotationFactory(item=AgendaItemFactory(meeting=meeting), parties=parties)
    return plan


def test_party_chart_counts(spread):
    chart = charts.per_party_per_year("t")
    expected = Counter((year, p.abbreviation) for year, parties in spread for p in parties)
    drawn = {(bar.year, seg.key): seg.count for bar in chart.bars for seg in bar.segments}
    assert drawn == dict(expected)
    keys = [key for key, _, _ in chart.series]
    table = {
        (year, keys[i]): c for year, counts, _ in chart.table for i, c in enumerate(counts) if c
    }
    assert table == dict(expected)
    # Segments of a bar are stacked without gaps, tallest total highest.
    for bar in chart.bars:
        bottom = chart.baseline
        for seg in bar.segments:
            assert seg.y + seg.height == pytest.approx(bottom, abs=0.2)
            bottom = seg.y


def test_body_chart_counts(spread):
    chart = charts.per_body_per_year("t")
    totals = {year: total for year, _, total in chart.table}
    assert totals == dict(Counter(year for year, _ in spread))


def test_charts_on_home_and_party_page(client, spread):
    html = client.get("/").content.decode()
    assert html.count('viewBox="0 0 640 260" role="img"') == 2
    assert "<table" in html and "Visa siffrorna som tabell" in html
    assert "style=" not in html  # colours are fill attributes: a strict CSP stays possible
    party_html = client.get("/parties/vansterpartiet/").content.decode()
    assert "Anteckningar från Vänsterpartiet per år" in party_html
    figure = party_html.split("<figure")[1].split("</figure>")[0]
    assert set(re.findall(r'fill="(#[0-9a-f]{6})"', figure)) == {colours.PARTY_COLOURS["V"]}


def test_no_chart_without_data(client, db):
    assert "<svg" not in client.get("/").content.decode()


# --- Colours that can be told apart ---------------------------------------------------------

# Sharma, Wu and Dalal (2005), table 1: L*a*b* pairs and their CIEDE2000 difference.
SHARMA = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 3.1571, -77.2803), (50.0, 0.0, -82.7485), 2.8615),
    ((50.0, -1.3802, -84.2814), (50.0, 0.0, -82.7485), 1.0000),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.49, -0.001), (50.0, -2.49, 0.0011), 7.2195),
    ((50.0, 2.5, 0.0), (58.0, 24.0, 15.0), 19.4535),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((63.0109, -31.0961, -5.8663), (62.8187, -29.7946, -4.0864), 1.2630),
    ((35.0831, -44.1164, 3.7933), (35.0232, -40.0716, 1.5901), 1.8645),
    ((22.7233, 20.0904, -46.6940), (23.0331, 14.9730, -42.5619), 2.0373),
    ((90.8027, -2.0831, 1.4410), (91.1528, -1.6435, 0.0447), 1.4441),
    ((2.0776, 0.0795, -1.1350), (0.9033, -0.0636, -0.5514), 0.9082),
]


@pytest.mark.parametrize(("lab1", "lab2", "expected"), SHARMA)
def test_ciede2000_matches_the_published_test_data(lab1, lab2, expected):
    assert colours.delta_e_2000(lab1, lab2) == pytest.approx(expected, abs=1e-4)
    assert colours.delta_e_2000(lab2, lab1) == pytest.approx(expected, abs=1e-4)


def _pairwise_minimum(fills):
    return min(colours.difference(a, b) for a, b in itertools.combinations(fills, 2))


def test_the_palettes_are_far_apart():
    assert _pairwise_minimum([*colours.PALETTE, colours.OTHER]) >= 15
    assert _pairwise_minimum([*colours.PARTY_COLOURS.values(), colours.OTHER]) >= 12


hex_colour = st.integers(0, 0xFFFFFF).map(lambda n: f"#{n:06x}")


@given(st.lists(st.one_of(st.none(), hex_colour), min_size=2, max_size=charts.MAX_SERIES))
def test_assigned_colours_are_always_told_apart(preferred):
    """Property: whatever colours the series would like (a clerk may give a party any
    colour), the chart's are pairwise at least MIN_DELTA_E apart."""
    given_colours = colours.assign(preferred)
    assert len(given_colours) == len(preferred)
    assert _pairwise_minimum(given_colours) >= colours.MIN_DELTA_E


@pytest.fixture
def crowded(db):
    """Every party and fourteen bodies: more series than a chart can show."""
    from notes.parties import PARTIES

    parties = [party(info.abbreviation) for info in PARTIES]
    bodies = [BodyFactory(name=f"Nämnd {n:02d}", short_name=f"N{n}") for n in range(14)]
    for n in range(56):
        meeting = MeetingFactory(
            body=bodies[n % 14], date=datetime.date(2015 + n % 9, 2, 1 + n % 27)
        )
        AnnotationFactory(
            item=AgendaItemFactory(meeting=meeting, number=n + 1),
            parties=[parties[n % len(parties)], parties[(n * 7) % len(parties)]],
        )
    return parties, bodies


def test_many_series_are_grouped_and_their_sums_kept(crowded):
    for chart in (charts.per_party_per_year("p"), charts.per_body_per_year("b")):
        assert len(chart.series) == charts.MAX_SERIES
        assert chart.series[-1][0] == charts.OTHER_KEY
        assert _pairwise_minimum([colour for _, _, colour in chart.series]) >= 10
        for _year, counts, total in chart.table:
            assert sum(counts) == total
    body_chart = charts.per_body_per_year("b")
    assert sum(total for _, _, total in body_chart.table) == 56


def test_every_chart_on_the_home_page_has_colours_told_apart(client, crowded):
    html = client.get("/").content.decode()
    figures = html.split("<figure")[1:]
    assert len(figures) == 2
    for figure in figures:
        legend = re.findall(r'<li><svg class="swatch"[^>]*><rect[^>]*fill="(#[0-9a-f]{6})"', figure)
        assert len(legend) == charts.MAX_SERIES
        assert _pairwise_minimum(legend) >= 10
        assert set(re.findall(r'<rect class="bar" fill="(#[0-9a-f]{6})"', figure)) <= set(legend)


def test_a_chart_is_drawn_with_its_labels_escaped_and_its_table_complete():
    from notes.queries.charts import build_chart
    from notes.web.chart_html import render_chart

    chart = build_chart(
        "Per <år> & parti",
        [(2020, "A", 1234), (2022, "B", 5)],
        [("A", "<script>alert(1)</script>", "#112233"), ("B", "Bee", None)],
    )
    html = str(render_chart(chart, "c1"))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Per &lt;år&gt; &amp; parti" in html
    assert html.count('<th scope="row">') == len(chart.table) == 2  # the years with numbers
    assert html.count('text-anchor="middle"') == 3  # a bar for 2021 too: the axis keeps time
    assert html.count('<rect class="bar"') == 2  # one segment per count, none for 0
    assert 'aria-labelledby="c1-title c1-desc"' in html
    assert str(render_chart(build_chart("Tom", [], []), "c2")) == ""
