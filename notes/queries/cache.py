"""Results that are expensive at scale, cached until the archive changes.

Every write to the archive's tables bumps `ArchiveVersion.version` (database triggers), so a
value cached under the current version can never be stale: the next write moves every
reader to new keys, and the old entries simply expire. Used for facet counts over large
results, the home page's charts and the party list's counts.
"""

from __future__ import annotations

import functools
import hashlib
import logging
from contextvars import ContextVar, Token

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connections, transaction
from django.http import HttpResponse
from django.utils.translation import get_language

from notes.models import ArchiveVersion
from notes.queries.reading import reading_alias

ALIAS = "archive"
# Stored instead of a value that could not be computed in time, so that the next request
# does not try again until the archive changes.
UNAVAILABLE = "unavailable"

log = logging.getLogger("notes.queries.cache")

# Whether something in this request ran out of time (within()): its page is then not kept
# in the page cache, so that the next request tries again instead of repeating the lesser
# answer (a count given as "more than 1 000", facets left out) until the archive changes.
_gave_up: ContextVar[bool] = ContextVar("notes_gave_up", default=False)


# The version the request being answered read (the ETag middleware), for code that has no
# request at hand (the filter's choices).
_request_version: ContextVar[int | None] = ContextVar("notes_request_version", default=None)
# What one request has read once and may need again (the planner's estimate of its result).
_request_memo: ContextVar[dict | None] = ContextVar("notes_request_memo", default=None)


def gave_up() -> bool:
    return _gave_up.get()


def start_request(version: int | None = None) -> tuple[Token, Token, Token]:
    return _gave_up.set(False), _request_version.set(version), _request_memo.set({})


def end_request(tokens: tuple[Token, Token, Token]) -> None:
    _gave_up.reset(tokens[0])
    _request_version.reset(tokens[1])
    _request_memo.reset(tokens[2])


def for_this_request(key, compute):
    """`compute()`, once per request for the same `key` (every time outside a request)."""
    memo = _request_memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def archive_version(request=None) -> int:
    """The archive's version: read once per request (the ETag middleware keeps it, on the
    request and for the request's code that has no request at hand)."""
    version = getattr(request, "archive_version", None)
    if version is None and request is None:
        version = _request_version.get()
    if version is None:
        version = ArchiveVersion.objects.values_list("version", flat=True).first() or 0
        if request is not None:
            request.archive_version = version
    return version


def _key(request, name: str, parts) -> str:
    raw = repr((name, parts, get_language() or ""))
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return f"v{archive_version(request)}:{name}:{digest}"


def kept(request, name: str, parts):
    """What cached() keeps for these parts in this archive version, or None (not computed)."""
    return caches[ALIAS].get(_key(request, name, parts))


def cached(request, name: str, parts, compute):
    """`compute()`, or its value from the cache for this archive version, language and parts."""
    key = _key(request, name, parts)
    cache = caches[ALIAS]
    value = cache.get(key)
    if value is None:
        value = compute()
        if not hasattr(value, "status_code"):  # a response that is not to be kept
            cache.set(key, value, settings.ARCHIVE_CACHE_SECONDS)
    return value


def within(milliseconds: int, compute, *, lesser: bool = True):
    """`compute()` under a statement timeout of its own; UNAVAILABLE if it runs out.

    For counts that help the reader but are not the result itself: the page is shown without
    them rather than waiting for them (or being answered 503 by the request's own timeout).
    `lesser`: running out leaves the page a lesser answer, not to be kept (gave_up()); False
    for a read that only chooses a way, whose fallback gives the same answer.
    """
    alias = reading_alias()  # the same connection as compute()'s reads
    # Its own transaction ends the local setting; inside an outer one (a savepoint) the
    # setting would outlive this block, so it is read first and set back.
    outer = connections[alias].in_atomic_block
    try:
        with transaction.atomic(using=alias):
            with connections[alias].cursor() as cursor:
                cursor.execute(
                    "SELECT current_setting('statement_timeout'), "
                    "set_config('statement_timeout', %s, true)",
                    [str(milliseconds)],
                )
                previous = cursor.fetchone()[0]
            value = compute()
            if outer:
                with connections[alias].cursor() as cursor:
                    cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
            return value
    except DatabaseError as error:
        if error.__cause__.__class__.__name__ != "QueryCanceled":
            raise
        log.warning("gave up after %s ms: %s", milliseconds, error)
        if lesser:
            _gave_up.set(True)
        return UNAVAILABLE


def cached_response(name: str):
    """Cache a GET view's whole 200 response under the archive version and the full URL
    (scheme, host, path and query).

    For outputs that are the same for everyone and costly on a large archive (the sitemap
    counts and pages through every public row).
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            def render():
                response = view(request, *args, **kwargs)
                if hasattr(response, "render"):
                    response.render()
                if response.status_code != 200:
                    return response
                kept = ("Content-Type", "X-Robots-Tag", "Last-Modified")
                return (response.content, {h: response[h] for h in kept if response.has_header(h)})

            # Scheme and host too: the response holds absolute URLs built from them.
            key = (request.scheme, request.get_host(), request.get_full_path())
            value = cached(request, name, key, render)
            if isinstance(value, HttpResponse):  # not cached: the view's own answer
                return value
            content, headers = value
            return HttpResponse(content, headers=headers)

        return wrapped

    return decorator


def cache_state() -> str:
    """For /healthz: "local" (each process keeps its own caches), or whether the shared
    cache server (CACHE_URL) answers: "ok" or "down" (pages are then made without it)."""
    available = getattr(caches["pages"], "available", None)
    if available is None:
        return "local"
    return "ok" if available else "down"
