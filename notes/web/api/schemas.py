"""What the API takes and gives, as django-ninja schemas: the OpenAPI document is made of these.

Query parameters are read as text and validated by the forms the pages use (AnnotationFilter,
MeetingFilterForm, the paging checks in notes.web.api.views), so that the API answers with
their messages and field names. The schemas below only *document* them: each parameter's
type, limits and allowed values, taken from the same FilterSet and constants that enforce
them. The values that live in the database (parties, bodies) are read each time the
document is built.

Response bodies are validated against these schemas before they are sent. Constraints that
the data cannot be held to (a URL's format, a colour's pattern) are documented only, so an
odd value in the database is served rather than turned into a server error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from ninja import Schema
from pydantic import ConfigDict, Field, WithJsonSchema

from notes import models
from notes.models import AnnotationKind
from notes.queries.filters import AnnotationFilter
from notes.queries.pagination import API_MAX_PAGE_SIZE, API_PAGE_SIZE, CURSOR_PATTERN

BIGINT_MAX = 9223372036854775807


def _filter_option(name: str, option: str):
    """A limit declared on AnnotationFilter (max_length, min_value, choices ...)."""
    return AnnotationFilter.base_filters[name].extra[option]


class Values:
    """Documents the values a text parameter takes, looked up when the document is built."""

    def __init__(self, values: Callable[[], Iterable[str]], *, many: bool = False):
        self.values = values
        self.many = many

    def __get_pydantic_json_schema__(self, core_schema, handler) -> dict:
        values = list(self.values())
        item = {"type": "string", "enum": values} if values else {"type": "string"}
        return {"type": "array", "items": item} if self.many else item


def _documented(schema: dict | Values, description, *, many: bool = False) -> Any:
    """A query parameter taken as text (a form validates it), documented as `schema`."""
    annotation = list[str] | None if many else str | None
    documentation = schema if isinstance(schema, Values) else WithJsonSchema(schema)
    return Annotated[annotation, documentation, Field(description=description)]


def party_abbreviations() -> list[str]:
    return list(
        models.Party.objects.order_by("abbreviation").values_list("abbreviation", flat=True)
    )


def body_slugs() -> list[str]:
    return list(models.Body.objects.order_by("slug").values_list("slug", flat=True))


DATE = {"type": "string", "format": "date"}
CURSOR = {"type": "string", "pattern": f"^{CURSOR_PATTERN}$"}
BODY_PARAMETER = _documented(Values(body_slugs), _("Organets slug, se /api/bodies/."))
DATE_AFTER = _documented(DATE, _("Från och med datum (ÅÅÅÅ-MM-DD)."))
DATE_BEFORE = _documented(DATE, _("Till och med datum (ÅÅÅÅ-MM-DD)."))


class NoteFilters(Schema):
    """The query language of /notes/ (notes.queries.filters.AnnotationFilter)."""

    q: _documented(
        {"type": "string", "maxLength": _filter_option("q", "max_length")}, _("Sökord.")
    ) = None
    party: _documented(
        Values(party_abbreviations, many=True),
        _("Partiets förkortning, till exempel S; upprepa för flera partier (något av dem)."),
        many=True,
    ) = None
    body: BODY_PARAMETER = None
    item: _documented(
        {
            "type": "integer",
            "minimum": _filter_option("item", "min_value"),
            "maximum": _filter_option("item", "max_value"),
        },
        _("Ärendenummer."),
    ) = None
    case: _documented(
        {"type": "string", "maxLength": _filter_option("case", "max_length")},
        _("Diarienummer eller dess början: KS-2021/123, eller KS-2021 för hela serien."),
    ) = None
    person: _documented(
        {"type": "string", "maxLength": _filter_option("person", "max_length")},
        _("Den som undertecknat, som i adressen till personens sida: anna-andersson."),
    ) = None
    kind: _documented(
        {"type": "string", "enum": list(AnnotationKind.values)}, _("Anteckningens typ.")
    ) = None
    date_after: DATE_AFTER = None
    date_before: DATE_BEFORE = None
    sort: _documented(
        {"type": "string", "enum": [value for value, _label in _filter_option("sort", "choices")]},
        _("Sortering; relevance gäller bara vid sökning."),
    ) = None


class MeetingFilters(Schema):
    body: BODY_PARAMETER = None
    date_after: DATE_AFTER = None
    date_before: DATE_BEFORE = None


class Paging(Schema):
    page: _documented(
        {"type": "integer", "minimum": 1, "default": 1},
        _("Sidnummer. Stora resultat har numrerade sidor bara i början; följ sedan next."),
    ) = None
    page_size: _documented(
        {"type": "integer", "minimum": 1, "maximum": API_MAX_PAGE_SIZE, "default": API_PAGE_SIZE},
        _("Antal per sida."),
    ) = None
    after: _documented(CURSOR, _("Sidmarkör (datum.id) från länken next: raderna efter den.")) = (
        None
    )
    before: _documented(
        CURSOR, _("Sidmarkör (datum.id) från länken previous: raderna före den.")
    ) = None


# A path's id: any digits reach the view (which answers 404 for what is not there).
Id = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})]


# --- Response bodies ---------------------------------------------------------------------

RowId = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1})]
Count = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 0})]
NullableCount = Annotated[int | None, WithJsonSchema({"type": ["integer", "null"], "minimum": 0})]
Url = Annotated[str, WithJsonSchema({"type": "string", "format": "uri"})]
NullableUrl = Annotated[str | None, WithJsonSchema({"type": ["string", "null"], "format": "uri"})]
Date = Annotated[str, WithJsonSchema(DATE)]
NullableDate = Annotated[str | None, WithJsonSchema({"type": ["string", "null"], "format": "date"})]
Position = Annotated[int | None, WithJsonSchema({"type": ["integer", "null"], "minimum": 1})]
Kind = Annotated[
    str,
    WithJsonSchema({"type": "string", "enum": list(AnnotationKind.values)}, mode="serialization"),
    Field(description=_("Anteckningens typ.")),
]


class Closed(Schema):
    """Every property listed is present (unless it has a default), no others."""

    model_config = ConfigDict(extra="forbid")


class BodyRef(Closed):
    slug: str
    name: str
    short_name: str


class PartyRef(Closed):
    abbreviation: str
    name: str
    slug: str


class Signatory(Closed):
    name: str
    slug: str
    party: str | None = Field(description=_("Partiets förkortning."))


MinutesUrl = Field(
    description=_("Länk till det officiella, publicerade protokollet; tom om den inte är känd.")
)


class MeetingLink(Closed):
    id: RowId
    date: Date
    url: Url
    api_url: Url
    source_url: str = MinutesUrl


class ItemRef(Closed):
    number: Position
    paragraph: Position
    title: str
    case_number: str


class Annotation(Closed):
    id: RowId
    url: Url = Field(description=_("Permanent länk till anteckningens sida."))
    api_url: Url
    kind: Kind
    kind_label: str
    date: Date = Field(description=_("Sammanträdets datum."))
    body: BodyRef
    meeting: MeetingLink
    item: ItemRef
    parties: list[PartyRef]
    signatories: list[Signatory]
    text: str = Field(description=_("Ordagrant som i protokollet."))
    source: str = Field(
        description=_("Källa som registratorn angett, när den är en webbadress; annars tom.")
    )
    withdrawn_at: Annotated[
        str | None, WithJsonSchema({"type": ["string", "null"], "format": "date-time"})
    ] = Field(description=_("När anteckningen återkallades, annars null."))
    withdrawal_reason: str | None = Field(description=_("Skälet till återkallelsen, annars null."))
    corrected_at: Annotated[
        str | None, WithJsonSchema({"type": ["string", "null"], "format": "date-time"})
    ] = Field(
        description=_(
            "När texten, typen, ärendet, partierna eller undertecknarna senast rättades efter "
            "publiceringen, annars null."
        )
    )
    # Only when searching (absent otherwise: the operations leave out what is not set).
    snippet: str = Field(
        None, description=_("Utdrag kring träffarna, som ren text (bara vid sökning).")
    )
    rank: float = Field(None, description=_("Relevans (bara vid sökning)."))


class Page(Closed):
    """The envelope every paginated list shares (see views.page_payload)."""

    count: NullableCount = Field(description=_("Antalet träffar, exakt; null om okänt."))
    count_exact: bool = Field(description=_("Om count är det exakta antalet."))
    count_at_least: Count = Field(
        description=_("Minst så många träffar finns (lika med count när det är känt).")
    )
    count_estimate: NullableCount = Field(
        description=_("Databasens uppskattning när antalet inte är känt, annars null.")
    )
    ranked_among: NullableCount = Field(
        description=_(
            "Vid sortering efter relevans i ett stort sökresultat: så många av de nyaste "
            "träffarna rankas och listas (sort=newest listar alla). Null när alla listas."
        )
    )
    page: Position
    page_size: Annotated[
        int, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": API_MAX_PAGE_SIZE})
    ]
    num_pages: Position
    next: NullableUrl
    previous: NullableUrl


class AnnotationPage(Page):
    results: list[Annotation]


class Appeal(Closed):
    """Justering, the notice on the anslagstavla and the appeal deadline (notes.appeals)."""

    state: Annotated[
        str,
        WithJsonSchema(
            {
                "type": "string",
                "enum": ["inte_justerat", "okand", "troligen_utgangen", "pagar", "utgangen"],
            }
        ),
    ] = Field(
        description=_(
            "inte_justerat: protokollet är inte justerat (högst 14 dagar efter sammanträdet); "
            "okand: arkivet vet inte när justeringen tillkännagavs; troligen_utgangen: det vet "
            "arkivet inte heller, men tiden har gått ut om lagens dagar hölls; pagar: kan "
            "överklagas till och med deadline; utgangen: tiden gick ut deadline."
        )
    )
    attested_on: NullableDate = Field(description=_("Dagen då protokollet justerades."))
    posted_on: NullableDate = Field(
        description=_("Dagen då justeringen tillkännagavs på anslagstavlan.")
    )
    taken_down_on: NullableDate = Field(description=_("Dagen då anslaget togs ned, om känt."))
    deadline: NullableDate = Field(
        description=_(
            "Sista dagen ett överklagande (laglighetsprövning) kan komma in: tre veckor från "
            "anslaget, flyttad till nästa vardag. För okand och troligen_utgangen: den senaste "
            "den kan vara om protokollet justerades och anslogs i tid."
        )
    )
    minutes_kept_at: str = Field(description=_("Var originalprotokollet förvaras; tom om okänt."))


class Meeting(Closed):
    id: RowId
    date: Date
    url: Url
    api_url: Url
    body: BodyRef
    location: str = Field(description=_("Var sammanträdet hölls; tom om det inte är känt."))
    source_url: str = MinutesUrl
    annotation_count: Count
    appeal: Appeal


class MeetingPage(Page):
    results: list[Meeting]


class LinkedAnnotation(Closed):
    id: RowId
    kind: Kind
    url: Url
    api_url: Url


class Ballot(Closed):
    name: str
    party: str | None
    choice: Annotated[str, WithJsonSchema({"type": "string", "enum": ["ja", "nej", "avstar"]})]


class Vote(Closed):
    position: Position = Field(description=_("Omröstningens ordning i ärendet, från 1."))
    question: str = Field(description=_("Vad ja och nej står för, som protokollet säger."))
    yes: NullableCount
    no: NullableCount
    abstain: NullableCount
    result: str
    parties: dict[str, list[str]] = Field(
        description=_("Partier per sida (ja, nej, avstar), där protokollet anger dem så.")
    )
    ballots: list[Ballot] = Field(
        description=_("Ledamöternas röster, där protokollet namnger dem.")
    )


class AgendaItem(Closed):
    id: RowId
    url: Url
    number: Position
    paragraph: Position
    title: str
    case_number: str
    decision: str = Field(description=_("Beslutet, som protokollet anger det; tomt om okänt."))
    annotations: list[LinkedAnnotation]
    votes: list[Vote]


class MeetingDetail(Meeting):
    items: list[AgendaItem]


class Party(PartyRef):
    colour: Annotated[str, WithJsonSchema({"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"})]
    url: Url
    notes_url: Url
    annotation_count: Count


class PartyList(Closed):
    count: Count
    results: list[Party]


class Body(BodyRef):
    kind: str
    kind_label: str
    meeting_count: Count
    meetings_url: Url


class BodyList(Closed):
    count: Count
    results: list[Body]


class Index(Closed):
    notes: Url
    meetings: Url
    parties: Url
    bodies: Url
    notice_board: Url
    openapi: Url


class Notice(Closed):
    id: RowId
    date: Date = Field(description=_("Sammanträdets datum."))
    url: Url
    api_url: Url
    body: BodyRef
    source_url: str = MinutesUrl
    appeal: Appeal


class NoticeBoard(Closed):
    today: Date = Field(description=_("Dagen listan gäller (arkivets lokala datum)."))
    count: Count
    results: list[Notice]


class FieldError(Closed):
    field: str | None = Field(description=_("Frågeparametern som felet gäller."))
    message: str


class Errors(Closed):
    errors: Annotated[list[FieldError], Field(min_length=1)]


class Detail(Closed):
    detail: str
