"""The clerks' admin: a member of the Clerk group enters and corrects records, and no more."""

import pytest

from notes.models import AgendaItem, Annotation, Meeting
from tests.factories import BodyFactory, party

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "/admin/",
        "/admin/notes/meeting/",
        "/admin/notes/meeting/add/",
        "/admin/notes/agendaitem/",
        "/admin/notes/annotation/",
        "/admin/notes/annotation/add/",
        "/admin/notes/party/",
        "/admin/notes/person/",
        "/admin/notes/annotation/?kind__exact=reservation",
        "/admin/notes/annotation/?q=brott",
        "/admin/notes/meeting/?date__year=2021",
    ],
)
def test_clerk_pages(clerk, sample_annotation, url):
    response = clerk.get(url)
    assert response.status_code == 200


def test_admin_is_swedish(clerk, sample_annotation):
    html = clerk.get("/admin/notes/annotation/").content.decode()
    assert "Anteckningar" in html or "anteckningar" in html
    assert "Protokollsanteckning" in html


def test_history_pages_and_section_names_are_swedish_too(clerk, sample_annotation):
    pk = sample_annotation.pk
    index = clerk.get("/admin/").content.decode()
    assert "Protokollsarkivet" in index and ">Notes<" not in index and "NOTES" not in index
    history = clerk.get(f"/admin/notes/annotation/{pk}/history/").content.decode()
    for swedish in ("Ändrad av", "Datum/tid", "Skäl till ändringen"):
        assert swedish in history, swedish
    for english in ("Changed by", "Date/time", "Change reason", "Revert"):
        assert english not in history, english
    record = sample_annotation.history.earliest("history_date")
    version = clerk.get(f"/admin/notes/annotation/{pk}/history/{record.history_id}/")
    page = version.content.decode()
    assert "Återställ" in page and "Revert" not in page
    # In English, the same pages are English.
    clerk.get("/sprak/en/")
    english_history = clerk.get(f"/admin/notes/annotation/{pk}/history/").content.decode()
    assert "Changed by" in english_history


def test_clerk_changes_pages(clerk, sample_annotation):
    item = sample_annotation.item
    assert clerk.get(f"/admin/notes/annotation/{sample_annotation.pk}/change/").status_code == 200
    html = clerk.get(f"/admin/notes/agendaitem/{item.pk}/change/").content.decode()
    assert "Sara Heelge Vikmång" in html  # the annotation inline with its signatories
    html = clerk.get(f"/admin/notes/meeting/{item.meeting.pk}/change/").content.decode()
    assert "Huddinge kommuns preventionsarbete" in html  # items inline


@pytest.mark.parametrize(
    "url",
    [
        "/admin/auth/user/",
        "/admin/auth/group/",
        "/admin/notes/body/add/",
    ],
)
def test_clerk_cannot_manage_users_groups_or_bodies(clerk, url):
    assert clerk.get(url).status_code == 403


def test_clerk_cannot_delete_annotations(clerk, sample_annotation):
    response = clerk.post(
        f"/admin/notes/annotation/{sample_annotation.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403
    assert Annotation.objects.filter(pk=sample_annotation.pk).exists()


def test_clerk_enters_meeting_with_items_inline(clerk):
    body = BodyFactory()
    response = clerk.post(
        "/admin/notes/meeting/add/",
        {
            "body": body.pk,
            "date": "2024-02-14",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "0",
            "items-0-number": "1",
            "items-0-title": "Val av justerare",
            "items-0-case_number": "",
            "items-1-number": "2",
            "items-1-paragraph": "12",
            "items-1-title": "Budget 2025",
            "items-1-case_number": "KS-2024/7",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = Meeting.objects.get(date="2024-02-14")
    assert list(meeting.items.values_list("number", "title")) == [
        (1, "Val av justerare"),
        (2, "Budget 2025"),
    ]


def test_clerk_adds_annotation_and_gets_errors_for_bad_input(clerk, sample_annotation):
    item = sample_annotation.item
    m = party("M")
    response = clerk.post(
        "/admin/notes/annotation/add/",
        {"item": item.pk, "kind": "reservation", "parties": [m.pk], "text": "Vi reserverar oss."},
    )
    assert response.status_code == 302
    created = Annotation.objects.get(kind="reservation")
    assert created.date == item.meeting.date
    assert list(created.parties.all()) == [m]

    # A meeting on a date the body already met: a form error, not a 500.
    response = clerk.post(
        "/admin/notes/meeting/add/",
        {
            "body": item.meeting.body.pk,
            "date": "2021-05-05",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode()
    # Two items with the same number in one meeting: a form error too.
    response = clerk.post(
        f"/admin/notes/meeting/{item.meeting.pk}/change/",
        {
            "body": item.meeting.body.pk,
            "date": "2021-05-05",
            "items-TOTAL_FORMS": "2",
            "items-INITIAL_FORMS": "1",
            "items-0-id": item.pk,
            "items-0-meeting": item.meeting.pk,
            "items-0-number": "22",
            "items-0-title": item.title,
            "items-1-number": "22",
            "items-1-title": "Dubblett",
        },
    )
    assert response.status_code == 200
    assert AgendaItem.objects.filter(number=22).count() == 1


def test_autocomplete_for_parties_people_and_items(clerk, sample_annotation):
    base = "/admin/autocomplete/?app_label=notes&model_name=annotation&field_name="
    parties = clerk.get(base + "parties&term=Social").json()
    assert [r["text"] for r in parties["results"]] == ["Socialdemokraterna (S)"]
    people = clerk.get(base + "signatories&term=Heelge").json()
    assert [r["text"] for r in people["results"]] == ["Sara Heelge Vikmång"]
    items = clerk.get(base + "item&term=preventionsarbete").json()
    assert len(items["results"]) == 1


def test_history_pages_name_things_as_the_admin_does(clerk, sample_annotation):
    pk = sample_annotation.pk
    history = clerk.get(f"/admin/notes/annotation/{pk}/history/").content.decode()
    assert ">None<" not in history.replace(" ", "").replace("\n", "")
    record = sample_annotation.history.earliest("history_date")
    page = clerk.get(f"/admin/notes/annotation/{pk}/history/{record.history_id}/").content.decode()
    breadcrumbs = page[page.index('class="breadcrumbs"') :][:800]
    assert "Protokollsarkivet" in breadcrumbs and "Anteckningar" in breadcrumbs
    assert "Notes" not in breadcrumbs and "istorical" not in breadcrumbs
