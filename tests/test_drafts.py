"""Drafts appear nowhere public; withdrawn annotations keep their page and leave every list."""

import datetime
import json

import pytest
from django.core.management import call_command
from django.utils import timezone

from notes.models import Annotation, Meeting
from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    BodyFactory,
    MeetingFactory,
    PersonFactory,
    party,
)

pytestmark = pytest.mark.django_db

SECRET = "Hemligtutkastord"


@pytest.fixture
def draft(sample_annotation):
    """An unpublished meeting of its own body, whose only annotation carries a unique word."""
    body = BodyFactory(name="Utkastnämnden", short_name="UN", kind="namnd")
    meeting = MeetingFactory(body=body, date=datetime.date(2025, 2, 3), draft=True)
    item = AgendaItemFactory(meeting=meeting, number=4, title=SECRET, case_number="UN-2025/9")
    person = PersonFactory(name="Dolda Utkastsson", slug="dolda-utkastsson", party=party("KD"))
    return AnnotationFactory(
        item=item, text=f"{SECRET} i texten.", parties=[party("KD")], signatories=[person]
    )


PUBLIC_URLS = [
    "/",
    "/notes/",
    f"/notes/?q={SECRET}",
    "/notes/?party=KD",
    "/notes/?item=4",
    "/notes/?case=UN-2025/9",
    "/notes/?body=utkastnamnden",
    "/meetings/",
    "/parties/",
    "/parties/kristdemokraterna/",
    "/notes/export.csv",
    "/notes/export.json",
    f"/notes/export.csv?q={SECRET}",
    "/notes/feed.atom",
    f"/notes/feed.atom?q={SECRET}",
    "/meetings/calendar.ics",
    "/api/notes/",
    f"/api/notes/?q={SECRET}",
    "/api/meetings/",
    "/sitemap-annotations.xml",
    "/sitemap-meetings.xml",
    "/sitemap-items.xml",
    "/sitemap-people.xml",
]


@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_draft_invisible_everywhere(client, draft, url):
    response = client.get(url)
    assert response.status_code in (200, 400), url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    if SECRET not in url:  # a search for the word rightly repeats it in the form and title
        assert SECRET not in text
    assert "Dolda Utkastsson" not in text
    assert f"/notes/{draft.pk}/" not in text
    assert f"/meetings/{draft.item.meeting.pk}/" not in text


@pytest.mark.parametrize(
    "url",
    [
        "/notes/{a}/",
        "/meetings/{m}/",
        "/items/{i}/",
        "/api/notes/{a}/",
        "/api/meetings/{m}/",
        "/people/dolda-utkastsson/",
    ],
)
def test_draft_direct_urls_are_404(client, draft, url):
    url = url.format(a=draft.pk, m=draft.item.meeting.pk, i=draft.item.pk)
    assert client.get(url).status_code == 404


def test_draft_not_counted(client, draft):
    parties = json.loads(client.get("/api/parties/").content)
    kd = next(p for p in (parties.get("results") or parties) if p["abbreviation"] == "KD")
    assert kd["annotation_count"] == 0
    response = client.get("/notes/")
    assert response.context["page"].count == 1
    assert "KD" not in {row["abbreviation"] for row in response.context["facets"]["party"]}
    html = client.get("/parties/").content.decode()
    assert "Kristdemokraterna" in html  # the party is public; its draft-only count is 0


def test_publishing_makes_it_public(client, draft):
    meeting = draft.item.meeting
    meeting.published_at = timezone.now()
    meeting.save()
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert SECRET in client.get("/notes/", {"q": SECRET}).content.decode()


def test_existing_records_were_published_by_the_migration(sample_annotation):
    assert Meeting.objects.filter(published_at__isnull=True).count() == 0


def test_import_publishes_unless_draft(tmp_path, sample_path):
    call_command("import_notes", str(sample_path), "--draft", no_progress=True)
    annotation = Annotation.objects.get()
    assert annotation.item.meeting.published_at is None
    assert not Annotation.objects.public().exists()
    call_command("import_notes", str(sample_path), no_progress=True)
    assert Annotation.objects.public().count() == 1


@pytest.fixture
def withdrawn(sample_annotation):
    other = AnnotationFactory(text="Den här texten återkallas.", parties=[party("M")])
    other.withdrawn_at = timezone.now()
    other.withdrawal_reason = "Fel ärende angavs."
    other.save()
    return other


def test_withdrawn_page_says_so(client, withdrawn):
    response = client.get(withdrawn.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Återkallad" in html
    assert "Fel ärende angavs." in html
    assert "Den här texten återkallas." in html
    data = json.loads(client.get(f"/api/notes/{withdrawn.pk}/").content)
    assert data["withdrawal_reason"] == "Fel ärende angavs."


@pytest.mark.parametrize(
    "url", ["/notes/", "/notes/?q=återkallas", "/api/notes/", "/notes/export.csv", "/"]
)
def test_withdrawn_leaves_lists(client, withdrawn, url):
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert f"/notes/{withdrawn.pk}/" not in body.decode("utf-8-sig")


def test_withdrawal_needs_a_reason(withdrawn):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Annotation.objects.filter(pk=withdrawn.pk).update(withdrawal_reason="")
