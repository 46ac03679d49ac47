"""Citable and subscribable (#17): the citation line, CSL-JSON and BibTeX; the official
minutes' link in exports, the API and the archive format; feeds whose dates mean what they
say; a calendar that holds every meeting or says where the rest are."""

from __future__ import annotations

import datetime
import io
import json
import re

import feedparser
import icalendar
import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from notes.models import Annotation, Meeting
from notes.values import public_source
from notes.web import feeds
from notes.web.citation import tex_escape
from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    BodyFactory,
    MeetingFactory,
    PersonFactory,
    party,
)

pytestmark = pytest.mark.django_db

MINUTES = "https://www.huddinge.se/protokoll/ks-2021-05-05.pdf"


@pytest.fixture
def cited(sample_annotation):
    item = sample_annotation.item
    item.paragraph, item.case_number = 123, "KS-2021/45"
    item.save()
    meeting = item.meeting
    meeting.source_url, meeting.location = MINUTES, "Kommunalhuset, Sessionssalen"
    meeting.save()
    return Annotation.objects.get(pk=sample_annotation.pk)


def test_the_citation_line_names_everything_a_reader_needs(client, cited):
    html = client.get(f"/notes/{cited.pk}/").content.decode()
    today = timezone.localdate().isoformat()
    line = re.sub(r"<[^>]+>", "", html.split('<p class="cite-text">')[1].split("</p>")[0])
    for part in (
        "Socialdemokraterna (S)",
        "Sara Heelge Vikmång",
        "Protokollsanteckning",
        "Ärende 22",
        "Huddinge kommuns preventionsarbete",
        "Kommunstyrelsen",
        "Huddinge kommun",
        "sammanträde 2021-05-05",
        "§ 123",
        "dnr KS-2021/45",
        f"http://testserver/notes/{cited.pk}/",
        f"hämtad {today}",
        f"Protokoll: {MINUTES}",
    ):
        assert part in line, part
    assert "huddinge-ks-2021-05-05-arende-22.txt" not in html  # no import file name in public
    assert f'href="{MINUTES}"' in html


def test_the_citation_in_english(cited):
    english = Client()
    english.cookies["django_language"] = "en"
    html = english.get(f"/notes/{cited.pk}/").content.decode()
    line = re.sub(r"<[^>]+>", "", html.split('<p class="cite-text">')[1].split("</p>")[0])
    assert "meeting 2021-05-05" in line and "retrieved " in line and "ref. KS-2021/45" in line


def test_csl_json_for_reference_managers(client, cited):
    response = client.get(f"/notes/{cited.pk}/cite.json")
    assert response["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    (item,) = json.loads(response.content)
    assert item["type"] == "document"
    assert item["title"].startswith("Protokollsanteckning: Ärende 22 – Huddinge kommuns")
    assert item["author"] == [
        {"literal": "Socialdemokraterna (S)"},
        {"literal": "Sara Heelge Vikmång"},
    ]
    assert item["issued"] == {"date-parts": [[2021, 5, 5]]}
    today = timezone.localdate()
    assert item["accessed"] == {"date-parts": [[today.year, today.month, today.day]]}
    assert item["URL"] == f"http://testserver/notes/{cited.pk}/"
    assert item["number"] == "KS-2021/45" and item["section"] == "§ 123"
    assert item["publisher"] == "Huddinge kommun"
    assert MINUTES in item["note"]


def test_bibtex_for_reference_managers(client, cited):
    response = client.get(f"/notes/{cited.pk}/cite.bib")
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    assert 'filename="annotation-' in response["Content-Disposition"]
    entry = response.content.decode()
    assert entry.startswith(f"@misc{{annotation-{cited.pk},\n")
    assert "  author = {{Socialdemokraterna (S)} and {Sara Heelge Vikmång}},\n" in entry
    assert "  date = {2021-05-05},\n" in entry
    assert "dnr KS-2021/45" in entry and "§ 123" in entry
    assert entry.count("{") == entry.count("}")


def test_unknown_citation_styles_and_drafts_are_404(client, cited):
    assert client.get(f"/notes/{cited.pk}/cite.ris").status_code == 404
    cited.item.meeting.published_at = None
    cited.item.meeting.save()
    assert Client().get(f"/notes/{cited.pk}/cite.bib").status_code == 404


def _tex_unescape(value: str) -> str:
    for plain, escaped in (
        ("\\", r"\textbackslash{}"),
        ("~", r"\textasciitilde{}"),
        ("^", r"\textasciicircum{}"),
        ("{", r"\textbraceleft{}"),
        ("}", r"\textbraceright{}"),
    ):
        value = value.replace(escaped, plain + "\0")
    for char in "&%$#_":
        value = value.replace("\\" + char, char)
    return value.replace("\0", "")


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=60))
def test_tex_escape_round_trips_and_leaves_braces_balanced(text):
    """Property: whatever a title holds, its BibTeX value has no unescaped brace (the entry
    stays well formed) and reads back as the title, white space aside."""
    escaped = tex_escape(text)
    depth = 0  # BibTeX counts every brace, escaped or not
    for char in escaped:
        depth += {"{": 1, "}": -1}.get(char, 0)
        assert depth >= 0
    assert depth == 0
    assert _tex_unescape(escaped) == " ".join(text.split())


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("huddinge-ks-2021-05-05-arende-22.txt", ""),
        ("rättad källa", ""),
        ("https://www.huddinge.se/ks.pdf", "https://www.huddinge.se/ks.pdf"),
        ("  http://example.org/a  ", "http://example.org/a"),
        ("javascript:alert(1)", ""),
        ("https://a b", ""),
    ],
)
def test_only_a_web_address_of_a_source_is_public(source, shown):
    assert public_source(source) == shown


def test_minutes_link_in_exports_and_api(client, cited):
    document = json.loads(b"".join(client.get("/notes/export.json").streaming_content))
    row = next(r for r in document["results"] if r["id"] == cited.pk)
    assert row["source_url"] == MINUTES and row["source"] == ""
    data = client.get(f"/api/notes/{cited.pk}/").json()
    assert data["meeting"]["source_url"] == MINUTES
    meeting = client.get(f"/api/meetings/{cited.item.meeting.pk}/").json()
    assert meeting["source_url"] == MINUTES
    assert meeting["location"] == "Kommunalhuset, Sessionssalen"
    csv_text = b"".join(client.get("/notes/export.csv").streaming_content).decode("utf-8-sig")
    assert "source_url" in csv_text.splitlines()[0] and MINUTES in csv_text


def test_archive_keeps_the_minutes_link_and_reads_files_written_before_it(tmp_path, cited):
    path = tmp_path / "archive.json"
    call_command("export_archive", str(path), stdout=io.StringIO())
    document = json.loads(path.read_text())
    (meeting,) = document["meetings"]
    assert meeting["source_url"] == MINUTES
    # A file written before the columns existed: the same without them.
    for section in ("meetings", "historical_meetings"):
        for row in document[section]:
            del row["source_url"], row["location"]
    Meeting.objects.filter(pk=meeting["id"]).update(source_url="", location="")
    path.write_text(json.dumps(document))
    call_command("import_archive", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Meeting.objects.get(pk=meeting["id"]).source_url == ""


# --- Feeds --------------------------------------------------------------------------------


def test_atom_dates_are_publication_and_last_public_change(client, db):
    """published: when the text became public (the meeting's publication, or the text's own
    creation if added later); updated: its last correction; the meeting date in the entry."""
    meeting = MeetingFactory(date=datetime.date(2020, 3, 2))
    published = datetime.datetime(2020, 4, 1, 9, 0, tzinfo=datetime.UTC)
    Meeting.objects.filter(pk=meeting.pk).update(published_at=published)
    early = AnnotationFactory(item=AgendaItemFactory(meeting=meeting, number=1))
    late = AnnotationFactory(item=AgendaItemFactory(meeting=meeting, number=2))
    created_early = datetime.datetime(2020, 3, 20, tzinfo=datetime.UTC)
    created_late = datetime.datetime(2020, 5, 5, tzinfo=datetime.UTC)
    corrected = datetime.datetime(2021, 1, 7, tzinfo=datetime.UTC)
    Annotation.objects.filter(pk=early.pk).update(created_at=created_early)
    Annotation.objects.filter(pk=late.pk).update(created_at=created_late, corrected_at=corrected)
    feed = feedparser.parse(client.get("/notes/feed.atom").content)
    entries = {entry.link.rsplit("/", 2)[-2]: entry for entry in feed.entries}
    first, second = entries[str(early.pk)], entries[str(late.pk)]
    assert first.published_parsed[:6] == published.timetuple()[:6]
    assert first.updated_parsed[:6] == published.timetuple()[:6]
    assert second.published_parsed[:6] == created_late.timetuple()[:6]
    assert second.updated_parsed[:6] == corrected.timetuple()[:6]
    assert "sammanträde 2020-03-02" in first.summary


def test_calendar_lists_items_location_and_link(client, cited):
    raw = client.get("/meetings/calendar.ics").content
    (event,) = icalendar.Calendar.from_ical(raw).walk("VEVENT")
    description = str(event["DESCRIPTION"])
    assert "§ 123 Ärende 22 – Huddinge kommuns preventionsarbete" in description
    assert f"/meetings/{cited.item.meeting.pk}/\nProtokoll: {MINUTES}" in description
    assert str(event["LOCATION"]) == "Kommunalhuset, Sessionssalen"
    assert str(event["URL"]).endswith(f"/meetings/{cited.item.meeting.pk}/")


def test_calendar_holds_every_meeting_and_each_year_on_request(client, db, monkeypatch):
    body = BodyFactory()
    days = [datetime.date(2015 + n // 12, 1 + n % 12, 3) for n in range(40)]
    for day in days:
        MeetingFactory(body=body, date=day)
    events = icalendar.Calendar.from_ical(client.get("/meetings/calendar.ics").content)
    assert sorted(e["DTSTART"].dt for e in events.walk("VEVENT")) == days  # all, not 500 of them
    monkeypatch.setattr(feeds, "CALENDAR_SIZE", 10)
    for cache in caches.all():  # the page cache holds the first answer
        cache.clear()
    calendar = icalendar.Calendar.from_ical(client.get("/meetings/calendar.ics").content)
    shown = sorted(e["DTSTART"].dt for e in calendar.walk("VEVENT"))
    assert shown == days[-10:]
    assert f"från och med {days[-10].isoformat()}" in str(calendar["X-WR-CALDESC"])
    assert "year=" in str(calendar["X-WR-CALDESC"])
    for year in (2015, 2016, 2017):
        yearly = icalendar.Calendar.from_ical(
            client.get(f"/meetings/calendar.ics?year={year}").content
        )
        assert sorted(e["DTSTART"].dt for e in yearly.walk("VEVENT")) == [
            d for d in days if d.year == year
        ]
    assert client.get("/meetings/calendar.ics?year=20").status_code == 400


def test_calendar_description_reads_items_in_one_query_per_kind(
    client, db, django_assert_max_num_queries
):
    body = BodyFactory()
    for n in range(20):
        meeting = MeetingFactory(
            body=body, date=datetime.date(2020, 1, 1) + datetime.timedelta(days=n)
        )
        for number in (1, 2, 3):
            AgendaItemFactory(meeting=meeting, number=number)
    with django_assert_max_num_queries(6):
        assert client.get("/meetings/calendar.ics").status_code == 200


def test_signatories_and_parties_in_a_citation_keep_their_entered_order(client, db):
    item = AgendaItemFactory(number=3, title="Budget")
    people = [PersonFactory(name="Östen Ö"), PersonFactory(name="Anna A")]
    annotation = AnnotationFactory(item=item, parties=[party("V"), party("MP")], signatories=people)
    entry = client.get(f"/notes/{annotation.pk}/cite.bib").content.decode()
    assert "{Vänsterpartiet (V)} and {Miljöpartiet (MP)} and {Östen Ö} and {Anna A}" in entry


def test_demo_texts_are_marked_in_lists_and_citations(client, db):
    demo = AnnotationFactory(item=AgendaItemFactory(number=4, title="Demo"), is_demo=True)
    row = client.get("/notes/").content.decode()
    assert '<span class="demo-tag">Påhittad demo</span>' in row
    page = client.get(f"/notes/{demo.pk}/").content.decode()
    line = page.split('<p class="cite-text">')[1]
    assert line.startswith("[Påhittad demotext, inte ett verkligt uttalande]")
    assert page.index('class="demo-note"') < page.index('class="facts"')  # before the facts
    assert "Påhittad demotext" in client.get(f"/notes/{demo.pk}/cite.bib").content.decode()
    (item,) = client.get(f"/notes/{demo.pk}/cite.json").json()
    assert item["note"].startswith("[Påhittad demotext")


def test_a_withdrawn_text_says_so_when_cited(client, cited):
    cited.withdrawn_at = timezone.now()
    cited.withdrawal_reason = "Felaktigt införd."
    cited.save()
    html = client.get(f"/notes/{cited.pk}/").content.decode()
    line = re.sub(r"<[^>]+>", "", html.split('<p class="cite-text">')[1].split("</p>")[0])
    assert "Återkallad " in line
    (item,) = client.get(f"/notes/{cited.pk}/cite.json").json()
    assert "Återkallad" in item["note"]
    entry = client.get(f"/notes/{cited.pk}/cite.bib").content.decode()
    assert "Återkallad" in entry and "\\url{" + MINUTES + "}" in entry
    assert entry.count("{") == entry.count("}")
