"""No silent overwrite: every row a clerk's save would write is checked against what the clerk
was shown, on a record's own form and as an inline row of its parent's form.

Each test opens the page as clerk 1 (the form as the page holds it), lets clerk 2 save a
change elsewhere, and then submits clerk 1's form.
"""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from notes.models import AgendaItem, Annotation
from tests.admin_forms import admin_form, form_data
from tests.factories import AgendaItemFactory, AnnotationFactory, MeetingFactory, party

pytestmark = pytest.mark.django_db

CONFLICT = "någon annan har sparat den här posten"


@pytest.fixture
def second_clerk(db):
    user = User.objects.create_user("nils", password="x-very-secret-3", is_staff=True)
    user.groups.add(Group.objects.get(name="Clerk"))
    other = Client()
    other.force_login(user)
    return other


@pytest.fixture
def item(db):
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, number=3, paragraph=None, title="Budget 2027")
    AgendaItemFactory(meeting=meeting, number=4, title="Taxor")
    AnnotationFactory(item=item, parties=[party("S")], source="protokoll.pdf")
    return item


def _meeting_url(item):
    return f"/admin/notes/meeting/{item.meeting_id}/change/"


def _item_url(item):
    return f"/admin/notes/agendaitem/{item.pk}/change/"


def _row(form: dict, prefix: str, pk: int) -> str:
    """The inline row prefix (items-0) of the record with this id."""
    for name, values in form.items():
        if name.startswith(prefix) and name.endswith("-id") and values == [str(pk)]:
            return name[: -len("-id")]
    raise AssertionError(f"no inline row for {pk}")


def test_unchanged_stale_meeting_form_keeps_a_colleagues_paragraph(clerk, second_clerk, item):
    opened = admin_form(clerk, _meeting_url(item))
    theirs = admin_form(second_clerk, _item_url(item))
    theirs["paragraph"] = ["44"]
    assert second_clerk.post(_item_url(item), theirs).status_code == 302

    response = clerk.post(_meeting_url(item), opened)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.paragraph == 44


def test_changed_stale_meeting_row_is_refused_naming_the_row(clerk, second_clerk, item):
    opened = admin_form(clerk, _meeting_url(item))
    theirs = admin_form(second_clerk, _item_url(item))
    theirs["paragraph"] = ["44"]
    assert second_clerk.post(_item_url(item), theirs).status_code == 302

    row = _row(opened, "items-", item.pk)
    opened[f"{row}-title"] = ["Budget 2027, reviderad"]
    response = clerk.post(_meeting_url(item), opened)
    assert response.status_code == 200
    page = response.content.decode()
    assert CONFLICT in page
    assert "Budget 2027" in page  # the message names the row
    item.refresh_from_db()
    assert (item.paragraph, item.title) == (44, "Budget 2027")


def test_other_rows_of_a_stale_meeting_form_are_saved(clerk, second_clerk, item):
    opened = admin_form(clerk, _meeting_url(item))
    theirs = admin_form(second_clerk, _item_url(item))
    theirs["paragraph"] = ["44"]
    assert second_clerk.post(_item_url(item), theirs).status_code == 302

    other = AgendaItem.objects.get(meeting=item.meeting, number=4)
    opened[f"{_row(opened, 'items-', other.pk)}-title"] = ["Taxor och avgifter"]
    assert clerk.post(_meeting_url(item), opened).status_code == 302
    other.refresh_from_db()
    item.refresh_from_db()
    assert other.title == "Taxor och avgifter"
    assert item.paragraph == 44


def test_unchanged_stale_item_form_keeps_a_colleagues_source(clerk, second_clerk, item):
    annotation = item.annotations.get()
    opened = admin_form(clerk, _item_url(item))
    url = f"/admin/notes/annotation/{annotation.pk}/change/"
    theirs = admin_form(second_clerk, url)
    theirs["source"] = ["https://www.huddinge.se/protokoll/ks-2021-05-05.pdf"]
    assert second_clerk.post(url, theirs).status_code == 302

    assert clerk.post(_item_url(item), opened).status_code == 302
    annotation.refresh_from_db()
    assert annotation.source == "https://www.huddinge.se/protokoll/ks-2021-05-05.pdf"


def test_changed_stale_annotation_row_is_refused(clerk, second_clerk, item):
    annotation = item.annotations.get()
    opened = admin_form(clerk, _item_url(item))
    url = f"/admin/notes/annotation/{annotation.pk}/change/"
    theirs = admin_form(second_clerk, url)
    theirs["source"] = ["rättad källa"]
    assert second_clerk.post(url, theirs).status_code == 302

    row = _row(opened, "annotations-", annotation.pk)
    opened[f"{row}-source"] = ["min källa"]
    response = clerk.post(_item_url(item), opened)
    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.source == "rättad källa"


def test_stale_own_form_left_alone_writes_nothing(clerk, second_clerk, item):
    annotation = item.annotations.get()
    url = f"/admin/notes/annotation/{annotation.pk}/change/"
    opened = admin_form(clerk, url)
    theirs = admin_form(second_clerk, url)
    theirs["parties"] = [str(party("S").pk), str(party("V").pk)]
    theirs["text"] = ["Ny text från kollegan."]
    assert second_clerk.post(url, theirs).status_code == 302
    versions = annotation.history.count()

    assert clerk.post(url, opened).status_code == 302
    annotation.refresh_from_db()
    assert annotation.text == "Ny text från kollegan."
    assert set(annotation.parties.values_list("abbreviation", flat=True)) == {"S", "V"}
    assert annotation.history.count() == versions  # nothing written, nothing recorded


def test_stale_own_form_with_a_change_is_refused(clerk, second_clerk, item):
    url = f"/admin/notes/agendaitem/{item.pk}/change/"
    opened = admin_form(clerk, url)
    theirs = admin_form(second_clerk, url)
    theirs["title"] = ["Budget 2027 (kollegans rubrik)"]
    assert second_clerk.post(url, theirs).status_code == 302

    opened["case_number"] = ["KS-2026/1"]
    response = clerk.post(url, opened)
    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    item.refresh_from_db()
    assert (item.title, item.case_number) == ("Budget 2027 (kollegans rubrik)", "")


def test_fresh_form_saves_and_moves_the_version(clerk, item):
    url = _item_url(item)
    form = admin_form(clerk, url)
    form["paragraph"] = ["12"]
    assert clerk.post(url, form).status_code == 302
    item.refresh_from_db()
    assert item.paragraph == 12
    form = admin_form(clerk, url)
    form["title"] = ["Budget 2027 och plan"]
    assert clerk.post(url, form).status_code == 302
    item.refresh_from_db()
    assert (item.paragraph, item.title) == (12, "Budget 2027 och plan")
    assert Annotation.objects.filter(item=item).count() == 1


def _history_form(client, annotation, record):
    url = f"/admin/notes/annotation/{annotation.pk}/history/{record.history_id}/"
    response = client.get(url)
    assert response.status_code == 200
    return url, form_data(response.content.decode(), "historicalannotation_form")


def test_restoring_an_earlier_version_from_its_page_restores_it(clerk, item):
    annotation = item.annotations.get()
    original = annotation.text
    url = f"/admin/notes/annotation/{annotation.pk}/change/"
    form = admin_form(clerk, url)
    form["text"] = ["Felaktig ändring."]
    assert clerk.post(url, form).status_code == 302

    first = annotation.history.earliest("history_date")
    revert_url, data = _history_form(clerk, annotation, first)
    assert data["text"] == [original]
    assert clerk.post(revert_url, data).status_code == 302
    annotation.refresh_from_db()
    assert annotation.text == original  # restored, not silently left as it was
    assert annotation.history.latest("history_date").text == original


def test_restoring_over_a_newer_save_is_refused(clerk, second_clerk, item):
    annotation = item.annotations.get()
    url = f"/admin/notes/annotation/{annotation.pk}/change/"
    form = admin_form(clerk, url)
    form["text"] = ["Andra versionen."]
    assert clerk.post(url, form).status_code == 302
    first = annotation.history.earliest("history_date")
    revert_url, data = _history_form(clerk, annotation, first)  # opened, then …
    theirs = admin_form(second_clerk, url)
    theirs["text"] = ["Kollegans version."]
    assert second_clerk.post(url, theirs).status_code == 302  # … someone else saved
    response = clerk.post(revert_url, data)
    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    annotation.refresh_from_db()
    assert annotation.text == "Kollegans version."


def test_the_history_records_what_happened_and_nothing_else(clerk, item):
    """One save adding an annotation with two parties is one version of the parties, not a
    removal and two additions; a save of an unchanged form adds no version."""
    v, mp = party("V"), party("MP")
    response = clerk.post(
        "/admin/notes/annotation/add/",
        {"item": item.pk, "kind": "reservation", "parties": [v.pk, mp.pk], "text": "Ny text."},
    )
    assert response.status_code == 302
    annotation = Annotation.objects.get(kind="reservation")
    versions = list(annotation.history.order_by("history_date"))
    parties_seen = [sorted(p.party_id for p in h.parties.all()) for h in versions]
    assert [] not in parties_seen[1:]  # never shown as removed in between
    assert len(versions) <= 2
    url = f"/admin/notes/annotation/{annotation.pk}/change/"
    before = annotation.history.count()
    assert clerk.post(url, admin_form(clerk, url)).status_code == 302
    assert annotation.history.count() == before
