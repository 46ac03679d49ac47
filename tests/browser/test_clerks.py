"""Two clerks, each in a browser of their own, saving over each other (no silent overwrite).

Clerk 1 opens a page; clerk 2 saves a change to the same record elsewhere; clerk 1 then
saves: a page left alone keeps clerk 2's value, a changed row is refused with the message.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from notes.clerks import ensure_clerk_group
from tests.browser.conftest import DESKTOP
from tests.factories import AgendaItemFactory, AnnotationFactory, MeetingFactory, party

pytestmark = pytest.mark.django_db(transaction=True)

CONFLICT = "någon annan har sparat den här posten"


@pytest.fixture
def clerks(new_page, live_server):
    """Two signed-in clerks' pages, logged in through the login form."""
    group = ensure_clerk_group()  # a transactional test before this one flushed the table
    pages = []
    for name in ("karin", "nils"):
        user = User.objects.create_user(name, password=f"{name}-very-secret-1", is_staff=True)
        user.groups.add(group)
        page = new_page(DESKTOP)
        page.goto(live_server.url + "/admin/login/")
        page.fill("#id_username", name)
        page.fill("#id_password", f"{name}-very-secret-1")
        page.click("input[type=submit]")
        page.wait_for_url(live_server.url + "/admin/")
        pages.append(page)
    return pages


@pytest.fixture
def item(db):
    meeting = MeetingFactory()
    item = AgendaItemFactory(meeting=meeting, number=3, paragraph=None, title="Budget 2027")
    AnnotationFactory(item=item, parties=[party("S")], source="protokoll.pdf")
    return item


def _save(page):
    page.click("input[name=_save]")
    page.wait_for_load_state()


def test_meeting_form_left_alone_keeps_the_colleagues_paragraph(clerks, item, live_server):
    first, second = clerks
    first.goto(f"{live_server.url}/admin/notes/meeting/{item.meeting_id}/change/")
    second.goto(f"{live_server.url}/admin/notes/agendaitem/{item.pk}/change/")
    second.fill("#id_paragraph", "44")
    _save(second)

    _save(first)
    assert CONFLICT not in first.content()
    item.refresh_from_db()
    assert item.paragraph == 44

    # Changed in a stale meeting form: refused, and the message names the row.
    first.goto(f"{live_server.url}/admin/notes/meeting/{item.meeting_id}/change/")
    second.goto(f"{live_server.url}/admin/notes/agendaitem/{item.pk}/change/")
    second.fill("#id_paragraph", "45")
    _save(second)
    first.fill("#id_items-0-paragraph", "46")
    _save(first)
    assert CONFLICT in first.content()
    assert first.locator(".errorlist", has_text="Budget 2027").count() >= 1
    item.refresh_from_db()
    assert item.paragraph == 45


def test_item_form_and_annotation_form_refuse_stale_changes(clerks, item, live_server):
    first, second = clerks
    annotation = item.annotations.get()
    annotation_url = f"{live_server.url}/admin/notes/annotation/{annotation.pk}/change/"
    item_url = f"{live_server.url}/admin/notes/agendaitem/{item.pk}/change/"

    # The item page's annotation row, saved unchanged after a colleague's fix: kept.
    first.goto(item_url)
    second.goto(annotation_url)
    second.fill("#id_source", "https://www.huddinge.se/ks-protokoll.pdf")
    _save(second)
    _save(first)
    annotation.refresh_from_db()
    assert annotation.source == "https://www.huddinge.se/ks-protokoll.pdf"

    # The item page's annotation row, changed: refused.
    first.goto(item_url)
    second.goto(annotation_url)
    second.fill("#id_source", "protokoll-rättat.pdf")
    _save(second)
    first.fill("#id_annotations-0-source", "min källa")
    _save(first)
    assert CONFLICT in first.content()

    # The annotation's own form, changed after a colleague's save: refused.
    first.goto(annotation_url)
    second.goto(annotation_url)
    second.fill("#id_text", "Kollegans rättade text.")
    _save(second)
    first.fill("#id_text", "Min text.")
    _save(first)
    assert CONFLICT in first.content()
    annotation.refresh_from_db()
    assert (annotation.source, annotation.text) == (
        "protokoll-rättat.pdf",
        "Kollegans rättade text.",
    )
