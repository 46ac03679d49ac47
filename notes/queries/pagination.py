"""Pages of a result whose cost does not grow with the archive.

Django's Paginator counts the whole result (`COUNT(*)`) on every page and reaches deep pages
with `OFFSET`; both grow with the archive. Here instead:

- **Bounded count.** At most EXACT_COUNT_LIMIT + 1 ids of the result are read, unordered (the
  cheapest plan: a full-text match reads the GIN index, not the date index). A result within
  the limit is counted exactly and its page is read by those ids, whatever the planner would
  have guessed. A larger result is known to be larger than the limit (a true bound) and
  carries the planner's estimate (one EXPLAIN) for the API's `count_estimate` only; where its
  facets are counted, their kind sum becomes its exact total (notes.queries.annotations).
- **Keyset pages.** A large result in date order is paged with a cursor (`after=` /
  `before=` the date and id of the last / first row shown), with an explicit date bound next
  to the row comparison so the date index is entered at the right place.
- **Numbered pages** are offered while they are cheap: for an exact result, and for the first
  EXACT_COUNT_LIMIT rows of a large one. Relevance order over a large search ranks only its
  newest EXACT_COUNT_LIMIT hits (see `bounded_candidates`).
- **One walk for a search.** Its probe reads the newest EXACT_COUNT_LIMIT + 1 hits in date
  order instead (`newest_hits`): the same rows tell whether it is exact and, when it is not,
  are the candidates to rank, so the date index is not walked a second time. (In date order
  too: an unordered read of a search beside a date range was planned as a scan of the table
  from wherever the last scan stopped, rows in date order, 10 ms or 600 by chance.) The
  walk has NEWEST_WALK_MS; where it runs out, the hits are sparse among the dates, so they are
  read from the word index and sorted instead (NEWEST_SORT_MS), and only where that runs out
  too does the probe fall back to the unordered read.
- **Or no walk at all:** a caller that read every hit of a search once (its exact count and
  newest rows: notes.queries.annotations.tally) passes them in as `known_count` and `hits`.
"""

from __future__ import annotations

import datetime
import json
import re
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import EmptyResultSet
from django.db.models import BigIntegerField, BooleanField, DateField, F, Func, Q, Subquery, Value
from django.db.models.functions import Cast
from django.db.models.sql.where import WhereNode
from django.http import QueryDict
from django.utils import formats
from django.utils.translation import gettext as _

from notes.queries import cache

# A cursor: the date and id of a row, `2021-05-05.1234` (the API documents this pattern).
CURSOR_PATTERN = r"(\d{4}-\d{2}-\d{2})\.(\d{1,18})"
_CURSOR = re.compile(CURSOR_PATTERN)
# The API's page sizes (notes.web.api enforces them and announces them in its OpenAPI
# document); the pages use settings.PAGE_SIZE.
API_PAGE_SIZE = 25
API_MAX_PAGE_SIZE = 100
# The two orders a cursor can follow: (descending, date field).
_KEYSET_ORDERS = {("-date", "-id"): True, ("date", "id"): False}


class PageError(ValueError):
    """The requested page cannot be given; the message says why, for the reader.

    `missing` tells a page that is not there (past the end) from a malformed request.
    """

    def __init__(self, message: str, *, missing: bool = False, field: str = "page"):
        super().__init__(message)
        self.missing = missing
        self.field = field


def exact_count_limit() -> int:
    return settings.EXACT_COUNT_LIMIT


@dataclass
class Window:
    """One page of a result, with what its navigation needs."""

    object_list: list
    per_page: int
    count: int
    exact: bool
    number: int | None = None  # None on a cursor page
    previous_params: dict | None = None
    next_params: dict | None = None
    base_params: dict = field(default_factory=dict)
    ranked_limit: int | None = None  # relevance ranked over this many newest hits only
    ids: list | None = None  # the whole result's ids, when it is exact
    counted: bool = False  # a large result whose count is exact all the same (kept counts)

    @property
    def known(self) -> bool:
        """`count` is the exact total (not an estimate), even if the pages go by cursor."""
        return self.exact or self.counted

    @property
    def exact_limit(self) -> int:
        return exact_count_limit()

    @property
    def num_pages(self) -> int | None:
        if not self.exact:
            return None
        return max(1, -(-self.count // self.per_page))

    def has_previous(self) -> bool:
        return self.previous_params is not None

    def has_next(self) -> bool:
        return self.next_params is not None

    def has_other_pages(self) -> bool:
        return self.has_previous() or self.has_next()

    @property
    def previous_url(self) -> str:
        return self._url(self.previous_params)

    @property
    def next_url(self) -> str:
        return self._url(self.next_params)

    @property
    def first_url(self) -> str:
        return self._url({})

    @property
    def is_first(self) -> bool:
        return self.number == 1

    def _url(self, params: dict | None) -> str:

        if params is None:
            return ""
        query = QueryDict(mutable=True)
        for key, values in self.base_params.items():
            query.setlist(key, values)
        for key, value in params.items():
            query[key] = value
        return "?" + query.urlencode() if query else "?"


def cursor_of(obj) -> str:
    return f"{obj.date.isoformat()}.{obj.pk}"


def parse_cursor(raw: str, name: str) -> tuple[datetime.date, int]:
    match = _CURSOR.fullmatch(raw.strip())
    if match:
        try:
            return datetime.date.fromisoformat(match.group(1)), int(match.group(2))
        except ValueError:
            pass
    raise PageError(_("Sidmarkören är ogiltig. Börja om från första sidan."), field=name)


def estimate_rows(queryset) -> int:
    """The planner's estimate of the result's size: one EXPLAIN, no rows read (none for a
    result known to be empty, such as a search of stop words only)."""
    if queryset.query.is_empty():
        return 0
    rows = queryset.order_by().values("pk")
    try:
        sql, params = rows.query.sql_with_params()
        key = ("estimate", rows.db, sql, repr(params))
    except EmptyResultSet:
        return 0

    def explain() -> int:
        return int(json.loads(rows.explain(format="json"))[0]["Plan"]["Plan Rows"])

    # The same result is estimated by the census's choice and again by the page.
    return cache.for_this_request(key, explain)


class _AnyOf(Func):
    """`column = ANY(%s)`: a list as one array parameter. (`pk__in=ids` prepares and binds
    every id on its own, which over a thousand ids costs more than the query's own work.)"""

    template = "%(expressions)s)"  # joined: `column = ANY(` `%s` `)`
    arg_joiner = " = ANY("
    output_field = BooleanField()


def id_in(ids: list[int]) -> _AnyOf:
    """A filter condition: the row's primary key is one of `ids`. The array is written as one
    text parameter ('{1,2,3}'::bigint[]): as a list, each id was prepared by the field on its
    own (5 ms for a thousand ids, a search's candidates, in each request)."""
    literal = "{" + ",".join(str(int(pk)) for pk in ids) + "}"
    return _AnyOf(F("pk"), Cast(Value(literal), ArrayField(BigIntegerField())))


def among(queryset, ids: list[int]):
    """The rows of `queryset` with these ids, which were read from it a moment ago.

    A search's rows are then selected by their ids and their own public flag alone, not by
    the search's conditions again: given both, the planner ANDed the ids with the word
    index's whole entry for the words (10 ms a page for a common word). Other results keep
    their conditions (their indexes are not read beside the ids)."""
    if not _searching(queryset):
        return queryset.filter(id_in(ids))
    rows = queryset.all()
    rows.query.where = WhereNode()
    return rows.filter(id_in(ids), is_public=True)


def bounded_candidates(queryset, limit: int, newest: list[int] | None = None):
    """A large search in relevance order: rank only its `limit` newest hits (`newest`, their
    ids, when the caller has read them).

    Ranking every hit of a common word costs time in proportion to the archive; the newest
    hits are found by walking the date index and are what readers of minutes look for first.
    """
    if newest is not None:
        return among(queryset, newest[:limit])
    return queryset.filter(pk__in=Subquery(queryset.order_by("-date", "-id").values("pk")[:limit]))


class _Unindexed(Func):
    """`(date + 0)`: the same date, which no index can give in order. Sorting by it makes the
    planner read the hits from the word index and sort them, instead of walking the date
    index for them."""

    template = "(%(expressions)s + 0)"
    output_field = DateField()


def newest_hits(queryset, n: int) -> list[tuple] | None:
    """The result's `n` newest (pk, date) rows, newest first; None when NEWEST_WALK_MS is 0,
    or when neither reading below ends in time.

    First by walking the date index, for at most NEWEST_WALK_MS: fast when the hits are dense
    among the dates. A walk that runs out has found them sparse, so they are few: they are then
    read from the word index and sorted (`_Unindexed`), at a cost in proportion to their
    number, for at most NEWEST_SORT_MS."""
    milliseconds = settings.NEWEST_WALK_MS
    if milliseconds <= 0:
        return None
    # Either running out only chooses the next way to the same rows: the page is no lesser.
    walk = queryset.order_by("-date", "-id").values_list("pk", "date")
    rows = cache.within(milliseconds, lambda: list(walk[:n]), lesser=False)
    if rows is cache.UNAVAILABLE:
        sorted_read = queryset.order_by(_Unindexed("date").desc(), "-id")
        rows = cache.within(
            settings.NEWEST_SORT_MS,
            lambda: list(sorted_read.values_list("pk", "date")[:n]),
            lesser=False,
        )
    return None if rows is cache.UNAVAILABLE else rows


def _searching(queryset) -> bool:
    """Whether the result is a search's (notes.queries.search.search() annotates `rank`)."""
    return "rank" in queryset.query.annotations


def paginate(
    request,
    queryset,
    *,
    per_page: int | None = None,
    page_param: str = "page",
    known_count: int | None = None,
    hits: list[tuple] | None = None,
):
    """The requested page of `queryset` (already ordered) as a Window; PageError if it is not
    there or the request is malformed.

    `known_count`, the result's exact size when the caller has it cheaply (the kept counts,
    notes.queries.facets): above the exact-count limit no ids are read and no estimate is made; the
    count shown is this one, and the pages go by cursor as for any large result. `hits`, the
    result's newest (pk, date) rows (up to the limit + 1, newest first) when the caller read
    them with `known_count` (notes.queries.annotations.tally): no ids are read again."""
    per_page = per_page or settings.PAGE_SIZE
    limit = exact_count_limit()
    params = request.GET
    base = {k: params.getlist(k) for k in params if k not in (page_param, "after", "before")}
    after, before = params.get("after", ""), params.get("before", "")
    raw_number = params.get(page_param, "")
    if sum(bool(x) for x in (after, before, raw_number)) > 1:
        raise PageError(_("Ange antingen sidnummer eller sidmarkör, inte båda."))

    query = queryset.query
    ordering = tuple(query.order_by) or (
        tuple(query.get_meta().ordering) if query.default_ordering else ()
    )
    descending = _KEYSET_ORDERS.get(ordering)
    keyset = descending is not None

    fields = ("pk", "date") if keyset else ("pk",)
    walked = None
    if hits is not None:
        found = walked = list(hits[: limit + 1])
    elif known_count is not None and known_count > limit:
        found = []  # large: reading its first ids unordered would only confirm it
    elif (not keyset or _searching(queryset)) and (
        walked := newest_hits(queryset, limit + 1)
    ) is not None:
        found = walked
    else:
        found = list(queryset.order_by().values_list(*fields)[: limit + 1])
    newest = None if keyset or walked is None else [row[0] for row in walked]
    ids = [row[0] for row in found]
    exact = len(ids) <= limit and not (known_count is not None and known_count > limit)
    ranked_limit = None
    sorted_ids = None
    if exact:
        count = len(ids)
        rows = among(queryset, ids)
        if descending is not None:  # keyset
            # Sorted here, so a numbered page reads just its own rows by primary key.
            found.sort(key=lambda row: (row[1], row[0]), reverse=descending)
            sorted_ids = [row[0] for row in found]
    else:
        if known_count is not None and known_count > limit:
            count = known_count
        else:
            count = max(estimate_rows(queryset), limit + 1)
        rows = queryset
        if not keyset:
            rows = bounded_candidates(queryset, limit, newest)
            ranked_limit = limit

    window = Window([], per_page, count, exact, base_params=base, ranked_limit=ranked_limit)
    window.ids = ids if exact else None
    window.counted = not exact and known_count is not None and known_count > limit
    if after or before:
        if descending is None:  # not keyset
            raise PageError(
                _("Sidmarkörer fungerar bara när resultatet är sorterat på datum."),
                field="after" if after else "before",
            )
        return _keyset_page(window, rows, descending, after, before)
    if sorted_ids is not None:
        rows = (queryset, sorted_ids)
    return _numbered_page(window, rows, raw_number or "1", keyset, page_param)


def _numbered_page(window: Window, rows, raw: str, keyset: bool, page_param: str) -> Window:
    """`rows`: the result's queryset, or (its queryset, all its ids in order) when exact."""
    per_page, limit = window.per_page, exact_count_limit()
    if not raw.isascii() or not raw.isdigit():
        raise PageError(_("Sidnumret måste vara ett heltal."))
    digits = raw.lstrip("0") or "0"
    # Past any page there is (and without reading thousands of digits as a number).
    number = int(digits) if len(digits) <= 9 else 10**9
    if number < 1:
        raise PageError(_("Sidnumret måste vara 1 eller större."))
    num_pages = window.num_pages  # None unless the result is exact
    if num_pages is not None:
        last = num_pages
    elif keyset:  # numbered while they end within the limit; cursors go on from there
        last = max(1, limit // per_page)
    else:  # a ranked search lists exactly its newest `limit` hits, whatever the page size
        last = max(1, -(-limit // per_page))
    if number > last:
        if window.exact:
            raise PageError(
                _("Sidan finns inte: resultatet har %(count)s sidor.") % {"count": last},
                missing=True,
            )
        if not keyset:
            raise PageError(
                _(
                    "Sidan finns inte: relevansordningen omfattar de %(limit)s nyaste "
                    "träffarna. Sortera på datum för att bläddra bland alla."
                )
                % {"limit": formats.number_format(limit, force_grouping=True)},
                missing=True,
            )
        raise PageError(
            _(
                "Sidan ligger för långt in i resultatet. Gå vidare med länken Nästa, "
                "eller avgränsa med datum."
            ),
            missing=True,
        )
    offset = (number - 1) * per_page
    if isinstance(rows, tuple):
        queryset, sorted_ids = rows
        wanted = sorted_ids[offset : offset + per_page + 1]
    elif not keyset and _searching(rows):
        # Ranked by their ids alone, then the page's rows read with their items, meetings
        # and bodies: joined for all thousand candidates before the sort, they cost a
        # third of the ranking's time.
        queryset = rows
        wanted = list(rows.values_list("pk", flat=True)[offset : offset + per_page + 1])
    else:
        queryset, wanted = rows, None
    if wanted is not None:
        by_id = {obj.pk: obj for obj in among(queryset, wanted[:per_page])}
        fetched = [by_id[pk] for pk in wanted[:per_page] if pk in by_id]
        if len(wanted) > per_page:
            fetched.append(None)  # only counted: there is a next page
    else:
        fetched = list(rows[offset : offset + per_page + 1])
    if not fetched and number > 1:
        raise PageError(_("Sidan finns inte: resultatet tog slut tidigare."), missing=True)
    window.object_list = fetched[:per_page]
    window.number = number
    more = len(fetched) > per_page
    if number > 1:
        window.previous_params = {page_param: str(number - 1)}
    if more:
        if window.exact or (not keyset and number < last):
            window.next_params = {page_param: str(number + 1)}
        elif keyset:
            window.next_params = {"after": cursor_of(window.object_list[-1])}
    return window


def _keyset_page(window: Window, rows, descending: bool, after: str, before: str) -> Window:
    per_page = window.per_page
    if after:
        day, pk = parse_cursor(after, "after")
        if descending:
            rows = rows.filter(Q(date__lt=day) | Q(date=day, pk__lt=pk), date__lte=day)
        else:
            rows = rows.filter(Q(date__gt=day) | Q(date=day, pk__gt=pk), date__gte=day)
        fetched = list(rows[: per_page + 1])
        window.object_list = fetched[:per_page]
        if len(fetched) > per_page:
            window.next_params = {"after": cursor_of(window.object_list[-1])}
        if window.object_list:
            window.previous_params = {"before": cursor_of(window.object_list[0])}
        else:
            window.previous_params = {}
        return window
    day, pk = parse_cursor(before, "before")
    # The rows just before the cursor, read in reverse order, then turned the right way.
    if descending:
        rows = rows.filter(Q(date__gt=day) | Q(date=day, pk__gt=pk), date__gte=day)
        rows = rows.order_by("date", "id")
    else:
        rows = rows.filter(Q(date__lt=day) | Q(date=day, pk__lt=pk), date__lte=day)
        rows = rows.order_by("-date", "-id")
    fetched = list(rows[: per_page + 1])
    window.object_list = list(reversed(fetched[:per_page]))
    if len(fetched) > per_page:
        window.previous_params = {"before": cursor_of(window.object_list[0])}
    if window.object_list:
        window.next_params = {"after": cursor_of(window.object_list[-1])}
    return window
