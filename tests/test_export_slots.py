"""At most EXPORTS_PER_CLIENT exports run at once per client; more are a 429. A slot is
given back when the export's response is closed, read to the end or not."""

from __future__ import annotations

import pytest
from django.core.cache import caches

from tests.factories import AnnotationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_at_once(settings):
    settings.EXPORTS_PER_CLIENT = 2
    caches["ratelimit"].clear()
    AnnotationFactory()


@pytest.mark.parametrize("path", ["/notes/export.csv", "/notes/export.json"])
def test_a_third_export_at_once_is_refused_and_a_finished_one_frees_its_slot(
    client, two_at_once, path
):
    first, second = client.get(path), client.get(path)  # started, not yet read
    assert first.status_code == second.status_code == 200
    third = client.get(path)
    assert third.status_code == 429
    assert third["Retry-After"] == "10"
    assert "2 exporter igång" in third.content.decode()
    # Another client is not affected.
    assert client.get(path, REMOTE_ADDR="198.51.100.3").status_code == 200
    b"".join(first.streaming_content)  # read to the end …
    first.close()  # … and closed, as the server closes every response
    again = client.get(path)
    assert again.status_code == 200
    second.close()  # broken off without being read: the slot comes back too
    again.close()
    fresh = [client.get(path), client.get(path)]
    assert [r.status_code for r in fresh] == [200, 200]
    for response in fresh:
        response.close()


def test_no_limit_when_set_to_zero_and_open_when_the_cache_fails(client, settings, monkeypatch):
    AnnotationFactory()
    settings.EXPORTS_PER_CLIENT = 0
    responses = [client.get("/notes/export.csv") for _ in range(4)]
    assert {r.status_code for r in responses} == {200}
    for response in responses:
        response.close()
    settings.EXPORTS_PER_CLIENT = 1

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(caches["ratelimit"], "incr", broken)
    responses = [client.get("/notes/export.csv") for _ in range(3)]
    assert {r.status_code for r in responses} == {200}
    for response in responses:
        response.close()
