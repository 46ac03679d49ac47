"""Pages whose cost does not grow with the archive (notes/pagination.py, notes/cache.py).

EXACT_COUNT_LIMIT is set low here so that a few dozen rows behave like a large archive:
counted by estimate, paged by cursor, ranked over a bounded set of candidates.
"""

import datetime
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import caches
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext

from notes.models import Annotation
from notes.queries import cache, facets
from notes.queries.annotations import filtered_annotations
from notes.queries.pagination import among
from notes.queries.search import order_by_relevance, search
from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    BodyFactory,
    MeetingFactory,
    party,
)

LIMIT = 5
PER_PAGE = 3


@pytest.fixture
def small_limits(settings):
    settings.EXACT_COUNT_LIMIT = LIMIT
    settings.PAGE_SIZE = PER_PAGE


@pytest.fixture
def unkept(monkeypatch):
    """A filter the kept counts cannot answer (say, words or an item number), however simple
    the one in the URL: its facets are counted over the result."""
    monkeypatch.setattr(facets, "kept_filter", lambda cleaned: None)


@pytest.fixture
def rows(db):
    """14 public annotations: three meetings with four each (same date: the cursor must break
    ties by id) and two single ones; plus a draft and a withdrawn one that must never show."""
    v, s = party("V"), party("S")
    # A body of their own: meetings made earlier by the factory's date sequence (default
    # body) must not collide with these dates (one meeting per body and day).
    body = BodyFactory(name="Socialnämnden", short_name="SN", kind="namnd")
    made = []
    for day in (3, 10, 17):
        meeting = MeetingFactory(body=body, date=datetime.date(2022, 5, day))
        for n in range(4):
            item = AgendaItemFactory(meeting=meeting, number=n + 1)
            made.append(AnnotationFactory(item=item, parties=[v if n % 2 else s]))
    for day in (1, 2):
        item = AgendaItemFactory(
            meeting=MeetingFactory(body=body, date=datetime.date(2023, 1, day))
        )
        made.append(AnnotationFactory(item=item, parties=[v], text="Skolan i Vårby behövs."))
    AnnotationFactory(item=AgendaItemFactory(meeting=MeetingFactory(draft=True)))
    withdrawn = AnnotationFactory()
    withdrawn.withdrawn_at = withdrawn.created_at
    withdrawn.withdrawal_reason = "Fel ärende."
    withdrawn.save()
    return made


def newest_first(annotations):
    return [a.pk for a in sorted(annotations, key=lambda a: (a.date, a.pk), reverse=True)]


def shown_ids(response):
    return [a.pk for a in response.context["page"].object_list]


def walk(client, url):
    """Follow the Next links from `url`; the ids of every page, in order, and the pages."""
    ids, pages = [], []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content[:300]
        page = response.context["page"]
        pages.append(page)
        ids += shown_ids(response)
        url = "/notes/" + page.next_url if page.has_next() else None
        assert len(pages) < 20
    return ids, pages


def test_small_result_is_counted_exactly_and_numbered(client, small_limits, rows):
    response = client.get("/notes/?item=1")
    page = response.context["page"]
    assert page.exact and page.count == 3 and page.num_pages == 1
    assert "3 anteckningar" in response.content.decode()
    assert "Ladda ner eller följ:" in response.content.decode()
    assert "per export" not in response.content.decode()


def test_large_result_is_counted_exactly_by_its_facets(client, small_limits, rows):
    # Two parties: a filter the kept counts (FacetCount) cannot count; its facets are counted
    # over the result, and their kind sum is the exact total the page shows.
    response = client.get("/notes/?party=S&party=V")
    page = response.context["page"]
    assert not page.exact and page.known and page.num_pages is None
    assert page.count == len(rows) == sum(r["count"] for r in response.context["facets"]["kind"])
    html = response.content.decode()
    assert f"{len(rows)} anteckningar" in html and "Fler än" not in html
    assert "Sida 1" in html and "Sida 1 av" not in html


def test_large_result_without_facets_shows_a_true_bound_not_an_estimate(
    client, small_limits, rows, settings, unkept
):
    settings.FACET_LIVE_LIMIT = LIMIT  # too large to count its facets
    response = client.get("/notes/?party=S&party=V")
    page = response.context["page"]
    assert not page.known and response.context["facets_unavailable"]
    html = response.content.decode()
    assert f"Fler än {LIMIT} anteckningar</h2>" in html
    assert "uppskatt" not in html
    # It may be larger than an export holds: the page says so beside the export links.
    assert "Ladda ner (högst 100\xa0000 anteckningar per export) eller följ:" in html
    api = client.get("/api/notes/?party=S&party=V&page_size=3").json()
    assert api["count"] is None and api["count_exact"] is False
    assert api["count_at_least"] == LIMIT + 1 and api["count_estimate"] >= 0


@pytest.mark.parametrize("sort", ["", "&sort=newest", "&sort=oldest"])
def test_cursor_pages_visit_every_row_once_in_order(client, small_limits, rows, sort):
    ids, pages = walk(client, "/notes/?party=S&party=V" + sort)
    expected = newest_first(rows)
    if "oldest" in sort:
        expected.reverse()
    assert ids == expected
    assert pages[0].number == 1 and all(p.number is None for p in pages[1:])
    assert all(len(p.object_list) == PER_PAGE for p in pages[:-1])
    # The links after the first page are cursors (date.id), keeping the filter.
    query = parse_qs(urlsplit(pages[0].next_url).query)
    assert query["party"] == ["S", "V"] and re.fullmatch(r"\d{4}-\d\d-\d\d\.\d+", query["after"][0])


def test_previous_links_lead_back_through_the_same_pages(client, small_limits, rows):
    _, pages = walk(client, "/notes/")
    forward = [[a.pk for a in p.object_list] for p in pages]
    back, url = [], "/notes/" + pages[-1].previous_url
    while True:
        response = client.get(url)
        page = response.context["page"]
        back.append(shown_ids(response))
        if not page.has_previous():
            break
        url = "/notes/" + page.previous_url
    # Back from the last page: every earlier page, in reverse (the first one via a cursor).
    assert back == forward[-2::-1]


def test_numbered_pages_stop_where_they_stop_being_cheap(client, small_limits, rows):
    # LIMIT 5, 3 per page: page 1 is numbered; page 2 would start past the exact limit.
    response = client.get("/notes/?page=2")
    assert response.status_code == 404
    assert "Nästa" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    ["after=2022-13-01.5", "after=nonsense", "before=2022-05-03", "after=2022-05-03.1&page=1"],
)
def test_bad_cursor_is_a_404_page_with_reason_and_a_400_in_the_api(
    client, small_limits, rows, query
):
    page = client.get("/notes/?" + query)
    assert page.status_code == 404
    assert "Sidmarkör" in page.content.decode() or "sidmarkör" in page.content.decode()
    api = client.get("/api/notes/?" + query)
    assert api.status_code == 400
    assert json.loads(api.content)["errors"][0]["message"]


def test_relevance_over_a_large_search_ranks_the_newest_hits_only(client, small_limits, rows):
    response = client.get("/notes/?q=fritidsgårdar")  # every row but the two newest
    page = response.context["page"]
    assert not page.exact and page.ranked_limit == LIMIT
    assert "nyaste är sorterade efter relevans" in response.content.decode()
    hits = [a for a in rows if "fritidsgårdar" in a.text]
    newest_hits = set(newest_first(hits)[:LIMIT])
    assert set(shown_ids(response)) <= newest_hits
    # The API says it too, and lists exactly that many.
    api = client.get("/api/notes/", {"q": "fritidsgårdar", "page_size": 2}).json()
    assert api["ranked_among"] == LIMIT
    listed, url = [], "/api/notes/?q=fritidsgårdar&page_size=2"
    while url:
        body = client.get(url).json()
        listed += [r["id"] for r in body["results"]]
        url = body["next"]
    assert len(listed) == LIMIT and set(listed) == newest_hits
    assert client.get("/api/notes/", {"q": "Vårby"}).json()["ranked_among"] is None
    assert client.get("/api/notes/?q=fritidsgårdar&sort=newest").json()["ranked_among"] is None
    # Sorted by date, the same search pages through all its hits.
    ids, _ = walk(client, "/notes/?q=fritidsgårdar&sort=newest")
    assert ids == newest_first(hits)
    # The last ranked page says where the rest are; past it, the 404 says so too.
    last = client.get("/notes/?q=fritidsgårdar&page=2").content.decode()
    assert 'href="?q=fritidsg%C3%A5rdar&amp;sort=newest">Fler träffar finns' in last
    assert "Fler träffar finns" not in client.get("/notes/?q=fritidsgårdar").content.decode()
    past = client.get("/notes/?q=fritidsgårdar&page=3")
    assert past.status_code == 404 and "Sortera på datum" in past.content.decode()


@pytest.mark.parametrize("q", ["fritidsgårdar", "Vårby", "fritidsgårdar -Vårby", "saknas", "och"])
@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_pages_are_the_same_whichever_way_the_hits_are_read(
    client, settings, small_limits, rows, q, sort
):
    """Every hit read once (the census: exact count, newest hits, facets), the date index
    walked for the newest hits, or the unordered probe with its candidates subquery: the
    same pages and ranked set; the census's count is the exact number of hits."""

    def pages(census: int, walk_ms: int):
        settings.SEARCH_CENSUS_LIMIT, settings.NEWEST_WALK_MS = census, walk_ms
        for kept in caches.all():  # no page or facets kept from the other reading
            kept.clear()
        order = {"sort": sort} if sort != "relevance" else {}  # (the default is not in the URL)
        response = client.get("/notes/", {"q": q, **order})
        page = response.context["page"]
        api = client.get("/api/notes/", {"q": q, "page_size": 2, **order}).json()
        return (shown_ids(response), page.exact, page.ranked_limit, ids_of(api)), (page, api)

    census, (page, api) = pages(20_000, 250)
    assert census == pages(0, 250)[0] == pages(0, 0)[0]
    hits = sum(1 for a in rows if q in a.text) if q in ("fritidsgårdar", "Vårby") else None
    if hits is not None:
        assert page.known and page.count == hits and api["count"] == hits


def ids_of(api: dict) -> list[int]:
    return [r["id"] for r in api["results"]]


def test_the_census_reads_every_hit_once_for_count_page_and_facets(
    client, settings, small_limits, rows
):
    """A search whose hits the planner expects to be few reads them once: no walk of the
    date index, no second read for the facets, and the count is exact (not "more than")."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/notes/?q=fritidsgårdar")
    reads = [q["sql"] for q in captured if "MATERIALIZED" in q["sql"]]
    assert len(reads) == 1 and "'newest'" in reads[0]
    searched = [q["sql"] for q in captured if "search_vector" in q["sql"]]
    walks = [sql for sql in searched if "MATERIALIZED" not in sql and "LIMIT 6" in sql]
    assert not walks
    page, facet_lists = response.context["page"], response.context["facets"]
    hits = [a for a in rows if "fritidsgårdar" in a.text]
    assert page.known and page.count == len(hits) > LIMIT
    assert sum(r["count"] for r in facet_lists["kind"]) == len(hits)
    assert f"{len(hits)} anteckningar" in response.content.decode()
    assert set(shown_ids(response)) <= set(newest_first(hits)[:LIMIT])


def test_a_census_that_runs_out_leaves_the_page_to_the_walk(
    client, settings, small_limits, rows, monkeypatch
):
    """The planner expected few hits and was wrong: the read gives up after SEARCH_CENSUS_MS
    and the page is made as without it, from the same transaction."""
    settings.SEARCH_CENSUS_MS = 20
    census = facets.census

    def slow(queryset, newest):
        return census(queryset.extra(where=["(pg_sleep(0.01))::text = ''"]), newest)

    monkeypatch.setattr(facets, "census", slow)
    response = client.get("/notes/?q=fritidsgårdar")
    assert response.status_code == 200
    page = response.context["page"]
    hits = [a for a in rows if "fritidsgårdar" in a.text]
    assert not page.exact and page.ranked_limit == LIMIT
    assert set(shown_ids(response)) <= set(newest_first(hits)[:LIMIT])
    # That lesser page is not kept (nor given an ETag to revalidate): the next request,
    # with time enough, counts the hits, and its page is kept.
    assert not response.has_header("ETag")
    monkeypatch.setattr(facets, "census", census)
    again = client.get("/notes/?q=fritidsgårdar")
    assert again.context is not None, "made anew, not the kept page"
    assert again.context["page"].count == len(hits) and again.has_header("ETag")
    assert f"{len(hits)} anteckningar" in again.content.decode()
    assert client.get("/notes/?q=fritidsgårdar").context is None  # now from the page cache


def test_facets_read_with_the_hits_are_not_masked_by_an_older_timeout(
    client, settings, small_limits, rows
):
    """Facets that ran out of time once are kept as "not counted" for the archive version
    (so that every request does not try again); a census that reads them with the hits
    shows them all the same."""
    caches["archive"].clear()
    settings.SEARCH_CENSUS_LIMIT = 0
    settings.FACET_TIMEOUT_MS = 1
    settings.FACET_LIVE_SEARCH_LIMIT = 10**6

    def slow_facets(request, url):
        return client.get(url).context["facets_unavailable"]

    original = facets.facet_counts
    facets.facet_counts = lambda qs: original(qs.extra(where=["(pg_sleep(0.01))::text = ''"]))
    try:
        assert slow_facets(None, "/notes/?q=fritidsgårdar&sort=newest")
    finally:
        facets.facet_counts = original
    settings.SEARCH_CENSUS_LIMIT = 20_000
    caches["pages"].clear()
    response = client.get("/notes/?q=fritidsgårdar&sort=newest")
    assert not response.context["facets_unavailable"] and response.context["facets"]["kind"]


def test_the_walk_gives_up_in_time_and_restores_the_timeout(settings, rows):
    """A walk slower than NEWEST_WALK_MS (here: a condition that sleeps on every row) is
    abandoned; the transaction goes on, with the statement timeout it had before."""
    from notes.queries.pagination import newest_hits

    settings.NEWEST_WALK_MS = 20
    settings.NEWEST_SORT_MS = 20
    public = Annotation.objects.public()

    def timeout():
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    before = timeout()
    slow = public.extra(where=["(pg_sleep(0.01))::text = ''"])
    assert newest_hits(slow, 4) is None
    assert timeout() == before
    found = newest_hits(public, 4)
    assert found == sorted(public.values_list("pk", "date"), key=lambda r: (r[1], r[0]))[::-1][:4]
    assert timeout() == before
    settings.NEWEST_WALK_MS = 0  # off: always the unordered probe
    assert newest_hits(public, 4) is None


def test_a_walk_that_runs_out_is_followed_by_sorting_the_hits(settings, rows):
    """Where the date index walk runs out of NEWEST_WALK_MS (the hits are sparse among the
    dates), the hits are read without that index and sorted: the same newest rows."""
    from notes.queries.pagination import newest_hits

    public = Annotation.objects.public()
    # Each row read costs 2 ms: four rows by the walk need more than 5 ms, all of them sorted
    # (about 14) fit easily in 5 seconds.
    slow = public.extra(where=["(pg_sleep(0.002))::text = ''"])
    settings.NEWEST_WALK_MS, settings.NEWEST_SORT_MS = 5, 5000
    with CaptureQueriesContext(connection) as captured:
        found = newest_hits(slow, 4)
    expected = sorted(public.values_list("pk", "date"), key=lambda r: (r[1], r[0]))[::-1][:4]
    assert found == expected
    reads = [q["sql"] for q in captured if "pg_sleep" in q["sql"]]
    assert len(reads) == 2 and '"date" + 0) DESC' in reads[1]
    settings.NEWEST_SORT_MS = 5  # and when that runs out too: the unordered probe
    assert newest_hits(slow, 4) is None


def test_a_walk_that_runs_out_does_not_keep_its_page_out_of_the_cache(
    client, settings, small_limits, rows, monkeypatch
):
    """The walk running out only chooses another way to the same rows: unlike a count that
    ran out, it leaves a page as good as any, which is kept and given its ETag."""
    from notes.queries import pagination

    settings.SEARCH_CENSUS_LIMIT = 0
    settings.NEWEST_WALK_MS = 5
    real = pagination.newest_hits

    def slow_walk(queryset, n):
        return real(queryset.extra(where=["(pg_sleep(0.002))::text = ''"]), n)

    monkeypatch.setattr(pagination, "newest_hits", slow_walk)
    response = client.get("/notes/?q=fritidsgårdar")
    assert response.status_code == 200 and response.has_header("ETag")
    assert client.get("/notes/?q=fritidsgårdar").context is None  # from the page cache


def test_the_connection_keeps_bitmaps_exact_and_compiles_nothing(db):
    """Each connection's settings: a search's bitmap of matches stays exact within work_mem
    (DB_WORK_MEM), no query is JIT-compiled, rows out of place are priced as in memory, and
    no join sets up a Memoize cache (its hash table cost more than the lookups it spared)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('work_mem'), current_setting('jit'), "
            "current_setting('random_page_cost'), current_setting('enable_memoize')"
        )
        assert cursor.fetchone() == ("32MB", "off", "1.1", "off")


def test_a_body_is_compared_in_the_type_of_the_search_index_column(client, rows):
    """The body filter compares bigint with bigint: the search index's body column
    (btree_gin's int8_ops) has no operator for bigint = integer, and with a plain number the
    planner left the body out of the index and read every hit in all bodies from the table
    (a common word in one body at a million annotations: 120 ms rather than 32)."""
    body = rows[0].item.meeting.body
    result = filtered_annotations(QueryDict(f"body={body.slug}&q=fritidsgårdar"))[1]
    assert result is not None and result.count() == 12
    with connection.cursor() as cursor:
        sql, params = result.query.sql_with_params()
        cursor.execute("EXPLAIN (VERBOSE) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert f"body_key = '{body.pk}'::bigint" in plan


def test_a_search_reads_its_page_by_the_ids_it_found(client, small_limits, rows):
    """A search's page is read by the ids its probe or census found, not by its words again:
    beside the ids, the planner intersected them with the word index's whole entry for the
    words (10 ms a page for a common word at a million annotations). The same rows either way."""
    for params in ({"q": "fritidsgårdar"}, {"q": "Vårby"}, {"q": "Vårby", "sort": "newest"}):
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/notes/", params)
        page_queries = [q["sql"] for q in captured if '"notes_annotation"."text"' in q["sql"]]
        assert page_queries and not [sql for sql in page_queries if "@@" in sql]
        hits = [a for a in rows if params["q"] in a.text]
        assert set(shown_ids(response)) <= {a.pk for a in hits}
        assert len(shown_ids(response)) == min(len(hits), PER_PAGE)


@pytest.mark.parametrize("page", [1, 2])
def test_a_ranked_page_ranks_its_candidates_by_id_alone(client, small_limits, rows, page):
    """The candidates are ranked in a query of their ids alone (no item, meeting and body
    joined to each of a thousand), then the page's rows are read: the order is the
    relevance order over the newest hits, page by page."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/notes/", {"q": "fritidsgårdar", "page": page})
    ranking = [
        q["sql"] for q in captured if "ts_rank" in q["sql"] and "ts_headline" not in q["sql"]
    ]
    assert ranking and all(" JOIN " not in sql for sql in ranking)
    hits = [a for a in rows if "fritidsgårdar" in a.text]
    ranked = order_by_relevance(search(Annotation.objects.public(), "fritidsgårdar"))
    expected = list(ranked.filter(pk__in=newest_first(hits)[:LIMIT]).values_list("pk", flat=True))
    assert shown_ids(response) == expected[(page - 1) * PER_PAGE : page * PER_PAGE]


def test_rows_read_by_their_ids_are_still_only_public_ones(rows):
    """An annotation withdrawn between the ids and the page is not shown."""
    result = search(Annotation.objects.public(), "Vårby")
    ids = list(result.values_list("pk", flat=True))
    assert len(ids) == 2
    gone = Annotation.objects.get(pk=ids[0])
    gone.withdrawn_at, gone.withdrawal_reason = gone.created_at, "Fel ärende."
    gone.save()
    assert [a.pk for a in among(result, ids)] == [ids[1]]
    # Any other result keeps its own conditions beside the ids.
    first, second = rows[0].pk, rows[1].pk
    assert [a.pk for a in among(Annotation.objects.filter(pk=first), [first, second])] == [first]


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_a_search_in_date_order_probes_its_hits_in_date_order(
    client, settings, small_limits, rows, sort
):
    """Not an unordered read: beside a date range that was planned as a scan of the table from
    wherever the last scan had stopped (its rows lie in date order), fast or slow by chance.
    The newest hits are read by the date index (or sorted), the same pages either way."""
    from django.test.utils import CaptureQueriesContext

    settings.SEARCH_CENSUS_LIMIT = 0
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/notes/", {"q": "fritidsgårdar", "sort": sort})
    probes = [q["sql"] for q in captured if "LIMIT 6" in q["sql"] and "search_vector" in q["sql"]]
    assert probes and all("ORDER BY" in sql for sql in probes)
    hits = [a for a in rows if "fritidsgårdar" in a.text]
    for kept in caches.all():
        kept.clear()
    ids, _ = walk(client, f"/notes/?q=fritidsg%C3%A5rdar&sort={sort}")
    assert ids == (newest_first(hits) if sort == "newest" else newest_first(hits)[::-1])
    assert not response.context["page"].exact


def test_exact_result_reads_its_rows_by_id(client, small_limits, rows):
    """A small search is read by the ids found first, so a bad planner guess cannot make it
    walk the whole date index."""
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/notes/?q=Vårby&sort=newest")
    assert shown_ids(response) == newest_first(rows[-2:])
    page_query = [q["sql"] for q in captured if '"notes_annotation"."text"' in q["sql"]]
    assert page_query and '"notes_annotation"."id" = ANY(' in page_query[0]


def test_api_pages_by_cursor_with_a_count_from_the_facets(client, small_limits, rows):
    url, ids, first = "/api/notes/?page_size=4&party=S&party=V", [], None
    while url:
        data = json.loads(client.get(url).content)
        first = first or data
        ids += [r["id"] for r in data["results"]]
        url = data["next"]
    assert ids == newest_first(rows)
    # Past the exact-count limit, yet counted (by the page's facets): exact, paged by cursor.
    assert first["count_exact"] is True and first["num_pages"] is None
    assert first["count"] == first["count_at_least"] == len(rows)
    assert first["count_estimate"] is None
    exact = json.loads(client.get("/api/notes/?item=2").content)
    assert (exact["count"], exact["count_exact"], exact["num_pages"]) == (3, True, 1)


def test_meeting_list_pages_by_cursor(client, small_limits, rows):
    seen, url = [], "/meetings/"
    while url:
        response = client.get(url)
        page = response.context["page"]
        seen += [m.pk for m in page.object_list]
        url = "/meetings/" + page.next_url if page.has_next() else None
    from notes.models import Meeting

    expected = list(
        Meeting.objects.published().order_by("-date", "-id").values_list("pk", flat=True)
    )
    assert seen == expected


def test_large_facets_are_cached_until_the_archive_changes(
    client, small_limits, rows, django_assert_max_num_queries, settings
):
    settings.PAGE_CACHE_SECONDS = 0  # the facets' own cache, not the whole page's
    first = client.get("/notes/?party=V")
    assert not first.context["page"].exact
    counts = {r["abbreviation"]: r["count"] for r in first.context["facets"]["party"]}
    assert counts == {"V": Annotation.objects.public().filter(parties__abbreviation="V").count()}
    # The same request again: the facets come from the cache (four queries fewer).
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as again:
        client.get("/notes/?party=V")
    assert not [q for q in again if "COUNT(" in q["sql"].upper()]
    # A write moves the archive version: the next request counts anew.
    AnnotationFactory(parties=[party("V")])
    fresh = client.get("/notes/?party=V").context["facets"]
    assert {r["abbreviation"]: r["count"] for r in fresh["party"]}["V"] == counts["V"] + 1


def test_a_list_whose_facets_were_counted_is_counted_by_them(
    client, small_limits, rows, settings, unkept
):
    """Facets counted over a large list since the archive last changed give its count: the
    next reader's page walks no ids and asks the planner for no estimate; the same page."""
    settings.PAGE_CACHE_SECONDS = 0
    first = client.get("/notes/?party=V")
    with CaptureQueriesContext(connection) as again:
        second = client.get("/notes/?party=V")
    assert shown_ids(second) == shown_ids(first)
    assert second.context["page"].count == first.context["page"].count
    assert second.context["page"].known
    assert not [q for q in again if q["sql"].startswith("EXPLAIN")]
    assert not [q for q in again if f"LIMIT {LIMIT + 1}" in q["sql"]]
    # A search's count is its own (the census or the walk ranks its hits): not taken so.
    client.get("/notes/?q=fritidsgårdar")
    with CaptureQueriesContext(connection) as search_again:
        client.get("/notes/?q=fritidsgårdar")
    assert [q for q in search_again if "search_vector" in q["sql"]]


def test_facets_give_up_politely_when_too_slow(
    client, small_limits, rows, settings, monkeypatch, unkept
):
    def slow_counts(queryset):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")
        return {}

    monkeypatch.setattr(facets, "facet_counts", slow_counts)
    settings.FACET_TIMEOUT_MS = 50
    response = client.get("/notes/?party=S&party=V")
    assert response.status_code == 200
    assert response.context["facets"] is None
    assert "för stort för att räkna fördelningen" in response.content.decode()
    # The page's own queries still ran after the timeout gave up (no aborted transaction).
    assert shown_ids(response)


def test_facets_are_not_tried_over_a_result_estimated_too_large(
    client, small_limits, rows, settings, unkept
):
    settings.FACET_LIVE_LIMIT = 5  # the estimate is at least EXACT_COUNT_LIMIT + 1
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notes/?party=S&party=V")
    assert not response.context["page"].exact and response.context["page"].count > 5
    assert response.context["facets"] is None
    assert "för stort för att räkna fördelningen" in response.content.decode()
    assert not [q for q in queries if "MATERIALIZED" in q["sql"]]
    assert shown_ids(response)
    # Under the limit they are counted.
    settings.FACET_LIVE_LIMIT = 1000
    caches["pages"].clear()
    assert client.get("/notes/?party=S&party=V").context["facets"]["party"]


def test_a_search_has_its_own_lower_bound_for_live_facets(client, small_limits, rows, settings):
    """A search's rows come from the table, not from a covering index (#19): its facets are
    not counted live above FACET_LIVE_SEARCH_LIMIT, while a list of the same size still is."""
    settings.FACET_LIVE_LIMIT = 1000
    settings.FACET_LIVE_SEARCH_LIMIT = 5  # the estimate is at least EXACT_COUNT_LIMIT + 1
    settings.SEARCH_CENSUS_LIMIT = 0  # (a search the planner expects to be small: below)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notes/?q=fritidsgårdar&sort=newest")
    assert not response.context["page"].exact
    assert response.context["facets"] is None
    assert not [q for q in queries if "MATERIALIZED" in q["sql"]]
    assert shown_ids(response)
    assert client.get("/notes/?party=S&party=V").context["facets"]["party"]
    settings.FACET_LIVE_SEARCH_LIMIT = 1000
    caches["pages"].clear()
    assert client.get("/notes/?q=fritidsgårdar&sort=newest").context["facets"]["kind"]


def _statement_timeout() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        return cursor.fetchone()[0]


def _times_out_and_keeps_the_setting(before: str) -> None:
    """within() of a second's sleep with 20 ms runs out, and leaves the setting as before."""

    def sleepy():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_sleep(1)")

    assert cache.within(20, sleepy) == cache.UNAVAILABLE
    assert _statement_timeout() == before


def test_within_restores_the_statement_timeout(db):
    before = _statement_timeout()
    assert cache.within(5000, lambda: 1) == 1
    _times_out_and_keeps_the_setting(before)


def test_within_outside_a_transaction_leaves_the_setting_to_its_own(transactional_db):
    """With no transaction around it, within()'s own transaction ends its local timeout: no
    query to set it back, and the session's setting is as before, after a result or a
    timeout."""
    from django.test.utils import CaptureQueriesContext

    assert not connection.in_atomic_block
    before = _statement_timeout()
    with CaptureQueriesContext(connection) as captured:
        assert cache.within(5000, lambda: 1) == 1
    assert len([q for q in captured if "set_config('statement_timeout'" in q["sql"]]) == 1
    _times_out_and_keeps_the_setting(before)


def test_home_charts_are_cached_by_archive_version(client, rows, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the charts' own cache, not the whole page's
    client.get("/")
    assert any(k for k in caches["archive"]._cache)
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as again:
        client.get("/")
    assert not [q for q in again if "EXTRACT" in q["sql"].upper()]


def test_sitemap_is_cached_until_the_archive_changes(client, rows, settings):
    settings.PAGE_CACHE_SECONDS = 0  # the sitemap's own cache, not the page cache
    first = client.get("/sitemap-annotations.xml")
    assert first.status_code == 200 and first["X-Robots-Tag"]
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as again:
        second = client.get("/sitemap-annotations.xml")
    assert second.content == first.content and second["X-Robots-Tag"] == first["X-Robots-Tag"]
    assert len(again) == 1  # the archive version only
    AnnotationFactory(parties=[party("V")])
    third = client.get("/sitemap-annotations.xml")
    assert third.content.count(b"<url>") == first.content.count(b"<url>") + 1


def test_party_page_counts_exactly_past_the_limit(client, small_limits, rows):
    own = [a for a in rows if a.parties.filter(abbreviation="V").exists()]
    assert len(own) > LIMIT
    response = client.get("/parties/vansterpartiet/")
    page = response.context["page"]
    assert page.known and page.count == len(own)
    assert f"{len(own)} anteckningar" in response.content.decode()


@pytest.mark.parametrize("q", ["", "&q=fritidsgårdar", "&party=S"])
def test_every_facet_link_leads_to_the_count_beside_it(client, rows, q):
    """A facet row's count is the count of the page its link opens (a year inside a chosen
    date range narrows to that part of it), a chosen party's too."""
    url = "/notes/?date_after=2022-05-05&date_before=2023-01-01" + q
    response = client.get(url)
    html = response.content.decode()
    links = re.findall(
        r'<li><a href="(\?[^"]+)"[^>]*>[^<]*</a> <span class="count">([^<]+)</span>', html
    )
    kinds = set(re.findall(r"<h3>([^<]+)</h3>", html))
    assert {"Organ", "Typ", "År"} <= kinds and links
    checked = 0
    for href, count in links:
        caches["pages"].clear()  # a chosen party's link may be this very page
        target = client.get("/notes/" + href.replace("&amp;", "&"))
        assert target.context["page"].count == int(count.replace("\xa0", "").replace(" ", "")), href
        checked += 1
    assert checked >= 3


def test_a_request_asks_the_planner_once_per_result(rows):
    """The estimate that decides on the census and the one the page shows are the same
    question about the same result: asked once in a request (cache.start_request), each
    time outside one."""
    from django.test.utils import CaptureQueriesContext

    from notes.queries.pagination import estimate_rows

    result = Annotation.objects.filter(text__contains="fritidsgårdar")

    def explains() -> int:
        with CaptureQueriesContext(connection) as captured:
            first, second = estimate_rows(result), estimate_rows(result.order_by("-date"))
        assert first == second
        return len([q for q in captured if q["sql"].startswith("EXPLAIN")])

    assert explains() == 2
    tokens = cache.start_request(1)
    try:
        assert explains() == 1
    finally:
        cache.end_request(tokens)
