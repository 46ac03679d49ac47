"""Open data: CSV and JSON exports, the Atom feed, the meeting calendar and the sitemap."""

import csv
import datetime
import io
import json
import re
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import feedparser
import icalendar
import pytest
from django.utils import timezone

from notes.models import Annotation
from notes.web import exports, feeds
from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    BodyFactory,
    MeetingFactory,
    make_archive,
    many_annotations,
    party,
)

pytestmark = pytest.mark.django_db

FORMULA = "=cmd|' /C calc'!A0"
SCRIPT = "<script>alert(1)</script> Vi vill ha en bättre skola."
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}

FILTERS = [
    "",
    "?party=V",
    "?party=s",
    "?party=S&party=SD",
    "?item=22",
    "?q=skola",
    "?q=trygghet",
    "?date_after=2020-01-01&date_before=2022-12-31",
    "?kind=reservation",
    "?body=kommunfullmaktige",
    "?party=V&q=skola",
    "?party=V&item=22&sort=oldest",
    "?q=skola&sort=newest&date_after=2021-01-01",
]


@pytest.fixture
def archive(sample_annotation, settings):
    """The real sample, made-up annotations that differ in every filtered field, hostile text."""
    settings.PAGE_SIZE = 1000  # every result fits one page, so the page lists all of it
    rows = make_archive(sample_annotation)
    reservation, yttrande = rows["reservation"], rows["yttrande"]
    v, sd = party("V"), party("SD")
    formula = AnnotationFactory(
        item=AgendaItemFactory(
            meeting=MeetingFactory(date=datetime.date(2022, 2, 2)),
            number=3,
            title="@SUM(A1:A9) i rubriken",
        ),
        kind="reservation",
        text=FORMULA,
        parties=[sd],
    )
    script = AnnotationFactory(
        item=AgendaItemFactory(meeting=MeetingFactory(date=datetime.date(2022, 6, 1)), number=4),
        kind="protokollsanteckning",
        text=SCRIPT,
        parties=[v],
    )
    return {
        "sample": sample_annotation,
        "reservation": reservation,
        "yttrande": yttrande,
        "formula": formula,
        "script": script,
    }


def page_ids(client, query=""):
    """The ids the list page shows, in its order."""
    response = client.get("/notes/" + query)
    assert response.status_code == 200, response.content[:500]
    assert not response.context["page"].has_next()
    return [a.pk for a in response.context["page"].object_list]


def body_of(response) -> bytes:
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_export(client, query=""):
    """The CSV export as (raw bytes, list of row dicts)."""
    response = client.get("/notes/export.csv" + query)
    assert response.status_code == 200
    raw = body_of(response)
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel then reads UTF-8
    text = raw[3:].decode("utf-8")
    return raw, list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def json_export(client, query=""):
    response = client.get("/notes/export.json" + query)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    return json.loads(body_of(response))


# CSV


@pytest.mark.parametrize("query", FILTERS)
def test_csv_rows_are_the_page_rows_in_page_order(client, archive, query):
    expected = page_ids(client, query)
    _, rows = csv_export(client, query)
    assert [int(row["id"]) for row in rows] == expected


def test_csv_filters_are_not_all_the_same(client, archive):
    """Guards the parity test above against filters that all return everything."""
    results = {query: tuple(page_ids(client, query)) for query in FILTERS}
    assert len(set(results.values())) >= 8
    assert all(results[q] for q in ("?party=V&q=skola", "?q=trygghet", "?item=22"))


def test_csv_format_and_swedish_text(client, archive):
    sample = archive["sample"]
    raw, rows = csv_export(client, "?item=22&party=S")
    text = raw[3:].decode("utf-8")
    assert text.startswith(";".join(exports.CSV_COLUMNS) + "\r\n")
    assert text.endswith("\r\n")
    assert list(rows[0]) == exports.CSV_COLUMNS
    (row,) = rows
    assert row["id"] == str(sample.pk)
    assert row["url"] == f"http://testserver/notes/{sample.pk}/"
    assert row["kind"] == "Protokollsanteckning"
    assert row["kind_code"] == "protokollsanteckning"
    assert row["date"] == "2021-05-05"
    assert row["body"] == "Kommunstyrelsen"
    assert row["item_number"] == "22"
    assert row["paragraph"] == ""
    assert row["item_title"] == sample.item.title
    assert row["item_title"].startswith("Huddinge kommuns preventionsarbete")
    assert row["parties"] == "S"
    assert row["signatories"] == "Sara Heelge Vikmång"
    assert row["text"] == sample.text  # verbatim, line breaks included
    assert "”" in row["text"] and "brottsförebyggande" in row["text"]
    assert sample.source == "huddinge-ks-2021-05-05-arende-22.txt"
    assert row["source"] == ""  # the file it was imported from is not public
    assert row["source_url"] == ""  # no link to the official minutes given


def test_csv_lists_are_joined(client, archive):
    _, rows = csv_export(client, "?item=22&party=SD")
    (row,) = rows
    assert row["parties"] == "SD, V"  # in the order entered
    _, rows = csv_export(client, "?item=7")
    assert rows[0]["signatories"] == "Olof Berg"


def test_csv_neutralises_spreadsheet_formulas(client, archive):
    _, rows = csv_export(client, "?item=3")
    (row,) = rows
    assert row["text"] == "'" + FORMULA
    assert row["item_title"] == "'@SUM(A1:A9) i rubriken"
    # Ordinary text is untouched.
    _, rows = csv_export(client, "?item=7")
    assert rows[0]["text"] == archive["reservation"].text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+46 8 535 300 00", "'+46 8 535 300 00"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("Vi = alla", "Vi = alla"),
        (22, 22),
    ],
)
def test_neutralise_formula(value, expected):
    assert exports.neutralise_formula(value) == expected


def test_csv_headers(client, archive):
    response = client.get("/notes/export.csv?party=V")
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    today = timezone.localdate().strftime("%Y%m%d")
    assert response["Content-Disposition"] == f'attachment; filename="anteckningar-{today}.csv"'


def test_csv_row_cap(client, archive, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 2)
    _, rows = csv_export(client)
    assert [int(r["id"]) for r in rows] == page_ids(client)[:2]


def test_search_export_skips_the_snippet(client, archive, django_assert_max_num_queries):
    with django_assert_max_num_queries(20) as queries:
        csv_export(client, "?q=skola")
    sql = " ".join(q["sql"] for q in queries.captured_queries).lower()
    assert "ts_rank" in sql  # still ordered by relevance
    assert "ts_headline" not in sql


# JSON


@pytest.mark.parametrize("query", FILTERS)
def test_json_results_are_the_page_rows_in_page_order(client, archive, query):
    data = json_export(client, query)
    expected = page_ids(client, query)
    assert [row["id"] for row in data["results"]] == expected
    assert data["count_exported"] == len(expected)
    assert data["truncated"] is False


def test_json_content(client, archive):
    query = "?party=v&item=22&date_after=2020-01-01"
    data = json_export(client, query)
    assert data["permalink"] == "http://testserver/notes/export.json" + query
    assert data["filter"] == {"party": ["V"], "item": 22, "date_after": "2020-01-01"}
    (row,) = data["results"]
    yttrande = archive["yttrande"]
    assert row["id"] == yttrande.pk
    assert row["url"] == f"http://testserver/notes/{yttrande.pk}/"
    assert row["kind"] == "Särskilt yttrande"
    assert row["text"] == yttrande.text
    assert row["date"] == "2023-09-20"
    assert row["paragraph"] is None
    assert sorted(row["parties"], key=lambda p: p["abbreviation"]) == [
        {"abbreviation": "SD", "name": "Sverigedemokraterna"},
        {"abbreviation": "V", "name": "Vänsterpartiet"},
    ]
    assert row["signatories"] == []


def test_json_keeps_text_verbatim(client, archive):
    data = json_export(client, "?item=3")
    assert data["results"][0]["text"] == FORMULA  # no spreadsheet prefix in JSON
    data = json_export(client, "?party=S")
    assert data["results"][0]["text"] == archive["sample"].text
    assert data["results"][0]["signatories"] == ["Sara Heelge Vikmång"]


def test_json_row_cap_says_truncated(client, archive, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS", 3)
    data = json_export(client)
    assert [row["id"] for row in data["results"]] == page_ids(client)[:3]
    assert data["count_exported"] == 3
    assert data["truncated"] is True


# Bad input


@pytest.mark.parametrize("query", ["?date_after=2021-13-45", "?party=XX", "?item=abc"])
@pytest.mark.parametrize("url", ["/notes/export.csv", "/notes/export.json", "/notes/feed.atom"])
def test_bad_filter_is_400(client, archive, url, query):
    response = client.get(url + query)
    assert response.status_code == 400
    assert not response.streaming
    body = response.content.decode()
    if url.endswith(".json"):
        assert json.loads(body)["errors"]
    else:
        assert response["Content-Type"].startswith("text/plain")
        assert "Ogiltig filtrering" in body
    if "date_after" in query:
        assert "ÅÅÅÅ-MM-DD" in body


def test_exports_only_answer_safe_methods(client, archive):
    assert client.post("/notes/export.csv").status_code == 405
    assert client.post("/notes/feed.atom").status_code == 405


# Query counts


@pytest.mark.parametrize(
    "url",
    [
        "/notes/export.csv",
        "/notes/export.json",
        "/notes/export.csv?party=V&q=fritidsgårdar",
        "/notes/feed.atom?party=V",
    ],
)
def test_query_count_does_not_grow_with_rows(client, django_assert_max_num_queries, url):
    def fetch():
        response = client.get(url)
        assert response.status_code == 200
        content = body_of(response) if response.streaming else response.content
        assert b"Skog" in content  # rows were really written

    many_annotations(3)
    with django_assert_max_num_queries(10) as small:
        fetch()
    many_annotations(27)
    with django_assert_max_num_queries(len(small.captured_queries)):
        fetch()


def test_exports_read_rows_in_chunks(client, db, monkeypatch, django_assert_max_num_queries):
    """Rows are fetched and prefetched chunk by chunk, so memory does not grow with the result."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 5)
    many_annotations(12)
    for url in ("/notes/export.csv", "/notes/export.json"):
        with django_assert_max_num_queries(20) as queries:
            body_of(client.get(url))
        party_prefetches = [
            q for q in queries.captured_queries if "notes_annotation_parties" in q["sql"]
        ]
        assert len(party_prefetches) == 3  # 5 + 5 + 2 rows


# Atom


def test_feed_entries_follow_the_filter(client, archive):
    response = client.get("/notes/feed.atom?party=V&q=skola")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.bozo_exception
    assert feed.feed.title == "Anteckningar – parti V, sökning 'skola'"
    expected = page_ids(client, "?party=V&q=skola&sort=newest")
    assert {archive["yttrande"].pk, archive["script"].pk} <= set(expected)
    assert archive["reservation"].pk not in expected  # V, but nothing about skola
    assert archive["sample"].pk not in expected  # skola, but S
    assert [e.link for e in feed.entries] == [f"http://testserver/notes/{pk}/" for pk in expected]
    assert len({e.id for e in feed.entries}) == len(expected)
    yttrande = next(e for e in feed.entries if e.link.endswith(f"/{archive['yttrande'].pk}/"))
    assert yttrande.title == f"Särskilt yttrande: Ärende 22 – {archive['yttrande'].item.title}"
    assert {t.term for t in yttrande.tags} == {"SD", "V", "Särskilt yttrande"}
    assert yttrande.author == "Sverigedemokraterna, Vänsterpartiet"
    assert "skolan i Vårby" in yttrande.summary
    assert yttrande.published_parsed and yttrande.updated_parsed


def test_feed_title_without_filter_and_entry_content(client, archive):
    feed = feedparser.parse(client.get("/notes/feed.atom").content)
    assert feed.feed.title == "Anteckningar – Huddinge kommun"
    assert len(feed.entries) == 5
    sample = next(e for e in feed.entries if e.link.endswith(f"/{archive['sample'].pk}/"))
    assert sample.title.startswith("Protokollsanteckning: Ärende 22 – Huddinge kommuns")
    assert "Sara" not in sample.author and sample.author == "Socialdemokraterna"
    assert "brottsförebyggande" in sample.summary


def test_feed_escapes_hostile_text(client, archive):
    raw = client.get("/notes/feed.atom?party=V").content
    assert b"<script>" not in raw
    root = ET.fromstring(raw)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    summaries = [s.text for s in root.findall("a:entry/a:summary", ns)]
    hostile = [s for s in summaries if "alert(1)" in s]
    assert len(hostile) == 1
    # The summary is declared type="html": its HTML must show the tag, not contain it.
    assert "<script" not in hostile[0]
    assert "&lt;script&gt;" in hostile[0]


def test_feed_is_latest_50_newest_first_whatever_the_sort(client, db):
    many_annotations(55)
    feed = feedparser.parse(client.get("/notes/feed.atom?sort=oldest").content)
    assert len(feed.entries) == 50
    newest = Annotation.objects.order_by("-date", "-id")[:50]
    assert [e.link for e in feed.entries] == [f"http://testserver/notes/{a.pk}/" for a in newest]


# iCalendar


@pytest.fixture
def meetings(db):
    ks = BodyFactory()
    kf = BodyFactory(name="Kommunfullmäktige", short_name="KF", kind="fullmaktige")
    return {
        "ks": [MeetingFactory(body=ks, date=datetime.date(2021, 5, d)) for d in (5, 19)],
        "kf": [MeetingFactory(body=kf, date=datetime.date(2021, 6, 14))],
    }


def ical(client, query=""):
    response = client.get("/meetings/calendar.ics" + query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response.content, icalendar.Calendar.from_ical(response.content)


def test_calendar_events(client, meetings):
    raw, calendar = ical(client)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar["PRODID"]
    assert str(calendar["X-WR-CALNAME"]) == "Sammanträden – Huddinge kommun"
    events = calendar.walk("VEVENT")
    assert len(events) == 3
    kf = meetings["kf"][0]
    first = events[0]
    assert first["DTSTART"].dt == datetime.date(2021, 6, 14)
    assert first["DTSTART"].params["VALUE"] == "DATE"
    assert str(first["SUMMARY"]) == "Kommunfullmäktige – sammanträde"
    assert str(first["UID"]) == f"meeting-{kf.pk}@testserver"
    assert str(first["URL"]) == f"http://testserver/meetings/{kf.pk}/"
    assert first["DTSTAMP"].dt == kf.updated_at.replace(microsecond=0)
    assert (
        b"DTSTAMP:" + kf.updated_at.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ").encode()
        in raw
    )
    assert [e["DTSTART"].dt for e in events] == [
        datetime.date(2021, 6, 14),
        datetime.date(2021, 5, 19),
        datetime.date(2021, 5, 5),
    ]


def test_calendar_body_filter(client, meetings):
    _, calendar = ical(client, "?body=kommunstyrelsen")
    events = calendar.walk("VEVENT")
    assert [e["DTSTART"].dt for e in events] == [
        datetime.date(2021, 5, 19),
        datetime.date(2021, 5, 5),
    ]
    assert {str(e["SUMMARY"]) for e in events} == {"Kommunstyrelsen – sammanträde"}
    assert str(calendar["X-WR-CALNAME"]) == "Sammanträden – Kommunstyrelsen"


def test_calendar_unknown_body_is_400(client, meetings):
    response = client.get("/meetings/calendar.ics?body=finns-inte")
    assert response.status_code == 400
    assert "finns-inte" in response.content.decode()


def test_calendar_escapes_and_folds(client, db):
    name = "Nämnden för äldreomsorg, vård; stöd\\hjälp och överförmyndarfrågor i Huddinge kommun"
    body = BodyFactory(name=name, slug="aldre")
    MeetingFactory(body=body, date=datetime.date(2024, 2, 29))
    raw, calendar = ical(client, "?body=aldre")
    assert b"\n" not in raw.replace(b"\r\n", b"")  # CRLF only
    assert raw.endswith(b"END:VCALENDAR\r\n")
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # the long names were folded
    for line in lines:
        line.decode("utf-8")  # no line ends inside a character
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == f"{name} – sammanträde"
    # icalendar leaves X- properties as written: check the escaped TEXT itself.
    escaped = name.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
    assert escaped.count("\\") == 4
    unfolded = raw.replace(b"\r\n ", b"").decode()
    assert f"\r\nX-WR-CALNAME:Sammanträden – {escaped}\r\n" in unfolded


def test_ical_fold_and_escape_units():
    line = "SUMMARY:" + "åäö" * 40
    folded = feeds.ical_fold(line)
    parts = folded.encode().split(b"\r\n")
    assert all(len(p) <= 75 for p in parts)
    assert len(parts[0]) in (74, 75)
    assert folded.replace("\r\n ", "") == line
    assert feeds.ical_escape("a,b;c\\d\ne\r\nf") == "a\\,b\\;c\\\\d\\ne\\nf"


def test_calendar_cap(client, meetings, monkeypatch):
    monkeypatch.setattr(feeds, "CALENDAR_SIZE", 2)
    _, calendar = ical(client)
    assert [e["DTSTART"].dt for e in calendar.walk("VEVENT")] == [
        datetime.date(2021, 6, 14),
        datetime.date(2021, 5, 19),
    ]


# Sitemap


def sitemap_locs(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return ET.fromstring(response.content)


def test_sitemap(client, archive):
    demo = AnnotationFactory(is_demo=True, text="Påhittad anteckning.")
    index = sitemap_locs(client, "/sitemap.xml")
    sections = [loc.text for loc in index.findall("sm:sitemap/sm:loc", SITEMAP_NS)]
    assert "http://testserver/sitemap-annotations.xml" in sections
    urls, lastmods = set(), {}
    for section in sections:
        split = urlsplit(section)
        root = sitemap_locs(client, split.path + ("?" + split.query if split.query else ""))
        for url in root.findall("sm:url", SITEMAP_NS):
            loc = url.find("sm:loc", SITEMAP_NS).text
            urls.add(loc)
            lastmod = url.find("sm:lastmod", SITEMAP_NS)
            lastmods[loc] = lastmod.text if lastmod is not None else None
    sample = archive["sample"]
    annotation_url = f"http://testserver/notes/{sample.pk}/"
    meeting_url = f"http://testserver/meetings/{sample.item.meeting.pk}/"
    assert annotation_url in urls
    assert meeting_url in urls
    assert f"http://testserver/items/{sample.item.pk}/" in urls
    assert "http://testserver/parties/socialdemokraterna/" in urls
    assert "http://testserver/people/olof-berg/" in urls
    assert {"http://testserver/", "http://testserver/notes/", "http://testserver/meetings/"} <= urls
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", lastmods[annotation_url])
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", lastmods[meeting_url])
    assert f"http://testserver/notes/{demo.pk}/" not in urls  # demo data is not for indexing
