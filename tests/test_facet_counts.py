"""FacetCount: counts kept by triggers, equal at every step to counting the archive anew."""

import datetime
import re
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from notes.models import AgendaItem, Annotation, Body, FacetCount, Meeting
from notes.queries import facets
from notes.queries.annotations import filtered_annotations
from notes.sql import bulk
from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    BodyFactory,
    MeetingFactory,
    party,
)

pytestmark = pytest.mark.django_db


def kept():
    return sorted(
        FacetCount.objects.exclude(n=0).values_list("party_id", "body_id", "kind", "year", "n")
    )


def recounted():
    """What notes_facet_rebuild() counts from scratch (inside a savepoint, then undone)."""
    from django.db import transaction

    class Undo(Exception):
        pass

    result = None
    try:
        with transaction.atomic():
            bulk.rebuild_facet_counts()
            result = kept()
            raise Undo
    except Undo:
        pass
    return result


def assert_in_step():
    assert kept() == recounted()


def test_every_kind_of_write_keeps_the_counts_in_step():
    s, v, m = party("S"), party("V"), party("M")
    ks = BodyFactory()
    kf = BodyFactory(name="Kommunfullmäktige", short_name="KF", kind=Body.Kind.COUNCIL)
    meeting = MeetingFactory(body=ks, date=datetime.date(2021, 3, 1))
    other = MeetingFactory(body=kf, date=datetime.date(2022, 6, 1))
    item = AgendaItemFactory(meeting=meeting)
    first = AnnotationFactory(item=item, parties=[s, v])
    second = AnnotationFactory(item=item, parties=[m])
    AnnotationFactory(item=AgendaItemFactory(meeting=other), parties=[s])
    assert kept() and kept() == recounted()

    first.parties.remove(v)  # a link goes
    assert_in_step()
    first.parties.add(m, v)  # two links in one statement
    assert_in_step()
    second.kind = Annotation.Kind.RESERVATION
    second.date = datetime.date(2020, 12, 31)
    second.save()
    assert_in_step()
    Annotation.objects.filter(item=item).update(kind=Annotation.Kind.SARSKILT_YTTRANDE)
    assert_in_step()
    second.withdrawn_at = timezone.now()
    second.withdrawal_reason = "Fel ärende."
    second.save()
    assert_in_step()
    Meeting.objects.filter(pk=meeting.pk).update(published_at=None)  # back to draft
    assert_in_step()
    Meeting.objects.filter(pk=meeting.pk).update(published_at=timezone.now(), body=kf)
    assert_in_step()
    AgendaItem.objects.filter(pk=item.pk).update(meeting=other)  # the item moves
    assert_in_step()
    first.delete()
    assert_in_step()
    other.delete()  # cascades to its items and annotations
    assert_in_step()
    assert FacetCount.objects.exclude(n=0).count() == 0


def test_links_written_before_their_annotation_are_counted_with_it():
    """The importer writes an annotation's party links first and the annotation after them,
    in one transaction (the foreign key is checked at commit): the links' own trigger finds
    nothing to count yet and the annotation's counts them, pairs included; a link added
    later to an annotation that exists is counted by the link's trigger."""
    from notes.ingest.writing import create_annotation

    s, v, m = party("S"), party("V"), party("M")
    day = datetime.date(2023, 4, 5)
    item = AgendaItemFactory(meeting=MeetingFactory(date=day))
    text = "Vi reserverar oss."
    annotation = create_annotation(
        Annotation(
            item=item,
            kind=Annotation.Kind.RESERVATION,
            text=text,
            date=day,
            fingerprint=Annotation.compute_fingerprint(Annotation.Kind.RESERVATION, text),
        ),
        [s, v, m],
        [],
    )
    assert_in_step()
    pairs = FacetCount.objects.filter(co_party_id__gt=0, n__gt=0).count()
    assert pairs == 6  # every ordered pair of the three parties
    annotation.parties.remove(m)
    assert_in_step()
    annotation.parties.add(m)
    assert_in_step()


def test_drafts_and_withdrawn_annotations_are_not_counted():
    AnnotationFactory(
        item=AgendaItemFactory(meeting=MeetingFactory(draft=True)), parties=[party("S")]
    )
    withdrawn = AnnotationFactory(parties=[party("V")])
    withdrawn.withdrawn_at = timezone.now()
    withdrawn.withdrawal_reason = "Dubblett."
    withdrawn.save()
    assert kept() == []


@pytest.mark.parametrize(
    "cleaned",
    [
        {},
        {"kind": "reservation"},
        {"body": "kommunstyrelsen", "date_after": datetime.date(2021, 1, 1)},
        {"date_after": datetime.date(2021, 1, 1), "date_before": datetime.date(2022, 12, 31)},
        {"party": ["S"]},
        {"party": ["V"], "kind": "reservation", "date_before": datetime.date(2021, 12, 31)},
        {"party": ["M"], "body": "kommunfullmaktige"},
        # Several parties: PartySetCount (an annotation of three parties counted once).
        {"party": ["S", "M"]},
        {"party": ["M", "S", "V"], "kind": "reservation"},
        {"party": ["V", "M"], "body": "kommunfullmaktige", "date_after": datetime.date(2021, 1, 1)},
    ],
)
def test_kept_facets_equal_counting_the_result(cleaned):
    ks = BodyFactory()
    kf = BodyFactory(name="Kommunfullmäktige", short_name="KF", kind=Body.Kind.COUNCIL)
    for n, (body, year) in enumerate([(ks, 2020), (ks, 2021), (kf, 2021), (kf, 2022), (ks, 2023)]):
        meeting = MeetingFactory(body=body, date=datetime.date(year, 5, 1 + n))
        for kind in (Annotation.Kind.RESERVATION, Annotation.Kind.PROTOKOLLSANTECKNING):
            AnnotationFactory(
                item=AgendaItemFactory(meeting=meeting),
                kind=kind,
                parties=[
                    party(a) for a in (("S", "M"), ("V", "S"), (), ("S", "M", "V"), ("V",))[n]
                ],
            )
    where = facets.kept_filter(cleaned)
    assert where is not None
    result = Annotation.objects.public()
    if cleaned.get("party"):  # any of them, by the links (not the kept copies)
        linked = Annotation.objects.filter(parties__abbreviation__in=cleaned["party"])
        result = result.filter(pk__in=linked.values("pk"))
    if cleaned.get("kind"):
        result = result.filter(kind=cleaned["kind"])
    if cleaned.get("body"):
        result = result.filter(item__meeting__body__slug=cleaned["body"])
    if cleaned.get("date_after"):
        result = result.filter(date__gte=cleaned["date_after"])
    if cleaned.get("date_before"):
        result = result.filter(date__lte=cleaned["date_before"])
    assert facets.kept_facets(where) == facets.facet_counts(result)
    assert facets.kept_count(where) == result.count()


@pytest.mark.parametrize(
    "cleaned",
    [
        {"q": "skola"},
        {"party": ["S", "M"], "item": 3},
        {"item": 3},
        {"case": "KS-2021/1"},
        {"date_after": datetime.date(2021, 3, 1)},
        {"date_before": datetime.date(2021, 6, 30)},
    ],
)
def test_filters_the_kept_counts_cannot_answer(cleaned):
    assert facets.kept_filter(cleaned) is None


def test_large_unfiltered_list_sums_the_kept_counts(client, settings):
    settings.EXACT_COUNT_LIMIT = 3
    for _ in range(6):
        AnnotationFactory(parties=[party("S")])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notes/")
    assert not response.context["page"].exact
    assert response.context["facets"] == facets.facet_counts(Annotation.objects.public())
    assert response.context["facets"]["party"][0]["count"] == 6
    assert not [q for q in queries if "MATERIALIZED" in q["sql"]]  # no count over the rows
    assert [q for q in queries if "notes_facetcount" in q["sql"]]


def test_a_small_result_the_kept_counts_answer_is_not_counted_over_its_rows(client):
    """Few rows, but spread over the table (parties over all the years): their facets come
    from the kept counts, the same as counting them, without reading the rows again."""
    for year in (2015, 2019, 2023):
        meeting = MeetingFactory(date=datetime.date(year, 5, 1))
        AnnotationFactory(item=AgendaItemFactory(meeting=meeting), parties=[party("S")])
        AnnotationFactory(item=AgendaItemFactory(meeting=meeting), parties=[party("V"), party("S")])
    AnnotationFactory(parties=[party("M")])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notes/?party=S&party=V")
    assert response.context["page"].exact and response.context["page"].count == 6
    both = Annotation.objects.public().filter(parties__abbreviation__in=["S", "V"]).distinct()
    assert response.context["facets"] == facets.facet_counts(both)
    assert not [q for q in queries if "MATERIALIZED" in q["sql"]]  # no count over the rows


@pytest.mark.parametrize(
    "url", ["/notes/", "/notes/?party=S", "/notes/?party=S&party=V&kind=reservation"]
)
def test_a_list_the_kept_counts_answer_reads_its_count_with_its_facets(client, settings, url):
    """One read of the kept counts gives the page its facets and, as their kind sum, its
    count; the API, which shows no facets, reads the count alone."""
    settings.EXACT_COUNT_LIMIT = 3
    for parties in ([party("S")], [party("V"), party("S")], [party("M")]) * 3:
        AnnotationFactory(parties=parties, kind="reservation")
    AnnotationFactory(parties=[party("S")])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    kept = [q for q in queries if f"{facets.KEPT} " in q["sql"] or f"{facets.SETS} " in q["sql"]]
    assert len(kept) == 1
    page, lists = response.context["page"], response.context["facets"]
    expected = filtered_annotations(QueryDict(url.partition("?")[2]))[1]
    assert page.known and page.count == expected.count() > 3
    assert sum(row["count"] for row in lists["kind"]) == page.count
    assert client.get("/api" + url).json()["count"] == page.count


def test_with_parties_chosen_the_others_are_counts_not_links(client):
    """On a party's list, another party's row counts the annotations it shares with it: no
    filter opens exactly those (its own list holds far more), so it is no link, and a note
    says what it counts. The chosen party's own row links to the count beside it."""
    AnnotationFactory(parties=[party("S"), party("V")])
    AnnotationFactory(parties=[party("S")])
    AnnotationFactory(parties=[party("V")])
    html = client.get("/notes/?party=S").content.decode()
    facets_html = html.split('id="facets-heading"')[1].split("</nav>")[0]
    assert "party=V" not in facets_html
    assert re.search(
        r'<li><span>Vänsterpartiet \(V\)</span> <span class="count">1</span>', facets_html
    )
    assert "Övriga partier: hur många av dessa anteckningar de också står bakom." in facets_html
    assert re.search(
        r'party=S" aria-current="true">[^<]+</a> <span class="count">2</span>', facets_html
    )
    assert "Övriga partier" not in client.get("/notes/").content.decode()


def test_party_list_counts_come_from_the_kept_counts(client):
    AnnotationFactory(parties=[party("S"), party("V")])
    AnnotationFactory(parties=[party("S")])
    parties = {
        p.abbreviation: p.annotation_count for p in client.get("/parties/").context["parties"]
    }
    assert parties["S"] == 2 and parties["V"] == 1


def test_demo_data_leaves_the_counts_in_step():
    from notes.demo import delete_demo_data, generate

    AnnotationFactory(parties=[party("S")])
    generate(annotations=60, seed=3)
    assert_in_step()
    assert sum(n for p, *_, n in kept() if p == 0) == Annotation.objects.public().count()
    delete_demo_data()
    assert_in_step()


def test_large_kept_filter_is_counted_exactly_without_reading_ids(client, settings):
    settings.EXACT_COUNT_LIMIT = 3
    settings.PAGE_SIZE = 2
    settings.PAGE_CACHE_SECONDS = 0
    for _ in range(5):
        AnnotationFactory(parties=[party("S")])
    AnnotationFactory(parties=[party("V")])
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notes/?party=S")
    page = response.context["page"]
    assert not page.exact and page.counted and page.count == 5
    assert "5 anteckningar" in response.content.decode()
    assert "uppskattat" not in response.content.decode()
    assert not [q for q in queries if q["sql"].startswith("EXPLAIN")]  # no estimate needed
    # Every row is reached by the cursor pages.
    seen, url = [], "/notes/?party=S"
    while url:
        page = client.get(url).context["page"]
        seen += [a.pk for a in page.object_list]
        url = page.next_url and "/notes/" + page.next_url
    assert len(seen) == len(set(seen)) == 5
    body = client.get("/api/notes/?party=S&page_size=2").json()
    assert body["count"] == 5 and body["count_exact"] is True


MONTH_STARTS = st.builds(datetime.date, st.integers(2019, 2024), st.integers(1, 12), st.just(1))
MONTH_ENDS = MONTH_STARTS.map(lambda d: facets._month_end(d))
DATES = st.one_of(
    st.none(),
    MONTH_STARTS,
    MONTH_ENDS,
    st.dates(min_value=datetime.date(2019, 1, 1), max_value=datetime.date(2024, 12, 31)),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    after=DATES,
    before=DATES,
    parties=st.sampled_from([(), ("S",), ("V",), ("S", "V"), ("M", "S", "V")]),
    kind=st.sampled_from([None, "reservation"]),
)
@example(
    after=datetime.date(2019, 9, 1), before=datetime.date(2022, 3, 15), parties=("S",), kind=None
)  # whole years 2020–2021 kept, two edges counted
@example(after=datetime.date(2021, 2, 2), before=None, parties=(), kind="reservation")
@example(
    after=datetime.date(2019, 9, 1), before=datetime.date(2023, 3, 1), parties=("S", "V"), kind=None
)  # several parties: whole years from PartySetCount
@example(
    after=datetime.date(2019, 6, 1), before=datetime.date(2022, 11, 30), parties=(), kind=None
)  # whole months at both ends, nothing counted over the rows
@example(
    after=datetime.date(2019, 1, 31), before=datetime.date(2019, 2, 1), parties=(), kind=None
)  # no whole month between the ends of two months: two edges, one in each (found by CI)
def test_dates_inside_a_year_are_counted_from_whole_years_and_edges(
    after, before, parties, kind, client
):
    """A filter the kept counts answer but for dates that start or end inside a year: its
    count and facets, summed from the whole years kept and the edges counted, are those of
    counting the result itself, for any range (#19)."""
    from django.core.cache import caches

    from notes.queries.annotations import filtered_annotations, known_count

    if not Annotation.objects.exists():
        for n, year in enumerate(range(2019, 2025)):
            for month in (2, 6, 11):
                meeting = MeetingFactory(date=datetime.date(year, month, 3 + n))
                AnnotationFactory(
                    item=AgendaItemFactory(meeting=meeting),
                    kind=("reservation", "protokollsanteckning")[month % 2],
                    parties=[party("S"), party("V"), party("M")][: 1 + (month + n) % 3],
                )
    params = {"date_after": after, "date_before": before, "party": list(parties), "kind": kind}
    query = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in params.items() if v}
    annotation_filter, result = filtered_annotations(QueryDict(urlencode(query, doseq=True)))
    if result is None:  # a reversed range: refused by the form
        assert after > before
        return
    data = annotation_filter.form.cleaned_data
    split = facets.kept_split(data)
    if split is None:  # kept whole, or a reversed range
        return
    assert known_count(annotation_filter) == result.count()
    whole, months, edges = split
    assert months or edges
    # What is left to count over the rows lies inside one month at each end.
    assert len(edges) <= 2 and all((s.year, s.month) == (e.year, e.month) for s, e in edges)
    summed = facets.merged(
        facets.kept_facets(whole) if whole else {},
        facets.month_facets(months) if months else {},
        facets.facet_counts(result.filter(facets.in_edges(edges))) if edges else {},
    )
    assert summed == facets.facet_counts(result)
    caches["archive"].clear()


def test_a_large_several_party_list_is_counted_from_the_party_sets(client, settings):
    """Several parties: the count and facets are sums over PartySetCount, no row of the
    result read for them; an annotation of both parties is counted once."""
    settings.EXACT_COUNT_LIMIT = 3
    settings.PAGE_CACHE_SECONDS = 0
    s, v, m = party("S"), party("V"), party("M")
    for parties in ([s], [s, v], [v], [v, m], [s, v, m], [m]):
        AnnotationFactory(parties=parties)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notes/?party=S&party=V")
    page = response.context["page"]
    assert not page.exact and page.counted and page.count == 5
    assert not [q for q in queries if "MATERIALIZED" in q["sql"]]  # no live facet count
    counts = {row["abbreviation"]: row["count"] for row in response.context["facets"]["party"]}
    assert counts == {"S": 3, "V": 4, "M": 2}
    assert sum(row["count"] for row in response.context["facets"]["kind"]) == 5


def test_facet_links_narrow_the_result_and_start_paging_over():
    """Each facet row links to the same filter with its own value (a chosen party to itself
    alone, a year as its date range), paging dropped; the chosen row is marked; a party not
    chosen beside a chosen one is a count, not a link; names are escaped."""
    from django.http import QueryDict

    from notes.web.facet_html import render_facets

    facets = {
        "party": [
            {"abbreviation": "S", "name": "Socialdemokraterna", "slug": "s", "count": 1200},
            {"abbreviation": "M", "name": "Moderaterna <b>", "slug": "m", "count": 3},
        ],
        "body": [{"slug": "ks", "name": "Kommunstyrelsen", "count": 5}],
        "kind": [{"code": "reservation", "name": "Reservation", "count": 7}],
        "year": [{"year": 2021, "count": 9}],
    }
    query = QueryDict("party=S&q=skola%20%26%20v%C3%A5rd&page=3&after=2021-01-01.5")
    html = render_facets(facets, {"party": ["S"], "body": None, "kind": None}, query)
    assert "party=M" not in html
    assert "<li><span>Moderaterna &lt;b&gt; (M)</span>" in html
    unchosen = render_facets(facets, {"party": [], "body": None, "kind": None}, QueryDict("q=a"))
    assert '<a href="?q=a&amp;party=M">Moderaterna &lt;b&gt; (M)</a>' in unchosen
    assert '<a href="?party=S&amp;q=skola+%26+v%C3%A5rd" aria-current="true">' in html
    assert "?party=S&amp;q=skola+%26+v%C3%A5rd&amp;body=ks" in html
    assert "date_after=2021-01-01&amp;date_before=2021-12-31" in html
    assert "page=" not in html and "after=2021-01-01.5" not in html
    assert (
        '<span class="count">1\xa0200</span>' in html or '<span class="count">1 200</span>' in html
    )
    assert html.count("<li>") == 5
    # Inside a date range already chosen, a year narrows to its part of that range.
    chosen = {"date_after": datetime.date(2021, 3, 15), "date_before": datetime.date(2022, 6, 30)}
    years = {"year": [{"year": 2021, "count": 4}, {"year": 2022, "count": 5}]}
    ranged = render_facets(years, chosen, QueryDict("date_after=2021-03-15&date_before=2022-06-30"))
    assert "date_after=2021-03-15&amp;date_before=2021-12-31" in ranged
    assert "date_after=2022-01-01&amp;date_before=2022-06-30" in ranged
    assert (
        render_facets({"party": [], "body": [], "kind": [], "year": []}, {}, query).count("<h3>")
        == 0
    )


KEYS = st.sampled_from(["party", "body", "kind", "q", "date_after", "date_before", "sort", "å k"])
VALUES = st.text(max_size=6)


@settings(max_examples=200, deadline=None)
@given(
    pairs=st.lists(st.tuples(KEYS, VALUES), max_size=8),
    changes=st.lists(st.dictionaries(KEYS, VALUES, min_size=1, max_size=2), max_size=4),
)
def test_facet_links_are_the_request_with_the_rows_keys_set(pairs, changes):
    """Each facet row's query string is what copying the request's parameters, setting the
    row's keys and encoding them gives (the rest encoded once per set of keys)."""
    from django.utils.html import escape

    from notes.web.facet_html import _Links

    base = QueryDict(mutable=True)
    for key, value in pairs:
        base.appendlist(key, value)
    links = _Links(base)
    for change in changes * 2:  # the second time from the kept template
        expected = base.copy()
        for key, value in change.items():
            expected[key] = value
        assert links(change) == escape("?" + expected.urlencode())
