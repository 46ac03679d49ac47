"""Repeat requests are answered 304 from the archive version, until anything is written."""

import pytest
from django.contrib.auth.models import User

from tests.factories import AnnotationFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/", "/notes/?party=S", "/api/notes/", "/parties/"])
def test_repeat_request_is_304_without_running_the_view(
    client, sample_annotation, django_assert_max_num_queries, url
):
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert first["Cache-Control"].startswith("no-cache") or "no-cache" in first["Cache-Control"]
    with django_assert_max_num_queries(1):
        repeat = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert repeat.status_code == 304
    assert repeat["ETag"] == etag


def test_any_write_changes_the_etag(client, sample_annotation):
    etag = client.get("/notes/")["ETag"]
    AnnotationFactory(text="En ny anteckning om Flemingsberg.")
    response = client.get("/notes/", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag
    assert "Flemingsberg" in response.content.decode()


def test_a_withdrawal_or_publication_changes_the_etag(client, sample_annotation):
    from django.utils import timezone

    etag = client.get("/notes/")["ETag"]
    sample_annotation.withdrawn_at = timezone.now()
    sample_annotation.withdrawal_reason = "Test."
    sample_annotation.save()
    assert client.get("/notes/", HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_etag_differs_by_url_and_language(client, sample_annotation):
    a = client.get("/notes/?item=22")["ETag"]
    b = client.get("/notes/?item=21")["ETag"]
    assert a != b
    client.get("/sprak/en/")
    assert client.get("/notes/?item=22")["ETag"] != a


def test_signed_in_and_admin_requests_are_not_cached(client, sample_annotation):
    user = User.objects.create_superuser("root", password="x-very-secret-2")
    client.force_login(user)
    assert not client.get("/notes/").has_header("ETag")
    assert not client.get("/admin/").has_header("ETag")


def test_cookieless_clients_get_304_too(sample_annotation):
    """Feed readers, curl and caches keep no cookies: a repeat must still match."""
    from django.test import Client

    first = Client().get("/notes/feed.atom")
    etag = first["ETag"]
    assert Client().get("/notes/feed.atom", HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_etag_and_cached_page_end_with_the_day(client, sample_annotation, monkeypatch):
    """A page says when it was retrieved (a citation's "hämtad"): the next day's request gets
    a new ETag and a freshly rendered page, not yesterday's."""
    import datetime
    import re

    from django.utils import timezone

    url = sample_annotation.get_absolute_url()
    today = client.get(url)
    monkeypatch.setattr(timezone, "localdate", lambda: datetime.date(2099, 1, 2))
    tomorrow = client.get(url, HTTP_IF_NONE_MATCH=today["ETag"])
    assert tomorrow.status_code == 200
    assert tomorrow["ETag"] != today["ETag"]
    text = re.sub(r"<[^>]+>", "", tomorrow.content.decode())
    assert "hämtad 2099-01-02" in text
