"""The read-only JSON API over the archive: the same query language as the pages, as open data.

django-ninja operations (see notes.web.api.core). The annotation list goes through
`filtered_annotations`, so `/api/notes/?party=S&item=22` selects exactly what
`/notes/?party=S&item=22` shows. Every error is JSON too (400 for bad input, 404 for what is
not there, 405 for writes), never an HTML page, so a script can always read what went wrong.
"""

from __future__ import annotations

import functools
from urllib.parse import urlencode

from django import forms
from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Query

from notes.models import AgendaItem, Annotation, Body, Meeting
from notes.queries import pagination
from notes.queries.annotations import (
    VOTES,
    annotation_facets,
    filtered_annotations,
    for_api,
    parties_with_counts,
    settle_count,
    tally,
)
from notes.queries.board import running_notices
from notes.queries.filters import AnnotationFilterForm
from notes.web.api import schemas
from notes.web.api.appeals import appeal_data
from notes.web.api.core import ApiError, api, json_error, read_only, response_documentation
from notes.web.api.rows import Links, absolute, annotation_data, body_data, party_data

ERRORS = {400: schemas.Errors, 404: schemas.Detail}


def operation(path: str, name: str, operation_id: str, summary, ok, errors=(), ok_text=None):
    """A GET (and HEAD) operation named `notes:<name>`, with its 200 schema, the errors it
    can answer and the rate limit's 429, all in the document."""
    responses = {200: ok, **{status: ERRORS[status] for status in errors}, 429: schemas.Detail}
    documentation = response_documentation(responses)
    if ok_text:
        documentation[200]["description"] = ok_text
    register = api.api_operation(
        ["GET", "HEAD"],
        path,
        url_name=name,
        operation_id=operation_id,
        summary=summary,
        response=responses,
        openapi_extra={"responses": documentation},
    )

    def decorator(view):
        # The body is sent as the view built it, not run through pydantic again: checking a
        # page of 25 annotations against the schema cost about 10 ms a request (bench). The
        # test suite holds the bodies to the schemas instead (schemathesis, test_api.py).
        @functools.wraps(view)
        def as_built(request, *args, **kwargs):
            return api.create_response(request, view(request, *args, **kwargs), status=200)

        return register(as_built)

    return decorator


def form_errors(form) -> list[dict]:
    """A form's errors keyed by query parameter, which is what an API client can act on."""
    return [
        {"field": None if name == "__all__" else name, "message": str(message)}
        for name, messages in form.errors.items()
        for message in messages
    ]


def _positive_int(request, name: str, default: int, maximum: int | None = None) -> int:
    """One paging parameter: an integer from 1 (to maximum); empty means the default."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or value < 1:
        raise ApiError(
            400,
            errors=[{"field": name, "message": _("Ange ett heltal som är 1 eller större.")}],
        )
    if maximum is not None and value > maximum:
        raise ApiError(
            400,
            errors=[{"field": name, "message": _("Högst %(max)s per sida.") % {"max": maximum}}],
        )
    return value


def page_or_error(request, queryset, known_count=None, hits=None):
    """The requested page (notes.queries.pagination); bad `page`/`page_size`/cursor is a 400, a page
    that is not there a 404.

    The pages' page_or_404() raises an HTML 404 for both; an API client needs to tell
    "you asked wrongly" from "there is nothing there", in JSON.
    """
    page_size = _positive_int(
        request, "page_size", pagination.API_PAGE_SIZE, pagination.API_MAX_PAGE_SIZE
    )
    _positive_int(request, "page", 1)
    try:
        return pagination.paginate(
            request, queryset, per_page=page_size, known_count=known_count, hits=hits
        )
    except pagination.PageError as error:
        if error.missing:
            raise ApiError(404, detail=str(error)) from None
        raise ApiError(400, errors=[{"field": error.field, "message": str(error)}]) from None


def page_payload(request, page, results: list) -> dict:
    """The envelope every paginated list shares.

    `count` is the exact total, or null when it is not known; `count_at_least` is always a
    true lower bound (the total when it is known), `count_estimate` the database's estimate
    when the total is not known (else null). A large result has `num_pages` null and `next`
    follows a cursor (`after=`). `ranked_among`: in relevance order, a large search lists its
    newest this many hits, ranked (sort=newest lists them all); null when every hit is listed.
    """

    def link(query: str) -> str | None:
        return absolute(request, request.path + query) if query else None

    return {
        "count": page.count if page.known else None,
        "count_exact": page.known,
        "count_at_least": page.count if page.known else page.exact_limit + 1,
        "count_estimate": None if page.known else page.count,
        "page": page.number,
        "page_size": page.per_page,
        "num_pages": page.num_pages,
        "ranked_among": getattr(page, "ranked_limit", None),
        "next": link(page.next_url),
        "previous": link(page.previous_url),
        "results": results,
    }


# Where everything is, so a client needs to know only /api/.
@operation("/", "api_index", "index", gettext_lazy("Länkar till API:ts delar."), schemas.Index)
def index(request):
    return {
        "notes": absolute(request, reverse("notes:api_note_list")),
        "meetings": absolute(request, reverse("notes:api_meeting_list")),
        "parties": absolute(request, reverse("notes:api_party_list")),
        "bodies": absolute(request, reverse("notes:api_body_list")),
        "notice_board": absolute(request, reverse("notes:api_notice_board")),
        "openapi": absolute(request, reverse("notes:api_openapi")),
    }


# Annotations filtered exactly like /notes/ (the one AnnotationFilter), one page of them.
#
# `filters` and `paging` describe the parameters in the document; the AnnotationFilter
# and page_or_error() read them from request.GET and answer bad ones with their messages.
@operation(
    "/notes/",
    "api_note_list",
    "listNotes",
    gettext_lazy("Anteckningar, filtrerade som på /notes/."),
    schemas.AnnotationPage,
    (400, 404),
)
def note_list(request, filters: Query[schemas.NoteFilters], paging: Query[schemas.Paging]) -> dict:
    annotation_filter, result = filtered_annotations(request.GET)
    if result is None:
        raise ApiError(400, errors=form_errors(annotation_filter.form))
    known = tally(annotation_filter, result)
    page = page_or_error(request, for_api(result), known.count, known.hits)
    if not page.known:  # the page's own (cached) facets: the API's count is the page's
        settle_count(page, annotation_facets(request, annotation_filter, result, page))
    links = Links(request)
    results = [
        annotation_data(request, a, annotation_filter.searching, links) for a in page.object_list
    ]
    return page_payload(request, page, results)


@operation(
    "/notes/{int:id}/",
    "api_note_detail",
    "getNote",
    gettext_lazy("En anteckning."),
    schemas.Annotation,
    (404,),
)
def note_detail(request, id: schemas.Id) -> dict:
    annotation = for_api(Annotation.objects.visible().for_list()).filter(pk=id).first()
    if annotation is None:
        raise ApiError(404, detail=_("Anteckningen finns inte."))
    return annotation_data(request, annotation)


class MeetingFilterForm(AnnotationFilterForm):
    """The meeting list's filters, with the annotation filter's date rules and messages."""

    body = forms.ChoiceField(required=False)
    date_after = forms.DateField(required=False, input_formats=["%Y-%m-%d"])
    date_before = forms.DateField(required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        assert isinstance(body, forms.ChoiceField)
        body.choices = [("", ""), *Body.objects.values_list("slug", "name")]
        for name in ("date_after", "date_before"):
            self.fields[name].error_messages["invalid"] = _("Ange datumet som ÅÅÅÅ-MM-DD.")


def notice_data(request, meeting: Meeting, today) -> dict:
    return {
        "id": meeting.pk,
        "date": meeting.date.isoformat(),
        "url": absolute(request, meeting.get_absolute_url()),
        "api_url": absolute(request, reverse("notes:api_meeting_detail", args=[meeting.pk])),
        "body": body_data(meeting.body),
        "source_url": meeting.source_url,
        "appeal": appeal_data(meeting, today),
    }


def meeting_data(request, meeting: Meeting) -> dict:
    data = notice_data(request, meeting, timezone.localdate())
    return {
        **data,
        "location": meeting.location,
        "annotation_count": meeting.annotation_count,
    }


# Meetings newest first, optionally of one body and within dates (MeetingFilterForm
# reads and checks the parameters that `filters` describes).
@operation(
    "/meetings/",
    "api_meeting_list",
    "listMeetings",
    gettext_lazy("Sammanträden, nyast först."),
    schemas.MeetingPage,
    (400, 404),
)
def meeting_list(
    request, filters: Query[schemas.MeetingFilters], paging: Query[schemas.Paging]
) -> dict:
    form = MeetingFilterForm(request.GET)
    if not form.is_valid():
        raise ApiError(400, errors=form_errors(form))
    meetings = Meeting.objects.published().for_list()
    if form.cleaned_data["body"]:
        meetings = meetings.filter(body__slug=form.cleaned_data["body"])
    if form.cleaned_data["date_after"]:
        meetings = meetings.filter(date__gte=form.cleaned_data["date_after"])
    if form.cleaned_data["date_before"]:
        meetings = meetings.filter(date__lte=form.cleaned_data["date_before"])
    page = page_or_error(request, meetings)
    results = [meeting_data(request, m) for m in page.object_list]
    return page_payload(request, page, results)


# A meeting's agenda items in order, each with links to its annotations.
@operation(
    "/meetings/{int:id}/",
    "api_meeting_detail",
    "getMeeting",
    gettext_lazy("Ett sammanträde med dess ärenden och anteckningar."),
    schemas.MeetingDetail,
    (404,),
)
def meeting_detail(request, id: schemas.Id) -> dict:
    annotations = (
        Annotation.objects.filter(withdrawn_at__isnull=True)
        .only("id", "kind", "item_id")
        .order_by("id")
    )
    items = AgendaItem.objects.order_by("number", "paragraph", "id").prefetch_related(
        Prefetch("annotations", queryset=annotations), *VOTES
    )
    meeting = (
        Meeting.objects.published()
        .for_list()
        .prefetch_related(Prefetch("items", queryset=items))
        .filter(pk=id)
        .first()
    )
    if meeting is None:
        raise ApiError(404, detail=_("Sammanträdet finns inte."))
    data = meeting_data(request, meeting)
    data["items"] = [
        {
            "id": item.pk,
            "url": absolute(request, item.get_absolute_url()),
            "number": item.number,
            "paragraph": item.paragraph,
            "title": item.title,
            "case_number": item.case_number,
            "decision": item.decision,
            "annotations": [
                {
                    "id": a.pk,
                    "kind": a.kind,
                    "url": absolute(request, a.get_absolute_url()),
                    "api_url": absolute(request, reverse("notes:api_note_detail", args=[a.pk])),
                }
                for a in item.annotations.all()
            ],
            "votes": [vote_data(vote) for vote in item.votes.all()],
        }
        for item in meeting.items.all()
    ]
    return data


def vote_data(vote) -> dict:
    """A vote as the protocol gives it: counts, parties per side, named ballots."""
    sides: dict[str, list[str]] = {}
    for ballot in vote.ballots.all():
        if ballot.person_id is None and ballot.party is not None:
            sides.setdefault(ballot.choice, []).append(ballot.party.abbreviation)
    return {
        "position": vote.position,
        "question": vote.question,
        "yes": vote.yes,
        "no": vote.no,
        "abstain": vote.abstain,
        "result": vote.result,
        "parties": sides,
        "ballots": [
            {
                "name": ballot.person.name,
                "party": ballot.party.abbreviation if ballot.party else None,
                "choice": ballot.choice,
            }
            for ballot in vote.named_ballots()
        ],
    }


def _filtered_link(request, name: str, **params) -> str:
    """A list endpoint with one filter set: how a client gets from a party or body to its data."""
    return absolute(request, f"{reverse(name)}?{urlencode(params)}")


# Every party with its number of annotations, including parties with none.
@operation(
    "/parties/",
    "api_party_list",
    "listParties",
    gettext_lazy("Alla partier med antal anteckningar."),
    schemas.PartyList,
)
def party_list(request) -> dict:
    parties = parties_with_counts(request)
    results = [
        {
            **party_data(p),
            "colour": p.colour,
            "url": absolute(request, p.get_absolute_url()),
            "notes_url": _filtered_link(request, "notes:api_note_list", party=p.abbreviation),
            "annotation_count": p.annotation_count,
        }
        for p in parties
    ]
    return {"count": len(results), "results": results}


# Every body with its number of meetings; its slug is the `body` filter's value.
@operation("/bodies/", "api_body_list", "listBodies", gettext_lazy("Alla organ."), schemas.BodyList)
def body_list(request) -> dict:
    bodies = Body.objects.annotate(
        meeting_count=Count("meetings", filter=Q(meetings__published_at__isnull=False))
    ).order_by("name")
    results = [
        {
            **body_data(b),
            "kind": b.kind,
            "kind_label": str(b.get_kind_display()),
            "meeting_count": b.meeting_count,
            "meetings_url": _filtered_link(request, "notes:api_meeting_list", body=b.slug),
        }
        for b in bodies
    ]
    return {"count": len(results), "results": results}


# The anslagstavla (/anslagstavla/): justerade protocols whose appeal period runs today.
@operation(
    "/anslagstavla/",
    "api_notice_board",
    "noticeBoard",
    gettext_lazy("Anslagstavlan: protokoll vars beslut kan överklagas i dag."),
    schemas.NoticeBoard,
)
def notice_board(request) -> dict:
    today = timezone.localdate()
    results = [notice_data(request, m, today) for m, _status in running_notices(today)]
    return {"today": today.isoformat(), "count": len(results), "results": results}


# The API's own description, generated from these operations and notes.web.api.schemas,
# for client generators and for the tests that check it.
@operation(
    "/openapi.json",
    "api_openapi",
    "openapi",
    gettext_lazy("Det här dokumentet."),
    dict,
    ok_text=gettext_lazy("OpenAPI-dokumentet."),
)
def openapi_document(request) -> dict:
    return api.get_openapi_schema()


@read_only
def not_found(request):
    """Unknown paths under /api/ answer in JSON like the rest of the API (a plain Django
    view: its pattern matches any characters, which ninja's path converters do not)."""
    return json_error(404, _("Det finns ingen sådan adress i API:t."))
