"""Text as entered: LF line ends on every path, and parties and signatories in the order the
clerk typed them or the text gave them (not alphabetically), on every output."""

from __future__ import annotations

import csv
import importlib
import io

import pytest
from django.db import connection

from notes.ingest.importing import import_bytes
from notes.models import Annotation
from tests.admin_forms import admin_form
from tests.factories import AgendaItemFactory, MeetingFactory, PersonFactory, party

pytestmark = pytest.mark.django_db

IMPORTED = """Huddinge kommun
Kommunstyrelsen
2021-05-05

RESERVATION

Ärende 9: Budget för skolan

Vi reserverar oss mot beslutet.

För Vänsterpartiet och Miljöpartiet
Olle Exempel (V)
Anna Prov (MP)
"""


def _orders(annotation_id: int, client) -> dict[str, list[str]]:
    """The parties' abbreviations as each output lists them."""
    annotation = Annotation.objects.get(pk=annotation_id)
    api = client.get(f"/api/notes/{annotation_id}/").json()
    body = b"".join(client.get("/notes/export.csv").streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body), delimiter=";"))
    row = next(r for r in rows if r["id"] == str(annotation_id))
    page = client.get(annotation.get_absolute_url()).content.decode()
    return {
        "api": [p["abbreviation"] for p in api["parties"]],
        "api signatories": [p["name"] for p in api["signatories"]],
        "csv": [a.strip() for a in row["parties"].split(",")],
        "csv signatories": [a.strip() for a in row["signatories"].split(",")],
        # The page names the parties in a line of its own: the order they appear in.
        "page": sorted(
            ["Vänsterpartiet", "Miljöpartiet"],
            key=lambda name: page.index(name),
        ),
    }


@pytest.mark.parametrize("created_first", ["MP", "V"])
def test_imported_order_is_kept_everywhere(client, created_first):
    party(created_first)  # the parties' ids in either order: the text's order is kept
    result = import_bytes(IMPORTED.encode(), "budget.txt")
    assert result.annotation_id is not None, result.message
    orders = _orders(result.annotation_id, client)
    assert orders["api"] == ["V", "MP"]
    assert orders["csv"] == ["V", "MP"]
    assert orders["api signatories"] == ["Olle Exempel", "Anna Prov"]
    assert orders["csv signatories"] == ["Olle Exempel", "Anna Prov"]
    assert orders["page"] == ["Vänsterpartiet", "Miljöpartiet"]


def test_admin_keeps_the_order_typed_and_changes_it_when_told(clerk, client):
    item = AgendaItemFactory(meeting=MeetingFactory(), number=9)
    v, mp = party("V"), party("MP")
    zeta, alfa = PersonFactory(name="Zeta Zetterlund"), PersonFactory(name="Alfa Andersson")
    response = clerk.post(
        "/admin/notes/annotation/add/",
        {
            "item": item.pk,
            "kind": "reservation",
            "parties": [v.pk, mp.pk],
            "signatories": [zeta.pk, alfa.pk],
            "text": "Vi reserverar oss.\r\n\r\nAndra stycket.\r\n",
        },
    )
    assert response.status_code == 302
    annotation = Annotation.objects.get(item=item)
    assert annotation.text == "Vi reserverar oss.\n\nAndra stycket."
    orders = _orders(annotation.pk, client)
    assert orders["api"] == ["V", "MP"]
    assert orders["api signatories"] == ["Zeta Zetterlund", "Alfa Andersson"]

    # The change form shows them in that order, and a save of it keeps it.
    url = f"/admin/notes/annotation/{annotation.pk}/change/"
    form = admin_form(clerk, url)
    assert form["parties"] == [str(v.pk), str(mp.pk)]
    form["text"] = ["Vi reserverar oss.\r\nRättad rad.\r\n"]
    assert clerk.post(url, form).status_code == 302
    annotation.refresh_from_db()
    assert annotation.text == "Vi reserverar oss.\nRättad rad."
    assert _orders(annotation.pk, client)["api"] == ["V", "MP"]

    # Typed the other way round: stored the other way round.
    form = admin_form(clerk, url)
    form["parties"] = [str(mp.pk), str(v.pk)]
    assert clerk.post(url, form).status_code == 302
    assert _orders(annotation.pk, client)["api"] == ["MP", "V"]


def test_stored_crlf_texts_are_normalised_by_the_migration():
    annotation = Annotation.objects.create(
        item=AgendaItemFactory(meeting=MeetingFactory()), kind="reservation", text="a"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notes_annotation SET text = %s WHERE id = %s",
            ["Rad ett.\r\nRad två.\rRad tre.", annotation.pk],
        )
        migration = importlib.import_module("notes.migrations.0013_text_line_ends")
        cursor.execute(migration.NORMALISE)
    annotation.refresh_from_db()
    assert annotation.text == "Rad ett.\nRad två.\nRad tre."
