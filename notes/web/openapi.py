"""The OpenAPI 3.1 description of the JSON API, served at /api/openapi.json.

Built in Python rather than kept as a static file so that the enumerations (annotation kinds,
sort orders, page-size limit) come from the same code the API runs, and the descriptions
follow the visitor's language like the rest of the site. The tests validate this document
and check every response against it, so it cannot drift from the views unnoticed.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from notes.models import AnnotationKind

API_PREFIX = "/api"
OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
BIGINT_MAX = 9223372036854775807

# The paging limits: notes.web.api enforces these, this document announces them.
DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


def _ref(kind: str, name: str) -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _object(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    """A closed object: every listed property is present unless optional, no others."""
    return {
        "type": "object",
        "required": [name for name in properties if name not in optional],
        "properties": properties,
        "additionalProperties": False,
    }


STRING = {"type": "string"}
URI = {"type": "string", "format": "uri"}
DATE = {"type": "string", "format": "date"}
ID = {"type": "integer", "minimum": 1}
COUNT = {"type": "integer", "minimum": 0}
NULLABLE_INT = {"type": ["integer", "null"], "minimum": 1}
NULLABLE_URI = {"type": ["string", "null"], "format": "uri"}


def _schemas() -> dict:
    """The response bodies."""
    body_ref = {
        "slug": STRING,
        "name": STRING,
        "short_name": STRING,
    }
    party_ref = {"abbreviation": STRING, "name": STRING, "slug": STRING}
    meeting = {
        "id": ID,
        "date": DATE,
        "url": URI,
        "api_url": URI,
        "body": _ref("schemas", "BodyRef"),
        "annotation_count": COUNT,
    }
    linked_annotation = {
        "id": ID,
        "kind": _ref("schemas", "Kind"),
        "url": URI,
        "api_url": URI,
    }
    agenda_item = {
        "id": ID,
        "url": URI,
        "number": NULLABLE_INT,
        "paragraph": NULLABLE_INT,
        "title": STRING,
        "case_number": STRING,
        "annotations": {"type": "array", "items": _object(linked_annotation)},
    }

    def page_of(schema_name: str) -> dict:
        return _object(
            {
                "count": COUNT,
                "count_exact": {"type": "boolean"},
                "page": {"type": ["integer", "null"], "minimum": 1},
                "page_size": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                "num_pages": {"type": ["integer", "null"], "minimum": 1},
                "next": NULLABLE_URI,
                "previous": NULLABLE_URI,
                "results": {"type": "array", "items": _ref("schemas", schema_name)},
            }
        )

    def list_of(schema_name: str) -> dict:
        return _object(
            {"count": COUNT, "results": {"type": "array", "items": _ref("schemas", schema_name)}}
        )

    return {
        "Kind": {
            "type": "string",
            "enum": list(AnnotationKind.values),
            "description": _("Anteckningens typ."),
        },
        "BodyRef": _object(body_ref),
        "PartyRef": _object(party_ref),
        "Signatory": _object(
            {
                "name": STRING,
                "slug": STRING,
                "party": {
                    "type": ["string", "null"],
                    "description": _("Partiets förkortning."),
                },
            }
        ),
        "Annotation": _object(
            {
                "id": ID,
                "url": {**URI, "description": _("Permanent länk till anteckningens sida.")},
                "api_url": URI,
                "kind": _ref("schemas", "Kind"),
                "kind_label": STRING,
                "date": {**DATE, "description": _("Sammanträdets datum.")},
                "body": _ref("schemas", "BodyRef"),
                "meeting": _object({"id": ID, "date": DATE, "url": URI, "api_url": URI}),
                "item": _object(
                    {
                        "number": NULLABLE_INT,
                        "paragraph": NULLABLE_INT,
                        "title": STRING,
                        "case_number": STRING,
                    }
                ),
                "parties": {"type": "array", "items": _ref("schemas", "PartyRef")},
                "signatories": {"type": "array", "items": _ref("schemas", "Signatory")},
                "text": {**STRING, "description": _("Ordagrant som i protokollet.")},
                "source": STRING,
                "withdrawn_at": {
                    "type": ["string", "null"],
                    "format": "date-time",
                    "description": _("När anteckningen återkallades, annars null."),
                },
                "withdrawal_reason": {
                    "type": ["string", "null"],
                    "description": _("Skälet till återkallelsen, annars null."),
                },
                "snippet": {
                    **STRING,
                    "description": _("Utdrag kring träffarna, som ren text (bara vid sökning)."),
                },
                "rank": {"type": "number", "description": _("Relevans (bara vid sökning).")},
            },
            optional=("snippet", "rank"),
        ),
        "AnnotationPage": page_of("Annotation"),
        "Meeting": _object(meeting),
        "MeetingPage": page_of("Meeting"),
        "MeetingDetail": _object(
            {**meeting, "items": {"type": "array", "items": _object(agenda_item)}}
        ),
        "Party": _object(
            {
                **party_ref,
                "colour": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
                "url": URI,
                "notes_url": URI,
                "annotation_count": COUNT,
            }
        ),
        "PartyList": list_of("Party"),
        "Body": _object(
            {
                **body_ref,
                "kind": STRING,
                "kind_label": STRING,
                "meeting_count": COUNT,
                "meetings_url": URI,
            }
        ),
        "BodyList": list_of("Body"),
        "Index": _object(dict.fromkeys(("notes", "meetings", "parties", "bodies", "openapi"), URI)),
        "Errors": _object(
            {
                "errors": {
                    "type": "array",
                    "minItems": 1,
                    "items": _object(
                        {
                            "field": {
                                "type": ["string", "null"],
                                "description": _("Frågeparametern som felet gäller."),
                            },
                            "message": STRING,
                        }
                    ),
                }
            }
        ),
        "Detail": _object({"detail": STRING}),
    }


def _query(name: str, schema: dict, description: str, **extra) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
        **extra,
    }


def _parameters() -> dict:
    """The query language of /notes/ (notes.queries.filters.AnnotationFilter), plus paging."""
    return {
        "q": _query("q", {"type": "string", "maxLength": 200}, _("Sökord.")),
        "party": _query(
            "party",
            {"type": "array", "items": {"type": "string", "maxLength": 10}},
            _("Partiets förkortning, till exempel S; upprepa för flera partier (något av dem)."),
            style="form",
            explode=True,
        ),
        "body": _query("body", {"type": "string"}, _("Organets slug, se /api/bodies/.")),
        "item": _query(
            "item", {"type": "integer", "minimum": 1, "maximum": 100000}, _("Ärendenummer.")
        ),
        "case": _query(
            "case",
            {"type": "string", "maxLength": 50},
            _("Diarienummer, till exempel KS-2021/123."),
        ),
        "kind": _query("kind", _ref("schemas", "Kind"), _("Anteckningens typ.")),
        "date_after": _query("date_after", DATE, _("Från och med datum (ÅÅÅÅ-MM-DD).")),
        "date_before": _query("date_before", DATE, _("Till och med datum (ÅÅÅÅ-MM-DD).")),
        "sort": _query(
            "sort",
            {"type": "string", "enum": ["relevance", "newest", "oldest"]},
            _("Sortering; relevance gäller bara vid sökning."),
        ),
        "page": _query(
            "page",
            {"type": "integer", "minimum": 1, "default": 1},
            _("Sidnummer. Stora resultat har numrerade sidor bara i början; följ sedan next."),
        ),
        "after": _query(
            "after",
            {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}\.\d{1,18}$"},
            _("Sidmarkör (datum.id) från länken next: raderna efter den."),
        ),
        "before": _query(
            "before",
            {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}\.\d{1,18}$"},
            _("Sidmarkör (datum.id) från länken previous: raderna före den."),
        ),
        "page_size": _query(
            "page_size",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_PAGE_SIZE,
                "default": DEFAULT_PAGE_SIZE,
            },
            _("Antal per sida."),
        ),
        "id": {
            "name": "id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": BIGINT_MAX},
        },
    }


def _response(description: str, schema_name: str) -> dict:
    return {
        "description": description,
        "headers": {"Access-Control-Allow-Origin": _ref("headers", "AccessControlAllowOrigin")},
        "content": {"application/json": {"schema": _ref("schemas", schema_name)}},
    }


def _operation(operation_id: str, summary: str, ok: str, parameters=(), errors=()) -> dict:
    """A GET operation: its 200 schema, its parameters and which error responses it can give."""
    responses = {"200": _response(_("Resultatet."), ok)}
    for status in errors:
        responses[status] = _ref("responses", {"400": "BadRequest", "404": "NotFound"}[status])
    return {
        "get": {
            "operationId": operation_id,
            "summary": summary,
            "parameters": [_ref("parameters", name) for name in parameters],
            "responses": responses,
        }
    }


def build_document() -> dict:
    """The whole OpenAPI document as a dict, ready for JsonResponse."""
    filters = ("q", "party", "body", "item", "case", "kind", "date_after", "date_before", "sort")
    paging = ("page", "page_size", "after", "before")
    p = API_PREFIX
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": _("Protokollsanteckningar – öppet API"),
            "version": API_VERSION,
            "description": _(
                "Skrivskyddat JSON-API över arkivets protokollsanteckningar, reservationer "
                "och särskilda yttranden. Filtren är desamma som på /notes/. Bara GET och "
                "HEAD; andra metoder ger 405."
            ),
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": "/"}],
        "paths": {
            f"{p}/": _operation("index", _("Länkar till API:ts delar."), "Index"),
            f"{p}/notes/": _operation(
                "listNotes",
                _("Anteckningar, filtrerade som på /notes/."),
                "AnnotationPage",
                (*filters, *paging),
                ("400", "404"),
            ),
            f"{p}/notes/{{id}}/": _operation(
                "getNote", _("En anteckning."), "Annotation", ("id",), ("404",)
            ),
            f"{p}/meetings/": _operation(
                "listMeetings",
                _("Sammanträden, nyast först."),
                "MeetingPage",
                ("body", "date_after", "date_before", *paging),
                ("400", "404"),
            ),
            f"{p}/meetings/{{id}}/": _operation(
                "getMeeting",
                _("Ett sammanträde med dess ärenden och anteckningar."),
                "MeetingDetail",
                ("id",),
                ("404",),
            ),
            f"{p}/parties/": _operation(
                "listParties", _("Alla partier med antal anteckningar."), "PartyList"
            ),
            f"{p}/bodies/": _operation("listBodies", _("Alla organ."), "BodyList"),
            f"{p}/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": _("Det här dokumentet."),
                    "responses": {
                        "200": {
                            "description": _("OpenAPI-dokumentet."),
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": _schemas(),
            "parameters": _parameters(),
            "headers": {
                "AccessControlAllowOrigin": {
                    "description": _("Öppna data: alla webbplatser får läsa svaren."),
                    "schema": {"type": "string", "const": "*"},
                }
            },
            "responses": {
                "BadRequest": {
                    "description": _("Felaktiga parametrar; ett meddelande per fel."),
                    "headers": {
                        "Access-Control-Allow-Origin": _ref("headers", "AccessControlAllowOrigin")
                    },
                    "content": {"application/json": {"schema": _ref("schemas", "Errors")}},
                },
                "NotFound": {
                    "description": _("Finns inte, eller sidan ligger efter den sista."),
                    "headers": {
                        "Access-Control-Allow-Origin": _ref("headers", "AccessControlAllowOrigin")
                    },
                    "content": {"application/json": {"schema": _ref("schemas", "Detail")}},
                },
            },
        },
    }
