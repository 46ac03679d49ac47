"""Can I still appeal? (#22) The appeal deadline across weekends, public holidays and year
ends; the meeting's justering and notice dates read from protocols' ANSLAG/BEVIS blocks and
entered by clerks; the deadline on every page that shows a decision; the anslagstavla as a
page, a feed, CSV and JSON."""

from __future__ import annotations

import csv
import datetime
import io

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from notes.appeals import (
    ENDED,
    NOT_ATTESTED,
    PROBABLY_ENDED,
    RUNNING,
    UNKNOWN,
    appeal_deadline,
    appeal_status,
    earliest_running_posting,
    is_day_off,
    notice_warnings,
)
from notes.ingest.announcement import read_notice
from notes.ingest.protocol_parse import parse_protocol
from notes.ingest.protocol_save import import_protocol, report_lines
from notes.ingest.protocol_text import Page
from notes.models import Meeting
from tests.factories import AgendaItemFactory, AnnotationFactory, MeetingFactory

D = datetime.date


# --- The deadline ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("posted", "deadline", "why"),
    [
        (D(2024, 5, 6), D(2024, 5, 27), "a Monday three weeks on: no move"),
        (D(2024, 5, 11), D(2024, 6, 3), "a Saturday: on to Monday"),
        (D(2024, 5, 12), D(2024, 6, 3), "a Sunday: on to Monday"),
        (D(2024, 5, 16), D(2024, 6, 7), "Sveriges nationaldag (Thursday 6 June)"),
        (D(2025, 3, 28), D(2025, 4, 22), "Långfredagen to annandag påsk: Tuesday"),
        (D(2025, 5, 8), D(2025, 5, 30), "Kristi himmelsfärdsdag (Thursday)"),
        (D(2025, 5, 30), D(2025, 6, 23), "Midsommarafton (Friday 20 June) and the weekend"),
        (D(2026, 5, 29), D(2026, 6, 22), "Midsommarafton 19 June 2026"),
        (D(2026, 12, 3), D(2026, 12, 28), "Julafton, juldagen, annandag jul, a Sunday"),
        (D(2027, 12, 10), D(2028, 1, 3), "Nyårsafton (Friday) and nyårsdagen: into a new year"),
        (D(2025, 12, 16), D(2026, 1, 7), "Trettondedag jul (Tuesday 6 January)"),
        (D(2024, 4, 10), D(2024, 5, 2), "Första maj (Wednesday)"),
        (D(2020, 12, 11), D(2021, 1, 4), "Nyårsafton on a Thursday, nyårsdagen on a Friday"),
    ],
)
def test_the_deadline_is_three_weeks_on_moved_to_the_next_weekday(posted, deadline, why):
    assert appeal_deadline(posted) == deadline, why


def _easter(year: int) -> datetime.date:
    """Easter Sunday by the anonymous Gregorian algorithm: an oracle of the test's own."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return D(year, month, day + 1)


@pytest.mark.parametrize("year", range(1995, 2061, 3))
def test_easter_midsummer_and_christmas_are_days_off_in_any_year(year):
    easter = _easter(year)
    for offset in (-2, 1, 39):  # långfredagen, annandag påsk, Kristi himmelsfärdsdag
        day = easter + datetime.timedelta(days=offset)
        assert is_day_off(day), day
    # Midsommarafton: the Friday between 19 and 25 June.
    eve = next(D(year, 6, d) for d in range(19, 26) if D(year, 6, d).weekday() == 4)
    assert is_day_off(eve) and is_day_off(eve + datetime.timedelta(days=1))
    assert not is_day_off(eve - datetime.timedelta(days=1))  # the Thursday before: a weekday
    for month, day in ((1, 1), (1, 6), (5, 1), (12, 24), (12, 25), (12, 26), (12, 31)):
        assert is_day_off(D(year, month, day)), (month, day)
    # Sveriges nationaldag has been a public holiday since 2005 (annandag pingst was, until
    # then): the calendar knows the years, not only the days.
    assert is_day_off(D(year, 6, 6)) == (year >= 2005 or D(year, 6, 6).weekday() >= 5)
    # Ordinary weekdays stay weekdays.
    for month, day in ((2, 10), (9, 15), (10, 20)):
        weekday = D(year, month, day)
        while weekday.weekday() >= 5:
            weekday += datetime.timedelta(days=1)
        assert not is_day_off(weekday)


@given(st.dates(min_value=D(1990, 1, 1), max_value=D(2099, 12, 1)))
def test_a_deadline_is_the_first_weekday_from_three_weeks_on(posted):
    deadline = appeal_deadline(posted)
    three_weeks = posted + datetime.timedelta(weeks=3)
    assert three_weeks <= deadline <= three_weeks + datetime.timedelta(days=5)
    assert not is_day_off(deadline)
    day = three_weeks
    while day < deadline:
        assert is_day_off(day)
        day += datetime.timedelta(days=1)
    # The board's bound: no notice posted before it can still be running on the deadline.
    assert earliest_running_posting(deadline) <= posted


# --- The state on a given day ---------------------------------------------------------------


def test_the_state_before_justering_before_the_notice_while_running_and_after():
    meeting = Meeting(date=D(2024, 5, 6))
    today = D(2024, 5, 20)
    assert appeal_status(meeting, today).state == NOT_ATTESTED  # 14 days: still in time
    # Past the 14 days justering may take, a meeting without dates has dates the archive was
    # not given: it does not claim the protocol is not justerat. Had the law's days been kept
    # (justerat by 20 May, announced by 22 May), the period ends by 12 June at the latest.
    unknown = appeal_status(meeting, D(2024, 5, 21))
    assert (unknown.state, unknown.deadline) == (UNKNOWN, D(2024, 6, 12))
    assert appeal_status(meeting, D(2024, 6, 12)).state == UNKNOWN
    assert appeal_status(meeting, D(2024, 6, 13)).state == PROBABLY_ENDED
    meeting.attested_on = D(2024, 5, 8)  # justerat, the notice not known: 10 May + 3 weeks
    status = appeal_status(meeting, today)
    assert (status.state, status.deadline) == (UNKNOWN, D(2024, 5, 31))
    assert status.attested_on == D(2024, 5, 8)
    assert appeal_status(meeting, D(2024, 6, 1)).state == PROBABLY_ENDED
    meeting.posted_on = D(2024, 5, 10)
    assert appeal_status(meeting, D(2024, 5, 31)).state == RUNNING  # the last day itself
    assert appeal_status(meeting, D(2024, 5, 31)).deadline == D(2024, 5, 31)
    assert not appeal_status(meeting, D(2024, 5, 31)).moved
    assert appeal_status(meeting, D(2024, 6, 1)).state == ENDED
    meeting.posted_on = D(2024, 5, 11)  # three weeks on is a Saturday
    moved = appeal_status(meeting, D(2024, 5, 20))
    assert (moved.three_weeks, moved.deadline, moved.moved) == (D(2024, 6, 1), D(2024, 6, 3), True)
    # A notice says the protocol was justerat, even where its day is not known.
    meeting.attested_on = None
    assert appeal_status(meeting, D(2024, 5, 20)).state == RUNNING


def test_dates_in_the_wrong_order_are_refused_with_reasons():
    meeting = MeetingFactory.build(date=D(2024, 5, 6))
    meeting.attested_on = D(2024, 5, 5)
    meeting.posted_on = D(2024, 5, 4)
    meeting.taken_down_on = D(2024, 5, 1)
    with pytest.raises(ValidationError) as raised:
        meeting.clean()
    assert set(raised.value.message_dict) == {"attested_on", "posted_on", "taken_down_on"}


# --- Read from protocols --------------------------------------------------------------------


def _lines(*texts: str) -> list[tuple[int, str]]:
    return [(1, text) for text in texts]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        (
            _lines(
                "ANSLAG/BEVIS",
                "Protokollet är justerat. Justeringen har tillkännagivits genom anslag.",
                "Organ Kommunstyrelsen",
                "Sammanträdesdatum 2024-05-06",
                "Datum då anslaget sätts upp 2024-05-10",
                "Datum då anslaget tas ned 2024-06-03",
                "Förvaringsplats för protokollet Kommunstyrelsens kansli",
            ),
            (None, D(2024, 5, 10), D(2024, 6, 3), "Kommunstyrelsens kansli"),
        ),
        (
            _lines(
                "Justeringens plats och tid",
                "Stadshuset, tisdag 21 maj 2024",
                "Anslaget uppsatt:",
                "22.05.2024",
                "Anslaget nedtaget:",
                "13.06.2024",
                "Förvaringsplats för protokollet:",
                "Kommunledningskontoret, Stadshuset",
            ),
            (D(2024, 5, 21), D(2024, 5, 22), D(2024, 6, 13), "Kommunledningskontoret, Stadshuset"),
        ),
        (
            _lines(
                "Protokollet justerades 2023-02-01",
                "Datum för anslags uppsättande: 2 februari 2023",
                "Datum för anslags nedtagande: 24 februari 2023",
            ),
            (D(2023, 2, 1), D(2023, 2, 2), D(2023, 2, 24), ""),
        ),
        (
            _lines(
                "Justerat den 14 mars 2024",
                "Anslaget sattes upp fredag 15 mars 2024 och tas ned 8 april 2024",
            ),
            (D(2024, 3, 14), D(2024, 3, 15), None, ""),
        ),
        (
            _lines("Justeringsdatum: 2022-09-30", "Anslagsdatum: 2022-10-03"),
            (D(2022, 9, 30), D(2022, 10, 3), None, ""),
        ),
        (  # a table as pdftotext lays it out: two labels side by side, their values below
            _lines(
                "Datum då anslaget sätts upp          Datum då anslaget tas ned",
                "2026-11-20                           2026-12-14",
            ),
            (None, D(2026, 11, 20), D(2026, 12, 14), ""),
        ),
        (  # every label on one line, each with its value
            _lines(
                "Justerat 2026-11-18  Anslaget uppsatt 2026-11-20  Anslaget nedtaget 14/12-2026"
            ),
            (D(2026, 11, 18), D(2026, 11, 20), D(2026, 12, 14), ""),
        ),
        (
            _lines(
                "Protokollet har justerats 19 november 2026",
                "Anslaget publicerat på kommunens digitala anslagstavla: 20 november 2026",
                "Anslaget nedtas 14 december 2026",
            ),
            (D(2026, 11, 19), D(2026, 11, 20), D(2026, 12, 14), ""),
        ),
        (
            _lines(
                "Justeringen har tillkännagetts genom anslag 2026-11-20",
                "Datum för tillkännagivande",
            ),
            (None, D(2026, 11, 20), None, ""),
        ),
        (  # a sentence without its date: the next line (the meeting's date) is not its value
            _lines(
                "Justeringen har tillkännagivits genom anslag.",
                "Sammanträdesdatum 2026-11-16",
                "Datum för publicering på anslagstavlan",
                "2026-11-21",
            ),
            (None, D(2026, 11, 21), None, ""),
        ),
        (
            _lines(
                "Utses att justera: Anna Alm (M)",
                "Justerandes signatur",
                "Sammanträdesdatum 2024-05-06",
            ),
            (None, None, None, ""),
        ),
    ],
)
def test_the_notice_is_read_from_many_ways_of_writing_it(lines, expected):
    notice = read_notice(lines)
    assert (notice.attested_on, notice.posted_on, notice.taken_down_on, notice.kept_at) == expected


def _protocol_page(*lines: str) -> list[Page]:
    return [Page(number=1, lines=list(lines), furniture=[])]


def test_a_notice_date_that_cannot_be_right_is_reported_and_left_out():
    protocol = parse_protocol(
        _protocol_page(
            "Kommunstyrelsen",
            "Sammanträdesdatum 2024-05-06",
            "Justeringens plats och tid: Kommunalhuset 2024-05-02",
            "Datum då anslaget sätts upp 2024-05-10",
            "§ 1",
            "Budget",
            "Kommunstyrelsens beslut",
            "Godkänns.",
        )
    )
    assert protocol.date == D(2024, 5, 6)  # not a date of the block
    assert protocol.notice.attested_on is None
    assert protocol.notice.posted_on == D(2024, 5, 10)
    warnings = [m for _, level, m in protocol.report if level == "varning"]
    assert warnings == ["justeringsdatumet 2024-05-02 är före sammanträdet och sparas inte"]


def _text(*lines: str) -> bytes:
    return "\n".join(lines).encode()


PROTOCOL = (
    "Kommunstyrelsen",
    "Sammanträdesdatum 2024-05-06",
    "§ 1",
    "Budget",
    "Kommunstyrelsens beslut",
    "Godkänns.",
)


@pytest.mark.django_db
def test_the_importer_fills_what_the_meeting_lacks_and_never_overwrites_a_clerk():
    first = import_protocol(_text(*PROTOCOL), "ks.txt")
    meeting = Meeting.objects.get(pk=first.meeting_id)
    assert (meeting.attested_on, meeting.posted_on) == (None, None)  # no block: nothing
    version = meeting.version
    Meeting.objects.filter(pk=meeting.pk).update(minutes_kept_at="Kansliet (enligt registrator)")
    block = ("Justerat 2024-05-08", "Anslaget uppsatt: 2024-05-10", "Förvaringsplats: Arkivet")
    again = import_protocol(_text(*PROTOCOL, "ANSLAG/BEVIS", *block), "ks.txt")
    assert again.ok and again.created["sammanträdet"] == 2
    meeting.refresh_from_db()
    assert (meeting.attested_on, meeting.posted_on) == (D(2024, 5, 8), D(2024, 5, 10))
    assert meeting.minutes_kept_at == "Kansliet (enligt registrator)"  # the clerk's stays
    assert meeting.version == version + 1  # a form opened before cannot save over it
    assert meeting.history.first().posted_on == D(2024, 5, 10)  # with its history record
    report = "\n".join(report_lines(again))
    assert "Anslag/bevis: justerat 2024-05-08, anslaget uppsatt 2024-05-10" in report
    assert "uppgifter om sammanträdet: nya 2" in report


def test_a_block_without_its_notice_day_and_a_stated_deadline_that_differs_are_reported():
    missing = parse_protocol(
        _protocol_page(
            *PROTOCOL, "ANSLAG/BEVIS", "Protokollet är justerat.", "Förvaringsplats: Kansliet"
        )
    )
    assert [m for _, level, m in missing.report if level == "saknas"] == [
        "Anslag/bevis: ingen dag då anslaget sattes upp hittades; ange den i admin"
    ]
    stated = parse_protocol(
        _protocol_page(
            *PROTOCOL,
            "ANSLAG/BEVIS",
            "Anslaget uppsatt 2026-12-03",
            "Sista dag för överklagande 2026-12-24",  # julafton: the law moves it on
        )
    )
    assert [m for _, level, m in stated.report if level == "varning"] == [
        "protokollet anger sista dag för överklagande 2026-12-24, men tre veckor från anslaget "
        "2026-12-03 ger 2026-12-28"
    ]


@pytest.mark.django_db
def test_the_importer_leaves_out_dates_that_would_clash_with_the_meetings_own():
    first = import_protocol(_text(*PROTOCOL, "Justerat 2024-05-17"), "ks.txt")
    assert Meeting.objects.get(pk=first.meeting_id).attested_on == D(2024, 5, 17)
    # Another protocol text of the same meeting: its notice before the kept justering, and
    # another justering day, are reported and not saved.
    again = import_protocol(
        _text(*PROTOCOL, "Justerat 2024-05-08", "Anslaget uppsatt 2024-05-12"), "ks2.txt"
    )
    meeting = Meeting.objects.get(pk=first.meeting_id)
    assert (meeting.attested_on, meeting.posted_on) == (D(2024, 5, 17), None)
    meeting.full_clean()  # what the admin will check on the clerk's next save still holds
    warnings = [m for _, level, m in again.protocol.report if level == "varning"]
    assert (
        "justerat: protokollet anger 2024-05-08, sammanträdet har 2024-05-17, som behålls"
        in warnings
    )
    assert "anslaget uppsatt 2024-05-12 är före justerat 2024-05-17 och sparas inte" in warnings


def test_the_admin_warns_of_dates_that_may_be_wrong():
    meeting = Meeting(date=D(2024, 5, 6), attested_on=D(2024, 6, 20), posted_on=D(2024, 6, 21))
    meeting.taken_down_on = D(2024, 7, 10)  # the period runs to 12 July
    warnings = notice_warnings(meeting, today=D(2024, 6, 1))
    assert len(warnings) == 3
    assert "mer än 14 dagar" in warnings[0]
    assert "inte har kommit" in warnings[1]
    assert "2024-07-12" in warnings[2]
    meeting.attested_on, meeting.posted_on, meeting.taken_down_on = (
        D(2024, 5, 8),
        D(2024, 5, 10),
        D(2024, 6, 3),
    )
    assert notice_warnings(meeting, today=D(2024, 6, 1)) == []


@pytest.mark.django_db
def test_notice_dates_for_a_published_meeting_wait_for_the_clerks_choice():
    first = import_protocol(_text(*PROTOCOL), "ks.txt")
    Meeting.objects.filter(pk=first.meeting_id).update(published_at=timezone.now())
    block = ("ANSLAG/BEVIS", "Anslaget uppsatt: 2024-05-10")
    held = import_protocol(_text(*PROTOCOL, *block), "ks.txt")
    assert not held.ok and not held.saved
    assert Meeting.objects.get(pk=first.meeting_id).posted_on is None
    chosen = import_protocol(_text(*PROTOCOL, *block), "ks.txt", into_published=True)
    assert chosen.saved
    assert Meeting.objects.get(pk=first.meeting_id).posted_on == D(2024, 5, 10)


# --- On the pages ---------------------------------------------------------------------------


def _published(**dates):
    meeting = MeetingFactory(**dates)
    item = AgendaItemFactory(meeting=meeting, number=4, title="Riktlinjer för bistånd")
    annotation = AnnotationFactory(item=item)
    return meeting, item, annotation


def _english() -> Client:
    english = Client()
    english.cookies["django_language"] = "en"
    return english


def _pages(meeting, item, annotation):
    return [meeting.get_absolute_url(), item.get_absolute_url(), annotation.get_absolute_url()]


@pytest.mark.django_db
def test_every_page_with_a_decision_says_until_when_it_can_be_appealed(client):
    today = timezone.localdate()
    posted = today - datetime.timedelta(days=3)
    meeting, item, annotation = _published(
        date=posted - datetime.timedelta(days=6),
        attested_on=posted - datetime.timedelta(days=1),
        posted_on=posted,
    )
    deadline = appeal_deadline(posted)
    for url in _pages(meeting, item, annotation):
        html = client.get(url).content.decode()
        assert f'Kan överklagas till och med <time datetime="{deadline.isoformat()}">' in html
        assert "Förvaltningsrätten i Stockholm" in html
        assert "laglighetsprövning" in html
        english = _english().get(url).content.decode()
        assert (
            f'Can be appealed up to and including <time datetime="{deadline.isoformat()}">'
            in english
        )
        assert "judicial review" in english


@pytest.mark.django_db
def test_an_ended_period_and_a_protocol_not_yet_justerat_are_said_so(client):
    ended, item, annotation = _published(
        date=D(2023, 1, 9), attested_on=D(2023, 1, 11), posted_on=D(2023, 1, 12)
    )
    for url in _pages(ended, item, annotation):
        html = client.get(url).content.decode()
        assert 'Överklagandetiden gick ut <time datetime="2023-02-02">' in html
    fresh, item, annotation = _published(date=timezone.localdate())
    for url in _pages(fresh, item, annotation):
        html = client.get(url).content.decode()
        assert "Protokollet är inte justerat" in html
        assert "Kan överklagas till och med" not in html
    english = _english().get(fresh.get_absolute_url())
    assert "The minutes have not been approved" in english.content.decode()
    old, item, annotation = _published(date=D(2019, 3, 4))
    for url in _pages(old, item, annotation):
        html = client.get(url).content.decode()
        assert "Överklagandetiden har troligen gått ut" in html
        assert "Protokollet är inte justerat" not in html
        assert "Så överklagar du" not in html  # no invitation to a pointless appeal


# --- The anslagstavla -----------------------------------------------------------------------


@pytest.fixture
def board(db):
    today = timezone.localdate()
    running = MeetingFactory(
        date=today - datetime.timedelta(days=10),
        attested_on=today - datetime.timedelta(days=6),
        posted_on=today - datetime.timedelta(days=5),
        minutes_kept_at="Kommunstyrelsens kansli",
    )
    ended = MeetingFactory(
        date=today - datetime.timedelta(days=60),
        attested_on=today - datetime.timedelta(days=55),
        posted_on=today - datetime.timedelta(days=54),
    )
    draft = MeetingFactory(
        draft=True,
        date=today - datetime.timedelta(days=9),
        attested_on=today - datetime.timedelta(days=4),
        posted_on=today - datetime.timedelta(days=3),
    )
    unannounced = MeetingFactory(date=today - datetime.timedelta(days=2))
    return running, ended, draft, unannounced


def test_the_board_lists_only_published_protocols_whose_period_is_running(client, board):
    running, ended, draft, unannounced = board
    html = client.get("/anslagstavla/").content.decode()
    assert running.get_absolute_url() in html
    for other in (ended, draft, unannounced):
        assert other.get_absolute_url() not in html
    deadline = appeal_deadline(running.posted_on)
    assert f'<time datetime="{deadline.isoformat()}">' in html
    assert "Kommunstyrelsens kansli" in html


def test_the_board_as_csv_json_and_feed_carries_the_same(client, board):
    running, ended, _draft, _unannounced = board
    deadline = appeal_deadline(running.posted_on).isoformat()
    rows = list(
        csv.DictReader(
            io.StringIO(client.get("/anslagstavla/anslagstavla.csv").content.decode("utf-8-sig")),
            delimiter=";",
        )
    )
    assert [
        (r["meeting_url"].endswith(running.get_absolute_url()), r["appeal_deadline"]) for r in rows
    ] == [(True, deadline)]
    data = client.get("/api/anslagstavla/").json()
    assert data["count"] == 1 and data["results"][0]["id"] == running.pk
    assert data["results"][0]["appeal"]["deadline"] == deadline
    assert data["results"][0]["appeal"]["state"] == "pagar"
    detail = client.get(f"/api/meetings/{ended.pk}/").json()
    assert detail["appeal"]["state"] == "utgangen"
    feed = feedparser.parse(client.get("/anslagstavla/feed.atom").content)
    assert not feed.bozo
    # The feed has every notice posted, the ended one too (newest first); not the draft's.
    links = [entry.link for entry in feed.entries]
    assert len(links) == 2
    assert links[0].endswith(running.get_absolute_url())
    assert links[1].endswith(ended.get_absolute_url())
    assert deadline in feed.entries[0].summary


def test_the_board_is_read_in_a_fixed_number_of_queries(
    client, board, django_assert_max_num_queries
):
    with django_assert_max_num_queries(4):
        assert client.get("/api/anslagstavla/").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_demo_meetings_carry_notice_dates_in_a_lawful_order():
    call_command("generate_demo", annotations=200, seed=5, stdout=io.StringIO())
    today = timezone.localdate()
    meetings = list(Meeting.objects.filter(is_demo=True))
    assert meetings
    for meeting in meetings:
        meeting.full_clean(exclude=["body"])  # the model's own order rules hold
        if meeting.posted_on:
            assert meeting.date < meeting.attested_on < meeting.posted_on <= today
            assert meeting.taken_down_on > appeal_deadline(meeting.posted_on)
        if meeting.date > today - datetime.timedelta(days=7):
            assert meeting.attested_on is None  # the latest are not justerade yet
    assert any(m.posted_on for m in meetings)
