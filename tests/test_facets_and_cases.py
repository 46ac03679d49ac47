"""Facet counts against independent counts; a case followed through the bodies."""

import datetime
import random
from collections import Counter

import pytest

from notes.models import Annotation, Ballot, Vote
from tests.factories import AgendaItemFactory, AnnotationFactory, BodyFactory, MeetingFactory, party

pytestmark = pytest.mark.django_db

ABBREVIATIONS = ["S", "M", "V", "SD", "C"]
KINDS = ["protokollsanteckning", "reservation", "sarskilt_yttrande"]


@pytest.fixture
def mixed(db):
    """40 annotations with random parties, bodies, kinds and years (seeded)."""
    rng = random.Random(4)
    bodies = [
        BodyFactory(name="Kommunstyrelsen", short_name="KS"),
        BodyFactory(name="Kommunfullmäktige", short_name="KF", kind="fullmaktige"),
        BodyFactory(name="Socialnämnden", short_name="SN", kind="namnd"),
    ]
    parties = {a: party(a) for a in ABBREVIATIONS}
    words = ["skola", "budget", "trygghet", "bostäder"]
    for n in range(40):
        meeting = MeetingFactory(
            body=rng.choice(bodies),
            date=datetime.date(
                rng.choice([2019, 2020, 2021]), rng.randint(1, 12), rng.randint(1, 28)
            ),
        )
        AnnotationFactory(
            item=AgendaItemFactory(meeting=meeting, number=rng.randint(1, 5)),
            kind=rng.choice(KINDS),
            text=f"Anteckning {n} om {rng.choice(words)}.",
            parties=[parties[a] for a in rng.sample(ABBREVIATIONS, rng.randint(1, 2))],
        )


def independent_counts(annotations):
    """Counted in Python from the rows themselves, not by the code under test."""
    party_counts, body_counts, kind_counts, year_counts = Counter(), Counter(), Counter(), Counter()
    for a in annotations:
        for p in a.parties.all():
            party_counts[p.abbreviation] += 1
        body_counts[a.item.meeting.body.slug] += 1
        kind_counts[a.kind] += 1
        year_counts[a.date.year] += 1
    return party_counts, body_counts, kind_counts, year_counts


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"party": "S"},
        {"party": ["S", "V"]},
        {"item": "3"},
        {"kind": "reservation", "date_after": "2020-01-01"},
        {"body": "socialnamnden", "party": "M"},
        {"q": "skola"},
        {"q": "skola", "party": "SD", "date_before": "2020-12-31"},
    ],
)
def test_facet_counts_match_independent_counts(client, settings, mixed, query):
    settings.PAGE_SIZE = 1000
    response = client.get("/notes/", query)
    assert response.status_code == 200
    rows = list(response.context["page"].object_list)
    facets = response.context["facets"]
    parties, bodies, kinds, years = independent_counts(rows)
    assert {r["abbreviation"]: r["count"] for r in facets["party"]} == dict(parties)
    assert {r["slug"]: r["count"] for r in facets["body"]} == dict(bodies)
    assert {r["code"]: r["count"] for r in facets["kind"]} == dict(kinds)
    assert {r["year"]: r["count"] for r in facets["year"]} == dict(years)


def test_clicking_a_facet_narrows_the_result(client, mixed):
    html = client.get("/notes/", {"kind": "reservation"}).content.decode()
    assert "?kind=reservation&amp;party=V" in html
    narrowed = client.get("/notes/", {"kind": "reservation", "party": "V"})
    expected = Annotation.objects.filter(kind="reservation", parties__abbreviation="V").count()
    assert narrowed.context["page"].exact and narrowed.context["page"].count == expected
    year_link = "?kind=reservation&amp;date_after=2020-01-01&amp;date_before=2020-12-31"
    assert year_link in html


def test_case_path_through_the_bodies(client):
    case = "KS-2020/318"
    steps = []
    for body_name, short, kind, date in [
        ("Socialnämnden", "SN", "namnd", datetime.date(2020, 9, 1)),
        ("Kommunstyrelsen", "KS", "styrelse", datetime.date(2020, 10, 5)),
        ("Kommunfullmäktige", "KF", "fullmaktige", datetime.date(2020, 11, 9)),
    ]:
        body = BodyFactory(name=body_name, short_name=short, kind=kind)
        item = AgendaItemFactory(
            meeting=MeetingFactory(body=body, date=date), case_number=case, title="Hemlöshet"
        )
        steps.append(item)
    AnnotationFactory(item=steps[0], kind="reservation", parties=[party("V")])
    AnnotationFactory(item=steps[2], kind="sarskilt_yttrande", parties=[party("M")])
    unrelated = AgendaItemFactory(case_number="KS-2020/319")

    response = client.get(steps[1].get_absolute_url())
    assert response.status_code == 200
    path = response.context["case_path"]
    assert [s.meeting.body.short_name for s in path] == ["SN", "KS", "KF"]
    assert unrelated not in path
    html = response.content.decode()
    assert html.index("Socialnämnden") < html.index("Kommunfullmäktige")
    assert "Reservation" in html and "Särskilt yttrande" in html
    assert 'aria-current="step"' in html


def test_item_page_query_count_is_fixed(client, django_assert_max_num_queries):
    item = AgendaItemFactory(case_number="KS-2021/1")
    for _ in range(4):
        other = AgendaItemFactory(case_number="ks-2021/1")
        AnnotationFactory(item=other, parties=[party("S"), party("V")])
    for n in range(3):  # votes and their ballots: two queries however many there are
        vote = Vote.objects.create(item=item, position=n + 1, yes=3, no=2)
        Ballot.objects.create(vote=vote, choice="ja", party=party("S"))
    with django_assert_max_num_queries(10):
        assert client.get(item.get_absolute_url()).status_code == 200
