"""Public pages: content, every filter and combinations, bad input, query counts."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from notes.models import Ballot, Person, Vote
from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    make_archive,
    many_annotations,
    party,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def archive(sample_annotation):
    """The real sample plus a few made-up annotations that differ in every filtered field."""
    return make_archive(sample_annotation)


def listed(client, query=""):
    response = client.get("/notes/" + query, follow=True)  # empty parameters: one redirect
    assert response.status_code == 200, response.content[:500]
    return {a.pk for a in response.context["page"].object_list}


def test_home(client, archive):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Huddinge kommun" in html
    assert "Ärende 22" in html
    assert 'name="party"' in html  # the filter form
    assert '<html lang="sv">' in html


def test_list_without_filter_shows_all_newest_first(client, archive):
    response = client.get("/notes/")
    pks = [a.pk for a in response.context["page"].object_list]
    assert pks == [archive["yttrande"].pk, archive["sample"].pk, archive["reservation"].pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?item=22", {"sample", "yttrande"}),
        ("?item=7", {"reservation"}),
        ("?party=S", {"sample"}),
        ("?party=s", {"sample"}),
        ("?party=V", {"reservation", "yttrande"}),
        ("?party=S&party=SD", {"sample", "yttrande"}),
        ("?body=kommunfullmaktige", {"reservation"}),
        ("?body=kommunstyrelsen", {"sample", "yttrande"}),
        ("?kind=reservation", {"reservation"}),
        ("?kind=protokollsanteckning", {"sample"}),
        ("?case=ks-2019/45", {"reservation"}),
        ("?date_after=2021-05-05", {"sample", "yttrande"}),
        ("?date_before=2021-05-05", {"sample", "reservation"}),
        ("?date_after=2021-05-06&date_before=2023-12-31", {"yttrande"}),
        ("?q=kriminella", {"sample"}),
        ("?q=VÅRBY", {"yttrande"}),
        ("?item=22&party=V", {"yttrande"}),
        ("?item=22&party=S&date_after=2021-01-01&date_before=2021-12-31", {"sample"}),
        ("?party=V&kind=reservation&body=kommunfullmaktige", {"reservation"}),
        ("?item=7&party=S", set()),
        ("?item=&party=&q=", {"sample", "reservation", "yttrande"}),
    ],
)
def test_filters(client, archive, query, expected):
    assert listed(client, query) == {archive[name].pk for name in expected}


def test_filter_state_kept_in_form(client, archive):
    html = client.get("/notes/?item=22&party=V&date_after=2020-01-01").content.decode()
    assert 'value="22"' in html
    assert 'value="2020-01-01"' in html
    assert 'value="V" id="id_party_' in html and "checked" in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?date_after=2021-13-45", "ÅÅÅÅ-MM-DD"),
        ("?date_before=5%20maj", "ÅÅÅÅ-MM-DD"),
        ("?item=abc", "tal"),
        ("?item=-3", "1"),
        ("?party=XX", "XX"),
        ("?kind=skvaller", "skvaller"),
        ("?body=finns-inte", "finns-inte"),
        ("?date_after=2022-01-01&date_before=2021-01-01", "före startdatumet"),
        ("?q=" + "x" * 300, "200"),
    ],
)
def test_bad_filter_input_is_a_400_with_message(client, archive, query, message):
    response = client.get("/notes/" + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html
    assert message in html


@pytest.mark.parametrize("page", ["999999", "abc", "0", "-1"])
def test_bad_page_is_a_404_with_message(client, archive, page):
    response = client.get(f"/notes/?page={page}")
    assert response.status_code == 404
    assert "Sida" in response.content.decode() or "Sidnumret" in response.content.decode()


def test_pagination_keeps_filters(client, settings, archive):
    settings.PAGE_SIZE = 1
    response = client.get("/notes/?party=V")
    html = response.content.decode()
    assert "party=V&amp;page=2" in html
    second = client.get("/notes/?party=V&page=2")
    assert second.status_code == 200
    assert len(second.context["page"].object_list) == 1


def test_annotation_detail(client, archive):
    sample = archive["sample"]
    response = client.get(sample.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Protokollsanteckning" in html
    assert "Huddinge kommuns preventionsarbete" in html
    assert "Sara Heelge Vikmång" in html
    assert "Socialdemokraterna (S)" in html
    assert "civilsamhället.”" in html
    # Citation line with a permalink.
    assert f"http://testserver/notes/{sample.pk}/" in html
    assert 'aria-label="Brödsmulor"' in html


def test_annotation_detail_unknown_is_404(client, db):
    assert client.get("/notes/999999/").status_code == 404


def test_text_with_markup_is_escaped(client, archive):
    hostile = AnnotationFactory(text='<script>alert("x")</script> & <b>fet</b>')
    for url in (hostile.get_absolute_url(), "/notes/", "/"):
        html = client.get(url).content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;" in html


def test_meetings(client, archive):
    response = client.get("/meetings/")
    assert response.status_code == 200
    assert "Kommunfullmäktige" in response.content.decode()
    only_kf = client.get("/meetings/?body=kommunfullmaktige")
    assert {m.body.name for m in only_kf.context["page"].object_list} == {"Kommunfullmäktige"}
    assert client.get("/meetings/?body=nope").status_code == 400


def test_meeting_detail_shows_agenda_with_annotations(client, archive):
    meeting = archive["sample"].item.meeting
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert "Ärende 22" in html
    assert archive["sample"].get_absolute_url() in html
    assert "Sara Heelge Vikmång" in html


def test_parties_and_party_page(client, archive):
    html = client.get("/parties/").content.decode()
    assert "Vänsterpartiet" in html
    response = client.get("/parties/vansterpartiet/")
    assert response.status_code == 200
    assert {a.pk for a in response.context["page"].object_list} == {
        archive["reservation"].pk,
        archive["yttrande"].pk,
    }
    assert "Olof Berg" in response.content.decode()
    assert client.get("/parties/finns-inte/").status_code == 404


def test_person_page(client, archive):
    response = client.get("/people/sara-heelge-vikmang/")
    assert response.status_code == 200
    assert [a.pk for a in response.context["page"].object_list] == [archive["sample"].pk]


def test_healthz(client, db):
    response = client.get("/healthz")
    assert response.json() == {"status": "ok", "database": "ok", "cache": "local"}


def test_party_stylesheet(client, archive):
    css = client.get(reverse("notes:party_css")).content.decode()
    assert ".party-socialdemokraterna { --party: #" in css


def test_post_not_allowed(client, db):
    assert client.post("/notes/").status_code == 405


def test_demo_banner_only_with_demo_data(client, archive):
    assert "demodata" not in client.get("/").content.decode()
    demo = archive["yttrande"]
    demo.is_demo = True
    demo.save()
    assert "demodata" in client.get("/").content.decode()


# Every public page that lists something, with its query budget. Each is asked twice: with a
# few rows (counted exactly) and with more rows than EXACT_COUNT_LIMIT (estimated, cursor
# pages, facets under their own timeout); the budget holds for both. The list's rows carry
# their parties and signatories (for_rows, for_api: no prefetch), the filter's choices are
# kept, and a filter the kept counts answer is counted by its facets (one read for both).
QUERY_BUDGETS = [
    ("/", 14),
    ("/notes/", 7),
    ("/notes/?party=V&item=3", 8),
    # relevance: + the walk's own timeout (savepoint, set, reset), + the page ranked by ids
    ("/notes/?q=fritidsgårdar", 15),
    ("/notes/?q=fritidsgårdar&sort=newest", 14),
    ("/notes/?party=V&after=2030-01-01.999999", 7),
    ("/meetings/", 10),
    ("/meetings/?body=kommunstyrelsen", 10),
    ("/parties/", 8),
    ("/parties/vansterpartiet/", 14),
    ("person", 12),
    ("/api/notes/", 4),
    ("/api/notes/?q=fritidsgårdar&party=S", 13),  # large: + its facets (the total), ranked by ids
    ("/api/meetings/", 8),
    ("/api/parties/", 6),
    ("/api/bodies/", 6),
    ("/sitemap.xml", 8),
    ("/sitemap-annotations.xml", 8),
    ("/meetings/calendar.ics", 8),
    ("/tillganglighet/", 6),
]


@pytest.mark.parametrize(("url", "budget"), QUERY_BUDGETS)
def test_list_query_count_does_not_grow_with_rows(
    client, settings, django_assert_max_num_queries, url, budget
):
    settings.EXACT_COUNT_LIMIT = 10
    many_annotations(3)
    if url == "person":  # someone who signed: many_annotations() gives each row two
        url = Person.objects.order_by("pk").first().get_absolute_url()
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200
    many_annotations(20)  # now more than EXACT_COUNT_LIMIT
    with django_assert_max_num_queries(budget):
        assert client.get(url).status_code == 200


def test_detail_query_counts(client, django_assert_max_num_queries, archive):
    meeting = archive["sample"].item.meeting
    for n in range(5):
        item = AgendaItemFactory(meeting=meeting)
        AnnotationFactory(item=item, parties=[party("M")])
        vote = Vote.objects.create(item=item, yes=n, no=1)  # two queries for all the votes
        Ballot.objects.create(vote=vote, choice="nej", party=party("M"))
    with django_assert_max_num_queries(10):  # attendance too, one query
        client.get(meeting.get_absolute_url())
    with django_assert_max_num_queries(6):
        client.get(archive["sample"].get_absolute_url())
    with django_assert_max_num_queries(7):
        client.get("/people/sara-heelge-vikmang/")


def test_swedish_by_default_even_for_english_browsers(client, db):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert '<html lang="sv">' in html
    assert 'href="/sprak/en/?next=/"' in html  # the switcher offers English


def test_language_switch_to_english(client, db):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/notes/"})
    assert response.status_code == 302
    html = client.get("/notes/").content.decode()
    assert '<html lang="en">' in html


def test_robots_txt_names_the_sitemap(client, db):
    text = client.get("/robots.txt").content.decode()
    assert "admin" not in text  # the admin's address is not advertised
    assert "Disallow: /api/" in text
    assert "Sitemap: http://testserver/sitemap.xml" in text


def test_accessibility_statement(client, db):
    response = client.get("/tillganglighet/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tillgänglighetsredogörelse" in html
    assert "WCAG 2.1" in html
    assert "mailto:" in html
    assert "digg.se" in html
    # Linked from every page's footer.
    assert 'href="/tillganglighet/"' in client.get("/").content.decode()


def test_english_interface(client, sample_annotation):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = client.get("/notes/").content.decode()
    assert '<html lang="en">' in html
    assert "Annotations" in html
    assert "Skip to" in html or "Skip to content" in html
    detail = client.get(sample_annotation.get_absolute_url()).content.decode()
    assert "Minute note" in detail
    # The annotation itself is never translated: it is quoted verbatim.
    assert "Huddinge är i många avseenden" in detail


def test_language_link_sets_cookie_and_returns(client, db):
    response = client.get("/sprak/en/", {"next": "/notes/?item=22"})
    assert response.status_code == 302
    assert response["Location"] == "/notes/?item=22"
    assert response.cookies["django_language"].value == "en"
    assert '<html lang="en">' in client.get("/notes/").content.decode()
    assert client.get("/sprak/sv/").status_code == 302
    assert client.get("/sprak/xx/").status_code == 404
    evil = client.get("/sprak/en/", {"next": "https://evil.example/"})
    assert evil["Location"] == "/"


def test_public_pages_set_no_cookies(client, sample_annotation):
    for url in ["/", "/notes/", sample_annotation.get_absolute_url(), "/meetings/"]:
        assert not client.get(url).cookies, url


def test_pages_carry_their_address_for_print(client, sample_annotation):
    meeting = sample_annotation.item.meeting
    html = client.get(meeting.get_absolute_url()).content.decode()
    assert (
        f'<p class="print-only">Huddinge kommun – Protokollsarkiv: http://testserver/meetings/{meeting.pk}/</p>'
        in html
    )


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": 'budget "<b>"', "party": ["S", "v"], "body": "kommunstyrelsen", "sort": "oldest"},
        {"item": "abc", "party": ["XX"], "date_after": "2020-01-01", "date_before": "2019-01-01"},
        {"kind": "reservation", "case": "KS-2021/123", "item": "22"},
    ],
)
def test_filter_form_widgets_render_as_django_renders_them(db, query):
    """notes/formrender.py writes the markup of Django's own widget templates."""
    from django.http import QueryDict

    from notes.models import Annotation
    from notes.queries.filters import AnnotationFilter
    from notes.web.formrender import choice_inputs, render_widget

    AnnotationFactory(parties=[party("S"), party("V")])

    data = QueryDict(mutable=True)
    for key, value in query.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    form = AnnotationFilter(data or None, queryset=Annotation.objects.all()).form
    form.is_valid()
    for bound in form:
        if bound.name == "party":
            ours = [str(tag) for tag, _, _ in choice_inputs(bound)]
            assert ours == [str(choice.tag()) for choice in bound]
            assert [(i, str(label)) for _, i, label in choice_inputs(bound)] == [
                (c.id_for_label, str(c.choice_label)) for c in bound
            ]
        else:
            assert str(render_widget(bound)) == re.sub(r"\n\s*", "", str(bound)), bound.name


def test_the_filter_reads_its_parties_and_bodies_once(client, db):
    """Validating a party and a body, then drawing their checkboxes and options: one query
    for the parties and one for the bodies, not one per use."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    annotation = AnnotationFactory(parties=[party("S")])
    body = annotation.item.meeting.body.slug
    with CaptureQueriesContext(connection) as captured:
        response = client.get(f"/notes/?party=S&body={body}")
    assert response.status_code == 200 and 'value="S"' in response.content.decode()
    listings = [q["sql"] for q in captured if 'FROM "notes_party" ORDER BY' in q["sql"]]
    bodies = [q["sql"] for q in captured if 'FROM "notes_body" ORDER BY' in q["sql"]]
    assert len(listings) == 1 and len(bodies) == 1


def test_filter_choices_are_read_once_per_archive_version(client, settings):
    """The party and body choices of the filter form are kept until the archive changes: a
    second list page reads neither table; a new party is offered at once (its write moves
    the version)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from notes.models import Party

    settings.PAGE_CACHE_SECONDS = 0
    AnnotationFactory(parties=[party("S")])
    assert 'value="S"' in client.get("/notes/").content.decode()
    with CaptureQueriesContext(connection) as captured:
        client.get("/notes/?kind=reservation&party=S")
    own = [
        q["sql"]
        for q in captured
        if q["sql"].startswith(('SELECT "notes_party"', 'SELECT "notes_body"'))
    ]
    assert own == []  # nor for the chosen party's id nor its chip's name
    Party.objects.create(abbreviation="FI", name="Feministiskt initiativ", slug="fi")
    assert 'value="FI"' in client.get("/notes/").content.decode()


@pytest.mark.parametrize("value", ["1.5", "1.9", "2e3", "ett"])
def test_an_item_number_must_be_whole(client, value):
    """`item=1.5` was read as item 1 (a list of item 1 under a chip saying "Ärende nr: 1"):
    now a 400 that says why, on the page and in the API."""
    AnnotationFactory()
    page = client.get("/notes/", {"item": value})
    assert page.status_code == 400 and "Ärende nr" in page.content.decode()
    assert client.get("/api/notes/", {"item": value}).status_code == 400
    assert client.get("/notes/", {"item": "2.0"}).status_code == 200  # a whole number


def test_list_rows_show_parties_and_signatories_in_entered_order(client, settings):
    """The /notes/ rows read their parties and names as arrays of their own row (for_rows);
    other lists prefetch them: the same tags and names, in the order they were entered
    (not alphabetical), escaped."""
    from tests.factories import PersonFactory

    settings.PAGE_CACHE_SECONDS = 0
    v, mp = party("V"), party("MP")
    people = [PersonFactory(name="Örjan <Ek>", party=v), PersonFactory(name="Anna Berg", party=mp)]
    AnnotationFactory(parties=[v, mp], signatories=people)

    def row(url):
        html = client.get(url).content.decode()
        return re.search(r'<li class="note-row">.*?</article>', html, re.S).group()

    listed = row("/notes/")
    assert re.search(r"party-tag party-[\w-]+\" title=\"[^\"]+\">V<.*>MP<", listed, re.S)
    assert "Undertecknad av Örjan &lt;Ek&gt;, Anna Berg" in listed
    assert row(v.get_absolute_url()) == listed


def test_the_site_has_an_icon_and_favicon_ico_leads_to_it(client, db):
    """Each page links its icon; a client asking for /favicon.ico without reading the page
    (a feed reader, a bookmark) is sent to the same file, not a rendered 404 page."""
    page = client.get("/").content.decode()
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', page)
    assert icon and icon.group(1).endswith(".svg")
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"] == icon.group(1)
    assert finders.find("img/favicon.svg")
