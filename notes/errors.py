"""Error pages in the site's own layout, saying what went wrong in plain words."""

from django.http import Http404, HttpResponseServerError
from django.shortcuts import render
from django.template import loader


class NotFoundWithReason(Http404):
    """A 404 whose message is written for the reader and shown on the page."""


def page_not_found(request, exception):
    # Only our own messages are shown; Django's are technical and in English.
    message = str(exception) if isinstance(exception, NotFoundWithReason) else ""
    return render(request, "404.html", {"message": message}, status=404)


def server_error(request):
    # No context processors: the database may be what failed.
    return HttpResponseServerError(loader.get_template("500.html").render({}))
