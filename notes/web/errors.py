"""Error pages in the site's own layout, saying what went wrong in plain words."""

from django.http import Http404, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _


class NotFoundWithReason(Http404):
    """A 404 whose message is written for the reader and shown on the page."""


def page_not_found(request, exception):
    # Only our own messages are shown; Django's are technical and in English.
    message = str(exception) if isinstance(exception, NotFoundWithReason) else ""
    return render(request, "404.html", {"message": message}, status=404)


def bad_request(request, exception):
    """Django's own 400s (too many parameters, a bad Host): a message in the right format."""
    message = _("Förfrågan kunde inte tolkas, till exempel för att den har för många parametrar.")
    if request.path.startswith("/api/") or request.path.endswith(".json"):
        return JsonResponse({"detail": message}, status=400)
    if request.path.endswith((".csv", ".atom", ".ics", ".xml")):
        return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")
    body = loader.get_template("400.html").render({"message": message})
    return HttpResponse(body, status=400, content_type="text/html; charset=utf-8")


def server_error(request):
    # No context processors: the database may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render({}))
