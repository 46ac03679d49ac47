"""The API's django-ninja setup: JSON as the archive writes it, its errors, its OpenAPI document.

django-ninja builds the OpenAPI document from the operations and schemas that serve the
requests, so the description cannot drift from the code. What the archive adds:

- JSON with Swedish letters as themselves (`ensure_ascii=False`), `application/json`;
- its own error bodies: 400 `{"errors": [{"field", "message"}]}` (also for ninja's own
  validation errors, which would be a 422), 404 `{"detail"}`; other exceptions go on to
  Django, whose middleware answers a database outage with a 503;
- `read_only()` around every API view: GET and HEAD only (anything else a JSON 405 with
  `Allow`, never CSRF's HTML 403) and `Access-Control-Allow-Origin: *` on every answer;
- the document's finishing: HEAD left out (it is GET without the body), parameters shared
  under components, the CORS and Retry-After headers described.
"""

from __future__ import annotations

import functools
import json
from typing import cast

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

SAFE_METHODS = ("GET", "HEAD")
CORS_HEADER = {"$ref": "#/components/headers/AccessControlAllowOrigin"}


class ApiError(Exception):
    """An error a view raises to answer with a JSON error body instead of its result."""

    def __init__(self, status: int, *, detail: str | None = None, errors=None):
        super().__init__(detail or status)
        self.status = status
        self.detail = detail
        self.errors = errors

    def body(self) -> dict:
        if self.errors is not None:
            return {"errors": self.errors}
        return {"detail": self.detail}


class Renderer(JSONRenderer):
    """JSON with Swedish letters as themselves: the data is UTF-8 text, not ASCII escapes."""

    json_dumps_params = {"ensure_ascii": False}


class ArchiveAPI(NinjaAPI):
    def get_content_type(self) -> str:
        return "application/json"  # as Django's JsonResponse says it (JSON is UTF-8)

    # A plain dict, not ninja's OpenAPISchema: the document is finished as JSON data.
    def get_openapi_schema(self, *, path_prefix=None, path_params=None) -> dict:  # type: ignore[override]
        """The document as plain JSON data (translated texts as strings), finished."""
        if path_prefix is None:
            path_prefix = reverse("notes:api_index").lstrip("/")
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return finish_document(json.loads(json.dumps(schema, cls=NinjaJSONEncoder)))


def _shared_parameter(components: dict, parameter: dict) -> dict:
    """A parameter described once under components and referred to, as long as every
    operation describes it the same way; repeated parameters are arrays in form style."""
    if parameter["schema"].get("type") == "array":
        parameter.update(style="form", explode=True)
    name = parameter["name"]
    if components.setdefault(name, parameter) != parameter:
        return parameter
    return {"$ref": f"#/components/parameters/{name}"}


def finish_document(document: dict) -> dict:
    components = document["components"]
    parameters = components.setdefault("parameters", {})
    for path_item in document["paths"].values():
        path_item.pop("head", None)  # HEAD is GET without the body (RFC 9110)
        for operation in path_item.values():
            operation["parameters"] = [
                _shared_parameter(parameters, p) for p in operation["parameters"]
            ]
    # Schemas nothing refers to (ninja lists the parameter groups, NoteFilters ...): out.
    text = json.dumps(document)
    for name in list(components["schemas"]):
        if f'"#/components/schemas/{name}"' not in text:
            del components["schemas"][name]
    components["headers"] = {
        "AccessControlAllowOrigin": {
            "description": _("Öppna data: alla webbplatser får läsa svaren."),
            "schema": {"type": "string", "const": "*"},
        }
    }
    return document


def response_documentation(statuses) -> dict:
    """What the document says of each status, beyond its schema: description, headers."""
    texts = {
        200: gettext_lazy("Resultatet."),
        400: gettext_lazy("Felaktiga parametrar; ett meddelande per fel."),
        404: gettext_lazy("Finns inte, eller sidan ligger efter den sista."),
        429: gettext_lazy("För många förfrågningar; försök igen efter Retry-After sekunder."),
    }
    documentation = {
        status: {
            "description": texts[status],
            "headers": {"Access-Control-Allow-Origin": CORS_HEADER},
        }
        for status in statuses
    }
    # notes.web.ratelimit answers before the view runs: its 429 has no CORS header.
    documentation[429]["headers"] = {
        "Retry-After": {
            "description": gettext_lazy("Sekunder att vänta innan nästa förfrågan."),
            "schema": {"type": "integer", "minimum": 1},
        }
    }
    return documentation


api = ArchiveAPI(
    # Lazy: the document is built per request, in the request's language.
    title=cast(str, gettext_lazy("Protokollsanteckningar – öppet API")),
    version="1.0.0",
    description=cast(
        str,
        gettext_lazy(
            "Skrivskyddat JSON-API över arkivets protokollsanteckningar, reservationer "
            "och särskilda yttranden. Filtren är desamma som på /notes/. Bara GET och "
            "HEAD; andra metoder ger 405."
        ),
    ),
    servers=[{"url": "/"}],
    openapi_extra={
        "info": {"license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"}}
    },
    # The document is an operation of its own (views.openapi_document): described in
    # itself, with the API's headers. No docs page: it would load its scripts from a CDN.
    openapi_url=None,
    docs_url=None,
    urls_namespace="notes",
    renderer=Renderer(),
)


@api.exception_handler(ApiError)
def _api_error(request, error: ApiError):
    return api.create_response(request, error.body(), status=error.status)


@api.exception_handler(ValidationError)
def _validation_error(request, error: ValidationError):
    """Input ninja itself refused (the forms validate the query): a 400 like theirs."""
    errors = [
        {"field": str(e["loc"][-1]) if len(e["loc"]) > 1 else None, "message": e["msg"]}
        for e in error.errors
    ]
    return api.create_response(request, {"errors": errors}, status=400)


@api.exception_handler(Exception)
def _unexpected(request, error: Exception):
    """Not ninja's traceback page: Django's handlers (500, the 503 on an outage) answer."""
    raise error


def json_error(status: int, detail: str):
    # ninja's renderer does not read the request (there is none where this is used).
    return api.create_response(None, {"detail": detail}, status=status)  # type: ignore[arg-type]


def read_only(view):
    """GET/HEAD only, open to every origin (the archive is public open data).

    CSRF protection is lifted so that a write answers with the API's own 405 JSON instead of
    Django's 403 HTML page; no view changes anything.
    """

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method in SAFE_METHODS:
            response = view(request, *args, **kwargs)
        else:
            message = _("Metoden %(method)s är inte tillåten: API:t går bara att läsa.")
            response = json_error(405, message % {"method": request.method})
            response["Allow"] = ", ".join(SAFE_METHODS)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return csrf_exempt(wrapper)
