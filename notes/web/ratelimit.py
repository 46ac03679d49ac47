"""Per-client rate limits for the expensive outputs: search, exports and the API.

A fixed window per client address and bucket, counted in Django's cache (local memory by
default; a shared cache such as Redis or the database cache makes the limit hold across app
servers). Over the limit: 429 with Retry-After. Limits are settings (RATE_LIMITS).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _


def bucket_for(request) -> str | None:
    path = request.path
    if path.startswith("/api/"):
        return "api"
    if path.startswith("/notes/export"):
        return "export"
    if request.GET.get("q") and path.startswith(("/notes/", "/api/notes/")):
        return "search"
    return None


def client_id(request) -> str:
    # Behind a trusted proxy, REMOTE_ADDR is set from X-Forwarded-For by the proxy setup
    # (see README); we never trust the header ourselves.
    return request.META.get("REMOTE_ADDR", "unknown")


class RateLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        bucket = bucket_for(request)
        limits = getattr(settings, "RATE_LIMITS", {})
        if bucket and bucket in limits:
            count_allowed, window = limits[bucket]
            now = int(time.time())
            window_start = now - now % window
            key = f"ratelimit:{bucket}:{client_id(request)}:{window_start}"
            cache.add(key, 0, timeout=window + 1)
            try:
                count = cache.incr(key)
            except ValueError:  # evicted between add and incr
                cache.set(key, 1, timeout=window + 1)
                count = 1
            if count > count_allowed:
                return self._too_many(request, window_start + window - now)
        return self.get_response(request)

    @staticmethod
    def _too_many(request, retry_after: int):
        message = _("För många förfrågningar. Försök igen om %(seconds)s sekunder.") % {
            "seconds": retry_after
        }
        if request.path.startswith("/api/") or request.path.endswith(".json"):
            response = JsonResponse({"detail": message}, status=429)
        else:
            response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(max(retry_after, 1))
        return response
