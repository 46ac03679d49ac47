"""No 500 on absurd paging input: a page number, page size or cursor of any length or shape
is a 404 or 400 (pages) or a 400 (API), on every public list."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

LISTS = [
    "/notes/",
    "/meetings/",
    "/parties/socialdemokraterna/",
    "/people/sara-heelge-vikmang/",
    "/notes/feed.atom",
    "/api/notes/",
    "/api/meetings/",
]
VALUES = st.one_of(
    st.integers(min_value=-(10**18), max_value=10**18).map(str),
    st.sampled_from(["0", "-1", "00001", "1e9999", "١٢", "1.5", " 2 ", "+3", "0x10", "∞"]),
    st.text(max_size=40),
    # Longer than Python will read as a number (4 300 digits), with or without a sign.
    st.tuples(st.sampled_from(["", "-", "0"]), st.integers(min_value=4290, max_value=6000)).map(
        lambda sign_and_length: sign_and_length[0] + "9" * sign_and_length[1]
    ),
)


@given(
    url=st.sampled_from(LISTS),
    name=st.sampled_from(["page", "page_size", "after", "before"]),
    value=VALUES,
)
@settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_paging_value_is_answered_without_a_server_error(
    client, sample_annotation, url, name, value
):
    response = client.get(url, {name: value})
    if response.status_code == 301:  # an empty value: the list's canonical URL, without it
        assert value == "" and f"{name}=" not in response["Location"]
        response = client.get(response["Location"])
    assert response.status_code in (200, 400, 404), (url, name, value[:20], response.status_code)


@pytest.mark.parametrize("url", ["/notes/", "/meetings/", "/parties/socialdemokraterna/"])
def test_a_page_number_of_thousands_of_digits_is_a_404_that_says_why(
    client, sample_annotation, url
):
    response = client.get(url, {"page": "9" * 5000})
    assert response.status_code == 404
    assert "för långt in i resultatet" in response.content.decode() or "Sidan finns inte" in (
        response.content.decode()
    )
    response = client.get(url, {"page": "0"})
    assert response.status_code == 404
    assert "1 eller större" in response.content.decode()
