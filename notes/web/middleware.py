import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseNotModified, JsonResponse
from django.template import loader
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from notes.models import ArchiveVersion
from notes.queries import cache


class SwedishByDefaultMiddleware:
    """Swedish unless the visitor chose another language with the switcher.

    Django would otherwise follow the browser's Accept-Language, and an English-language
    browser would get an interface that is only partly translated. The choice is kept in the
    language cookie that `set_language` writes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RequestSizeLimitMiddleware:
    """A request body over MAX_REQUEST_BYTES is refused (413) from its Content-Length, before
    any of it is read; the proxy in front should refuse it first (README, *Behind a proxy*).
    Form fields are further bounded by DATA_UPLOAD_MAX_MEMORY_SIZE while they are read."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            message = _("Förfrågan är för stor: högst %(size)s MB tas emot.") % {
                "size": settings.MAX_REQUEST_BYTES // (1024 * 1024)
            }
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Turn off browser features the archive never uses (camera, location and the like)."""

    HEADER = (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
        "microphone=(), payment=(), usb=(), interest-cohort=()"
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", self.HEADER)
        return response


class DatabaseUnavailableMiddleware:
    """While the database is down: a short Swedish 503 page with Retry-After, no stack trace.

    Django opens connections per request, so when the server is back the next request simply
    works: no restart needed.
    """

    RETRY_AFTER_SECONDS = 30

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        timed_out = getattr(exception, "__cause__", None).__class__.__name__ == "QueryCanceled"
        if request.path.startswith("/api/"):  # the API answers JSON, errors included
            return unavailable_json(self.RETRY_AFTER_SECONDS, timed_out)
        if timed_out:
            # statement_timeout: the database is up, this request was too heavy.
            return unavailable_response(
                self.RETRY_AFTER_SECONDS, template="503_timeout.html", log="query timed out"
            )
        return unavailable_response(self.RETRY_AFTER_SECONDS)


def unavailable_json(retry_after: int, timed_out: bool) -> JsonResponse:
    logging.getLogger("notes.database").error(
        "%s: answering 503", "query timed out" if timed_out else "database unavailable"
    )
    detail = (
        _("Frågan tog för lång tid. Avgränsa den och försök igen.")
        if timed_out
        else _("Arkivet är tillfälligt otillgängligt. Försök igen om en stund.")
    )
    response = JsonResponse({"detail": str(detail)}, status=503)
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


def unavailable_response(
    retry_after: int, template: str = "503.html", log: str = "database unavailable"
):

    logging.getLogger("notes.database").error("%s: answering 503", log)
    # Rendered without context processors: they would ask the database.
    body = loader.get_template(template).render({})
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class ArchiveETagMiddleware:
    """Conditional GET for public pages, keyed by the archive version (see ArchiveVersion).

    The ETag covers the archive's version, the full URL (scheme and host included) and the
    language. A matching
    If-None-Match is answered 304 before any view runs: one single-row read instead of a
    page's queries. A page already rendered for the same ETag is answered from the page
    cache (cache alias "pages", PAGE_CACHE_SECONDS; 0 turns it off) just as cheaply. Streamed
    exports, responses that set a cookie or say no-store/private, and bodies over
    PAGE_CACHE_MAX_BYTES are not kept.
    """

    EXEMPT_PREFIXES = ("/static/", "/healthz", "/i18n/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):

        if (
            request.method not in ("GET", "HEAD")
            or request.path.startswith(("/" + settings.ADMIN_PATH, *self.EXEMPT_PREFIXES))
            or request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        ):
            return self.get_response(request)
        version = self._version()
        if version is None:
            return self.get_response(request)
        request.archive_version = version  # for caches keyed by it (notes/cache.py)
        etag = self._etag(request, version)
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            response = HttpResponseNotModified()
            response["ETag"] = etag
            return response
        cached = self._cached_page(request, etag)
        if cached is not None:
            return cached
        token = cache.start_request(version)
        try:
            response = self.get_response(request)
            complete = not cache.gave_up()
        finally:
            cache.end_request(token)
        # Only pages that set no cookie are the same for everyone (public pages carry no form
        # token: the language switch is a link). A page made without something that ran out
        # of time is neither kept nor given the ETag: the next request makes it again.
        if response.status_code == 200 and not response.has_header("ETag") and not response.cookies:
            if not complete:
                response.setdefault("Cache-Control", "no-cache")
                return response
            response["ETag"] = etag
            response.setdefault("Cache-Control", "no-cache")
            self._keep_page(request, etag, response)
        return response

    # Page cache: a whole public page, kept under its ETag, which names the archive version,
    # URL, language and host, so an entry can never be served after the archive has changed.
    @staticmethod
    def _page_key(etag: str) -> str:
        return "page:" + etag

    def _cached_page(self, request, etag: str):

        if request.method != "GET" or settings.PAGE_CACHE_SECONDS <= 0:
            return None
        entry = caches["pages"].get(self._page_key(etag))
        if entry is None:
            return None
        content, headers = entry
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        return response

    def _keep_page(self, request, etag: str, response) -> None:

        if (
            request.method != "GET"
            or settings.PAGE_CACHE_SECONDS <= 0
            or response.streaming
            or len(response.content) > settings.PAGE_CACHE_MAX_BYTES
            or "no-store" in response.get("Cache-Control", "")
            or "private" in response.get("Cache-Control", "")
        ):
            return
        entry = (response.content, list(response.items()))
        caches["pages"].set(self._page_key(etag), entry, settings.PAGE_CACHE_SECONDS)

    @staticmethod
    def _version() -> int | None:

        try:
            return ArchiveVersion.objects.values_list("version", flat=True).first()
        except DatabaseError:
            return None  # the view will answer (503 if the database is down)

    @staticmethod
    def _etag(request, version: int) -> str:

        # The day too: pages say when they were retrieved (a citation's "hämtad"), so neither
        # a cached page nor a client's copy outlives the day it was made.
        day = timezone.localdate().isoformat()
        key = "\x1f".join(
            [request.get_full_path(), get_language() or "", request.get_host(), request.scheme, day]
        )
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        return f'W/"{version}-{digest}"'
