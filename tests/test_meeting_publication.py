"""Publishing asks first and lists what becomes public; a meeting can be taken back (to a
draft) or withdrawn (its page stays and says why); each is in the history with its reason."""

from __future__ import annotations

import pytest
from django.test import Client

from notes.models import Annotation, Meeting
from tests.factories import AgendaItemFactory, AnnotationFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(db):
    meeting = MeetingFactory(draft=True)
    budget = AgendaItemFactory(meeting=meeting, number=1, title="Budget 2027")
    AgendaItemFactory(meeting=meeting, number=2, title="Taxor")
    AnnotationFactory(item=budget, text="Första anteckningen.")
    AnnotationFactory(item=budget, text="Andra anteckningen.")
    return meeting


def test_the_publish_action_lists_what_becomes_public_before_anything_changes(clerk, draft):
    published = MeetingFactory()
    response = clerk.post(
        "/admin/notes/meeting/",
        {"action": "publish", "_selected_action": [draft.pk, published.pk]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Budget 2027" in page and "Taxor" in page
    assert "2 anteckningar blir offentliga." in page
    assert "1 av de valda sammanträdena är redan publicerat" in page
    draft.refresh_from_db()
    assert draft.published_at is None  # nothing yet

    response = clerk.post(
        "/admin/notes/meeting/",
        {"action": "publish", "_selected_action": [draft.pk, published.pk], "confirmed": "yes"},
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None
    latest = draft.history.latest("history_date")
    assert latest.history_user.username == "karin"
    assert latest.history_change_reason == "Publicerad"
    assert Client().get(draft.get_absolute_url()).status_code == 200


def test_the_publish_button_on_a_draft_confirms_too(clerk, draft):
    url = f"/admin/notes/meeting/{draft.pk}/publish/"
    assert "Ja, publicera" in clerk.get(url).content.decode()
    draft.refresh_from_db()
    assert draft.published_at is None
    assert clerk.post(url, {"confirmed": "yes"}).status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is not None


def test_unpublish_needs_a_reason_and_hides_the_meeting_again(clerk, draft):
    Meeting.objects.filter(pk=draft.pk).update(published_at="2026-11-01T10:00:00Z")
    anonymous = Client()
    assert anonymous.get(draft.get_absolute_url()).status_code == 200
    url = f"/admin/notes/meeting/{draft.pk}/unpublish/"
    assert clerk.post(url, {"reason": ""}).status_code == 200  # a reason is required
    assert clerk.post(url, {"reason": "Protokollet är inte justerat."}).status_code == 302
    draft.refresh_from_db()
    assert draft.published_at is None
    assert anonymous.get(draft.get_absolute_url()).status_code == 404
    latest = draft.history.latest("history_date")
    assert latest.history_change_reason == "Protokollet är inte justerat."
    assert latest.history_user.username == "karin"


def test_withdrawing_a_meeting_keeps_its_page_with_a_notice(clerk, draft):
    Meeting.objects.filter(pk=draft.pk).update(published_at="2026-11-01T10:00:00Z")
    url = f"/admin/notes/meeting/{draft.pk}/withdraw/"
    form = clerk.get(url).content.decode()
    assert "2 anteckningar återkallas" in form
    response = clerk.post(url, {"reason": "Fel sammanträde\r\nangavs."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.withdrawn_at is not None
    assert draft.withdrawal_reason == "Fel sammanträde\nangavs."
    annotations = Annotation.objects.filter(item__meeting=draft)
    assert all(
        a.withdrawn_at and a.withdrawal_reason == draft.withdrawal_reason for a in annotations
    )
    anonymous = Client()
    page = anonymous.get(draft.get_absolute_url())
    assert page.status_code == 200
    assert "Sammanträdets anteckningar återkallades" in page.content.decode()
    assert "Första anteckningen" not in anonymous.get("/notes/").content.decode()
    for annotation in annotations:
        history = annotation.history.latest("history_date")
        assert history.history_change_reason == "Fel sammanträde\nangavs."
    # Withdrawn once is enough.
    assert clerk.get(url).status_code == 302


def test_a_clerk_may_not_do_any_of_it_without_the_permission(client, draft, db):
    from django.contrib.auth.models import User

    viewer = User.objects.create_user("titta", password="x-very-secret-5", is_staff=True)
    client.force_login(viewer)
    for action in ("publish", "unpublish", "withdraw"):
        assert client.get(f"/admin/notes/meeting/{draft.pk}/{action}/").status_code == 403
