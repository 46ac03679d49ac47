"""The JSON API: same results as the pages, every field, paging, errors, schema, query counts."""

import json
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signals
from django.db import close_old_connections, connection
from django.db.models import Count
from django.test.utils import CaptureQueriesContext

from notes.models import AnnotationKind, Ballot, Body, Party, Vote
from notes.queries import pagination
from notes.web.api import api
from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    PersonFactory,
    make_archive,
    party,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(sample_annotation):
    """The real sample plus made-up annotations that differ in every filtered field."""
    return make_archive(
        sample_annotation,
        reservation_text="Vi reserverar oss till förmån för vårt eget förslag om kriminella gäng.",
    )


def get_json(client, url, params=None, status=200):
    """A GET that must answer JSON with the given status and the open-data CORS header."""
    response = client.get(url, params or {})
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def html_ids(client, params):
    response = client.get("/notes/", params, follow=True)  # empty values: one redirect
    assert response.status_code == 200
    return [a.pk for a in response.context["page"].object_list]


def api_ids(client, params):
    data = get_json(client, "/api/notes/", {**params, "page_size": 100})
    return [row["id"] for row in data["results"]]


# --- The same query language as /notes/ ---------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"item": "22"},
        {"party": "s"},
        {"party": ["S", "SD"]},
        {"party": "V", "kind": "reservation", "body": "kommunfullmaktige"},
        {"body": "kommunstyrelsen"},
        {"case": "ks-2019/45"},
        {"date_after": "2021-05-05"},
        {"date_after": "2019-01-01", "date_before": "2021-12-31", "sort": "oldest"},
        {"q": "kriminella"},
        {"q": "kriminella", "sort": "oldest"},
        {"q": "Vårby"},
        {"q": "ärende 22"},
        {"item": "7", "party": "S"},
        {"item": "", "party": "", "q": ""},
    ],
)
def test_results_equal_the_html_list(client, settings, archive, params):
    settings.PAGE_SIZE = 1000
    expected = html_ids(client, params)
    assert api_ids(client, params) == expected


def test_results_equal_the_html_list_over_many_rows(client, settings, archive):
    settings.PAGE_SIZE = 1000
    for n in range(30):
        AnnotationFactory(text=f"Fritidsgårdar i Skogås, del {n}.", parties=[party("S")])
    for params in ({}, {"party": "S"}, {"q": "fritidsgårdar"}, {"sort": "oldest"}):
        assert api_ids(client, params) == html_ids(client, params)


# --- Content --------------------------------------------------------------------------------


def test_every_field_of_the_sample(client, archive):
    sample = archive["sample"]
    data = get_json(client, f"/api/notes/{sample.pk}/")
    meeting = sample.item.meeting
    assert data == {
        "id": sample.pk,
        "url": f"http://testserver/notes/{sample.pk}/",
        "api_url": f"http://testserver/api/notes/{sample.pk}/",
        "kind": "protokollsanteckning",
        "kind_label": "Protokollsanteckning",
        "date": "2021-05-05",
        "body": {"slug": "kommunstyrelsen", "name": "Kommunstyrelsen", "short_name": "KS"},
        "meeting": {
            "id": meeting.pk,
            "date": "2021-05-05",
            "url": f"http://testserver/meetings/{meeting.pk}/",
            "api_url": f"http://testserver/api/meetings/{meeting.pk}/",
            "source_url": "",
        },
        "item": {
            "number": 22,
            "paragraph": sample.item.paragraph,
            "title": sample.item.title,
            "case_number": sample.item.case_number,
        },
        "parties": [
            {"abbreviation": "S", "name": "Socialdemokraterna", "slug": "socialdemokraterna"}
        ],
        "signatories": [
            {"name": "Sara Heelge Vikmång", "slug": "sara-heelge-vikmang", "party": "S"}
        ],
        "text": sample.text,
        "source": "",  # an import's file name is not public
        "withdrawn_at": None,
        "withdrawal_reason": None,
        "corrected_at": None,
    }
    assert data["item"]["title"].startswith("Huddinge kommuns preventionsarbete")
    # Verbatim: the typographic quote and the paragraph breaks are kept.
    assert data["text"].startswith("Huddinge är i många avseenden en trygg och säker kommun")
    assert "civilsamhället.”\n\nVi vet nämligen" in data["text"]
    # The list gives the same object as the detail.
    listed = get_json(client, "/api/notes/", {"item": 22, "party": "S"})["results"]
    assert listed == [data]


def test_search_adds_a_plain_text_snippet_and_rank(client, archive):
    data = get_json(client, "/api/notes/", {"q": "kriminella"})
    assert data["count"] == 2
    for row in data["results"]:
        assert "kriminella" in row["snippet"]
        assert "<" not in row["snippet"] and "\ue000" not in row["snippet"]
        assert isinstance(row["rank"], float) and row["rank"] > 0
    unsearched = get_json(client, "/api/notes/")["results"]
    assert all("snippet" not in row and "rank" not in row for row in unsearched)


def test_text_with_markup_comes_back_unchanged(client, db):
    hostile = AnnotationFactory(text='<script>alert("x")</script> & <b>fet</b>')
    data = get_json(client, f"/api/notes/{hostile.pk}/")
    assert data["text"] == '<script>alert("x")</script> & <b>fet</b>'


def test_index_links_everything(client, db):
    data = get_json(client, "/api/")
    assert data == {
        "notes": "http://testserver/api/notes/",
        "meetings": "http://testserver/api/meetings/",
        "parties": "http://testserver/api/parties/",
        "bodies": "http://testserver/api/bodies/",
        "notice_board": "http://testserver/api/anslagstavla/",
        "openapi": "http://testserver/api/openapi.json",
    }


def test_meetings_list_and_filters(client, archive):
    data = get_json(client, "/api/meetings/")
    assert [m["date"] for m in data["results"]] == ["2023-09-20", "2021-05-05", "2019-03-11"]
    assert data["results"][1]["body"]["slug"] == "kommunstyrelsen"
    assert data["results"][1]["annotation_count"] == 1
    kf = get_json(client, "/api/meetings/", {"body": "kommunfullmaktige"})["results"]
    assert [m["body"]["name"] for m in kf] == ["Kommunfullmäktige"]
    ranged = get_json(
        client, "/api/meetings/", {"date_after": "2020-01-01", "date_before": "2022-01-01"}
    )
    assert [m["date"] for m in ranged["results"]] == ["2021-05-05"]


def test_meeting_detail_lists_items_with_their_annotations(client, archive):
    sample = archive["sample"]
    meeting = sample.item.meeting
    AgendaItemFactory(meeting=meeting, number=23, title="Utan anteckningar")
    data = get_json(client, f"/api/meetings/{meeting.pk}/")
    assert data["id"] == meeting.pk and data["date"] == "2021-05-05"
    assert data["body"]["name"] == "Kommunstyrelsen"
    assert [i["number"] for i in data["items"]] == [22, 23]
    assert data["items"][0]["annotations"] == [
        {
            "id": sample.pk,
            "kind": "protokollsanteckning",
            "url": f"http://testserver/notes/{sample.pk}/",
            "api_url": f"http://testserver/api/notes/{sample.pk}/",
        }
    ]
    assert data["items"][1]["annotations"] == []
    get_json(client, "/api/meetings/999999/", status=404)


def test_parties_with_counts_and_bodies(client, archive):
    party("M")  # a party without annotations is listed with 0
    data = get_json(client, "/api/parties/")
    counts = {p["abbreviation"]: p["annotation_count"] for p in data["results"]}
    assert counts == {"S": 1, "V": 2, "SD": 1, "M": 0}
    assert data["count"] == 4
    v = next(p for p in data["results"] if p["abbreviation"] == "V")
    assert v["notes_url"] == "http://testserver/api/notes/?party=V"
    assert v["url"] == "http://testserver/parties/vansterpartiet/"
    bodies = get_json(client, "/api/bodies/")["results"]
    assert [(b["slug"], b["meeting_count"]) for b in bodies] == [
        ("kommunfullmaktige", 1),
        ("kommunstyrelsen", 2),
    ]


# --- Paging -----------------------------------------------------------------------------------


def test_pagination_counts_and_links_keep_filters(client, archive):
    first = get_json(client, "/api/notes/", {"party": ["S", "V"], "page_size": 2})
    assert (first["count"], first["page"], first["page_size"], first["num_pages"]) == (3, 1, 2, 2)
    assert first["previous"] is None
    assert len(first["results"]) == 2
    link = urlsplit(first["next"])
    assert link.path == "/api/notes/"
    assert parse_qs(link.query) == {"party": ["S", "V"], "page_size": ["2"], "page": ["2"]}

    second = get_json(client, first["next"])
    assert (second["page"], second["next"]) == (2, None)
    assert len(second["results"]) == 1
    assert parse_qs(urlsplit(second["previous"]).query)["page"] == ["1"]
    all_ids = [r["id"] for r in first["results"] + second["results"]]
    assert all_ids == api_ids(client, {"party": ["S", "V"]})


def test_default_page_size_and_empty_result(client, db):
    data = get_json(client, "/api/notes/")
    assert (data["count"], data["page"], data["page_size"], data["num_pages"]) == (0, 1, 25, 1)
    assert data["results"] == [] and data["next"] is None


@pytest.mark.parametrize("url", ["/api/notes/", "/api/meetings/"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-3"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
    ],
)
def test_bad_paging_is_a_400(client, archive, url, params, field):
    data = get_json(client, url, params, status=400)
    assert data["errors"][0]["field"] == field
    assert data["errors"][0]["message"]


@pytest.mark.parametrize("url", ["/api/notes/", "/api/meetings/"])
def test_page_past_the_end_is_a_404(client, archive, url):
    data = get_json(client, url, {"page": "999999"}, status=404)
    assert "1 sidor" in data["detail"]


# --- Errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"date_after": "2021-13-45"}, "date_after", "ÅÅÅÅ-MM-DD"),
        ({"date_before": "5 maj"}, "date_before", "ÅÅÅÅ-MM-DD"),
        ({"item": "abc"}, "item", "tal"),
        ({"item": "-3"}, "item", "1"),
        ({"party": "XX"}, "party", "XX"),
        ({"kind": "skvaller"}, "kind", "skvaller"),
        ({"body": "finns-inte"}, "body", "finns-inte"),
        ({"date_after": "2022-01-01", "date_before": "2021-01-01"}, "date_before", "före"),
        ({"q": "x" * 300}, "q", "200"),
        ({"case": "KS\x00"}, "case", ""),
    ],
)
def test_bad_filter_input_is_a_400_with_messages(client, archive, params, field, message):
    data = get_json(client, "/api/notes/", params, status=400)
    assert [e["field"] for e in data["errors"]] == [field]
    assert message in data["errors"][0]["message"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"body": "finns-inte"}, "body"),
        ({"date_after": "igår"}, "date_after"),
        ({"date_after": "2022-01-01", "date_before": "2021-01-01"}, "date_before"),
    ],
)
def test_bad_meeting_filters_are_a_400(client, archive, params, field):
    data = get_json(client, "/api/meetings/", params, status=400)
    assert [e["field"] for e in data["errors"]] == [field]


@pytest.mark.parametrize(
    "url", ["/api/notes/999999/", "/api/meetings/999999/", "/api/nothing/", "/api/notes/abc/"]
)
def test_missing_is_a_json_404(client, db, url):
    data = get_json(client, url, status=404)
    assert data["detail"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_writes_are_a_json_405(client, db, method):
    response = getattr(client, method)("/api/notes/")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert method.upper() in response.json()["detail"]


def test_head_is_allowed(client, archive):
    response = client.head("/api/notes/")
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "*"


def test_parties_and_signatories_keep_their_entered_order_and_each_signatorys_party(client, db):
    """Read as arrays of the annotation's own row (for_api), not prefetched: entered order,
    names as written, a signatory without a party has null."""
    s, v, m = party("S"), party("V"), party("M")
    people = [
        PersonFactory(name="Östen Å", party=v),
        PersonFactory(party=None),
        PersonFactory(party=s),
    ]
    note = AnnotationFactory(parties=[v, m, s], signatories=people)
    data = get_json(client, f"/api/notes/{note.pk}/")
    assert [p["abbreviation"] for p in data["parties"]] == ["V", "M", "S"]
    assert data["parties"][1] == {"abbreviation": "M", "name": m.name, "slug": m.slug}
    assert data["signatories"] == [
        {"name": "Östen Å", "slug": people[0].slug, "party": "V"},
        {"name": people[1].name, "slug": people[1].slug, "party": None},
        {"name": people[2].name, "slug": people[2].slug, "party": "S"},
    ]
    assert get_json(client, "/api/notes/")["results"] == [data]


# --- Query counts -----------------------------------------------------------------------------


def _many(n):
    s, v = party("S"), party("V")
    for i in range(n):
        AnnotationFactory(
            text=f"Fritidsgårdar i Skogås, anteckning {i}.",
            parties=[s, v],
            signatories=[PersonFactory(party=s), PersonFactory(party=v)],
        )


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/notes/", {}),
        ("/api/notes/", {"q": "fritidsgårdar", "party": "S", "sort": "relevance"}),
        ("/api/notes/", {"party": ["S", "V"], "item": "", "kind": "protokollsanteckning"}),
        ("/api/meetings/", {}),
        ("/api/parties/", {}),
        ("/api/bodies/", {}),
    ],
)
def test_query_count_does_not_grow_with_rows(
    client, db, django_assert_max_num_queries, url, params
):
    def queries_for(rows):
        _many(rows)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url, {**params, "page_size": 100})
        assert response.status_code == 200
        assert response.json()["results"]
        return len(captured)

    few = queries_for(2)
    many = queries_for(60)
    assert few == many
    # 9: a party filter looks the parties' ids up first (notes.queries.filters.filter_party);
    # a search asks the planner how many hits it expects, then reads them all under a
    # timeout of their own (savepoint, set, work_mem, read, reset, release:
    # notes.queries.annotations.tally).
    with django_assert_max_num_queries(15 if params.get("sort") == "relevance" else 9):
        client.get(url, params)


def test_meeting_detail_query_count_is_fixed(client, db, django_assert_max_num_queries):
    item = AgendaItemFactory()
    for n in range(10):
        other = AgendaItemFactory(meeting=item.meeting, number=100 + n)
        AnnotationFactory(item=other)
        AnnotationFactory(item=item, text=f"Anteckning {n}.")
        vote = Vote.objects.create(item=other, yes=n, no=1, abstain=0)
        Ballot.objects.create(vote=vote, choice="ja", party=party("S"))
    # The meeting, its items, their annotations, votes and the votes' ballots.
    with django_assert_max_num_queries(6):
        data = get_json(client, f"/api/meetings/{item.meeting.pk}/")
    assert sum(len(i["annotations"]) for i in data["items"]) == 20
    assert sum(len(i["votes"]) for i in data["items"]) == 10


# --- The OpenAPI document ---------------------------------------------------------------------


def test_openapi_document_is_valid(client, db):
    from openapi_spec_validator import validate

    document = get_json(client, "/api/openapi.json")
    validate(document)
    assert document["servers"] == [{"url": "/"}]
    party_parameter = document["components"]["parameters"]["party"]
    assert party_parameter["schema"]["type"] == "array"
    assert (party_parameter["style"], party_parameter["explode"]) == ("form", True)
    operations = {path: set(ops) for path, ops in document["paths"].items()}
    assert set(operations) == {
        "/api/",
        "/api/notes/",
        "/api/notes/{id}/",
        "/api/meetings/",
        "/api/meetings/{id}/",
        "/api/parties/",
        "/api/bodies/",
        "/api/anslagstavla/",
        "/api/openapi.json",
    }


def test_openapi_document_is_generated_from_the_code(client, archive):
    """Enumerations from the database and the code, the page-size limit, 429 everywhere."""
    party("M")  # a party added after start-up is listed: the document is built per request
    document = get_json(client, "/api/openapi.json")
    parameters = document["components"]["parameters"]
    abbreviations = Party.objects.order_by("abbreviation").values_list("abbreviation", flat=True)
    assert parameters["party"]["schema"]["items"]["enum"] == list(abbreviations)
    slugs = Body.objects.order_by("slug").values_list("slug", flat=True)
    assert parameters["body"]["schema"]["enum"] == list(slugs)
    assert parameters["kind"]["schema"]["enum"] == list(AnnotationKind.values)
    assert parameters["sort"]["schema"]["enum"] == ["relevance", "newest", "oldest"]
    assert parameters["page_size"]["schema"]["maximum"] == pagination.API_MAX_PAGE_SIZE
    assert parameters["page_size"]["schema"]["default"] == pagination.API_PAGE_SIZE
    for path, path_item in document["paths"].items():
        assert set(path_item) == {"get"}, path  # HEAD is GET without the body
        too_many = path_item["get"]["responses"]["429"]
        assert "Retry-After" in too_many["headers"], path
        assert too_many["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Detail"
        }


def test_ninja_validation_errors_are_a_400_like_the_forms(rf):
    from ninja.errors import ValidationError

    error = ValidationError([{"loc": ("query", "page"), "msg": "Fel.", "type": "x"}])
    response = api.on_exception(rf.get("/api/notes/"), error)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"errors": [{"field": "page", "message": "Fel."}]}


@pytest.fixture
def wsgi_app():
    """Django's real WSGI app, talking to the test database in this thread's transaction.

    Django closes "old" connections at every request's start and end; inside the test's
    transaction that would close the test's own connection, so the test client's trick is
    repeated here: those two signal handlers are off while the test runs.
    """
    from django.core.wsgi import get_wsgi_application

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


def _exercise(operation, app, calls: Counter, statuses: Counter) -> None:
    """Up to 25 generated requests to one operation, each response checked against the schema."""
    from hypothesis import HealthCheck, given, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        response = case.call(app=app)
        calls[operation.label] += 1
        statuses[response.status_code] += 1
        case.validate_response(response, checks=checks)

    run()


def test_every_operation_against_the_schema(archive, wsgi_app):
    """Schemathesis generates inputs for every operation; no 5xx, every response as documented."""
    import schemathesis

    schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
    calls, statuses = Counter(), Counter()
    for result in schema.get_all_operations():
        _exercise(result.ok(), wsgi_app, calls, statuses)

    assert len(calls) == 9, calls
    assert all(n > 0 for n in calls.values()), calls
    assert statuses[200] > 0 and statuses[400] > 0 and statuses[404] > 0, statuses
    assert not any(code >= 500 for code in statuses), statuses


def test_hand_checked_sample_matches_the_documented_schema(client, archive):
    """The sample's JSON, every field checked above, also validates against the document."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    resource = Resource.from_contents(api.get_openapi_schema(), default_specification=DRAFT202012)
    registry = Registry().with_resource("urn:api", resource)
    validator = Draft202012Validator(
        {"$ref": "urn:api#/components/schemas/Annotation"}, registry=registry
    )
    validator.validate(get_json(client, f"/api/notes/{archive['sample'].pk}/"))
    searched = get_json(client, "/api/notes/", {"q": "kriminella"})["results"][0]
    validator.validate(searched)


def test_party_counts_match_the_database(client, archive):
    expected = dict(Party.objects.annotate(n=Count("annotations")).values_list("abbreviation", "n"))
    data = get_json(client, "/api/parties/")
    assert {p["abbreviation"]: p["annotation_count"] for p in data["results"]} == expected
