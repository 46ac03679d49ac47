"""Whole protocols in (#18): PDFs and texts in several layouts become a meeting, its items,
annotations, votes and attendance; bad files save nothing; a second import changes nothing."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from notes.ingest.protocol_save import import_protocol
from notes.models import AgendaItem, Annotation, Attendance, Ballot, Meeting, Vote
from tests.protocols import LAYOUTS, as_pdf, as_text

pytestmark = pytest.mark.django_db


def _check(layout, result):
    expected = layout.expected
    assert result.ok, result.error
    meeting = Meeting.objects.get(pk=result.meeting_id)
    assert meeting.body.name == expected.body
    assert meeting.date == expected.date
    assert meeting.location == expected.place
    assert meeting.time == expected.time
    assert meeting.published_at is None  # lands as a draft
    notice = (meeting.attested_on, meeting.posted_on, meeting.taken_down_on)
    assert (*notice, meeting.minutes_kept_at) == expected.notice
    assert Attendance.objects.filter(meeting=meeting).count() == expected.attendance
    items = {i.paragraph: i for i in AgendaItem.objects.filter(meeting=meeting)}
    assert {n: i.title for n, i in items.items()} == expected.paragraphs
    assert {n: items[n].case_number for n in expected.cases} == expected.cases
    found = sorted(
        (a.item.paragraph, a.kind, tuple(p.abbreviation for p in a.parties.all()))
        for a in Annotation.objects.filter(item__meeting=meeting)
    )
    assert found == sorted(expected.notes)
    for number, words in expected.note_texts.items():
        texts = Annotation.objects.filter(item=items[number]).values_list("text", flat=True)
        assert any(words in text for text in texts), (words, list(texts))
    votes = {
        v.item.paragraph: (v.yes, v.no, v.abstain)
        for v in Vote.objects.filter(item__meeting=meeting)
    }
    assert votes == expected.votes
    for number, sides in expected.vote_parties.items():
        vote = Vote.objects.get(item=items[number])
        got = {}
        for ballot in Ballot.objects.filter(vote=vote, person__isnull=True):
            got.setdefault(ballot.choice, set()).add(ballot.party.abbreviation)
        assert got == sides
    for number, named in expected.ballots.items():
        vote = Vote.objects.get(item=items[number])
        got = dict(vote.ballots.filter(person__isnull=False).values_list("person__name", "choice"))
        assert got == named
    for number, words in expected.results.items():
        assert Vote.objects.get(item=items[number]).result.endswith(words)
    report = [message for _, level, message in result.protocol.report if level != "hittat"]
    assert report == [], report


@pytest.mark.parametrize("layout", LAYOUTS, ids=[layout.name for layout in LAYOUTS])
@pytest.mark.parametrize("form", ["pdf", "text"])
def test_a_protocol_yields_its_meeting_items_annotations_and_votes(layout, form):
    data = as_pdf(layout) if form == "pdf" else as_text(layout)
    result = import_protocol(data, f"{layout.name}.{form}")
    _check(layout, result)


@pytest.mark.parametrize("layout", LAYOUTS, ids=[layout.name for layout in LAYOUTS])
def test_importing_again_changes_nothing(layout):
    data = as_pdf(layout)
    first = import_protocol(data, "p.pdf")
    assert first.ok, first.error
    counts = [
        m.objects.count() for m in (Meeting, AgendaItem, Annotation, Vote, Ballot, Attendance)
    ]
    again = import_protocol(data, "p.pdf")
    assert again.ok and not again.created
    assert [
        m.objects.count() for m in (Meeting, AgendaItem, Annotation, Vote, Ballot, Attendance)
    ] == counts


def test_dry_run_saves_nothing_and_prints_the_report():
    out = io.StringIO()
    path = __import__("pathlib").Path
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        file = path(folder) / "ks.pdf"
        file.write_bytes(as_pdf(LAYOUTS[0]))
        call_command("import_protocol", str(file), "--dry-run", stdout=out)
    report = out.getvalue()
    assert "Kommunstyrelsen 2024-05-06" in report
    assert "§ 61 Detaljplan för Flemingsbergsdalen" in report
    assert "provkörning" in report
    assert Meeting.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "tom"),
        (b"hello, not a protocol at all", "organ"),
        (b"%PDF-1.7\n%garbage that is no PDF\n", "kan inte läsas"),
        (b"\x00\x01\x02binary", "varken"),
    ],
)
def test_bad_files_are_refused_clearly_and_save_nothing(data, message, tmp_path):
    result = import_protocol(data, "bad")
    assert not result.ok and message in result.error
    file = tmp_path / "bad.pdf"
    file.write_bytes(data)
    with pytest.raises(CommandError):
        call_command("import_protocol", str(file), stdout=io.StringIO(), stderr=io.StringIO())
    assert Meeting.objects.count() == 0


def test_a_truncated_pdf_is_refused():
    data = as_pdf(LAYOUTS[0])
    result = import_protocol(data[: len(data) // 2], "half.pdf")
    assert not result.ok
    assert Meeting.objects.count() == 0


def _published(layout):
    result = import_protocol(as_pdf(layout), f"{layout.name}.pdf")
    assert result.ok, result.error
    meeting = Meeting.objects.get(pk=result.meeting_id)
    meeting.published_at = timezone.now()
    meeting.save()
    return meeting


def test_votes_on_item_meeting_and_party_pages_and_in_the_api(client):
    meeting = _published(LAYOUTS[0])
    item = AgendaItem.objects.get(meeting=meeting, paragraph=61)
    text = re.sub(r"<[^>]+>", "", client.get(item.get_absolute_url()).content.decode())
    assert "Omröstning: Ja 7: M, L, KD, C, SD · Nej 3: S, V, MP" in " ".join(text.split())
    meeting_page = re.sub(r"<[^>]+>", "", client.get(meeting.get_absolute_url()).content.decode())
    assert "Ja 7: M, L, KD, C, SD" in " ".join(meeting_page.split())
    party_page = client.get("/parties/vansterpartiet/").content.decode()
    assert "Så har partiet röstat" in party_page and f'href="/items/{item.pk}/"' in party_page
    data = client.get(f"/api/meetings/{meeting.pk}/").json()
    (vote,) = next(i for i in data["items"] if i["paragraph"] == 61)["votes"]
    assert (vote["yes"], vote["no"], vote["abstain"]) == (7, 3, 0)
    assert set(vote["parties"]["nej"]) == {"S", "V", "MP"}


def test_named_ballots_are_shown_per_member(client):
    meeting = _published(LAYOUTS[1])
    item = AgendaItem.objects.get(meeting=meeting, paragraph=12)
    page = re.sub(r"<[^>]+>", "", client.get(item.get_absolute_url()).content.decode())
    assert "Maja Mo (V): Nej" in page and "Olle Ort (C): Avstår" in page
    (vote,) = client.get(f"/api/meetings/{meeting.pk}/").json()["items"][0]["votes"]
    assert {(b["name"], b["choice"]) for b in vote["ballots"]} >= {("Maja Mo", "nej")}


def test_a_meeting_page_reads_votes_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    meeting = _published(LAYOUTS[0])
    with django_assert_max_num_queries(30) as few:
        client.get(meeting.get_absolute_url())
    items = AgendaItem.objects.filter(meeting=meeting)
    for n in range(10):  # more items, each with a vote and ballots
        item = AgendaItem.objects.create(meeting=meeting, paragraph=100 + n, title=f"T {n}")
        vote = Vote.objects.create(item=item, yes=1, no=0, abstain=0)
        Ballot.objects.create(vote=vote, choice="ja", party=Ballot.objects.first().party)
    assert items.count() == 12
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(meeting.get_absolute_url())


def test_round_trip_through_the_archive_is_identical(tmp_path):
    """A protocol imported, exported, imported into an empty database, exported again."""
    from tests.test_archive import empty_database, export, import_

    for layout in LAYOUTS:
        assert import_protocol(as_pdf(layout), f"{layout.name}.pdf").ok
    first = export(tmp_path / "a.json")
    assert b'"votes":[' in first and b'"ballots":[' in first and b'"attendance":[' in first
    empty_database()
    import_(tmp_path / "a.json")
    assert Vote.objects.count() == sum(len(layout.expected.votes) for layout in LAYOUTS)
    assert Attendance.objects.count() == sum(layout.expected.attendance for layout in LAYOUTS)
    assert export(tmp_path / "b.json") == first


def test_an_archive_written_before_votes_still_imports(tmp_path):
    import json

    from tests.test_archive import empty_database, export, import_

    assert import_protocol(as_pdf(LAYOUTS[2]), "kf.pdf").ok
    document = json.loads(export(tmp_path / "a.json"))
    for key in ("votes", "ballots", "attendance"):
        del document[key]
    for row in document["meetings"] + document["historical_meetings"]:
        del row["time"]
    empty_database()
    (tmp_path / "old.json").write_text(json.dumps(document))
    import_(tmp_path / "old.json")
    assert Meeting.objects.count() == 1 and Vote.objects.count() == 0


def test_a_clerk_uploads_reads_the_report_and_confirms(clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = "/admin/notes/meeting/import-protocol/"
    assert "Importera protokoll" in clerk.get("/admin/notes/meeting/").content.decode()
    assert clerk.get(url).status_code == 200
    upload = SimpleUploadedFile("ks.pdf", as_pdf(LAYOUTS[0]), content_type="application/pdf")
    preview = clerk.post(url, {"action": "preview", "file": upload})
    page = preview.content.decode()
    assert preview.status_code == 200
    assert "§ 61 Detaljplan för Flemingsbergsdalen" in page
    assert "omröstning ja 7 (M, L, KD, C, SD)" in page
    assert Meeting.objects.count() == 0  # nothing saved by the preview
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page).group(1)
    done = clerk.post(url, {"action": "import", "digest": digest})
    meeting = Meeting.objects.get()
    assert done.status_code == 302 and done["Location"].endswith(f"/meeting/{meeting.pk}/change/")
    assert meeting.published_at is None and Vote.objects.count() == 1
    again = clerk.post(url, {"action": "import", "digest": digest})  # used up
    assert again.status_code == 400 and "Ladda upp protokollet igen" in again.content.decode()


def test_the_upload_refuses_an_unreadable_file_and_saves_nothing(clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4 broken", content_type="application/pdf")
    response = clerk.post(
        "/admin/notes/meeting/import-protocol/", {"action": "preview", "file": upload}
    )
    assert response.status_code == 400
    assert "kan inte läsas" in response.content.decode()
    assert 'name="digest"' not in response.content.decode()
    assert Meeting.objects.count() == 0


def test_the_upload_needs_the_right_to_add_meetings(client, django_user_model):
    user = django_user_model.objects.create_user("visitor", password="x", is_staff=True)
    client.force_login(user)
    assert client.get("/admin/notes/meeting/import-protocol/").status_code == 403


def test_votes_export_as_csv_with_sides_and_named_votes(client):
    import csv

    _published(LAYOUTS[0])
    _published(LAYOUTS[1])
    response = client.get("/votes.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(
        csv.DictReader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")), delimiter=";"
        )
    )
    assert len(rows) == 2
    ks = next(r for r in rows if r["body"] == "Kommunstyrelsen")
    assert (ks["yes"], ks["no"], ks["abstain"]) == ("7", "3", "0")
    assert ks["parties_no"] == "S, V, MP" and ks["paragraph"] == "61"
    sn = next(r for r in rows if r["body"] == "Socialnämnden")
    assert "Maja Mo (V): nej" in sn["named_votes"]
    # Only named votes: each side's parties from them, as the item page shows them.
    assert (sn["parties_yes"], sn["parties_no"], sn["parties_abstain"]) == ("S, M, SD", "V", "C")
    only_v = b"".join(client.get("/votes.csv?party=V").streaming_content).decode("utf-8-sig")
    assert only_v.count("\r\n") == 3  # header and both votes (V took part in each)
    assert client.get("/votes.csv?party=XYZ").status_code == 400
    assert client.get("/votes.csv?body=finns-inte").status_code == 400
    assert client.get("/votes.csv?body=kommunstyrelsen").status_code == 200


def test_an_existing_meeting_is_merged_item_by_item():
    """The same meeting's protocol again, with one § more and the meeting's place entered by
    a clerk in between: only the new § and its annotation are added, nothing is overwritten."""
    first = import_protocol(as_pdf(LAYOUTS[0]), "v1.pdf")
    Meeting.objects.filter(pk=first.meeting_id).update(location="Stadshuset")
    second = import_protocol(as_pdf(_with_new_paragraph(LAYOUTS[0])), "v2.pdf")
    assert second.ok and second.meeting_id == first.meeting_id and not second.meeting_created
    assert second.created == {"ärenden": 1, "anteckningar": 1}
    meeting = Meeting.objects.get(pk=first.meeting_id)
    assert meeting.location == "Stadshuset"  # the clerk's value kept
    assert sorted(
        AgendaItem.objects.filter(meeting=meeting).values_list("paragraph", flat=True)
    ) == [61, 62, 63]
    assert Annotation.objects.filter(item__meeting=meeting).count() == 4


def test_page_furniture_is_removed_and_hyphenated_words_joined():
    from notes.ingest.protocol_text import read_pages

    words = {1: "skolan", 2: "vården", 3: "parkerna"}
    pages = [
        [
            "Huddinge kommun",
            "PROTOKOLL",
            f"Sida {n} (3)",
            "",
            f"Text om {words[n]} och förvalt-",
            "ningens arbete.",
            "Natur-",
            "och byggnadsnämnden",
            f"yttrar sig om {words[n]}.",
            f"Beslutet om {words[n]} gäller.",
            f"Ärendet om {words[n]} avslutas.",
            "",
            "Justerandes signatur Utdragsbestyrkande",
        ]
        for n in (1, 2, 3)
    ]
    text = "\f".join("\n".join(page) for page in pages).encode()
    read = read_pages(text)
    lines = [line for page in read for line in page.lines if line]
    assert "Huddinge kommun" not in lines and "PROTOKOLL" not in lines
    assert not any(line.startswith("Sida") or "Utdragsbestyrkande" in line for line in lines)
    assert "Text om vården och förvaltningens arbete." in lines
    assert "Natur-" in lines and "och byggnadsnämnden" in lines  # a compound's shared part stays


def test_decision_kept_and_shown_and_a_substitute_counted_once(client):
    meeting = _published(LAYOUTS[3])
    item = AgendaItem.objects.get(meeting=meeting, paragraph=31)
    assert item.decision == "Nämnden fastställer taxorna enligt förvaltningens förslag."
    assert "Nämnden fastställer taxorna" in client.get(item.get_absolute_url()).content.decode()
    names = set(Attendance.objects.filter(meeting=meeting).values_list("person__name", flat=True))
    assert "Anja Alfågel" in names and "Nora Nötväcka" not in names
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Stadshuset" in page and "09.00–11.00" in page
    assert "Närvaro enligt protokollet: 3 personer" in page
    assert "Anja Alfågel</a> (C), beslutande" in page and "Nötväcka" not in page


def _with_new_paragraph(layout):
    import dataclasses

    return dataclasses.replace(
        layout,
        body=[
            *layout.body[:-5],  # the appendix stays last
            "§ 63",
            "Motion om parkbänkar",
            "Eva Ek (KD) reserverar sig mot beslutet.",
            *layout.body[-5:],
        ],
    )


def _counts():
    return [m.objects.count() for m in (AgendaItem, Annotation, Vote, Ballot, Attendance)]


def test_new_content_for_a_published_meeting_is_saved_only_when_the_clerk_chooses(tmp_path):
    from notes.ingest.protocol_save import report_lines

    meeting = _published(LAYOUTS[0])
    same = import_protocol(as_pdf(LAYOUTS[0]), "again.pdf")
    assert same.ok and sum(same.created.values()) == 0  # nothing new: nothing to refuse
    assert any("inget nytt" in line for line in report_lines(same))
    before = _counts()
    longer = as_pdf(_with_new_paragraph(LAYOUTS[0]))
    preview = import_protocol(longer, "v2.pdf", dry_run=True)
    assert preview.ok and any("PUBLICERAT" in line for line in report_lines(preview))
    refused = import_protocol(longer, "v2.pdf")
    assert not refused.ok and "redan publicerat" in refused.error
    assert any("§ 63" in line for line in report_lines(refused))  # the report is still shown
    assert _counts() == before
    path = tmp_path / "v2.pdf"
    path.write_bytes(longer)
    with pytest.raises(CommandError):
        call_command("import_protocol", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert _counts() == before
    call_command("import_protocol", str(path), "--into-published", stdout=io.StringIO())
    assert AgendaItem.objects.filter(meeting=meeting, paragraph=63).exists()
    assert Annotation.objects.filter(item__paragraph=63).count() == 1


def test_the_clerk_ticks_to_publish_new_content_of_a_published_meeting(clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    meeting = _published(LAYOUTS[0])
    url = "/admin/notes/meeting/import-protocol/"
    data = as_pdf(_with_new_paragraph(LAYOUTS[0]))
    upload = SimpleUploadedFile("v2.pdf", data, content_type="application/pdf")
    page = clerk.post(url, {"action": "preview", "file": upload}).content.decode()
    assert "Sammanträdet är redan publicerat." in page and 'name="into_published"' in page
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page).group(1)
    refused = clerk.post(url, {"action": "import", "digest": digest})
    assert refused.status_code == 400 and "ingenting sparades" in refused.content.decode()
    assert not AgendaItem.objects.filter(meeting=meeting, paragraph=63).exists()
    assert f'value="{digest}"' in refused.content.decode()  # still staged, the choice offered
    done = clerk.post(url, {"action": "import", "digest": digest, "into_published": "1"})
    assert done.status_code == 302
    assert AgendaItem.objects.filter(meeting=meeting, paragraph=63).exists()


def test_what_the_parser_cannot_place_is_reported():
    from notes.ingest.protocol_parse import parse_protocol
    from notes.ingest.protocol_text import read_pages

    text = "\n".join(
        [
            "Kulturnämnden",
            "Sammanträdesdatum 2024-02-01",
            "§ 5",
            "Bidrag till föreningar",
            "Beslut",
            "Nämnden beslutar enligt förslaget.",
            "Protokollsanteckning",
            "Vi ser gärna fler bidrag till unga.",
            "Omröstning",
            "Ledamot              Ja    Nej   Avstår",
            "Anna Alm (M)         X     X",
            "Ja-röster: 1",
            "Nej-röster: 1",
            "Därtill en rad som ingen förstår",
            "Bilaga 4",
            "Reservation från Vänsterpartiet",
            "Vi reserverar oss.",
        ]
    )
    report = parse_protocol(read_pages(text.encode())).report
    unplaced = [message for _, level, message in report if level == "oplacerat"]
    assert any("protokollsanteckning utan parti" in m for m in unplaced), unplaced
    assert any("kryss i flera kolumner" in m for m in unplaced), unplaced
    assert any("Därtill en rad som ingen förstår" in m for m in unplaced), unplaced
    assert any("bilaga 4" in m for m in unplaced), unplaced


def test_a_word_hyphenated_at_a_pdf_line_end_is_joined():
    """PDFium joins such a word itself and marks the hyphen U+FFFE; the archive must neither
    keep that mark nor join a compound's shared part ("Natur-" / "och ...")."""
    from fpdf import FPDF

    from notes.ingest.protocol_text import read_pages
    from tests.protocols import FONT

    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("Body", "", str(FONT))
    pdf.set_font("Body", size=10)
    for line in ["Text om skolan och förvalt-", "ningens arbete.", "Natur-", "och byggnadsnämnden"]:
        pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    lines = [line for page in read_pages(bytes(pdf.output())) for line in page.lines]
    assert "Text om skolan och förvaltningens arbete." in lines
    assert "Natur-" in lines and "och byggnadsnämnden" in lines
    assert not any("\ufffe" in line or "\x02" in line for line in lines)


def test_the_report_speaks_the_clerks_language():
    from django.utils import translation

    from notes.ingest.protocol_save import report_lines

    with translation.override("en"):
        result = import_protocol(as_pdf(LAYOUTS[0]), "ks.pdf", dry_run=True)
        lines = report_lines(result)
        refused = import_protocol(b"%PDF-1.4 broken", "broken.pdf")
    text = "\n".join(lines)
    assert "page 1: [found] Meeting: Kommunstyrelsen 2024-05-06" in text
    assert "meeting: new, a draft until it is published" in text
    assert "vote yes 7 (M, L, KD, C, SD)" in text
    assert "body: Kommunstyrelsen is not in the archive and is created" in text
    assert "sida" not in text and "hittat" not in text
    assert refused.error == "The PDF cannot be read: the file is damaged or truncated."


def test_a_file_named_pdf_that_is_not_one_is_called_so():
    result = import_protocol(as_text(LAYOUTS[0]), "renamed.pdf")
    assert not result.ok and "heter .pdf men är ingen PDF" in result.error
    assert Meeting.objects.count() == 0


def test_the_same_protocol_as_pdf_and_as_text_is_one_set_of_annotations():
    """A PDF's text layer keeps no blank lines and a text file does: the same words are the
    same annotation, whichever came first."""
    first = import_protocol(as_pdf(LAYOUTS[0]), "ks.pdf")
    before = Annotation.objects.count()
    again = import_protocol(as_text(LAYOUTS[0]), "ks.txt")
    assert again.ok and again.created["anteckningar"] == 0
    assert Annotation.objects.count() == before
    assert again.meeting_id == first.meeting_id


def test_absent_members_in_a_vote_table_are_reported_not_counted():
    from notes.ingest.protocol_save import report_lines

    layout = next(layout for layout in LAYOUTS if layout.name == "bun-vote-tables")
    result = import_protocol(as_pdf(layout), "bun.pdf", dry_run=True)
    assert any("§ 88" in line and "1 frånvarande" in line for line in report_lines(result))


def test_a_protocol_with_nothing_new_offers_no_import(clerk):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _published(LAYOUTS[0])
    upload = SimpleUploadedFile("ks.pdf", as_pdf(LAYOUTS[0]), content_type="application/pdf")
    page = clerk.post(
        "/admin/notes/meeting/import-protocol/", {"action": "preview", "file": upload}
    ).content.decode()
    assert "Protokollet har inget nytt för arkivet" in page
    assert 'name="into_published"' not in page and "Importera ks.pdf" not in page


def test_the_meeting_page_in_the_admin_links_to_its_votes_and_attendance(clerk):
    result = import_protocol(as_pdf(LAYOUTS[0]), "ks.pdf")
    page = clerk.get(f"/admin/notes/meeting/{result.meeting_id}/change/").content.decode()
    assert f"/admin/notes/vote/?item__meeting__id__exact={result.meeting_id}" in page
    assert "1 omröstning" in page and "10 närvarande" in page
    votes = clerk.get(f"/admin/notes/vote/?item__meeting__id__exact={result.meeting_id}")
    assert (
        votes.status_code == 200 and "Detaljplan för Flemingsbergsdalen" in votes.content.decode()
    )
    present = clerk.get(f"/admin/notes/attendance/?meeting__id__exact={result.meeting_id}")
    assert present.status_code == 200 and "Anna Alm" in present.content.decode()
    confirm = clerk.post(
        "/admin/notes/meeting/",
        {"action": "publish", "_selected_action": [result.meeting_id]},
    ).content.decode()
    assert "2 beslut, 1 omröstning och närvaron (10 personer)" in confirm


def test_paragraphs_that_each_start_a_page_are_not_taken_for_running_heads():
    """Every page opens with a new paragraph at the same place: "§ 12" and its title repeat
    their shape where a running head would stand, and must stay content."""
    pages = [
        ["Kommunstyrelsen", f"Protokoll 2024-05-06, sida {n}", f"§ {n}", f"Ärende {n}: Budget"]
        + ["Kommunstyrelsens beslut", f"Förslag {n} godkänns.", "Ärendebeskrivning"]
        + [f"Rad {k} om förslaget, med text som skiljer sig åt {n * k}." for k in range(6)]
        + ["Justerandes signatur"]
        for n in range(1, 5)
    ]
    data = "\f".join("\n".join(page) for page in pages).encode()
    result = import_protocol(data, "ks.txt", dry_run=True)
    assert result.ok, result.error
    found = [(p.number, p.item_number, p.title, p.decision) for p in result.protocol.paragraphs]
    assert found == [(n, n, "Budget", f"Förslag {n} godkänns.") for n in range(1, 5)]
