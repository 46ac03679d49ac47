"""Readable and shareable list pages (#17): one canonical URL per filter, the active filters
as removable chips, the results reachable at once, and records marked as Swedish in the
English interface."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_archive

pytestmark = pytest.mark.django_db

FIELDS = ("q", "party", "body", "item", "case", "kind", "date_after", "date_before", "sort")


@pytest.fixture
def archive(sample_annotation):
    return make_archive(sample_annotation)


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("?q=brott&body=&item=&case=&kind=&date_after=&date_before=", "/notes/?q=brott"),
        ("?q=&party=S&party=&sort=relevance", "/notes/?party=S"),
        ("?item=&party=&q=", "/notes/"),
        ("?party=S&party=V&kind=&sort=newest", "/notes/?party=S&party=V&sort=newest"),
    ],
)
def test_a_submitted_form_lands_on_its_canonical_url(client, archive, query, canonical):
    response = client.get("/notes/" + query)
    assert response.status_code == 301
    assert response["Location"] == canonical
    assert client.get(canonical).status_code == 200


def test_meeting_list_drops_an_empty_body(client, archive):
    response = client.get("/meetings/?body=")
    assert (response.status_code, response["Location"]) == (301, "/meetings/")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(FIELDS),
            st.sampled_from(["", "S", "V", "relevance", "newest", "22", "brott", "2021-05-05"]),
        ),
        max_size=8,
    )
)
def test_canonical_url_keeps_every_meaningful_value_in_order(pairs):
    """Property: the redirect drops exactly the empty values (and sort=relevance), keeps every
    other pair in its order, and the canonical URL is not redirected again."""
    from django.http import QueryDict
    from django.test import RequestFactory

    from notes.web.chips import redirect_to_canonical

    query = QueryDict(mutable=True)
    for key, value in pairs:
        query.appendlist(key, value)
    request = RequestFactory().get("/notes/?" + query.urlencode())
    response = redirect_to_canonical(request, {"sort": "relevance"})
    meaningful = [
        (k, v) for k, v in query.lists() for v in v if v and (k, v) != ("sort", "relevance")
    ]
    if response is None:
        assert len(meaningful) == sum(len(v) for _, v in query.lists())
        return
    location = urlsplit(response["Location"])
    assert location.path == "/notes/"
    assert parse_qsl(location.query) == meaningful
    again = RequestFactory().get(response["Location"])
    assert redirect_to_canonical(again, {"sort": "relevance"}) is None


def _chips(html: str) -> list[tuple[str, str]]:
    found = re.findall(
        r'<a class="chip" href="([^"]*)"[^>]*><span class="visually-hidden">[^<]*</span>([^<]*)<',
        html,
    )
    return [(href.replace("&amp;", "&"), text) for href, text in found]


def test_active_filters_are_chips_that_each_remove_one(client, archive):
    html = client.get("/notes/?party=S&party=V&item=22&q=kriminella&page=1").content.decode()
    chips = {text: href for href, text in _chips(html)}
    assert chips["Parti: Socialdemokraterna (S)"] == "/notes/?party=V&item=22&q=kriminella"
    assert chips["Parti: Vänsterpartiet (V)"] == "/notes/?party=S&item=22&q=kriminella"
    assert chips["Ärende nr: 22"] == "/notes/?party=S&party=V&q=kriminella"
    assert chips["Sök: ”kriminella”"] == "/notes/?party=S&party=V&item=22"
    assert "2 aktiva" not in html and "4 aktiva" in html  # the folded filter says how many
    for href in chips.values():  # every chip's page answers, with one filter fewer
        assert client.get(href).status_code == 200


def test_no_chips_without_filters(client, archive):
    html = client.get("/notes/").content.decode()
    assert 'class="chips"' not in html
    assert "aktiva" not in html


def test_the_filter_is_a_disclosure_after_a_skip_link_to_the_results(client, archive):
    html = client.get("/notes/?party=S").content.decode()
    assert '<a class="skip-link" href="#results">' in html
    assert '<details class="filter-panel">' in html  # folded on a phone; CSS opens it wide
    assert 'id="results"' in html
    # With errors in the form the panel is open, so the errors are seen where they are.
    bad = Client().get("/notes/?item=abc").content.decode()
    assert '<details class="filter-panel" open>' in bad


def test_records_are_marked_swedish_in_the_english_interface(client, archive, sample_annotation):
    english = Client()
    english.cookies["django_language"] = "en"
    page = english.get(f"/notes/{sample_annotation.pk}/").content.decode()
    assert '<div class="verbatim" lang="sv">' in page
    assert '<span lang="sv">Huddinge kommuns preventionsarbete' in page
    rows = english.get("/notes/?party=S").content.decode()
    assert 'class="excerpt" lang="sv"' in rows
    swedish = client.get(f"/notes/{sample_annotation.pk}/").content.decode()
    assert 'lang="sv"' not in swedish.replace('<html lang="sv">', "")
