"""The read-only JSON API on django-ninja: its operations (views), what they take and give
(schemas) and the setup that makes the archive's JSON, errors and OpenAPI document (core).

`urlpatterns` are mounted at /api/ inside the `notes` namespace (notes.web.urls), each
route named by its operation (`notes:api_note_list` ...) and wrapped in `read_only`.
"""

from django.urls import URLPattern

from notes.web.api import views
from notes.web.api.core import api, read_only

__all__ = ["api", "not_found", "urlpatterns"]

not_found = views.not_found

# ninja's own "api-root" route is left out: /api/ is the index operation.
urlpatterns = [
    URLPattern(route.pattern, read_only(route.callback), route.default_args, route.name)
    for route in api.urls[0]
    if isinstance(route, URLPattern) and route.name != "api-root"
]
