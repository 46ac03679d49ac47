"""Parties and people have a version history too: renaming a signatory or changing a
party's colour is kept with who and when, and shown on the admin's history page."""

from __future__ import annotations

import pytest

from tests.admin_forms import admin_form
from tests.factories import PersonFactory, party

pytestmark = pytest.mark.django_db


def test_renaming_a_signatory_is_kept_with_who(clerk, clerk_user):
    person = PersonFactory(name="Anna Andersson")
    url = f"/admin/notes/person/{person.pk}/change/"
    form = admin_form(clerk, url)
    form["name"] = ["Anna Andersson Berg"]
    assert clerk.post(url, form).status_code == 302
    latest = person.history.latest("history_date")
    assert latest.name == "Anna Andersson Berg" and latest.history_user == clerk_user
    assert latest.prev_record is not None and latest.prev_record.name == "Anna Andersson"
    page = clerk.get(f"/admin/notes/person/{person.pk}/history/").content.decode()
    assert "Anna Andersson Berg" in page


def test_a_party_change_is_kept(clerk, clerk_user):
    green = party("MP")
    url = f"/admin/notes/party/{green.pk}/change/"
    form = admin_form(clerk, url)
    form["colour"] = ["#2e7d32"]
    assert clerk.post(url, form).status_code == 302
    latest = green.history.latest("history_date")
    assert latest.colour == "#2e7d32" and latest.history_user == clerk_user
