"""A shared cache for several app servers (`CACHE_URL`, Valkey or Redis) that never fails a
request: when the cache server does not answer, every read is a miss and every write is
skipped, for a few seconds at a time, and the page is made without it.

Django's own RedisCache raises on a connection error; a page, facet or rate-limit count must
not turn a cache outage into a 500. Keys carry the code's own version (`code_version()`), so a
deploy never serves a page rendered by the previous code, as the archive version in the keys
already keeps every entry from outliving the data it was made from.
"""

from __future__ import annotations

import hashlib
import logging
import time
from pathlib import Path

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
# After a failure the cache is left alone this long: a down server costs one timeout per
# process and pause, not one per cache call.
PAUSE_SECONDS = 5.0


def code_version() -> str:
    """A short digest of the code and templates that make pages (notes/, templates/, the
    stylesheet and the catalogues), computed once at start."""
    digest = hashlib.sha256()
    for pattern in ("notes/**/*.py", "templates/**/*.html", "static/**/*.css", "locale/**/*.po"):
        for path in sorted(ROOT.glob(pattern)):
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# What the client raises when the server does not answer (connection refused, reset, timed out).
UNAVAILABLE = (RedisError, OSError)


def _failing(default):
    def decorator(method):
        name = method.__name__

        def fallback(args, kwargs):
            if name == "get":  # a miss: the caller's own default
                return kwargs.get("default", args[1] if len(args) > 1 else None)
            return default

        def wrapper(self, *args, **kwargs):
            if time.monotonic() < self._paused_until:
                return fallback(args, kwargs)
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as error:
                self._paused_until = time.monotonic() + PAUSE_SECONDS
                log.warning("cache %s failed, pages go without it for a while: %s", name, error)
                return fallback(args, kwargs)

        wrapper.__name__ = name
        return wrapper

    return decorator


class ResilientRedisCache(RedisCache):
    """RedisCache whose failures are misses (reads), no-ops (writes) or None (incr, which a
    rate limit then reads as "let it through": RATELIMIT_FAIL_OPEN)."""

    # One pause per server for the whole process: the four caches on it (pages, facets,
    # counts, rate limits) wait together, so a request pays at most one timeout.
    _pauses: dict[str, float] = {}

    def __init__(self, server, params):
        super().__init__(server, params)
        self._server_key = str(server)

    @property
    def _paused_until(self) -> float:
        return self._pauses.get(self._server_key, 0.0)

    @_paused_until.setter
    def _paused_until(self, value: float) -> None:
        self._pauses[self._server_key] = value

    @property
    def available(self) -> bool:
        """Whether the cache server answers now (for /healthz); pauses like every call."""
        if time.monotonic() < self._paused_until:
            return False
        try:
            return bool(self._cache.get_client(write=False).ping())
        except UNAVAILABLE:
            self._paused_until = time.monotonic() + PAUSE_SECONDS
            return False

    @_failing(None)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_failing(False)
    def add(self, key, value, timeout=None, version=None):
        return super().add(key, value, timeout, version)

    @_failing(None)
    def set(self, key, value, timeout=None, version=None):
        return super().set(key, value, timeout, version)

    @_failing(False)
    def touch(self, key, timeout=None, version=None):
        return super().touch(key, timeout, version)

    @_failing(False)
    def delete(self, key, version=None):
        return super().delete(key, version)

    @_failing({})
    def get_many(self, keys, version=None):
        return super().get_many(keys, version)

    @_failing(False)
    def has_key(self, key, version=None):
        return super().has_key(key, version)

    @_failing(None)
    def incr(self, key, delta=1, version=None):
        return super().incr(key, delta, version)

    @_failing([])
    def set_many(self, data, timeout=None, version=None):
        return super().set_many(data, timeout, version)

    @_failing(None)
    def delete_many(self, keys, version=None):
        return super().delete_many(keys, version)

    @_failing(False)
    def clear(self):
        return super().clear()


def shared_caches(url: str) -> dict:
    """CACHES for `url`: the four caches on one server, each under its own key prefix with
    the code version; short timeouts so a server that hangs does not hold a request. (The
    server evicts by its own memory policy: set maxmemory and allkeys-lru on it.)"""
    version = code_version()
    options = {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}
    return {
        alias: {
            "BACKEND": "huddinge_archive.cache.ResilientRedisCache",
            "LOCATION": url,
            "KEY_PREFIX": f"huddinge:{version}:{alias}",
            "OPTIONS": options,
        }
        for alias in ("default", "archive", "ratelimit", "pages")
    }
