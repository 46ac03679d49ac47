"""The reads behind the public pages and the API: what a view asks for, in one place.

A view binds the request's parameters to `filtered_annotations()` and gets the result; the
result is then paged (`notes.queries.pagination`) and counted (`annotation_facets()`). Every
list, export, feed and API answer goes through the same AnnotationFilter, so they all select
the same annotations for the same query string.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import OuterRef, Prefetch, QuerySet
from django.db.models.functions import JSONObject

from notes.models import (
    AgendaItem,
    Annotation,
    AnnotationQuerySet,
    Attendance,
    Ballot,
    Party,
    entered_order,
)
from notes.queries import cache, facets, pagination
from notes.queries.filters import AnnotationFilter


def filtered_annotations(
    params, queryset=None
) -> tuple[AnnotationFilter, AnnotationQuerySet | None]:
    """The AnnotationFilter bound to `params` (a QueryDict), and its result (None when the
    input is bad; the filter's form then says why)."""
    base = queryset if queryset is not None else Annotation.objects.all()
    annotation_filter = AnnotationFilter(params, queryset=base.public().for_list())
    if not annotation_filter.is_valid():
        return annotation_filter, None
    return annotation_filter, annotation_filter.qs


def known_count(annotation_filter: AnnotationFilter) -> int | None:
    """The exact size of the result when the kept counts can tell it (for dates inside a
    year: the whole years and whole months from them, what is left of a month at each end
    counted), else None."""
    data = annotation_filter.form.cleaned_data
    kept = facets.kept_filter(data)
    if kept:
        return facets.kept_count(kept)
    if (split := facets.kept_split(data)) is not None:
        whole, months, edges = split
        # Each edge on its own: one tight range of the date index each (an OR of two ranges
        # was read as the whole range between them).
        rows = annotation_filter.qs.order_by()
        counted = sum(rows.filter(facets.in_edges([edge])).count() for edge in edges)
        counted += facets.month_count(months) if months else 0
        return counted + (facets.kept_count(whole) if whole else 0)
    return None


@dataclass
class Tally:
    """What is known of a result's size before it is paged: `count`, its exact size (None when
    not known); `hits`, its newest (pk, date) rows, up to EXACT_COUNT_LIMIT + 1, read with
    that count; `facets`, its facet lists from the same read."""

    count: int | None = None
    hits: list[tuple] | None = None
    facets: dict | None = None


def tally(annotation_filter: AnnotationFilter, result, request=None) -> Tally:
    """The kept counts' exact size (known_count), or, for a search the planner expects to
    have at most SEARCH_CENSUS_LIMIT hits, every hit read once (facets.census), under
    SEARCH_CENSUS_MS: its exact count, its newest hits to rank or page, and its facets.

    A search's hits are read from the table (its words are in no covering index), so reading
    them all once costs what the date walk for its newest 1 000 would cost at best, and then
    the walk, the estimate and a second read for the facets are not needed. Where the planner
    misjudged and the read runs out, the page goes on without it (walk, estimate).

    With `request` (a page that shows the facets), a filter the kept counts answer whole is
    counted by its facets (kept_facet_lists): one read for both, cached. So is any other
    list (not a search) whose facets were counted since the archive last changed: a large
    one then needs neither the walk for its first thousand ids nor the planner's estimate."""
    data = annotation_filter.form.cleaned_data
    if request is not None and not facets.is_search(data):
        lists = kept_facet_lists(request, data)
        if lists is None:
            lists = cache.kept(request, "facets", _facet_key(data))
        if isinstance(lists, dict):
            return Tally(sum(row["count"] for row in lists["kind"]), None, lists)
    count = known_count(annotation_filter)
    if count is not None or not facets.is_search(data) or settings.SEARCH_CENSUS_LIMIT <= 0:
        return Tally(count)
    # The same in either order: a count and facets that changed with the sort would
    # contradict each other (the date index would give a date-ordered page without it).
    if pagination.estimate_rows(result) > settings.SEARCH_CENSUS_LIMIT:
        return Tally()
    newest = pagination.exact_count_limit() + 1
    found = cache.within(settings.SEARCH_CENSUS_MS, lambda: facets.census(result, newest))
    if found is cache.UNAVAILABLE:
        return Tally()
    facet_lists, hits = found
    return Tally(sum(row["count"] for row in facet_lists["kind"]), hits, facet_lists)


def party_count(party: Party) -> int:
    """The exact number of the party's public annotations, from the kept counts."""
    where = facets.kept_filter({"party": [party.abbreviation]})
    assert where is not None  # one party and nothing else: the kept counts answer it
    return facets.kept_count(where)


def _facet_key(data: dict) -> list[tuple[str, str]]:
    """The filter's part of a facets cache key: what narrows the result, not its order."""
    return sorted((k, repr(v)) for k, v in data.items() if k != "sort" and v not in (None, "", []))


def kept_facet_lists(request, data: dict):
    """The facets of a filter the kept counts answer whole (facets.kept_filter), cached by
    archive version; None for any other filter. A few thousand kept counts summed, whatever
    the archive's size: even for a small result, whose rows lie anywhere in the table
    (several parties over all the years: reading a thousand of them from disk took 50 ms)."""
    kept = facets.kept_filter(data)
    if kept is None:
        return None
    return cache.cached(request, "facets", _facet_key(data), lambda: facets.kept_facets(kept))


def annotation_facets(
    request, annotation_filter: AnnotationFilter, result, page, counted: dict | None = None
):
    """Facet counts for the result: `counted` when the caller read them already (Tally);
    from the kept counts when the filter allows; over its ids when it is small; otherwise
    counted over the result, cached by archive version and under a timeout of their own,
    unless the result is estimated at over FACET_LIVE_LIMIT rows (then cache.UNAVAILABLE)."""
    if counted is not None:
        # Read with the result itself: never an older "could not count" kept for this filter.
        return counted
    data = annotation_filter.form.cleaned_data
    if (lists := kept_facet_lists(request, data)) is not None:
        return lists
    parts = _facet_key(data)
    if page.exact:
        ids = page.ids
        compute = lambda: facets.facet_counts(Annotation.objects.filter(pk__in=ids))  # noqa: E731
    elif (split := facets.kept_split(data)) is not None:
        # Dates inside a year: the whole years and months kept, what is left of a month at
        # each end counted.
        whole, months, edges = split
        compute = lambda: facets.merged(  # noqa: E731
            facets.kept_facets(whole) if whole else {},
            facets.month_facets(months) if months else {},
            *(facets.facet_counts(result.filter(facets.in_edges([edge]))) for edge in edges),
        )
    elif page.count > settings.FACET_LIVE_LIMIT or (
        facets.is_search(data) and page.count > settings.FACET_LIVE_SEARCH_LIMIT
    ):
        # Counting this many rows (the planner's estimate) would take seconds and most likely
        # run out of FACET_TIMEOUT_MS anyway: the page says to narrow the result instead. A
        # search's rows are read from the table itself (the words are not in any covering
        # index), so its bound is lower.
        return cache.UNAVAILABLE
    else:
        compute = lambda: cache.within(  # noqa: E731
            settings.FACET_TIMEOUT_MS, lambda: facets.facet_counts(result)
        )
    return cache.cached(request, "facets", parts, compute)


def settle_count(page, facet_lists) -> None:
    """A large result whose facets were counted gets their kind sum as its exact total: each
    annotation has exactly one kind, so the total and the facets beside it cannot disagree."""
    if page.known or not isinstance(facet_lists, dict):
        return
    page.count = sum(row["count"] for row in facet_lists.get("kind", []))
    page.counted = True


def parties_with_counts(request) -> list[Party]:
    """Every party by name with `annotation_count` (public ones), cached by archive version."""

    def counts():
        # Summed from the kept counts (FacetCount). (A COUNT ... FILTER (WHERE id IN public)
        # per party was planned as a subquery per link row: minutes at a million annotations.)
        per_party = facets.party_totals()
        parties = list(Party.objects.order_by("name"))
        for party in parties:
            party.annotation_count = per_party.get(party.pk, 0)
        return parties

    return cache.cached(request, "party_counts", (), counts)


def _linked(through) -> QuerySet:
    """An annotation's rows of a link table, in entered order, for an array of its own row."""
    return through.objects.filter(annotation_id=OuterRef("pk")).order_by("id")


def _party_array() -> ArraySubquery:
    links = _linked(Annotation.parties.through)
    fields = {"slug": "party__slug", "name": "party__name", "abbreviation": "party__abbreviation"}
    return ArraySubquery(links.values(json=JSONObject(**fields)))


def for_rows(queryset):
    """The result as the list rows read it: each annotation with its parties (slug, name,
    abbreviation) and signatories' names in entered order as two arrays of its own row
    (`row_parties`, `row_signatories`), not prefetched. Two queries and the prefetch's
    model instances fewer per page (a sixth of a list page's time); the rows
    (notes.templatetags.notes_tags.annotation_rows) read the arrays where they are."""
    signed = _linked(Annotation.signatories.through)
    return queryset.prefetch_related(None).annotate(
        row_parties=_party_array(),
        row_signatories=ArraySubquery(signed.values("person__name")),
    )


def in_force_annotations() -> QuerySet[Annotation]:
    """An item's annotations as its pages show them: in force, in order, with their parties
    and signatories, without the search vector. For `Prefetch("annotations", …)`."""
    return (
        Annotation.objects.filter(withdrawn_at__isnull=True)
        .prefetch_related(entered_order("parties"), entered_order("signatories"))
        .defer("search_vector")
        .order_by("id")
    )


def meeting_with_items(queryset):
    """Published meetings with their items and each item's annotations in force."""
    items = AgendaItem.objects.prefetch_related(
        Prefetch("annotations", queryset=in_force_annotations()), *VOTES
    )
    attendance = Attendance.objects.select_related("person__party").order_by("role", "person__name")
    return queryset.select_related("body").prefetch_related(
        Prefetch("items", queryset=items), Prefetch("attendance", queryset=attendance)
    )


def item_with_annotations(queryset, drafts: bool = False, votes: bool = True):
    """Items of published meetings (`drafts`: of any meeting, for a clerk's preview) with
    their meeting, body and annotations in force (and `votes`, with their ballots)."""
    if not drafts:
        queryset = queryset.filter(meeting__published_at__isnull=False)
    return queryset.select_related("meeting__body").prefetch_related(
        Prefetch("annotations", queryset=in_force_annotations()), *(VOTES if votes else ())
    )


# An item's votes with their ballots' parties and people: three queries for any number.
VOTES = (
    "votes",
    Prefetch("votes__ballots", queryset=Ballot.objects.select_related("party", "person")),
)


def party_votes(party, limit: int = 50) -> list[dict]:
    """How the party voted, newest first: each vote of a published meeting where the party
    or one of its members is recorded, with the choices (a party split shows each)."""
    ballots = (
        Ballot.objects.filter(party=party, vote__item__meeting__published_at__isnull=False)
        .select_related("vote__item__meeting__body")
        .order_by("-vote__item__meeting__date", "vote_id", "id")
    )
    votes: dict[int, dict] = {}
    for ballot in ballots[: limit * 20]:
        entry = votes.setdefault(ballot.vote_id, {"vote": ballot.vote, "choices": Counter()})
        entry["choices"][ballot.get_choice_display()] += 1
        if len(votes) > limit:
            del votes[ballot.vote_id]
            break
    # As (choice, count) pairs: a template would read a Counter's .items as a missing key.
    return [{"vote": e["vote"], "choices": list(e["choices"].items())} for e in votes.values()]


def case_path(item: AgendaItem) -> list[AgendaItem]:
    """Every published item with this item's case number, oldest first: the case's way
    through the bodies."""
    if not item.case_number:
        return []
    path = AgendaItem.objects.filter(case_number__iexact=item.case_number)
    return list(item_with_annotations(path, votes=False).order_by("meeting__date", "id"))


def for_api(queryset):
    """The result as the API gives it: for_rows()'s parties, and each signatory's name, slug
    and party now (`row_people`), as arrays of the row in entered order, without the search
    vector. No prefetch: two queries and their model instances fewer per page."""
    people = _linked(Annotation.signatories.through).values(
        json=JSONObject(
            name="person__name", slug="person__slug", party="person__party__abbreviation"
        )
    )
    return (
        queryset.defer("search_vector")
        .prefetch_related(None)
        .annotate(row_parties=_party_array(), row_people=ArraySubquery(people))
    )


def public_versions(annotation: Annotation) -> list:
    """The versions of a corrected annotation that the public has read, oldest first: the one
    current when its meeting was published and each later one whose text or kind differs
    (history records of link changes alone are left out). The last is the current one."""
    published = annotation.item.meeting.published_at
    if published is None:
        return []
    records = list(
        annotation.history.order_by("history_date", "history_id").only(
            "history_date", "text", "kind", "corrected_at"
        )
    )
    before = [r for r in records if r.history_date <= published]
    shown = before[-1:] + [r for r in records if r.history_date > published]
    versions: list = []
    for record in shown:
        if versions and (versions[-1].text, versions[-1].kind) == (record.text, record.kind):
            continue
        versions.append(record)
    return versions
