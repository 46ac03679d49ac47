"""Corrections in the open: a published annotation changed afterwards says "Rättad <date>"
and shows what changed since publication; the API and the exports carry the date."""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from notes.models import Annotation, Meeting
from notes.templatetags.notes_tags import text_diff
from tests.admin_forms import admin_form
from tests.factories import AgendaItemFactory, AnnotationFactory, MeetingFactory, party

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(db):
    annotation = AnnotationFactory(
        item=AgendaItemFactory(meeting=MeetingFactory(), title="Budget"),
        text="Vi vill se fler fritidsgårdar i Skogås.",
        parties=[party("V")],
    )
    return annotation


def _edit(clerk, annotation, **changes):
    url = f"/admin/notes/annotation/{annotation.pk}/change/"
    form = admin_form(clerk, url)
    for name, value in changes.items():
        form[name] = value if isinstance(value, list) else [value]
    response = clerk.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    annotation.refresh_from_db()
    return annotation


def _csv(client, query=""):
    body = b"".join(client.get("/notes/export.csv" + query).streaming_content)
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def test_a_typo_fix_is_shown_as_a_correction_with_what_changed(clerk, published):
    anonymous = Client()
    page = anonymous.get(published.get_absolute_url()).content.decode()
    assert "Rättad" not in page
    assert anonymous.get(f"/api/notes/{published.pk}/").json()["corrected_at"] is None

    _edit(clerk, published, text="Vi vill se fler fritidsgårdar i Skogås och Vårby.")
    assert published.corrected_at is not None
    page = anonymous.get(published.get_absolute_url()).content.decode()
    day = f"{timezone.localtime(published.corrected_at):%Y-%m-%d}"  # the reader's day
    assert f"Rättad {day}." in page
    assert "Tidigare publicerade versioner" in page
    # The diff: what was added is marked, the rest as it was.
    assert "<ins>" in page and "och Vårby." in page
    assert "Vi vill se fler fritidsgårdar i" in page

    api = anonymous.get(f"/api/notes/{published.pk}/").json()
    assert api["corrected_at"] == published.corrected_at.isoformat()
    (row,) = [r for r in _csv(anonymous) if r["id"] == str(published.pk)]
    assert row["corrected_at"] == published.corrected_at.isoformat()


def test_each_public_version_is_listed_in_order(clerk, published):
    _edit(clerk, published, text="Andra versionen av texten.")
    _edit(clerk, published, text="Tredje versionen av texten.", kind="reservation")
    page = Client().get(published.get_absolute_url()).content.decode()
    # First to second, then second to third: each change once, in order.
    first = page.index("</span>Vi vill se fler fritidsgårdar i Skogås.</del>")
    second_added = page.index("</span>Andra versionen av texten.</ins>")
    second_removed = page.index("</span>Andra </del>")
    third = page.index("</span>Tredje </ins>versionen av texten.")
    assert first < second_added < second_removed < third
    assert "Typ: Protokollsanteckning → Reservation" in page
    assert page.count("<del>") >= 2


def test_party_change_is_a_correction_but_the_source_is_not(clerk, published):
    _edit(clerk, published, source="https://www.huddinge.se/protokoll.pdf")
    assert published.corrected_at is None
    _edit(clerk, published, parties=[str(party("V").pk), str(party("MP").pk)])
    assert published.corrected_at is not None


def test_edits_before_publication_are_not_corrections(clerk):
    annotation = AnnotationFactory(item=AgendaItemFactory(meeting=MeetingFactory(draft=True)))
    _edit(clerk, annotation, text="Rättat innan publiceringen.")
    assert annotation.corrected_at is None
    Meeting.objects.filter(pk=annotation.item.meeting_id).update(
        published_at="2026-11-01T10:00:00Z"
    )
    page = Client().get(annotation.get_absolute_url()).content.decode()
    assert "Rättad" not in page


def test_an_edit_through_the_items_page_is_a_correction_too(clerk, published):
    url = f"/admin/notes/agendaitem/{published.item_id}/change/"
    form = admin_form(clerk, url)
    row = next(
        n[: -len("-id")] for n, v in form.items() if n.endswith("-id") and v == [str(published.pk)]
    )
    form[f"{row}-text"] = ["Rättad via ärendets sida."]
    assert clerk.post(url, form).status_code == 302
    assert Annotation.objects.get(pk=published.pk).corrected_at is not None


@given(
    st.text(alphabet=st.sampled_from("ab å<&\n"), max_size=40),
    st.text(alphabet=st.sampled_from("ab å<&\n"), max_size=40),
)
@settings(max_examples=200, deadline=None)
def test_the_diff_holds_both_texts(old, new):
    """Without the added words it reads the old text, without the removed the new, escaped."""
    html = str(text_diff(old, new))
    label = r'<span class="visually-hidden">[^<]*</span>'
    without_added = re.sub(rf"<ins>{label}(.*?)</ins>", "", html, flags=re.S)
    without_removed = re.sub(rf"<del>{label}(.*?)</del>", "", html, flags=re.S)
    unwrap = lambda s, tag: re.sub(rf"<{tag}>{label}(.*?)</{tag}>", r"\1", s, flags=re.S)  # noqa: E731
    assert unescape(unwrap(without_added, "del")) == old
    assert unescape(unwrap(without_removed, "ins")) == new
    assert "<&" not in html  # nothing of the texts unescaped
