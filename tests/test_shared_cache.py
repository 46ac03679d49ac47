"""A shared cache for several app servers (#20): with CACHE_URL, two real gunicorn servers
share a real Valkey or Redis server's page cache and rate limits; when the cache server
stops, every page still answers 200 and /healthz says the cache is down."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from huddinge_archive.cache import ResilientRedisCache, code_version
from notes.models import ArchiveVersion
from tests.factories import AnnotationFactory
from tests.servers import free_port, start_apps, stop_apps

ROOT = Path(__file__).resolve().parent.parent
HOST = "arkiv.test"


def _cache_server_binary() -> str:
    found = shutil.which("valkey-server") or shutil.which("redis-server")
    if found:
        return found
    reason = "no valkey-server or redis-server (Debian: apt-get install redis-server)"
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must not skip this test", pytrace=False)
    pytest.skip(reason)


def _get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": HOST})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_a_cache_server_that_does_not_answer_is_a_miss_not_an_error():
    """No server on the port: reads are misses (the caller's default), writes do nothing, a
    rate-limit increment is None (RATELIMIT_FAIL_OPEN lets the request through)."""
    cache = ResilientRedisCache(
        f"redis://127.0.0.1:{free_port()}/0",
        {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
    )
    assert cache.get("page", "miss") == "miss"
    assert cache.set("page", "x") is None
    assert cache.add("count", 0) is False
    assert cache.incr("count") is None
    assert cache.get_many(["a", "b"]) == {}
    assert cache.available is False
    started = time.monotonic()
    for _ in range(100):  # paused after the failure: no timeout paid per call
        cache.get("page")
    assert time.monotonic() - started < 0.5


def test_the_code_version_names_the_code():
    assert len(code_version()) == 12 and code_version() == code_version()


@pytest.mark.django_db(transaction=True)
def test_two_app_servers_share_one_cache_and_outlive_it(tmp_path):
    binary = _cache_server_binary()
    # A transactional test before this one may have flushed the row a migration made; pages
    # are only kept under a version (notes.web.middleware).
    ArchiveVersion.objects.get_or_create(pk=1, defaults={"changed_at": timezone.now()})
    AnnotationFactory(text="Fritidsgårdar i Skogås behöver längre öppettider.")
    cache_port = free_port()
    cache_dir = Path(tempfile.mkdtemp(dir=tmp_path))
    cache_server = subprocess.Popen(
        [
            binary,
            *("--port", str(cache_port), "--bind", "127.0.0.1", "--save", ""),
            "--appendonly",
            "no",
            "--dir",
            str(cache_dir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    apps: list[subprocess.Popen] = []
    try:
        db = connection.settings_dict
        host = f"host={db['HOST']}" if db["HOST"] else ""
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DATABASE_URL": f"postgres://{db['USER']}@/{db['NAME']}?{host}"
            if str(db["HOST"]).startswith("/")
            else f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}"
            f"/{db['NAME']}",
            "CACHE_URL": f"redis://127.0.0.1:{cache_port}/0",
            "ALLOWED_HOSTS": f"{HOST},127.0.0.1",
            "DEBUG": "0",
            "CONN_MAX_AGE": "0",
            "RATE_LIMIT_API": "3",
            "PYTHONWARNINGS": "ignore",
            "STATIC_ROOT": str(tmp_path / "static"),
        }
        a, b = start_apps(env, 2, apps)
        assert '"cache": "ok"' in _get(a + "/healthz")[1]

        # One rate limit for both: three API requests are allowed per client and minute,
        # the fourth is refused whichever server it reaches.
        statuses = [_get(server + f"/api/notes/?n={n}")[0] for n, server in enumerate([a, b, a, b])]
        assert statuses == [200, 200, 200, 429]

        # A page rendered by one server is kept on the cache server, under the code's version.
        import redis

        keys_before = set(redis.Redis(port=cache_port).keys("*pages*"))
        status, page = _get(a + "/notes/?q=fritidsg%C3%A5rdar")
        assert status == 200 and "Skogås" in page
        new_keys = set(redis.Redis(port=cache_port).keys("*pages*")) - keys_before
        assert new_keys and all(code_version().encode() in key for key in new_keys)
        # B finds the same page there (the same URL, host and language: the same key).
        assert _get(b + "/notes/?q=fritidsg%C3%A5rdar") == (200, page)

        # The cache server stops: every page still answers, from the database.
        cache_server.send_signal(signal.SIGTERM)
        cache_server.wait(timeout=10)
        pages = ("/", "/notes/", "/notes/?q=skog%C3%A5s", "/api/notes/", "/meetings/")
        for base in (a, b):
            for path in (*pages, "/notes/export.csv", "/notes/export.json"):
                assert _get(base + path)[0] == 200, (base, path)
            assert '"cache": "down"' in _get(base + "/healthz")[1]
    finally:
        stop_apps(apps)
        if cache_server.poll() is None:
            cache_server.kill()
            cache_server.wait(timeout=10)
