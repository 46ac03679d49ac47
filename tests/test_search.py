"""Swedish search: stemming, compound parts, operators, references, ranking, safe snippets."""

import datetime
import re

import pytest
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes.models import Annotation
from notes.queries.query_language import All, Any, Not, Term, parse
from notes.queries.search import expand_compounds, highlight, order_by_relevance
from notes.queries.search import search as search_annotations
from tests.factories import AgendaItemFactory, AnnotationFactory, BodyFactory, MeetingFactory, party

pytestmark = pytest.mark.django_db


def search(q):
    return list(order_by_relevance(search_annotations(Annotation.objects.all(), q)))


@pytest.fixture
def corpus(sample_annotation):
    kf = BodyFactory(name="Kommunfullmäktige", short_name="KF", kind="fullmaktige")
    meeting = MeetingFactory(body=kf, date=datetime.date(2022, 6, 13))
    school = AnnotationFactory(
        item=AgendaItemFactory(
            meeting=meeting,
            number=9,
            paragraph=45,
            case_number="KS-2022/77",
            title="Skolans lokaler i Vårby",
        ),
        text="Skolan behöver fler lärare. Vi föreslog en ny skola i Vårby.",
        parties=[party("V")],
    )
    crime = AnnotationFactory(
        item=AgendaItemFactory(meeting=meeting, number=10, title="Trygghet i centrum"),
        text="Brott mot unga måste förebyggas. Vi vill se fler fältassistenter.",
        parties=[party("SD")],
    )
    return {"sample": sample_annotation, "school": school, "crime": crime}


def test_stemming_finds_inflected_forms(corpus):
    assert corpus["sample"] in search("nätverken")  # the text says "nätverk"
    assert corpus["sample"] in search("kriminell")  # the text says "kriminella"


def test_compound_part_finds_compound_ranked_below_whole_word(corpus):
    results = search("brott")
    assert corpus["sample"] in results  # only "brottsförebyggande"
    assert corpus["crime"] in results  # the whole word "Brott"
    assert results.index(corpus["crime"]) < results.index(corpus["sample"])


def test_compound_part_of_a_title(corpus):
    assert corpus["sample"] in search("preventionsarbete")
    assert corpus["sample"] in search("prevention")


def test_a_word_typed_without_accents_finds_them_ranked_below_the_exact_spelling(db):
    # Older than the accented one: the order is the rank, not the date.
    exact = AnnotationFactory(
        item=AgendaItemFactory(meeting=MeetingFactory(date=datetime.date(2020, 1, 1))),
        text="Mötet om kvarnen hölls i Glado, som det stavas i kallelsen.",
    )
    accented = AnnotationFactory(
        item=AgendaItemFactory(meeting=MeetingFactory(date=datetime.date(2024, 1, 1))),
        text="Mötet om kvarnen hölls i Gladö.",
    )
    assert search("glado") == [exact, accented]
    assert search("GLADO") == [exact, accented]  # letter case never matters
    assert search("gladö") == [accented]  # typed with its accent: only that spelling


def test_a_word_typed_without_accents_finds_the_accented_spellings_compounds(db):
    simple = AnnotationFactory(text="Barnen i förskolan behöver fler pedagoger.")
    compound = AnnotationFactory(text="Kommunen saknar förskoleplatser i Vårby.")
    other = AnnotationFactory(text="Skolan i Vårby behöver fler lärare.")
    typed_with = set(search("förskola"))
    assert typed_with == {simple, compound}
    assert set(search("forskola")) == typed_with  # the same hits, compounds included
    # And so an exclusion typed without accents removes as much as one typed with them.
    assert set(search("vårby -forskola")) == set(search("vårby -förskola")) == {other}


def test_capital_and_and_not_are_operators(db):
    both = AnnotationFactory(text="Skolans budget för nästa år.")
    school = AnnotationFactory(text="Skolan får nya lokaler.")
    AnnotationFactory(text="Budgeten för kulturen.")
    assert set(search("skola AND budget")) == set(search("skola budget")) == {both}
    assert set(search("skola NOT budget")) == set(search("skola -budget")) == {school}
    assert set(search("skola INTE budget")) == {school}
    # In lower case they are words like any other (and "and", "not" are English stop words
    # only in English: here they are searched for).
    assert search("not") == []


def test_styrelse_finds_kommunstyrelsen(db):
    annotation = AnnotationFactory(text="Frågan ska beredas av kommunstyrelsen i höst.")
    assert annotation in search("styrelse")


def test_phrase_or_and_exclusion(corpus):
    assert search('"kriminella nätverk"') == [corpus["sample"]]
    assert search('"nätverk kriminella"') == []
    assert corpus["school"] not in search("Vårby -skola")
    assert set(search("lärare or fältassistenter")) >= {corpus["school"], corpus["crime"]}
    # Exclusion also excludes compounds: nothing with "skol..." in it.
    assert search("lärare -skola") == [] or corpus["school"] not in search("lärare -skola")


def test_names_and_parties_are_searchable(corpus):
    assert search("Heelge") == [corpus["sample"]]
    assert search("vänsterpartiet") == [corpus["school"]]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("ärende 22", "sample"),
        ("Ärende 9", "school"),
        ("ärendenr 10", "crime"),
        ("§ 45", "school"),
        ("§45", "school"),
        ("KS-2022/77", "school"),
        ("ks-2022/77", "school"),
        ("Dnr KS-2022/77", "school"),
        ("SD", "crime"),
    ],
)
def test_reference_lookups_come_first(corpus, q, expected):
    results = search(q)
    assert results, q
    assert results[0] == corpus[expected]


def test_reference_and_words_narrow_each_other(corpus):
    """#13: a reference next to a word is AND-ed with it, not OR-ed."""
    assert search("ärende 9 brott") == []
    assert search("ärende 9 lärare") == [corpus["school"]]
    results = search("ärende 9 or brott")
    assert results[0] == corpus["school"]
    assert set(results) >= {corpus["school"], corpus["crime"], corpus["sample"]}


def test_parse_query():
    tree = parse('ärende 22 § 45 KS-2021/123 SD "kriminella nätverk" -skola s')
    assert tree == All(
        (
            Term("item", "22"),
            Term("paragraph", "45"),
            Term("case", "KS-2021/123"),
            Term("party", "SD"),
            Term("phrase", "kriminella nätverk"),
            Not(Term("text", "skola")),
            Term("text", "s"),
        )
    )


@pytest.mark.parametrize(
    ("q", "tree"),
    [
        ("a or b c", Any((Term("text", "a"), All((Term("text", "b"), Term("text", "c")))))),
        ("a OR b", Any((Term("text", "a"), Term("text", "b")))),
        ("a eller b", Any((Term("text", "a"), Term("text", "b")))),
        ("(a or b) c", All((Any((Term("text", "a"), Term("text", "b"))), Term("text", "c")))),
        ("-(a b)", Not(All((Term("text", "a"), Term("text", "b"))))),
        ("or a or", Term("text", "a")),
        ("a ) (", Term("text", "a")),
        ("- a -", Term("text", "a")),
        ("ks - 2021", Term("case", "KS-2021")),
        ("Dnr: ks-2021 / 12.3", Term("case", "KS-2021/12.3")),
        # A space before the dash and none after is the minus: Skogås without 2027.
        ("Skogås -2027", All((Term("text", "Skogås"), Not(Term("text", "2027"))))),
        ("KS -2021", All((Term("text", "KS"), Not(Term("text", "2021"))))),
        ("covid-19", Term("text", "covid-19")),
        ("Socialdemokraterna", Term("party", "S")),
        ("(S)", Term("party", "S")),
        ("sd", Term("text", "sd")),
        ("", None),
        ("((((", None),
    ],
)
def test_query_language(q, tree):
    assert parse(q) == tree


def test_expansion_widens_negated_terms_as_far_as_positive_ones(corpus):
    """#13: `-förskola` removes what `förskola` finds, compounds included."""
    AnnotationFactory(text="Förskolan i Vårby behöver fler förskoleplatser.")
    expanded, looked_up = expand_compounds("'brott' & !'förskol'")
    assert "brottsförebygg" in expanded
    assert "!( 'förskol' | " in expanded and "'förskoleplats'" in expanded
    assert looked_up == ["brott", "förskol"]


def test_exclusion_removes_compounds_and_inflections(corpus):
    preschool = AnnotationFactory(text="Förskolan i Vårby behöver fler förskoleplatser.")
    places = AnnotationFactory(text="Kön till förskoleplatser växer i hela kommunen.")
    assert preschool in search("skola") and places in search("skola")  # compound parts
    assert corpus["school"] in search("skola")
    excluded = search("skola -förskola")
    assert corpus["school"] in excluded
    assert preschool not in excluded and places not in excluded


@pytest.mark.parametrize(
    "q",
    [
        "'",
        "''",
        "!",
        "& | !",
        "(((",
        '"',
        "\\",
        "%_%",
        "a:*",
        "'; DROP TABLE notes_annotation; --",
        "<script>alert(1)</script>",
        "ärende 99999999999",
        "§ -1",
        "och",
        "x" * 200,
        "\x00",
        "😀 brott",
    ],
)
def test_hostile_queries_never_fail(client, corpus, q):
    response = client.get("/notes/", {"q": q})
    assert response.status_code in (200, 400)
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_stop_words_only_find_nothing(corpus):
    assert search("och att") == []
    # Next to a searchable word, a stop word is left out rather than emptying the result.
    assert search("lärare och") == search("lärare")
    assert corpus["school"] in search("lärare och")


def test_snippet_highlights_and_escapes(client, db):
    AnnotationFactory(text="<img src=x onerror=alert(1)> Brottsligheten & <b>skolan</b> i Vårby")
    html = client.get("/notes/", {"q": "Vårby"}).content.decode()
    assert "<mark>Vårby</mark>" in html
    assert "<img" not in html
    assert "alert(1)&gt; Brottsligheten &amp;" in html
    assert "<b>skolan</b>" not in html


def test_a_match_in_the_title_is_highlighted_there(client, db):
    AnnotationFactory(
        item=AgendaItemFactory(title="Svar på motion från Sverigedemokraterna om skolan & <b>"),
        text="Vi står bakom svaret.",
    )
    AnnotationFactory(item=AgendaItemFactory(title="Budget för kulturen"), text="Om skolan.")
    html = client.get("/notes/", {"q": "sverigedemokraterna"}).content.decode()
    assert "från <mark>Sverigedemokraterna</mark> om skolan &amp; &lt;b&gt;" in html  # escaped
    html = client.get("/notes/", {"q": "skolan"}).content.decode()
    assert "om <mark>skolan</mark>" in html
    assert "Budget för kulturen" in html  # a title without a match as it is


def test_highlight_balances_hostile_markers():
    assert str(highlight("a \ue000b <i>")) == "a <mark>b &lt;i&gt;</mark>"
    assert str(highlight("\ue001x\ue000")) == "x<mark></mark>"


@given(
    st.text(alphabet=st.sampled_from(["\ue000", "\ue001", "a", "<", "&", '"', " "]), max_size=40)
)
def test_highlight_marks_in_balanced_pairs_and_escapes_the_rest(snippet):
    html = str(highlight(snippet))
    # Without its tags, the text escaped with the markers left out.
    plain = html.replace("<mark>", "").replace("</mark>", "")
    assert plain == escape(snippet.replace("\ue000", "").replace("\ue001", ""))
    # Tags open and close in turn, never nested, none left open.
    tags = re.findall(r"</?mark>", html)
    assert tags == ["<mark>", "</mark>"] * (len(tags) // 2)
    # A mark opens where a start marker stood with none open.
    assert ("\ue000" in snippet) == ("<mark>" in html)


def test_vector_kept_current_on_every_write(corpus):
    school = corpus["school"]
    assert school not in search("idrottshall")
    school.text = "Vi vill ha en idrottshall."
    school.save()
    assert school in search("idrottshall")
    school.item.title = "Simhall i Flemingsberg"
    school.item.save()
    assert school in search("simhall")
    school.parties.add(party("MP"))
    assert school in search("miljöpartiet")
    person = school.signatories.create(name="Ebba Testsson", slug="ebba-testsson")
    assert school in search("Testsson")
    person.name = "Ebba Nyberg"
    person.save()
    assert school in search("Nyberg")
    assert school not in search("Testsson")


@pytest.mark.parametrize("sort", ["relevance", "newest", "oldest"])
def test_sorting(client, corpus, sort):
    response = client.get("/notes/", {"q": "vi", "sort": sort}, follow=True)  # relevance: 301
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    dates = [a.date for a in rows]
    if sort == "newest":
        assert dates == sorted(dates, reverse=True)
    elif sort == "oldest":
        assert dates == sorted(dates)


def test_relevance_ranks_title_match_above_text_match(db):
    in_title = AnnotationFactory(
        item=AgendaItemFactory(title="Cykelbanor i Stuvsta"), text="Vi är positiva."
    )
    in_text = AnnotationFactory(text="Vi nämner cykelbanor i förbigående.")
    results = search("cykelbanor")
    assert results.index(in_title) < results.index(in_text)


WORDS = ["skola", "förskola", "brott", "trygghet", "lärare", "budget", "vårby", "nätverk"]
TEXTS = [
    "Skolan i Vårby behöver fler lärare.",
    "Förskolan i Vårby behöver fler förskoleplatser.",
    "Brott mot unga måste förebyggas; tryggheten i centrum är viktig.",
    "Budgeten för skolor och förskolor räcker inte.",
    "Brottsförebyggande arbete mot kriminella nätverk i skolan.",
    "Lärarna på förskolan Vårbyskolan protesterar mot budgetnedskärningar.",
    "Trygghetsvandringar i Flemingsberg.",
    "Nätverket för lärare i grundskolan möts varje månad.",
    "Kön till förskoleplatser växer; brottsligheten minskar.",
]


@pytest.fixture
def word_corpus(db):
    return [AnnotationFactory(text=text, parties=[party("S")]) for text in TEXTS]


def hit_ids(client, q):
    response = client.get("/api/notes/", {"q": q, "page_size": 100})
    assert response.status_code == 200
    return {row["id"] for row in response.json()["results"]}


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(a=st.sampled_from(WORDS), b=st.sampled_from(WORDS))
def test_exclusion_is_the_difference_of_the_two_searches(client, word_corpus, a, b):
    """hits(A -B) = hits(A) − hits(B), compounds and inflections included (#13)."""
    assert hit_ids(client, f"{a} -{b}") == hit_ids(client, a) - hit_ids(client, b)


@pytest.mark.django_db
def test_the_page_names_the_stop_words_it_left_out(client):
    html = client.get("/notes/", {"q": "och"}).content.decode()
    assert "Ordet och är för vanligt för att söka på och lämnades utanför." in html
    html = client.get("/notes/", {"q": "skola och att"}).content.decode()
    assert "Orden och, att är för vanliga" in html
    assert "lämnades utanför" not in client.get("/notes/", {"q": "skola"}).content.decode()


def test_a_search_page_turns_its_words_into_a_query_once(client, db):
    """The search and the page's note on words it left out read the same words' full-text
    queries: one query for both, in a request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    AnnotationFactory(text="Fritidsgårdar och bibliotek behövs.")
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/notes/", {"q": "fritidsgårdar och bibliotek"})
    assert response.status_code == 200 and response.context["left_out"] == ["och"]
    assert len([q for q in captured if "websearch_to_tsquery" in q["sql"]]) == 1
