"""The admin pages clerks use meet WCAG 2.1 AA (axe: nothing critical or serious), and the
meeting's item rows fit a 1280 px screen and a phone without sideways scrolling."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from notes.clerks import ensure_clerk_group
from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.browser.test_accessibility import axe_violations, describe
from tests.factories import AgendaItemFactory, AnnotationFactory, MeetingFactory, party

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clerk_pages(live_server, db):
    """A signed-in clerk's session cookie, and the admin pages to check."""
    from django.test import Client

    user = User.objects.create_user("karin", password="karin-very-secret-1", is_staff=True)
    user.groups.add(ensure_clerk_group())
    meeting = MeetingFactory()
    item = AgendaItemFactory(
        meeting=meeting, number=22, paragraph=45, title="Budget 2027", case_number="KS-2026/12"
    )
    AgendaItemFactory(meeting=meeting, number=23, title="Taxor och avgifter för 2027")
    annotation = AnnotationFactory(item=item, parties=[party("S"), party("V")])
    record = annotation.history.earliest("history_date")
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"].value
    return cookie, {
        "meeting": f"/admin/notes/meeting/{meeting.pk}/change/",
        "meeting-list": "/admin/notes/meeting/",
        "item": f"/admin/notes/agendaitem/{item.pk}/change/",
        "annotation": f"/admin/notes/annotation/{annotation.pk}/change/",
        "annotation-list": "/admin/notes/annotation/",
        "import": "/admin/notes/annotation/import/",
        "import-protocol": "/admin/notes/meeting/import-protocol/",
        "history": f"/admin/notes/annotation/{annotation.pk}/history/",
        "version": f"/admin/notes/annotation/{annotation.pk}/history/{record.history_id}/",
        "withdraw": f"/admin/notes/annotation/{annotation.pk}/withdraw/",
        "publish": f"/admin/notes/meeting/{meeting.pk}/unpublish/",
    }


def _open(new_page, live_server, cookie, viewport):
    page = new_page(viewport)
    page.context.add_cookies([{"name": "sessionid", "value": cookie, "url": live_server.url}])
    return page


@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_admin_pages_have_no_critical_or_serious_violations(
    new_page, live_server, clerk_pages, width
):
    cookie, paths = clerk_pages
    page = _open(new_page, live_server, cookie, DESKTOP if width == "desktop" else PHONE)
    problems = []
    for name, path in paths.items():
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, (name, response and response.status)
        page.wait_for_load_state("networkidle")
        serious = [v for v in axe_violations(page) if v["impact"] in ("critical", "serious")]
        if serious:
            problems.append(f"{name} ({width}):\n{describe(serious)}")
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "360"])
def test_the_meetings_item_rows_fit_without_sideways_scrolling(
    new_page, live_server, clerk_pages, viewport
):
    cookie, paths = clerk_pages
    page = _open(new_page, live_server, cookie, viewport)
    page.goto(live_server.url + paths["meeting"])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(
        path=str(SCREENSHOTS / f"admin-meeting-{viewport['width']}.png"), full_page=True
    )
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"the page is {width} px wide at {viewport['width']} px"
    # Every field of an item row is on screen, the diarienummer included.
    box = page.locator("#id_items-0-case_number").bounding_box()
    assert box is not None and box["x"] + box["width"] <= viewport["width"]
