"""Can I still appeal? (#22) In Chromium, as a resident on a phone: the meeting, an item and an
annotation each say until when the decision can be appealed, in Swedish and in English; the
explanation opens without JavaScript; the anslagstavla lists the meeting."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from notes.appeals import appeal_deadline
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

LANGUAGES = {
    "sv": ("Kan överklagas till och med", "Så överklagar du", "förvaltningsrätten i stockholm"),
    "en": (
        "Can be appealed up to and including",
        "How to appeal",
        "förvaltningsrätten i stockholm",
    ),
}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", ["meeting", "item", "kf-annotation"])
def test_the_deadline_is_on_every_page_with_a_decision(browser, site, name, language):
    deadline = appeal_deadline(timezone.localdate() - datetime.timedelta(days=2))
    headline, summary, court = LANGUAGES[language]
    context = browser.new_context(viewport=PHONE, java_script_enabled=False)
    try:
        context.add_cookies([{"name": "django_language", "value": language, "url": site.url}])
        page = context.new_page()
        response = page.goto(site(site.paths[name]))
        assert response is not None and response.status == 200
        title = page.locator(".appeal .appeal-title")
        assert title.inner_text().startswith(headline)
        assert title.locator("time").get_attribute("datetime") == deadline.isoformat()
        assert title.is_visible()
        how = page.locator(".appeal details")
        assert summary in how.locator("summary").inner_text()
        assert not how.locator("p").first.is_visible()  # closed until asked
        how.locator("summary").click()  # a <details>: opens without JavaScript
        assert how.locator("p").first.is_visible()
        assert court in how.inner_text().casefold()
        # The box fits a 360 px phone: nothing to scroll sideways.
        box = page.locator(".appeal").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    finally:
        context.close()


def test_the_notice_board_lists_the_meeting_with_its_deadline(page, site):
    deadline = appeal_deadline(timezone.localdate() - datetime.timedelta(days=2))
    page.goto(site("/anslagstavla/"))
    entry = page.locator(".board-entry")
    assert entry.count() == 1
    assert entry.locator("h2 a").get_attribute("href") == site.paths["meeting"]
    assert entry.locator(f'time[datetime="{deadline.isoformat()}"]').count() == 1
    assert "Kommunledningsförvaltningen" in entry.inner_text()
