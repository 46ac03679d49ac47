"""Server-rendered charts: the numbers drawn equal independent counts, with a table beside."""

import datetime
from collections import Counter

import pytest

from notes.queries import charts
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
    assert html.count('<svg viewBox="0 0 640 260" role="img"') == 2
    assert "<table" in html and "Visa siffrorna som tabell" in html
    assert "style=" not in html  # colours come from classes: a strict CSP stays possible
    party_html = client.get("/parties/vansterpartiet/").content.decode()
    assert "Anteckningar från Vänsterpartiet per år" in party_html
    assert "party-socialdemokraterna" not in party_html.split("<figure")[1].split("</figure>")[0]


def test_no_chart_without_data(client, db):
    assert "<svg" not in client.get("/").content.decode()
