"""A clerk previews a draft meeting's public pages; nobody else ever sees them, and no cache
keeps them."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from tests.factories import AgendaItemFactory, AnnotationFactory, MeetingFactory

pytestmark = pytest.mark.django_db

BANNER = "Utkast – inte publicerat."


@pytest.fixture
def draft(db):
    meeting = MeetingFactory(draft=True)
    item = AgendaItemFactory(meeting=meeting, title="Hemlig budget")
    annotation = AnnotationFactory(item=item, text="Ännu inte offentlig text.")
    return {
        "meeting": meeting.get_absolute_url(),
        "item": item.get_absolute_url(),
        "annotation": annotation.get_absolute_url(),
    }


@pytest.mark.parametrize("page", ["meeting", "item", "annotation"])
def test_clerk_sees_the_draft_marked_and_uncached(clerk, client, draft, page, settings):
    settings.PAGE_CACHE_SECONDS = 600
    response = clerk.get(draft[page])
    assert response.status_code == 200
    html = response.content.decode()
    assert BANNER in html
    assert "Hemlig budget" in html
    assert response["Cache-Control"] == "private, no-store"
    assert not response.has_header("ETag")
    # Anyone else, before and after the clerk looked: not there.
    anonymous = Client()
    assert anonymous.get(draft[page]).status_code == 404
    assert anonymous.get(draft[page]).status_code == 404
    someone = User.objects.create_user("besökare", password="x-very-secret-4")
    signed_in = Client()
    signed_in.force_login(someone)  # signed in, but not a clerk
    assert signed_in.get(draft[page]).status_code == 404


def test_published_pages_carry_no_banner_for_the_clerk(clerk, sample_annotation):
    response = clerk.get(sample_annotation.get_absolute_url())
    assert response.status_code == 200
    assert BANNER not in response.content.decode()


def test_view_on_site_from_the_admin_works_for_a_draft(clerk, draft):
    from notes.models import Meeting

    meeting = Meeting.objects.get(published_at__isnull=True)
    change = clerk.get(f"/admin/notes/meeting/{meeting.pk}/change/").content.decode()
    assert "Visa på webbplats" in change
    response = clerk.get(meeting.get_absolute_url())
    assert response.status_code == 200 and BANNER in response.content.decode()
    # Drafts stay out of every list, even for the clerk's own session.
    assert "Hemlig budget" not in clerk.get("/notes/").content.decode()
    assert "Hemlig budget" not in clerk.get("/meetings/").content.decode()
