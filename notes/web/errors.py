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


def bad_filter(annotation_filter, *, as_json: bool = False) -> HttpResponse:
    """400 for a filter that does not parse, in plain words or as JSON: an export or a feed
    of a filter that does not parse would be a wrong file, so none is sent."""
    if as_json:
        errors = [
            {"field": str(label), "message": str(message)}
            for label, message in annotation_filter.error_list()
        ]
        return JsonResponse(
            {"error": _("Ogiltig filtrering."), "errors": errors},
            status=400,
            json_dumps_params={"ensure_ascii": False},
        )
    lines = [_("Ogiltig filtrering:")]
    lines += [f"{label}: {message}" for label, message in annotation_filter.error_list()]
    return HttpResponse(
        "\n".join(lines) + "\n", status=400, content_type="text/plain; charset=utf-8"
    )
