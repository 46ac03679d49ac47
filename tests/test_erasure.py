"""Erasure on a court order or a GDPR request: the text leaves the annotation, its history,
the vocabulary and every output; the record stays with a notice; the erasure is recorded."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from notes.models import Annotation, Erasure, SearchWord
from tests.admin_forms import admin_form
from tests.factories import AgendaItemFactory, AnnotationFactory, MeetingFactory, party

pytestmark = pytest.mark.django_db

SECRET = "Zyxwvutsson"


def _everything(client) -> str:
    csv_body = b"".join(client.get("/notes/export.csv").streaming_content).decode("utf-8-sig")
    json_body = b"".join(client.get("/notes/export.json").streaming_content).decode()
    return "\n".join(
        [
            csv_body,
            json_body,
            client.get("/api/notes/").content.decode(),
            client.get("/notes/feed.atom").content.decode(),
            client.get("/notes/").content.decode(),
        ]
    )


def test_the_text_is_gone_everywhere_and_the_erasure_recorded(clerk):
    item = AgendaItemFactory(meeting=MeetingFactory(), title="Bygglov")
    kept = AnnotationFactory(item=item, text="Grannen klagade på bygglovet.", parties=[party("S")])
    annotation = AnnotationFactory(
        item=item, text=f"Grannen {SECRET} i Vårby klagade.", parties=[party("V")]
    )
    url = f"/admin/notes/annotation/{annotation.pk}/change/"
    form = admin_form(clerk, url)
    form["text"] = [f"Grannen {SECRET} i Vårby klagade två gånger."]
    assert clerk.post(url, form).status_code == 302  # a second version with the name
    assert SearchWord.objects.filter(word=SECRET.lower()).exists()

    call_command("erase_text", str(annotation.pk), "--reason", "Dom i mål 123-26", "--yes")

    annotation.refresh_from_db()
    assert SECRET not in annotation.text and annotation.text.startswith("[Texten togs bort")
    assert not Annotation.history.filter(id=annotation.pk, text__contains=SECRET).exists()
    assert not SearchWord.objects.filter(word=SECRET.lower()).exists()
    assert SearchWord.objects.filter(word="grann").exists()  # still in the other text
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM notes_annotation WHERE search_vector::text LIKE %s",
            [f"%{SECRET.lower()}%"],
        )
        assert cursor.fetchone()[0] == 0
    anonymous = Client()
    assert SECRET not in _everything(anonymous)
    assert anonymous.get("/api/notes/", {"q": SECRET}).json()["count"] == 0
    page = anonymous.get(annotation.get_absolute_url()).content.decode()
    assert "Texten togs bort ur arkivet" in page and "Vänsterpartiet" in page  # record stays
    erasure = Erasure.objects.get()
    assert erasure.annotation_id == annotation.pk and erasure.reason == "Dom i mål 123-26"
    kept.refresh_from_db()
    assert kept.text == "Grannen klagade på bygglovet."


def test_an_erasure_needs_a_reason_and_asks_first(monkeypatch):
    annotation = AnnotationFactory(text=f"Om {SECRET}.")
    with pytest.raises(CommandError):
        call_command("erase_text", str(annotation.pk))
    monkeypatch.setattr("builtins.input", lambda prompt="": "no")
    with pytest.raises(CommandError, match="Nothing was erased"):
        call_command("erase_text", str(annotation.pk), "--reason", "GDPR")
    annotation.refresh_from_db()
    assert SECRET in annotation.text and not Erasure.objects.exists()


def test_erasures_are_applied_again_after_a_restore():
    annotation = AnnotationFactory(text=f"Om {SECRET}.")
    call_command("erase_text", str(annotation.pk), "--reason", "GDPR", "--yes")
    # A restored backup from before the erasure (but with the erasure's record kept).
    Annotation.objects.filter(pk=annotation.pk).update(text=f"Om {SECRET}.")
    call_command("erase_text", "--reapply")
    annotation.refresh_from_db()
    assert SECRET not in annotation.text


def test_csv_of_an_erased_text_is_the_notice(client):
    annotation = AnnotationFactory(text=f"Om {SECRET}.")
    call_command("erase_text", str(annotation.pk), "--reason", "GDPR", "--yes")
    body = b"".join(client.get("/notes/export.csv").streaming_content).decode("utf-8-sig")
    (row,) = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    assert row["text"].startswith("[Texten togs bort")
