"""An annotation as the API gives it (one object, the same in lists and by id), and the
small objects it is made of.

The rows' parties and signatories are the arrays notes.queries.annotations.for_api() reads
with them; their URLs are filled in from routes reversed once per answer (Links).
"""

from __future__ import annotations

from django.urls import reverse

from notes.models import Annotation, Body, Party
from notes.queries import search
from notes.values import public_source


def absolute(request, path: str) -> str:
    """Absolute URLs, so a client can follow links without knowing where the API lives."""
    return request.build_absolute_uri(path)


def body_data(body: Body) -> dict:
    return {"slug": body.slug, "name": body.name, "short_name": body.short_name}


def party_data(party: Party) -> dict:
    return {"abbreviation": party.abbreviation, "name": party.name, "slug": party.slug}


def plain_snippet(snippet: str | None) -> str:
    """The search snippet without its highlight markers: plain text, for any client to mark."""
    return (snippet or "").replace(search.MARK_START, "").replace(search.MARK_STOP, "")


class Links:
    """Absolute URLs for the rows of one answer: each route reversed once, then filled in
    with each row's id (a hundred reverse() calls a page took 4 ms)."""

    _MARK = 9081726354

    def __init__(self, request):
        self.origin = request.build_absolute_uri("/")[:-1]
        self.routes: dict[str, tuple[str, str]] = {}

    def __call__(self, name: str, pk: int) -> str:
        route = self.routes.get(name)
        if route is None:
            before, after = reverse(name, args=[self._MARK]).split(str(self._MARK))
            route = self.routes[name] = (self.origin + before, after)
        return f"{route[0]}{pk}{route[1]}"


def annotation_data(
    request, annotation: Annotation, searching: bool = False, links: Links | None = None
) -> dict:
    """One annotation with everything needed to cite it; the text exactly as in the minutes.
    Its parties and signatories are the arrays for_api() read with it."""
    link = links or Links(request)
    row = vars(annotation)  # with for_api()'s arrays
    item = annotation.item
    meeting = item.meeting
    data = {
        "id": annotation.pk,
        "url": link("notes:annotation_detail", annotation.pk),
        "api_url": link("notes:api_note_detail", annotation.pk),
        "kind": annotation.kind,
        "kind_label": str(annotation.get_kind_display()),
        "date": annotation.date.isoformat(),
        "body": body_data(meeting.body),
        "meeting": {
            "id": meeting.pk,
            "date": meeting.date.isoformat(),
            "url": link("notes:meeting_detail", meeting.pk),
            "api_url": link("notes:api_meeting_detail", meeting.pk),
            "source_url": meeting.source_url,
        },
        "item": {
            "number": item.number,
            "paragraph": item.paragraph,
            "title": item.title,
            "case_number": item.case_number,
        },
        "parties": [
            {"abbreviation": p["abbreviation"], "name": p["name"], "slug": p["slug"]}
            for p in row["row_parties"]
        ],
        "signatories": [
            {"name": p["name"], "slug": p["slug"], "party": p["party"]} for p in row["row_people"]
        ],
        "text": annotation.text,
        "source": public_source(annotation.source),
        # Withdrawn annotations stay readable by id, saying when and why (never in lists).
        "withdrawn_at": annotation.withdrawn_at.isoformat() if annotation.withdrawn_at else None,
        "withdrawal_reason": annotation.withdrawal_reason or None,
        "corrected_at": annotation.corrected_at.isoformat() if annotation.corrected_at else None,
    }
    if searching:
        data["snippet"] = plain_snippet(getattr(annotation, "snippet", ""))
        data["rank"] = float(getattr(annotation, "rank", 0.0) or 0.0)
    return data
