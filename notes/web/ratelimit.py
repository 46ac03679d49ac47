"""Per-client rate limits for the expensive outputs: search, exports and the API.

Counted by django-ratelimit in Django's cache framework, in the cache named by
RATELIMIT_USE_CACHE ("ratelimit"). It is local memory by default, which limits each app
process on its own; pointed at a shared cache (Redis, Valkey, memcached), every app server
counts against the same limit. A window per client address and bucket; over the limit: 429
with Retry-After. Limits are settings (RATE_LIMITS: bucket → (requests, seconds)). When the
cache does not answer, requests are let through (RATELIMIT_FAIL_OPEN) rather than refused.
"""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.core.cache import caches
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django_ratelimit.core import get_usage

from notes.web.client import client_address


def bucket_for(request) -> str | None:
    path = request.path
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/notes/export"):
        return "export"
    if request.GET.get("q") and path.startswith(("/notes/", "/api/notes/")):
        return "search"
    return None


def client_id(group: str, request) -> str:
    # The client's own address, also behind proxies named in TRUSTED_PROXIES (notes.web.client).
    return client_address(request)


def usage(request, bucket: str) -> dict | None:
    """Count this request in its bucket; None when the bucket has no limit."""
    limits = getattr(settings, "RATE_LIMITS", {})
    if bucket not in limits:
        return None
    allowed, window = limits[bucket]
    return get_usage(
        request,
        group=f"notes.{bucket}",
        key=client_id,
        rate=f"{allowed}/{window}s",
        increment=True,
    )


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bucket = bucket_for(request)
        counted = usage(request, bucket) if bucket else None
        if counted and counted["should_limit"]:
            return self._too_many(request, counted["time_left"])
        return self.get_response(request)

    @staticmethod
    def _too_many(request, retry_after: int):
        retry_after = max(retry_after, 1)
        message = _("För många förfrågningar. Försök igen om %(seconds)s sekunder.") % {
            "seconds": retry_after
        }
        response: HttpResponse
        if request.path.startswith("/api/") or request.path.endswith(".json"):
            response = JsonResponse({"detail": message}, status=429)
        else:
            response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(retry_after)
        return response


class ExportSlot:
    """One of a client's concurrent exports (EXPORTS_PER_CLIENT, counted in the rate-limit
    cache): taken when an export starts, given back when its response is closed (finished,
    broken off or never read); a slot that is never given back expires after
    EXPORT_SLOT_SECONDS. A cache that does not answer lets the export run."""

    def __init__(self, request):
        self.key = f"exports-running:{client_address(request)}"
        self.taken = False

    def take(self) -> bool:
        limit = settings.EXPORTS_PER_CLIENT
        if limit <= 0:
            return True
        cache = caches[settings.RATELIMIT_USE_CACHE]
        try:
            cache.add(self.key, 0, timeout=settings.EXPORT_SLOT_SECONDS)
            running = cache.incr(self.key)
        except Exception:
            return True
        if running is None:  # a shared cache that does not answer: let the export run
            return True
        if running > limit:
            self._decrement()
            return False
        self.taken = True
        return True

    def give_back(self) -> None:
        if self.taken:
            self.taken = False
            self._decrement()

    def _decrement(self) -> None:
        # Expired or unreachable: nothing to give back.
        with contextlib.suppress(Exception):
            caches[settings.RATELIMIT_USE_CACHE].decr(self.key)


class SlotStream:
    """An export's chunks, giving its slot back when the response is closed (Django closes
    the streamed content's iterator whether or not it was read)."""

    def __init__(self, chunks, slot: ExportSlot):
        self.chunks, self.slot = chunks, slot

    def __iter__(self):
        return iter(self.chunks)

    def close(self) -> None:
        try:
            close = getattr(self.chunks, "close", None)
            if close is not None:
                close()
        finally:
            self.slot.give_back()


def too_many_exports(request) -> HttpResponse:
    message = _(
        "Du har redan %(count)s exporter igång. Vänta tills någon av dem är klar och försök igen."
    ) % {"count": settings.EXPORTS_PER_CLIENT}
    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "10"
    return response
