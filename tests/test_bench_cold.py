"""The benchmark's cold pass (#19): its URLs are distinct, drawn from the archive's own words,
parties, bodies and years, and every one of them is a page the archive answers; its report
states a verdict per target. (Figures are in bench/, not asserted here.)"""

from __future__ import annotations

import pytest
from django.db import connection
from psycopg.conninfo import make_conninfo

from bench import cold
from bench.report import cold_lines
from tests.factories import make_archive

pytestmark = pytest.mark.django_db(transaction=True)  # the bench reads through its own connection


def _db_url() -> str:
    settings = connection.settings_dict
    given = {
        "dbname": settings["NAME"],
        "user": settings["USER"],
        "password": settings["PASSWORD"],
        "host": settings["HOST"],
        "port": settings["PORT"],
    }
    return make_conninfo(**{key: value for key, value in given.items() if value})


def test_cold_urls_are_distinct_and_drawn_from_the_archive(sample_annotation):
    make_archive(sample_annotation)
    vocab = cold.vocabulary(_db_url(), seed=3)
    assert "kommunstyrelsen" in vocab["bodies"] and "V" in vocab["parties"]
    assert vocab["words"] and all(len(word) >= 5 for word in vocab["words"])
    urls = cold.cold_urls(vocab, seed=3, per_kind=25)
    every = [url for kind in urls.values() for url in kind]
    assert len(every) == len(set(every)) == 100
    assert all("q=" in url for url in urls["cold_search"] + urls["cold_api_search"])
    assert not any("q=" in url for url in urls["cold_list"] + urls["cold_api"])
    assert all(url.startswith("/api/notes/") for url in urls["cold_api"] + urls["cold_api_search"])
    assert cold.cold_urls(vocab, seed=3, per_kind=25) == urls  # seeded: the same stream
    assert cold.cold_urls(vocab, seed=4, per_kind=25) != urls


def test_every_cold_url_is_answered(client, sample_annotation):
    make_archive(sample_annotation)
    vocab = cold.vocabulary(_db_url(), seed=5)
    for urls in cold.cold_urls(vocab, seed=5, per_kind=15).values():
        for url in urls:
            response = client.get(url, follow=True)
            assert response.status_code == 200, url


def test_the_report_gives_a_verdict_per_cold_target():
    figure = {"p50_ms": 10.0, "p95_ms": 30.0, "p99_ms": 40.0, "max_ms": 50.0}
    output = {
        "cold": {
            "1000": {
                "floor": {"p95_ms": 2.0, "category": "floor"},
                "cold_list": {**figure, "category": "list"},  # 15× floor: met
                "cold_search": {**figure, "p95_ms": 100.0, "category": "search"},  # 50×: missed
                "after_write": {**figure, "category": "after_write"},
            }
        },
        "uncached": {
            "1000": {
                "floor": {"p95_ms": 4.0, "category": "floor"},
                "notes": {"p95_ms": 40.0, "category": "list"},
                "item": {"p95_ms": 44.0, "category": "list"},
            }
        },
    }
    text = "\n".join(cold_lines(output))
    assert "cold_list p95: 30.0 ms = 15× floor 2.0 ms (≤ 20×): **met**" in text
    assert "cold_search p95: 100.0 ms = 50× floor 2.0 ms (≤ 40×): **missed**" in text
    assert "after_write p95: 30.0 ms = 15× floor 2.0 ms (≤ 20×): **met**" in text
    # With the page cache off, each page against that pass's own floor.
    assert "page cache off notes p95: 40.0 ms = 10× floor 4.0 ms (≤ 10×): **met**" in text
    assert "page cache off item p95: 44.0 ms = 11× floor 4.0 ms (≤ 10×): **missed**" in text
