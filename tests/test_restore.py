"""Restoring a version from the history page brings back what a clerk edits (text, title,
date …) and never the record's state: a withdrawal or a publication stays as it is."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from notes.models import Meeting
from tests.admin_forms import admin_form, form_data
from tests.factories import AgendaItemFactory, AnnotationFactory, MeetingFactory

pytestmark = pytest.mark.django_db


def _restore(clerk, model: str, obj, record):
    url = f"/admin/notes/{model}/{obj.pk}/history/{record.history_id}/"
    data = form_data(clerk.get(url).content.decode(), f"historical{model}_form")
    response = clerk.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]


def test_restoring_text_does_not_undo_a_withdrawal(clerk):
    annotation = AnnotationFactory(
        item=AgendaItemFactory(meeting=MeetingFactory()), text="Första lydelsen."
    )
    url = f"/admin/notes/annotation/{annotation.pk}/change/"
    form = admin_form(clerk, url)
    form["text"] = ["Andra lydelsen."]
    assert clerk.post(url, form).status_code == 302
    assert (
        clerk.post(
            f"/admin/notes/annotation/{annotation.pk}/withdraw/", {"reason": "Fel ärende."}
        ).status_code
        == 302
    )
    first = annotation.history.earliest("history_date")
    _restore(clerk, "annotation", annotation, first)
    annotation.refresh_from_db()
    assert annotation.text == "Första lydelsen."
    assert annotation.withdrawn_at is not None and annotation.withdrawal_reason == "Fel ärende."
    assert Client().get("/api/notes/").json()["count"] == 0  # still out of every list


def test_restoring_a_meeting_from_its_draft_days_keeps_it_published(clerk):
    meeting = MeetingFactory(draft=True)
    draft_record = meeting.history.latest("history_date")
    Meeting.objects.filter(pk=meeting.pk).update(published_at=timezone.now())
    meeting.refresh_from_db()
    meeting.date = meeting.date.replace(day=min(meeting.date.day + 1, 28))
    meeting.save()  # a later change (with history)
    _restore(clerk, "meeting", meeting, draft_record)
    meeting.refresh_from_db()
    assert meeting.published_at is not None
    assert meeting.date == draft_record.date  # what a clerk edits came back
