"""Whole public pages are kept under their ETag and served again until the archive changes."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import AnnotationFactory, party

pytestmark = pytest.mark.django_db


def page_keys():
    return [k for k in caches["pages"]._cache if "page:" in k]


@pytest.mark.parametrize(
    "url",
    ["/", "/notes/?party=S", "/notes/?q=budget", "/api/notes/", "/parties/", "/notes/feed.atom"],
)
def test_a_repeat_is_answered_from_the_page_cache(client, sample_annotation, url):
    first = client.get(url)
    assert first.status_code == 200
    with CaptureQueriesContext(connection) as again:
        second = client.get(url)
    assert len(again) == 1  # the archive version, nothing of the view's
    assert second.status_code == 200
    assert second.content == first.content
    for header in ("Content-Type", "ETag", "Content-Security-Policy", "Content-Language"):
        assert second.get(header) == first.get(header), header


def test_a_write_is_shown_at_once(client, sample_annotation):
    client.get("/notes/")
    AnnotationFactory(text="En ny anteckning om Flemingsberg.", parties=[party("V")])
    html = client.get("/notes/").content.decode()
    assert "Flemingsberg" in html


def test_languages_are_kept_apart(client, sample_annotation):
    swedish = client.get("/notes/").content.decode()
    client.get("/sprak/en/?next=/notes/")
    english = client.get("/notes/").content.decode()
    assert '<html lang="sv">' in swedish
    assert '<html lang="en">' in english
    assert '<html lang="sv">' in client.get("/sprak/sv/?next=/notes/", follow=True).content.decode()


def test_what_is_not_kept(client, sample_annotation, admin_user, settings):
    client.get("/notes/export.csv")  # streamed
    client.get("/notes/?page=999")  # a 404
    client.head("/meetings/")  # HEAD is answered, but only a GET fills the cache
    assert page_keys() == []
    settings.PAGE_CACHE_MAX_BYTES = 100
    client.get("/notes/")
    assert page_keys() == []
    settings.PAGE_CACHE_MAX_BYTES = 1024 * 1024
    # Signed-in clerks see their own pages (drafts, admin links): never cached or served.
    client.force_login(admin_user)
    client.get("/notes/")
    assert page_keys() == []
    client.logout()
    client.cookies.clear()
    client.get("/notes/")
    assert len(page_keys()) == 1


def test_page_cache_can_be_turned_off(client, sample_annotation, settings):
    settings.PAGE_CACHE_SECONDS = 0
    client.get("/notes/")
    with CaptureQueriesContext(connection) as again:
        client.get("/notes/")
    assert len(again) > 1
    assert page_keys() == []


@pytest.mark.parametrize("path", ["/sitemap.xml", "/notes/feed.atom", "/notes/"])
def test_cached_outputs_carry_their_own_host_and_scheme(client, settings, sample_annotation, path):
    """An entry made for one allowed host (or scheme) is never served to another: the sitemap
    and feeds hold absolute URLs."""
    settings.ALLOWED_HOSTS = ["arkiv.example.se", "testserver"]
    settings.PAGE_CACHE_SECONDS = 600
    first = client.get(path, HTTP_HOST="testserver").content.decode()
    assert "http://testserver/" in first
    other = client.get(path, HTTP_HOST="arkiv.example.se").content.decode()
    assert "http://arkiv.example.se/" in other and "testserver" not in other
    secure = client.get(path, HTTP_HOST="arkiv.example.se", secure=True).content.decode()
    assert "https://arkiv.example.se/" in secure and "http://arkiv" not in secure
