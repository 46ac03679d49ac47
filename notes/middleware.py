from django.conf import settings


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
        from django.db import InterfaceError, OperationalError

        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return unavailable_response(self.RETRY_AFTER_SECONDS)


def unavailable_response(retry_after: int):
    import logging

    from django.http import HttpResponse
    from django.template import loader

    logging.getLogger("notes.database").error("database unavailable: answering 503")
    # Rendered without context processors: they would ask the database.
    body = loader.get_template("503.html").render({})
    response = HttpResponse(body, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response
