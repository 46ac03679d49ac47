"""Votes as CSV for journalists (`/votes.csv`): one row per vote of a published meeting, with
its counts, the parties on each side and the members' named votes; `?body=<slug>` and
`?party=<abbreviation>` narrow it. Semicolons and UTF-8 with BOM, as the annotation export."""

from __future__ import annotations

import csv
import re

from django.db.models import Exists, OuterRef, Prefetch
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from notes.models import Ballot, Body, Party, Vote
from notes.web.exports import LineBuffer, neutralise_formula, site_prefix

COLUMNS = [
    "meeting_date", "body", "paragraph", "item_number", "item_title", "case_number", "item_url",
    "position", "question", "yes", "no", "abstain", "result",
    "parties_yes", "parties_no", "parties_abstain", "named_votes",
]  # fmt: skip
CHUNK = 500
# What a slug and an abbreviation are; anything else (a NUL byte, say) is simply unknown.
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")
ABBREVIATION = re.compile(r"[A-Za-zÅÄÖåäö]{1,10}")


def _row(vote: Vote, prefix: str) -> list:
    item = vote.item
    sides: dict[str, list[str]] = {"ja": [], "nej": [], "avstar": []}
    named_sides: dict[str, list[str]] = {"ja": [], "nej": [], "avstar": []}
    named = []
    for ballot in vote.ballots.all():
        abbreviation = ballot.party.abbreviation if ballot.party else ""
        if ballot.person is None:
            sides[ballot.choice].append(abbreviation)
        else:
            named.append(f"{ballot.person.name} ({abbreviation}): {ballot.choice}")
            if abbreviation and abbreviation not in named_sides[ballot.choice]:
                named_sides[ballot.choice].append(abbreviation)
    if not any(sides.values()):  # only named votes: each side's parties, as the page shows them
        sides = named_sides
    values = [
        item.meeting.date.isoformat(), item.meeting.body.name, item.paragraph or "",
        item.number or "", item.title, item.case_number, prefix + item.get_absolute_url(),
        vote.position, vote.question,
        "" if vote.yes is None else vote.yes, "" if vote.no is None else vote.no,
        "" if vote.abstain is None else vote.abstain, vote.result,
        ", ".join(sides["ja"]), ", ".join(sides["nej"]), ", ".join(sides["avstar"]),
        "; ".join(named),
    ]  # fmt: skip
    return [neutralise_formula(value) for value in values]


def _lines(votes, prefix: str):
    writer = csv.writer(LineBuffer(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow(COLUMNS)
    for vote in votes.iterator(chunk_size=CHUNK):
        yield writer.writerow(_row(vote, prefix))


@require_safe
def votes_csv(request):
    votes = (
        Vote.objects.filter(item__meeting__published_at__isnull=False)
        .select_related("item__meeting__body")
        .prefetch_related(
            Prefetch("ballots", queryset=Ballot.objects.select_related("party", "person"))
        )
        .order_by("-item__meeting__date", "item__paragraph", "item__number", "position", "id")
    )
    slug, abbreviation = request.GET.get("body", ""), request.GET.get("party", "")
    if slug:
        body = Body.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
        if body is None:
            return _bad(_("Okänt organ: %(slug)s") % {"slug": slug[:200].replace("\x00", "")})
        votes = votes.filter(item__meeting__body=body)
    if abbreviation:
        known = ABBREVIATION.fullmatch(abbreviation)
        party = Party.objects.filter(abbreviation__iexact=abbreviation).first() if known else None
        if party is None:
            return _bad(
                _("Okänt parti: %(party)s") % {"party": abbreviation[:10].replace("\x00", "")}
            )
        votes = votes.filter(Exists(Ballot.objects.filter(vote=OuterRef("pk"), party=party)))
    response = StreamingHttpResponse(
        _lines(votes, site_prefix(request)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="omrostningar.csv"'
    return response


def _bad(message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")
